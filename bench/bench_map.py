"""Benchmark: the leader's map at county scale against a naive folium page.

Not a timed test: run by hand, ``python bench/bench_map.py [--cells N]
[--points N] [--vertices N] [--no-browser]``. In one run it

1. builds a synthetic database (embedded SQLite, the app's own models and
   assignment): N cells of ~80 vertices (a Voronoi tessellation whose edges
   are wiggled once and shared by both neighbours, as surveyed boundaries are),
   N points in four layers (2 % outside every cell) and hazards on 5 % of them;
2. serves the app on 127.0.0.1 and loads ``/`` in headless Chromium
   (Playwright driving Debian's /usr/bin/chromium) at 1280×800, recording every
   request the page makes until ``window.geoappReady`` resolves: bytes on the
   wire (Chromium asks for gzip) and server time per request, measured in a
   WSGI wrapper. Once with a cold server (the map's snapshot is built on the
   first request) and once warm. Without Chromium (``--no-browser``) the same
   requests are made through Flask's test client, with the viewport's
   bounding box computed here;
3. builds the naive page in the same run: ``folium.GeoJson`` of the same
   cells (``/api/cells``'s FeatureCollection, with a popup) plus a
   ``MarkerCluster`` of one plain ``folium.Marker`` per point (no popups: the
   cheapest naive form), rendered to HTML, and gzip-compressed as a server
   would send it;

and prints both with ratios.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import os
import shutil
import tempfile
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import numpy as np
import shapely
import sqlalchemy as sa

from geoapp import create_app

LAYER_SHARE = {"enterprise": 0.6, "idle_site": 0.1, "confined_space": 0.25, "major_hazard": 0.05}


# ---- synthetic data ---------------------------------------------------------------------


def make_cells(n: int, vertices: int, rng, extent=(120.0, 31.0, 121.0, 32.0)) -> np.ndarray:
    """Voronoi cells whose every edge is wiggled once, so neighbours share it exactly."""
    x0, y0, x1, y1 = extent
    seeds = shapely.points(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n))
    frame = shapely.box(*extent)
    vor = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame)),
        frame)
    edges = shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.boundary(vor))))
    k = max(2, round(vertices / 6))  # a Voronoi cell has about six edges
    lines = []
    for line in edges:
        c = shapely.get_coordinates(line)
        if len(c) != 2:
            lines.append(line)
            continue
        a, b = c
        t = np.linspace(0, 1, k + 1)
        d = b - a
        length = float(np.hypot(*d))
        normal = np.array([-d[1], d[0]]) / length
        walk = np.cumsum(rng.normal(0, 1, k + 1))
        walk -= walk[0] + t * (walk[-1] - walk[0])
        offset = 0.04 * length * walk / max(1.0, np.abs(walk).max()) * np.sin(np.pi * t)
        lines.append(shapely.linestrings(a + t[:, None] * d + offset[:, None] * normal))
    return shapely.get_parts(shapely.polygonize(lines))


def build_database(url: str, n_cells: int, vertices: int, n_points: int, rng) -> dict:
    from geoapp.domain.layers import load_rules
    from geoapp.resources import bundled
    from geoapp.store import assignment
    from geoapp.store.database import Database
    from geoapp.store.models import Cell, Hazard, Point, Town, Village

    rules = load_rules(bundled("layers"))
    database = Database(url)
    database.create_all()
    t0 = time.perf_counter()
    cells = make_cells(n_cells, vertices, rng)
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    # 10 towns (columns) × 20 villages (rows in each)
    town_of = np.minimum(((centroids[:, 0] - 120) * 10).astype(int), 9)
    village_of = np.minimum(((centroids[:, 1] - 31) * 20).astype(int), 19)
    with database.transaction() as s:
        towns = [Town(name=f"合成{t + 1}镇") for t in range(10)]
        villages = {(t, v): Village(town=towns[t], name=f"合成{t + 1}镇{v + 1}村")
                    for t in range(10) for v in range(20)}
        s.add_all(villages.values())
        s.flush()
        s.execute(sa.insert(Cell), [
            {"code": f"C{i:05d}", "name": f"第{i + 1}网格（合成）",
             "village_id": villages[int(town_of[i]), int(village_of[i])].id,
             "geom": shapely.MultiPolygon([g]), "risk_level": "blue",
             "members": [{"name": f"网格员{i}", "phone": f"138{i:08d}"}]}
            for i, g in enumerate(cells)])
        x = rng.uniform(119.995, 121.005, n_points)
        y = rng.uniform(30.995, 32.005, n_points)
        layers = rng.choice(list(LAYER_SHARE), n_points, p=list(LAYER_SHARE.values()))
        grades = ["一级", "二级", "三级", "四级"]
        rows = []
        for i in range(n_points):
            layer = layers[i]
            if layer == "enterprise":
                attrs = {"industry": "2614", "lec_d": float(rng.integers(20, 400))}
            elif layer == "idle_site":
                attrs = {"category": "废弃厂房"}
            elif layer == "confined_space":
                attrs = {"locked": bool(rng.random() < 0.8)}
            else:
                attrs = {"grade": grades[rng.integers(0, 4)]}
            rows.append({"layer": layer, "key": f"{layer}-{i}", "name": f"合成点位{i}（虚构）",
                         "geom": shapely.Point(x[i], y[i]), "attrs": attrs,
                         "zone_codes": [], "source_crs": "wgs84"})
        s.execute(sa.insert(Point), rows)
        ids = s.scalars(sa.select(Point.id)).all()
        chosen = rng.choice(ids, len(ids) // 20, replace=False)
        today = dt.date.today()
        hazards = []
        for j, pid in enumerate(chosen):
            found = today - dt.timedelta(days=int(rng.integers(0, 1200)))
            major = rng.random() < 0.1
            state = rng.choice(["open", "rectifying", "awaiting_acceptance", "closed"],
                               p=[0.1, 0.1, 0.05, 0.75])
            hazards.append({
                "code": f"H{j:06d}", "point_id": int(pid), "level": "major" if major else "general",
                "source": "inspection", "description": "合成隐患", "found_on": found,
                "deadline": found + dt.timedelta(days=int(rng.integers(30, 180))),
                "listed": bool(major and rng.random() < 0.3), "state": str(state),
                "closed_on": found + dt.timedelta(days=20) if state == "closed" else None,
                "version": 1})
        s.execute(sa.insert(Hazard), hazards)
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    vertices_per_cell = float(shapely.get_num_coordinates(cells).mean())
    if database.engine.dialect.name == "postgresql":
        # a served database is autovacuumed; one just bulk-written is not yet, and its
        # index-only scans (the data fingerprint's among them) would read the heap
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM ANALYZE"))
    database.dispose()
    return {"cells": len(cells), "vertices": vertices_per_cell, "points": n_points,
            "hazards": len(hazards), "seconds": time.perf_counter() - t0}


# ---- measuring the app ------------------------------------------------------------------


class Meter:
    """WSGI wrapper: bytes sent and server time of every request."""

    def __init__(self, app):
        self.app = app
        self.log: list[dict] = []

    def __call__(self, environ, start_response):
        t0, c0 = time.perf_counter(), time.thread_time()
        seen = {}

        def start(status, headers, exc_info=None):
            seen["status"] = status
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        try:
            chunks = [bytes(c) for c in body]
        finally:
            if hasattr(body, "close"):
                body.close()
        path = environ["PATH_INFO"] + ("?" + environ["QUERY_STRING"]
                                       if environ.get("QUERY_STRING") else "")
        self.log.append({"path": path, "status": seen.get("status", ""),
                         "bytes": sum(map(len, chunks)), "seconds": time.perf_counter() - t0,
                         # CPU of the thread serving it: what the request cost, whatever else
                         # the machine runs (wall-clock time grows with the load average)
                         "cpu": time.thread_time() - c0})
        return chunks


def browser_load(url: str, meter: Meter, width=1280, height=800) -> dict:
    from playwright.sync_api import sync_playwright

    meter.log.clear()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or
                                    "/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        t0 = time.perf_counter()
        page.goto(url)
        page.evaluate("window.geoappReady.then(() => true)")
        ready = time.perf_counter() - t0
        page.wait_for_timeout(300)  # late requests (icons) still count
        cells = page.evaluate("window.geoappMapUi.state.polygons.length")
        browser.close()
    return {"requests": list(meter.log), "ready_seconds": ready, "cells_drawn": cells}


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def client_load(app, meter: Meter, width=1010, height=720) -> dict:
    """The page's requests through the test client (no browser): page, assets, data."""
    import math

    from werkzeug.test import Client

    meter.log.clear()
    client = Client(meter)
    headers = {"Accept-Encoding": "gzip, deflate, br"}
    resp = client.get("/", headers=headers)
    page = b"".join(resp.response)
    if resp.headers.get("Content-Encoding") == "gzip":  # the page is sent compressed
        page = gzip.decompress(page)
    page = page.decode()
    parser = _Assets()
    parser.feed(page)
    for u in parser.urls + ["/vendor/leaflet/images/layers.png"]:
        list(client.get(u, headers=headers).response)
    resp = client.get("/api/map/cells", headers={"Accept": "application/json"})
    body = b"".join(resp.response)
    import json

    cells = json.loads(body)
    w, s, e, n = cells["bounds"]

    def merc(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    zx = math.log2(width * 360 / (256 * (e - w)))
    zy = math.log2(height * 2 * math.pi / (256 * (merc(n) - merc(s))))
    zoom = math.floor(min(zx, zy) * 4) / 4
    pad_x, pad_y = (e - w) * 0.25, (n - s) * 0.25
    list(client.get("/api/map/points", query_string={
        "bbox": f"{w - pad_x},{s - pad_y},{e + pad_x},{n + pad_y}", "zoom": round(zoom),
        "layers": ",".join(cells["layers"])}, headers=headers).response)
    return {"requests": list(meter.log), "ready_seconds": None, "cells_drawn": len(cells["code"])}


def move_one_hazard(app) -> None:
    """One open hazard starts rectification, as a grid member would: the map must follow."""
    import sqlalchemy as sa

    from geoapp.store import hazards
    from geoapp.store.models import Hazard

    database, rules = app.extensions["geoapp.db"], app.extensions["geoapp.rules"]
    with database.transaction() as s:
        hazard_id = s.scalar(sa.select(Hazard.id).where(Hazard.state == "open").limit(1))
        hazards.move(s, rules, hazard_id, "start", actor="bench", role="admin")


def serve(app):
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


# ---- the naive folium page ----------------------------------------------------------------


def naive_folium(app) -> dict:
    import folium
    from folium.plugins import MarkerCluster

    from geoapp.store.reads import map_data, pages

    with app.app_context():
        t0 = time.perf_counter()
        rules = app.extensions["geoapp.rules"]
        with app.extensions["geoapp.db"].sessions() as session:
            cells = pages.cells_collection(session, rules, dt.date.today())
            points = map_data.map_points(session)
        colours = {lv.code: lv.colour for lv in rules.risk.levels}
        w, s, e, n = shapely.total_bounds(shapely.points(points["lon"], points["lat"]))
        m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=10)
        folium.GeoJson(
            cells, name="网格",
            style_function=lambda f: {"fillColor": colours[f["properties"]["risk_level"]],
                                      "color": "#fff", "weight": 1, "fillOpacity": 0.6},
            popup=folium.GeoJsonPopup(fields=["code", "name", "village", "risk_level"]),
        ).add_to(m)
        cluster = MarkerCluster(name="点位").add_to(m)
        for lon, lat in zip(points["lon"], points["lat"], strict=True):
            folium.Marker([lat, lon]).add_to(cluster)
        html = m.get_root().render().encode()
        seconds = time.perf_counter() - t0
    return {"bytes": len(html), "gzip": len(gzip.compress(html, 6)), "seconds": seconds}


