"""Benchmark: the leader's dashboard (``/api/dashboard``), on the demo and at county scale.

Not a timed test: run by hand, ``python bench/bench_dashboard.py [--cells N] [--points N]
[--hazards N] [--db PATH] [--no-county]``. In one run it

1. loads the bundled demo into a fresh SQLite database and times, through Flask's
   test client, ``/api/dashboard`` first (the request that loads the reports'
   dataset), warm, for another month (the slider moved: the dataset is kept,
   that month's end is computed), that month warm, its two charts, and the
   page; with the bytes of each answer (and gzip-compressed, as a proxy sends
   them) and of the page's own script and style;
2. the same on the county-scale database of ``bench_reports.py`` (10,000 cells,
   100,000 points, 30,000 hazards with their event logs; ``--db`` keeps it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_map  # noqa: E402
import bench_reports  # noqa: E402

from geoapp import create_app  # noqa: E402


def _get(client, url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - t0
    assert response.status_code == 200, (url, response.status_code, response.data[:200])
    return seconds, response.data


def measure(url: str, today: dt.date | None, label: str) -> None:
    config = {"DATABASE_URL": url, "SECRET_KEY": "bench"}
    if today is not None:
        config["TODAY"] = today
    app = create_app(config)
    client = app.test_client()
    base = today or dt.datetime.now(ZoneInfo(bench_reports.TZ)).date()
    this = base.strftime("%Y-%m")
    earlier = (base.replace(day=1) - dt.timedelta(days=95)).strftime("%Y-%m")
    rows = []
    for what, path in (
            ("/api/dashboard, first request (loads the dataset)", f"/api/dashboard?month={this}"),
            ("/api/dashboard, warm", f"/api/dashboard?month={this}"),
            (f"/api/dashboard?month={earlier} (slider moved)", f"/api/dashboard?month={earlier}"),
            (f"/api/dashboard?month={earlier}, warm", f"/api/dashboard?month={earlier}"),
            ("villages chart (SVG)", f"/api/dashboard/charts/villages.svg?month={earlier}"),
            ("trend chart (SVG)", f"/api/dashboard/charts/trend.svg?month={earlier}"),
            ("/dashboard page", f"/dashboard?month={earlier}"),
            ("/static/dashboard.js", "/static/dashboard.js"),
            ("/static/dashboard.css", "/static/dashboard.css")):
        seconds, body = _get(client, path)
        rows.append((what, seconds, len(body), len(gzip.compress(body, 6))))
    print(f"\n{label}\n")
    print("| request | seconds | bytes | gzip bytes |\n|---|---|---|---|")
    for what, seconds, raw, packed in rows:
        print(f"| {what} | {seconds:.3f} | {raw:,d} | {packed:,d} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--hazards", type=int, default=30_000)
    ap.add_argument("--vertices", type=int, default=80)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--db", help="keep the county database at this path (reused if it exists)")
    ap.add_argument("--no-county", action="store_true", help="the demo only")
    args = ap.parse_args()

    from geoapp.store.database import Database
    from geoapp.store.demo import load_demo

    folder = tempfile.mkdtemp(prefix="geoapp-bench-dashboard-")
    demo_url = f"sqlite:///{os.path.join(folder, 'demo.sqlite3')}"
    demo_today = dt.date(2026, 11, 14)
    app = create_app({"DATABASE_URL": demo_url, "SECRET_KEY": "bench"})
    database = Database(demo_url)
    load_demo(database, app.extensions["geoapp.rules"], echo=lambda _m: None, today=demo_today)
    database.dispose()
    measure(demo_url, demo_today, "the demo (synthetic county, 2026-11-14)")

    if args.no_county:
        return
    path = args.db or os.path.join(folder, "county.sqlite3")
    url = f"sqlite:///{path}"
    if not os.path.exists(path):
        rng = np.random.default_rng(args.seed)
        built = bench_map.build_database(url, args.cells, args.vertices, args.points, rng)
        added = bench_reports.add_hazards(url, args.hazards, rng)
        print(f"\nsynthetic county: {built['cells']:,d} cells, {built['points']:,d} points, "
              f"{added['hazards']:,d} hazards with {added['events']:,d} events")
    measure(url, None, f"county scale ({path})")


if __name__ == "__main__":
    main()
