"""Benchmark: serving offline basemap tiles (geoapp.web.basemap) over HTTP.

Not a timed test: run by hand, ``python bench/bench_basemap.py [--tiles N]
[--requests N]``. It writes a synthetic raster basemap of N tiles (about 20 KiB
each, distinct bytes, zooms 8–16 over one county) as MBTiles and as PMTiles (the
``pmtiles`` package's writer: a root directory and leaves), serves the app on
127.0.0.1 (werkzeug, HTTP/1.1 keep-alive, one connection), and times the same
random tiles from each file: median and 95th percentile per request, client side.
In the same run it times one tile read in-process by geoapp's reader and by the
``pmtiles`` package's own ``Reader`` (which decodes the directories for every
tile; geoapp keeps them), the peer for the PMTiles figure.
"""

from __future__ import annotations

import argparse
import http.client
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from pmtiles.reader import MmapSource, Reader
from werkzeug.serving import WSGIRequestHandler, make_server

from geoapp import create_app
from geoapp.basemap.installed import Basemap, open_tileset
from geoapp.store.database import Database
from tests.support.basemaps import tiles_in, write_mbtiles, write_pmtiles

BOX = (120.0, 31.4, 120.6, 31.8)


def synthetic_tiles(n: int, rng: random.Random) -> dict:
    places = []
    for z in range(8, 17):
        places += tiles_in(BOX, [z])
        if len(places) >= n:
            break
    png = b"\x89PNG\r\n\x1a\n"
    return {t: png + rng.randbytes(rng.randint(10_000, 30_000)) for t in places[:n]}


class Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep the connection open

    def log_request(self, *args) -> None:  # no line per tile
        pass


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def time_http(port: int, paths: list[str]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    out = []
    for path in paths:
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        out.append(time.perf_counter() - start)
        assert response.status == 200 and body[:4] == b"\x89PNG", (path, response.status)
    conn.close()
    return out


def ms(values: list[float]) -> str:
    values = sorted(values)
    return (f"median {statistics.median(values) * 1000:.2f} ms, "
            f"p95 {values[int(len(values) * 0.95)] * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiles", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tiles = synthetic_tiles(args.tiles, rng)
        sample = rng.sample(sorted(tiles), min(args.requests, len(tiles)))
        files = {"MBTiles": write_mbtiles(tmp / "b.mbtiles", tiles, box=BOX),
                 "PMTiles": write_pmtiles(tmp / "b.pmtiles", tiles, box=BOX)}
        print(f"{len(tiles)} tiles, {sum(map(len, tiles.values())) / 2**20:.0f} MiB; "
              f"{len(sample)} requests each")
        database = Database(f"sqlite:///{tmp / 'bench.sqlite3'}")
        database.create_all()
        for kind, path in files.items():
            folder = tmp / kind
            Basemap(folder).install_file(path, "bench").tileset.close()
            app = create_app({"DATABASE_URL": database.url, "SECRET_KEY": "bench",
                              "BASEMAP_DIR": str(folder)})
            server = serve(app)
            paths = [f"/basemap/{z}/{x}/{y}.png" for z, x, y in sample]
            time_http(server.server_port, paths[:50])  # warm: the file opened, pages cached
            print(f"{kind} over HTTP: {ms(time_http(server.server_port, paths))}")
            server.shutdown()
            app.extensions["geoapp.db"].dispose()
        ours = open_tileset(files["PMTiles"])
        with open(files["PMTiles"], "rb") as f:
            reader = Reader(MmapSource(f))
            for name, get in (("geoapp PMTiles reader", ours.tile),
                              ("pmtiles package Reader", reader.get)):
                times = []
                for z, x, y in sample:
                    start = time.perf_counter()
                    assert get(z, x, y) == tiles[(z, x, y)]
                    times.append(time.perf_counter() - start)
                print(f"{name}, in-process: {ms(times)}")
            del reader
        ours.close()
        database.dispose()


if __name__ == "__main__":
    main()
