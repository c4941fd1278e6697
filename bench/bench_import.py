"""Benchmark: a 100,000-row enterprise ledger (XLSX) imported through /admin/imports.

Not a timed test: run by hand, ``python bench/bench_import.py [--rows N]``.
Writes a synthetic ledger (labelled 虚构) of N enterprises, every point inside
one of the demo's cells (tests.support.ledgers: the same rows as the browser
test of a 100,000-row import), with openpyxl in write-only mode; loads the
demo's cells into a fresh SQLite database, then, in the same run and on the
same file:

* **geoapp, web**: ``POST /api/admin/imports`` (the dry run: the whole file
  checked and imported in a transaction that is rolled back), polled until
  previewed, then ``…/commit`` polled until committed; the poll's progress
  readings are counted (the page's bar moves with them);
* **geoapp, CLI**: ``geoapp import points`` of the same file into another
  fresh database (one pass, no preview);
* **the peer**: GDAL (through pyogrio) reading the XLSX and writing the points
  to a GeoPackage — a plain load with no checks, no cells, no history.

It prints the file's size, each time (the web's preview, commit and their total)
and the ratio to the peer.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

# the ledger's rows are the browser test's (tests/browser/test_import_large_browser.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.ledgers import enterprise_rows, write_ledger  # noqa: E402


def fresh_database(folder: Path, name: str):
    from geoapp.domain.layers import load_rules
    from geoapp.resources import bundled
    from geoapp.store import importer, migrate
    from geoapp.store.database import Database

    database = Database(f"sqlite:///{folder / name}")
    migrate.upgrade(database)
    rules = load_rules(bundled("layers"))
    importer.import_cells(database, rules, bundled("data") / "boundaries" / "cells.geojson")
    return database


def poll(client, response) -> tuple[dict, int]:
    """Until the job ends: its final status and how many distinct progress readings."""
    body, seen = response.get_json(), set()
    while body["state"] in ("checking", "importing"):
        p = body.get("progress") or {}
        seen.add((p.get("stage"), p.get("done")))
        time.sleep(0.25)
        body = client.get(f"/api/admin/imports/{body['id']}").get_json()
    return body, len(seen)


def web(folder: Path, ledger: Path) -> tuple[float, float, int, dict]:
    from geoapp import create_app
    from geoapp.store.accounts import create_user

    database = fresh_database(folder, "web.sqlite3")
    with database.transaction() as s:
        create_user(s, "admin", "admin", "bench-password-123", [])
    app = create_app({"DATABASE_URL": database.url, "SECRET_KEY": "b" * 40,
                      "IMPORT_DIR": str(folder / "uploads"), "WTF_CSRF_ENABLED": False,
                      "MAX_UPLOAD_MB": 100})
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "bench-password-123"})
    t0 = time.perf_counter()
    r = client.post("/api/admin/imports", content_type="multipart/form-data", data={
        "kind": "enterprise", "file": (BytesIO(ledger.read_bytes()), ledger.name)})
    preview, readings = poll(client, r)
    t1 = time.perf_counter()
    assert preview["state"] == "previewed", preview
    done, more = poll(client, client.post(f"/api/admin/imports/{preview['id']}/commit"))
    t2 = time.perf_counter()
    assert done["state"] == "committed", done
    app.extensions["geoapp.db"].dispose()
    database.dispose()
    return t1 - t0, t2 - t1, readings + more, done["result"]


def cli(folder: Path, ledger: Path) -> float:
    database = fresh_database(folder, "cli.sqlite3")
    url = database.url
    database.dispose()
    t0 = time.perf_counter()
    command = Path(sys.executable).parent / "geoapp"
    subprocess.run([command, "import", "points", "--layer", "enterprise", str(ledger)],
                   check=True, capture_output=True,
                   env={"GEOAPP_DATABASE_URL": url, "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - t0


def peer(folder: Path, ledger: Path) -> float:
    import geopandas as gpd
    import pyogrio

    t0 = time.perf_counter()
    frame = pyogrio.read_dataframe(ledger)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["经度"], frame["纬度"]),
                              crs=4326)
    pyogrio.write_dataframe(points, folder / "peer.gpkg")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ledger = folder / "合成企业台账（虚构）.xlsx"
        write_ledger(ledger, enterprise_rows(args.rows))
        print(f"{args.rows:,} rows, {ledger.stat().st_size / 1e6:.1f} MB XLSX")
        t_peer = peer(folder, ledger)
        t_cli = cli(folder, ledger)
        t_preview, t_commit, readings, result = web(folder, ledger)
        print(f"imported: {result['created']:,} added, {result['outside']:,} outside every cell;"
              f" {readings} distinct progress readings while polling")
        print("| | seconds | ratio to the peer |\n|---|---|---|")
        print(f"| GDAL (pyogrio) XLSX → GeoPackage, no checks (peer) | {t_peer:.1f} | 1.00 |")
        print(f"| geoapp import points (CLI, one pass) | {t_cli:.1f} | {t_cli / t_peer:.2f} |")
        print(f"| /admin/imports dry run (preview) | {t_preview:.1f} | {t_preview / t_peer:.2f} |")
        print(f"| /admin/imports commit | {t_commit:.1f} | {t_commit / t_peer:.2f} |")
        t_web = t_preview + t_commit
        print(f"| /admin/imports upload → preview → commit | {t_web:.1f} | {t_web / t_peer:.2f} |")


if __name__ == "__main__":
    main()
