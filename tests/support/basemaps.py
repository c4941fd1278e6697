"""Small basemap files the tests make themselves: MBTiles through sqlite3 and PMTiles
through the ``pmtiles`` writer, with PNG tiles drawn by Pillow or vector tiles (MVT)
encoded by ``mapbox-vector-tile``. Synthetic: each raster tile shows its z/x/y.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import sqlite3
from pathlib import Path

import mapbox_vector_tile
from PIL import Image, ImageDraw
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

# around the demo county (its cells span 120.19–120.41 E, 31.53–31.65 N)
DEMO_BOX = (120.0, 31.4, 120.6, 31.8)
ATTRIBUTION = "测试底图（虚构）"


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(x, n - 1), min(y, n - 1)


def tiles_in(box, zooms) -> list[tuple[int, int, int]]:
    w, s, e, n = box
    out = []
    for z in zooms:
        x0, y0 = tile_xy(w, n, z)
        x1, y1 = tile_xy(e, s, z)
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


def png_tile(z: int, x: int, y: int) -> bytes:
    """A light tile with a border, a road-like line and its address written on it."""
    image = Image.new("RGB", (256, 256), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 255, 255], outline=(190, 180, 160))
    draw.line([(0, 200), (256, 60)], fill=(250, 250, 250), width=6)
    draw.ellipse([150, 150, 230, 220], fill=(168, 200, 232))
    draw.text((10, 10), f"{z}/{x}/{y}", fill=(120, 110, 90))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def mvt_tile(z: int, x: int, y: int, gzipped: bool = True) -> bytes:
    """A vector tile with a lake (layer water) and a road (layer roads), y down."""
    data = mapbox_vector_tile.encode([
        {"name": "water", "features": [{"geometry": "POLYGON ((2400 2400, 3600 2400, 3600 3600,"
                                                    " 2400 3600, 2400 2400))",
                                        "properties": {"name": f"湖 {z}/{x}/{y}"}}]},
        {"name": "roads", "features": [{"geometry": "LINESTRING (0 3200, 4096 900)",
                                        "properties": {"kind": "major"}}]},
    ], default_options={"y_coord_down": True})
    return gzip.compress(data, mtime=0) if gzipped else data


def raster_tiles(zooms=range(0, 14), box=DEMO_BOX) -> dict:
    return {t: png_tile(*t) for t in tiles_in(box, zooms)}


def vector_tiles(zooms=range(0, 14), box=DEMO_BOX, gzipped=True) -> dict:
    return {t: mvt_tile(*t, gzipped=gzipped) for t in tiles_in(box, zooms)}


VECTOR_LAYERS = [{"id": "water", "fields": {"name": "String"}},
                 {"id": "roads", "fields": {"kind": "String"}}]


def write_mbtiles(path: Path, tiles: dict, fmt: str = "png", box=DEMO_BOX,
                  **metadata) -> Path:
    """An MBTiles 1.3 file: metadata table, TMS rows; ``metadata`` adds or overrides."""
    zooms = [z for z, _x, _y in tiles]
    meta = {"name": "测试底图", "format": fmt, "bounds": ",".join(map(str, box)),
            "minzoom": str(min(zooms, default=0)), "maxzoom": str(max(zooms, default=0)),
            "attribution": ATTRIBUTION, "type": "baselayer"}
    if fmt == "pbf":
        meta["json"] = json.dumps({"vector_layers": VECTOR_LAYERS})
    meta.update({k: v for k, v in metadata.items() if v is not None})
    for k in [k for k, v in metadata.items() if v is None]:
        meta.pop(k, None)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
                   " tile_row INTEGER, tile_data BLOB)")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    db.close()
    return path


def write_pmtiles(path: Path, tiles: dict, fmt: str = "png", box=DEMO_BOX) -> Path:
    """A PMTiles v3 file written by the pmtiles package's writer."""
    kind = {"png": TileType.PNG, "pbf": TileType.MVT}[fmt]
    gzipped = fmt == "pbf" and next(iter(tiles.values()))[:2] == b"\x1f\x8b"
    w, s, e, n = box
    with open(path, "wb") as f:
        writer = Writer(f)
        for tile_id, data in sorted((zxy_to_tileid(*k), v) for k, v in tiles.items()):
            writer.write_tile(tile_id, data)
        writer.finalize({
            "tile_type": kind,
            "tile_compression": Compression.GZIP if gzipped else Compression.NONE,
            "min_lon_e7": int(w * 1e7), "min_lat_e7": int(s * 1e7),
            "max_lon_e7": int(e * 1e7), "max_lat_e7": int(n * 1e7),
            "center_zoom": 10, "center_lon_e7": int((w + e) / 2 * 1e7),
            "center_lat_e7": int((s + n) / 2 * 1e7),
        }, {"name": "测试底图", "attribution": ATTRIBUTION,
            **({"vector_layers": VECTOR_LAYERS} if fmt == "pbf" else {})})
    return path
