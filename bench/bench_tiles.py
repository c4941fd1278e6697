"""Benchmark: the map's vector tiles against its snapshot mode, on PostGIS.

Not a timed test: run by hand, ``python bench/bench_tiles.py [--cells N] [--points N]
[--vertices N] [--views N] [--sqlite]``. In one run it

1. builds a synthetic territory with bench/bench_map.py's generator (Voronoi cells
   with shared wiggled edges, points in four layers, hazards on 5 %) in a fresh
   PostGIS database (``--sqlite``: the embedded default instead);
2. warms the map's snapshot (the first /api/map/cells), then opens ``--views``
   random 1280×800 views at zooms 11–15 and for each asks, through Flask's test
   client with gzip accepted, what each mode loads:
   * tile mode: every 256-pixel cells and points tile of the view
     (/tiles/…/{z}/{x}/{y}.mvt, each new: encoded, not from the tile cache) plus
     the cells' properties once (/api/map/cells?geometry=0);
   * snapshot mode: /api/map/cells (every cell's shape) plus /api/map/points for
     the view's box;
3. prints server time per tile (p50/p95, cells and points apart, and a cached
   tile's), bytes per view, and the snapshot mode's figures beside them as ratios.

The province of the issue is 100,000 cells × 1,000,000 points; building it takes
long on a 2-core machine, so the defaults are smaller: say the size you ran.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time

import numpy as np
import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(__file__))
from bench_map import Meter, build_database, serve  # noqa: E402

from geoapp import create_app  # noqa: E402

ADMIN = os.environ.get("GEOAPP_BENCH_POSTGIS_ADMIN",
                       "postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql")
GZIP = {"Accept-Encoding": "gzip"}


def fresh_postgis(name: str) -> str:
    engine = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()
    url = ADMIN.replace("/postgres?", f"/{name}?")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url


def tile_xy(lon: float, lat: float, z: int) -> tuple[float, float]:
    n = 2**z
    return (lon + 180) / 360 * n, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n


def lonlat(x: float, y: float, z: int) -> tuple[float, float]:
    n = 2**z
    return x / n * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def timed(client, url: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    r = client.get(url, headers=GZIP)
    seconds = time.perf_counter() - t0
    assert r.status_code == 200, (url, r.status_code, r.data[:200])
    return seconds, len(r.data), r.status_code


def pct(values, q) -> float:
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def browser_first_view(app, meter: Meter, tiles: bool, width=1280, height=800) -> dict:
    """The leader's map opened in headless Chromium in one mode (the snapshot warm):
    seconds until ``window.geoappReady`` (cells' data drawn, first points asked) and
    until the network is idle (every tile of the first view answered), the requests and
    the bytes on the wire (gzip, as Chromium asks)."""
    import shutil

    from playwright.sync_api import sync_playwright

    big = 10**12
    app.config.update(MAP_TILE_CELLS=0 if tiles else big, MAP_TILE_POINTS=0 if tiles else big)
    server = serve(app)
    finished: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("requestfinished", lambda _r: finished.append(time.perf_counter()))
            meter.log.clear()
            t0 = time.perf_counter()
            page.goto(f"http://127.0.0.1:{server.server_port}/")
            page.evaluate("window.geoappReady.then(() => true)")
            ready = time.perf_counter() - t0
            page.wait_for_load_state("networkidle")
            mode = page.evaluate("window.geoappMapApp.config.tiles")
            browser.close()
    finally:
        server.shutdown()
    assert mode == {"cells": tiles, "points": tiles}, mode
    log = list(meter.log)
    return {"ready": ready, "idle": max(max(finished) - t0, ready), "requests": len(log),
            "tiles": sum("/tiles/" in r["path"] for r in log),
            "bytes": sum(r["bytes"] for r in log),
            "server": sum(r["seconds"] for r in log)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=20_000)
    ap.add_argument("--points", type=int, default=200_000)
    ap.add_argument("--vertices", type=int, default=40)
    ap.add_argument("--views", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--sqlite", action="store_true", help="the embedded database instead")
    ap.add_argument("--browser", action="store_true",
                    help="also open the map in headless Chromium in both modes (first view)")
    ap.add_argument("--reuse", action="store_true",
                    help="measure the PostGIS database a previous run built (no build)")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.reuse:
        url = ADMIN.replace("/postgres?", "/geoapp_bench_tiles?")
        print(f"PostGIS, the database of a previous run; {os.cpu_count()} cores")
    else:
        if args.sqlite:
            url = f"sqlite:///{tempfile.mkdtemp(prefix='geoapp-bench-tiles-')}/bench.sqlite3"
        else:
            url = fresh_postgis("geoapp_bench_tiles")
        built = build_database(url, args.cells, args.vertices, args.points, rng)
        print(f"{'SQLite' if args.sqlite else 'PostGIS'}: {built['cells']:,d} cells "
              f"({built['vertices']:.0f} vertices on average), {built['points']:,d} points, "
              f"{built['hazards']:,d} hazards (built in {built['seconds']:.0f} s); "
              f"{os.cpu_count()} cores")
    # no expiry during the run: a rebuilt snapshot would drop the tiles made so far
    # warm start on, as served (its refresh pushed out of the run): the worker builds the
    # snapshot and the first view's tiles (geoapp.map.tilekeep.seed) before it says ready
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "MAP_CACHE_SECONDS": 3600,
                      "WARM_START": True, "WARM_REFRESH_SECONDS": 3600,
                      # tile mode at any size (the default starts above 20,000 cells)
                      "MAP_TILE_CELLS": 0, "MAP_TILE_POINTS": 0})
    client = app.test_client()
    t0 = time.perf_counter()
    while client.get("/healthz/ready").status_code != 200:
        time.sleep(0.1)
    seeded = app.extensions["geoapp.mapcache"]._snapshot.vector_tiles
    print(f"worker ready (snapshot, headline, default report, {len(seeded)} tiles of the "
          f"first view made ahead): {time.perf_counter() - t0:.1f} s")
    first_cells = timed(client, "/api/map/cells")
    # the browser first, while the tiles made ahead are all there (measuring the tiles
    # below drops them)
    if args.browser:
        meter = Meter(app.wsgi_app)
        app.wsgi_app = meter
        views = {mode: browser_first_view(app, meter, mode == "tile") for mode in
                 ("tile", "snapshot")}
    timed(client, "/api/map/cells?geometry=0")  # made once per snapshot, like the cells'
    props = timed(client, "/api/map/cells?geometry=0")
    cells_json = timed(client, "/api/map/cells")
    layers = "enterprise,idle_site,confined_space,major_hazard"
    # every tile below new: the warm-up's (the first view's zooms, 10-11 at a province)
    # would be answered from the cache and counted as made
    app.extensions["geoapp.mapcache"]._snapshot.vector_tiles.clear()

    tile_times = {"cells": [], "points": []}
    tile_cpu = {"cells": [], "points": []}  # this process' CPU (PostGIS' work is not in it)
    cached, view_tiles, view_json, tiles_per_view = [], [], [], []
    json_times, made = [], []
    for _ in range(args.views):
        z = int(rng.integers(11, 16))
        lon, lat = rng.uniform(120.1, 120.9), rng.uniform(31.1, 31.9)
        cx, cy = tile_xy(lon, lat, z)
        x0, x1 = int(cx - 640 / 256), int(cx + 640 / 256)
        y0, y1 = int(cy - 400 / 256), int(cy + 400 / 256)
        size = 0
        for kind in ("cells", "points"):
            query = f"?layers={layers}" if kind == "points" else ""
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    c0 = time.process_time()
                    seconds, n, _ = timed(client, f"/tiles/{kind}/{z}/{x}/{y}.mvt{query}")
                    tile_cpu[kind].append(time.process_time() - c0)
                    tile_times[kind].append(seconds)
                    size += n
        cached.append(timed(client, f"/tiles/cells/{z}/{x0}/{y0}.mvt")[0])
        made.append((z, range(x0, x1 + 1), range(y0, y1 + 1)))
        tiles_per_view.append((x1 - x0 + 1) * (y1 - y0 + 1) * 2)
        view_tiles.append(size)
        w, n_ = lonlat(cx - 640 / 256, cy - 400 / 256, z)
        e, s = lonlat(cx + 640 / 256, cy + 400 / 256, z)
        pad_x, pad_y = (e - w) * 0.25, (n_ - s) * 0.25  # the map pads its box by 25 %
        seconds, n, _ = timed(client, f"/api/map/points?bbox={w - pad_x},{s - pad_y},"
                                      f"{e + pad_x},{n_ + pad_y}&zoom={z}&layers={layers}")
        json_times.append(seconds)
        view_json.append(n)

    # the same tiles made again without the request around them: what the tile itself
    # costs (the request adds the data fingerprint's check, the account and the filters)
    from geoapp.map import vtiles
    from geoapp.web.clock import today

    encode, encode_kind = [], {"cells": [], "points": []}
    with app.test_request_context():
        rules = app.extensions["geoapp.rules"]
        session = app.extensions["geoapp.db"].engine.connect()
        from sqlalchemy.orm import Session

        with Session(bind=session) as s:
            snap = app.extensions["geoapp.mapcache"].load(
                s, rules, today(rules.risk.hazards.timezone))
            snap.vector_tiles.clear()
            for z, xs, ys in made:
                for kind in ("cells", "points"):
                    for x in xs:
                        for y in ys:
                            t0 = time.perf_counter()
                            vtiles.tile(s, snap, kind, z, x, y, None, vtiles.Filters(
                                layers=tuple(layers.split(",")) if kind == "points" else None))
                            encode.append(time.perf_counter() - t0)
                            encode_kind[kind].append(encode[-1])
        session.close()
    t0 = time.perf_counter()
    with app.app_context():
        from geoapp.store.fingerprint import data_fingerprint

        with Session(bind=app.extensions["geoapp.db"].engine) as s:
            checks = []
            for _ in range(5):
                t0 = time.perf_counter()
                data_fingerprint(s)
                checks.append(time.perf_counter() - t0)

    all_tiles = tile_times["cells"] + tile_times["points"]
    print(f"\n{args.views} views of 1280×800 at zooms 11–15, "
          f"{np.mean(tiles_per_view):.0f} tiles per view (cells and points)")
    print(f"tile server time, new tile:   cells p50 {pct(tile_times['cells'], 50):.1f} ms "
          f"p95 {pct(tile_times['cells'], 95):.1f} ms · points p50 "
          f"{pct(tile_times['points'], 50):.1f} ms p95 {pct(tile_times['points'], 95):.1f} ms"
          f" · all p95 {pct(all_tiles, 95):.1f} ms")
    print(f"  the worker's CPU per new tile: cells p50 {pct(tile_cpu['cells'], 50):.1f} ms "
          f"p95 {pct(tile_cpu['cells'], 95):.1f} ms · points p50 "
          f"{pct(tile_cpu['points'], 50):.1f} ms p95 {pct(tile_cpu['points'], 95):.1f} ms "
          f"(PostGIS' own not counted); load average {os.getloadavg()[0]:.1f}")
    print(f"tile server time, cached:     p50 {pct(cached, 50):.2f} ms")
    print(f"a tile made, without the request: p50 {pct(encode, 50):.1f} ms "
          f"p95 {pct(encode, 95):.1f} ms; the data fingerprint's check every request makes "
          f"(the map's JSON too): p50 {pct(checks, 50):.1f} ms")
    print(f"  of which cells p95 {pct(encode_kind['cells'], 95):.1f} ms, points p95 "
          f"{pct(encode_kind['points'], 95):.1f} ms")
    print(f"snapshot mode /api/map/points per view: p50 {pct(json_times, 50):.1f} ms "
          f"p95 {pct(json_times, 95):.1f} ms; /api/map/cells (warm) {cells_json[0] * 1000:.0f} ms")
    tile_view = float(np.mean(view_tiles))
    json_view = float(np.mean(view_json))
    print("\nbytes on the wire (gzip)                 tile mode     snapshot mode   ratio")
    first_tile = props[1] + tile_view
    first_json = cells_json[1] + json_view
    print(f"first view (page data)               {first_tile / 1e6:10.2f} MB "
          f"{first_json / 1e6:12.2f} MB   {first_tile / first_json:.2f}")
    print(f"  of which cells' properties / shapes {props[1] / 1e6:9.2f} MB "
          f"{cells_json[1] / 1e6:12.2f} MB   {props[1] / cells_json[1]:.2f}")
    print(f"each further view                    {tile_view / 1e6:10.2f} MB "
          f"{json_view / 1e6:12.2f} MB   {tile_view / json_view:.2f}")
    print(f"\nserver time of a first view: tile mode {props[0] * 1000:.0f} ms "
          f"(properties) + {np.mean(tiles_per_view):.0f} tiles at p50 "
          f"{pct(all_tiles, 50):.1f} ms; snapshot mode {cells_json[0] * 1000:.0f} ms (cells) + "
          f"{pct(json_times, 50):.0f} ms (points); first /api/map/cells once ready "
          f"{first_cells[0]:.2f} s")

    if args.browser:
        print("\nheadless Chromium 1280×800, the map's first view, snapshot warm")
        print("                                    tile mode   snapshot mode   ratio")
        for label, key, unit, scale in (("window.geoappReady", "ready", "s", 1),
                                        ("every request answered", "idle", "s", 1),
                                        ("bytes on the wire (gzip)", "bytes", "MB", 1e-6),
                                        ("server time, all requests", "server", "s", 1)):
            t, j = views["tile"][key] * scale, views["snapshot"][key] * scale
            print(f"{label:34s} {t:9.2f} {unit:2s} {j:11.2f} {unit:2s}  {t / j:6.2f}")
        print(f"requests (of which tiles)          {views['tile']['requests']:6d} "
              f"({views['tile']['tiles']})  {views['snapshot']['requests']:8d}")
        print(f"goal: first view ready ≤ 2 s in tile mode: "
              f"{'met' if views['tile']['idle'] <= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