# ---- main -----------------------------------------------------------------------------------


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def report(name: str, load: dict) -> tuple[int, float]:
    total_bytes = sum(r["bytes"] for r in load["requests"])
    total_time = sum(r["seconds"] for r in load["requests"])
    load["cpu"] = sum(r["cpu"] for r in load["requests"])
    print(f"\n{name}: {len(load['requests'])} requests, {mb(total_bytes)} on the wire, "
          f"{total_time:.3f} s server time ({load['cpu']:.3f} s CPU)"
          + (f", ready in the browser after {load['ready_seconds']:.2f} s"
             if load["ready_seconds"] else "")
          + f", {load['cells_drawn']} cells drawn")
    for r in load["requests"]:
        path = urlsplit(r["path"]).path
        query = r["path"][len(path):]
        print(f"  {r['bytes']:>10,d} B  {r['seconds'] * 1000:8.1f} ms  {r['status'][:3]}  "
              f"{path}{query[:70]}")
    return total_bytes, total_time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--vertices", type=int, default=80)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--no-browser", action="store_true",
                    help="use Flask's test client instead of headless Chromium")
    ap.add_argument("--keep", help="keep the synthetic database at this path")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    folder = tempfile.mkdtemp(prefix="geoapp-bench-map-")
    path = args.keep or os.path.join(folder, "bench.sqlite3")
    url = f"sqlite:///{path}"
    if args.keep and os.path.exists(path):
        print(f"reusing {path}")
        built = {"cells": args.cells, "points": args.points}
    else:
        built = build_database(url, args.cells, args.vertices, args.points, rng)
        print(f"synthetic database: {built['cells']:,d} cells ({built['vertices']:.0f} vertices "
              f"on average), {built['points']:,d} points, {built['hazards']:,d} hazards "
              f"(built in {built['seconds']:.1f} s)")

    def make(warm: bool):
        # the warm-up's periodic refresh is pushed out of the run, so that the loads
        # below pay for what a request pays (a move patched in by the request itself)
        # (and nothing expires during the run: on a busy machine a build can take longer
        # than MAP_CACHE_SECONDS)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WARM_START": warm,
                          "WARM_REFRESH_SECONDS": 3600, "MAP_CACHE_SECONDS": 3600})
        meter = Meter(app.wsgi_app)
        app.wsgi_app = meter
        return app, meter

    use_browser = not args.no_browser and shutil.which("chromium")
    try:
        if use_browser:
            import playwright  # noqa: F401
    except ImportError:
        use_browser = False

    def loads(app, meter, warm_start: bool) -> dict:
        out = {}
        server = serve(app) if use_browser else None
        base = f"http://127.0.0.1:{server.server_port}/" if server else None
        if warm_start:  # the worker starts: wait until it reports ready
            t0 = time.perf_counter()
            client = app.test_client()
            while client.get("/healthz/ready").status_code != 200:
                time.sleep(0.05)
            out["ready after"] = time.perf_counter() - t0
            meter.log.clear()
        load = (lambda: browser_load(base, meter)) if server else (lambda: client_load(app, meter))
        out["first"] = load()
        out["warm"] = load()
        move_one_hazard(app)
        out["moved"] = load()
        if server:
            server.shutdown()
        return out

    how = "headless Chromium 1280×800" if use_browser else "Flask test client (no browser)"
    app, meter = make(warm=False)
    cold = loads(app, meter, False)["first"]
    app.extensions["geoapp.db"].dispose()
    app, meter = make(warm=True)
    started = loads(app, meter, True)
    warm, moved = started["warm"], started["moved"]
    patches = app.extensions["geoapp.mapcache"].patches
    print(f"\ngeoapp's map, first page plus every request it makes on load ({how}):")
    cold_bytes, cold_time = report("cold server, no warm start (first request builds)", cold)
    ready_bytes, ready_time = report(
        f"first request after start, worker ready (warm-up {started['ready after']:.2f} s)",
        started["first"])
    warm_bytes, warm_time = report("warm server", warm)
    moved_bytes, moved_time = report(
        f"after one hazard moved (patched in: {patches} patch)", moved)
    print(f"\n| | server time | its CPU | goal | ratio to goal (time; CPU) |  "
          f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("|---|---|---|---|---|")
    print(f"| worker ready after start (background build) | {started['ready after']:.2f} s | "
          "| | |")
    for name, (t, load, goal) in {
            "first load after start, worker ready": (ready_time, started["first"], 0.5),
            "first load after a hazard move": (moved_time, moved, 0.2),
            "first load, no warm start (before)": (cold_time, cold, 0.5)}.items():
        print(f"| {name} | {t:.2f} s | {load['cpu']:.2f} s | {goal} s | "
              f"{t / goal:.2f}; {load['cpu'] / goal:.2f} |")

    naive = naive_folium(app)
    print(f"\nnaive folium page (GeoJson of {built['cells']:,d} cells + MarkerCluster of "
          f"{built['points']:,d} markers, CDN assets not counted): {mb(naive['bytes'])} "
          f"({mb(naive['gzip'])} gzip-compressed), {naive['seconds']:.2f} s to build")

    print("\n| | on the wire | server time |")
    print("|---|---|---|")
    print(f"| geoapp, cold | {mb(cold_bytes)} | {cold_time:.2f} s |")
    print(f"| geoapp, warm | {mb(warm_bytes)} | {warm_time:.2f} s |")
    print(f"| geoapp, first load after a hazard move | {mb(moved_bytes)} | {moved_time:.2f} s |")
    print(f"| naive folium (gzip) | {mb(naive['gzip'])} | {naive['seconds']:.2f} s |")
    print(f"| naive folium (uncompressed) | {mb(naive['bytes'])} | |")
    print(f"| ratio geoapp warm / naive gzip | {warm_bytes / naive['gzip']:.3f} | "
          f"{warm_time / naive['seconds']:.3f} |")
    print(f"| ratio geoapp cold / naive gzip | {cold_bytes / naive['gzip']:.3f} | "
          f"{cold_time / naive['seconds']:.3f} |")
    budget_ok = warm_bytes <= 3e6 and warm_time <= 0.5
    print(f"\nbudget (≤ 3 MB and ≤ 0.5 s, warm): {'met' if budget_ok else 'NOT met'}")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
