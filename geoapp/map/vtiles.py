"""The leader's map as Mapbox Vector Tiles (``/tiles/cells|points/{z}/{x}/{y}.mvt``), no Flask.

Past county scale the map cannot send every cell's shape at once; tiles send
only what one 256-pixel square shows. What a tile holds is decided here, from
the snapshot (``geoapp.map.snapshot``), for both backends: the cells of the
account's scope meeting the tile that pass the filters, and the points that
pass them, at most one per layer on each screen pixel (the worst level drawn,
so a dense tile looks the same and stays small). Only the encoding differs:
PostGIS encodes with ``ST_AsMVT``/``ST_AsMVTGeom`` (geoapp.store.reads.map_tiles),
the embedded default with the ``mapbox-vector-tile`` package, to the same
extent, buffer and properties. Tiles are kept in the snapshot, which is
rebuilt when the data's fingerprint changes: that is their invalidation.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import mapbox_vector_tile
import numpy as np
import shapely

from geoapp.domain.layers import LEVEL_ORDER
from geoapp.map.geometry import mercator_px, tile_bounds
from geoapp.map.payload import Payload
from geoapp.map.scoped import area_cells, cell_indices, cells_payload
from geoapp.map.snapshot import HAZARD_FILTERS, Snapshot
from geoapp.store.reads import map_tiles

EXTENT = 4096  # tile coordinates per side (the MVT default)
BUFFER = 64  # coordinates drawn beyond each edge, so strokes do not break at tile edges
PIXEL = EXTENT // 256  # one screen pixel: the points' thinning grid
R = 6378137.0
CELL_HAZARD = {"open": 0, "overdue": 1, "major_open": 2, "listed": 3, "major_overdue": 5,
               "major_stock": 6, "major_increment": 7}  # hazard filter → cells_doc column
MAX_CACHED = 4000


@dataclass(frozen=True)
class Filters:
    """The map's filters, as /api/map/points takes them (geoapp.web.map parses them)."""

    layers: tuple | None = None
    levels: tuple | None = None
    hazard: str | None = None
    area: tuple | None = None  # cell indices of town/village/cell, None: no area filter
    outside: str | None = None
    visit: str | None = None
    key: bool = False


def mercator_bounds(z: int, x: int, y: int, buffer: int = 0) -> tuple[float, ...]:
    """A tile's EPSG:3857 bounds, widened by ``buffer`` tile coordinates on each side."""
    size = 2 * math.pi * R / 2**z
    pad = size * buffer / EXTENT
    west = -math.pi * R + x * size
    north = math.pi * R - y * size
    return west - pad, north - size - pad, west + size + pad, north + pad


def _to_tile(coords: np.ndarray, z: int, x: int, y: int) -> np.ndarray:
    """lon/lat → this tile's coordinates (x right, y up, 0…EXTENT inside the tile)."""
    w, s, e, _n = mercator_bounds(z, x, y)
    mx = np.radians(coords[:, 0]) * R
    my = np.log(np.tan(np.pi / 4 + np.radians(np.clip(coords[:, 1], -85.0511, 85.0511)) / 2)) * R
    scale = EXTENT / (e - w)
    return np.column_stack(((mx - w) * scale, (my - s) * scale))


def _lonlat_box(z: int, x: int, y: int, buffer: int) -> tuple[float, ...]:
    w, s, e, n = tile_bounds(z, x, y)
    dx, dy = (e - w) * buffer / EXTENT, (n - s) * buffer / EXTENT * 1.01  # lat: a little more
    return w - dx, s - dy, e + dx, n + dy


def cell_rows(snap: Snapshot, z: int, x: int, y: int, only, f: Filters) -> list[dict]:
    """The cells a cells tile holds (code order) with their properties."""
    idx = cell_indices(snap, only) if only is not None else np.arange(len(snap.cell_codes))
    if f.area is not None:
        idx = np.intersect1d(idx, np.asarray(f.area, dtype=np.int64))
    doc = snap.cells_doc
    if f.levels is not None:
        wanted = [LEVEL_ORDER.index(v) for v in f.levels]
        idx = idx[np.isin(np.asarray(doc["level"], dtype=np.int64)[idx], wanted)]
    if f.hazard:
        column = CELL_HAZARD[f.hazard]
        idx = np.array([i for i in idx if doc["hazards"][i][column] > 0], dtype=np.int64)
    w, s, e, n = _lonlat_box(z, x, y, BUFFER)
    b = snap.geometry.bounds[idx]
    idx = idx[(b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s)]
    return [{"i": int(i), "code": snap.cell_codes[i], "name": doc["name"][i],
             "risk_level": LEVEL_ORDER[doc["level"][i]], "overdue": int(doc["hazards"][i][1]),
             "listed": int(doc["hazards"][i][3])} for i in sorted(idx.tolist())]


def point_rows(snap: Snapshot, z: int, x: int, y: int, only, f: Filters) -> list[dict]:
    """The points a points tile holds: one per layer and screen pixel, the worst level first
    (then the lowest id), in id order."""
    area = area_cells(snap, only, None if f.area is None else np.asarray(f.area, np.int64))
    idx = snap.select(_lonlat_box(z, x, y, BUFFER), f.layers, f.levels, f.hazard, area,
                      f.outside, key=f.key)
    if f.visit:
        idx = idx[snap.visits.mask(f.visit)[idx]]
    if not len(idx):
        return []
    at = _to_tile(np.column_stack((snap.p_lon[idx], snap.p_lat[idx])), z, x, y)
    inside = (at[:, 0] >= -BUFFER) & (at[:, 0] <= EXTENT + BUFFER) & \
        (at[:, 1] >= -BUFFER) & (at[:, 1] <= EXTENT + BUFFER)
    idx, at = idx[inside], at[inside]
    px = np.floor(at / PIXEL).astype(np.int64) + 64  # ≥ 0 within the buffer
    order = np.lexsort((snap.p_id[idx], snap.p_level[idx], snap.p_layer[idx],
                        px[:, 1], px[:, 0]))
    key = (px[order, 0] * 1024 + px[order, 1]) * 64 + snap.p_layer[idx][order]
    first = np.r_[True, key[1:] != key[:-1]]
    keep = np.sort(idx[order][first])
    return [{"id": int(snap.p_id[i]), "layer": snap.layers[snap.p_layer[i]],
             "risk_level": LEVEL_ORDER[snap.p_level[i]]} for i in keep]


def _encode_cells(snap: Snapshot, rows: list[dict], z: int, x: int, y: int) -> bytes:
    geoms = snap.geometry.geoms[[r["i"] for r in rows]] if rows else []
    features = []
    for row, geom in zip(rows, geoms, strict=True):
        local = shapely.transform(geom, lambda c: _to_tile(c, z, x, y))
        local = shapely.clip_by_rect(local, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
        if local.is_empty:
            continue
        props = {k: row[k] for k in ("code", "name", "risk_level", "overdue", "listed")}
        features.append({"geometry": local, "properties": props})
    return _encode("cells", features)


def _encode_points(snap: Snapshot, rows: list[dict], z: int, x: int, y: int) -> bytes:
    index = {int(v): k for k, v in enumerate(snap.p_id)} if rows else {}
    at = [index[r["id"]] for r in rows]
    xy = _to_tile(np.column_stack((snap.p_lon[at], snap.p_lat[at])), z, x, y) if rows else []
    return _encode("points", [{"geometry": shapely.Point(p), "properties": r}
                              for r, p in zip(rows, xy, strict=True)])


def _encode(name: str, features: list[dict]) -> bytes:
    if not features:
        return b""  # PostGIS' ST_AsMVT of no rows is empty too
    return mapbox_vector_tile.encode(
        [{"name": name, "features": features}],
        default_options={"extents": EXTENT, "y_coord_down": False})


def properties_payload(snap: Snapshot, only, overview: bool = False) -> Payload:
    """The cells document (geoapp.map.scoped.cells_payload) without the shapes: what the map
    needs besides the tiles (names, levels, figures, areas, label places), made once."""
    key = ("no-geometry", None if only is None else frozenset(only), overview)
    hit = snap.scoped.get(key)
    if hit is None:
        doc = json.loads(cells_payload(snap, only, overview).body)
        hit = snap.scoped[key] = Payload.of(
            {k: v for k, v in doc.items() if k not in ("geom", "village_geom")})
    return hit


def tile(session, snap: Snapshot, kind: str, z: int, x: int, y: int, only,
         f: Filters) -> Payload:
    """One tile (``kind``: cells or points) as an MVT body, cached in the snapshot."""
    cache = snap.vector_tiles
    key = (kind, z, x, y, None if only is None else frozenset(only), f)
    hit = cache.get(key)
    if hit is not None:
        return hit
    postgis = session.get_bind().dialect.name == "postgresql"
    if kind == "cells":
        rows = cell_rows(snap, z, x, y, only, f)
        body = map_tiles.cells_mvt(session, z, x, y, rows, EXTENT, BUFFER) if postgis \
            else _encode_cells(snap, rows, z, x, y)
    else:
        rows = point_rows(snap, z, x, y, only, f)
        body = map_tiles.points_mvt(session, z, x, y, rows, EXTENT, BUFFER) if postgis \
            else _encode_points(snap, rows, z, x, y)
    payload = Payload.of_bytes(body)
    if len(cache) > MAX_CACHED:
        cache.clear()
    cache[key] = payload
    return payload


# ---- keeping tiles across changes -------------------------------------------------------


def _box(z: int, x: int, y: int) -> tuple[float, ...]:
    return _lonlat_box(z, x, y, 2 * BUFFER)  # wider than a tile holds: never too few dropped


def carry_over(old: Snapshot, new: Snapshot, cells: list[dict], point_ids) -> int:
    """After a hazard move patched into ``new`` (geoapp.map.cache): keep ``old``'s tiles
    that show none of the changed ``cells`` (map_cells rows) and ``point_ids``, so that a
    move redraws the tiles around it, not the whole map. A changed visit status (the
    day's visits read again) drops every points tile filtered by it. Returns the number
    of tiles kept."""
    at = [i for c in cells if (i := new.cell_index.get(c["code"])) is not None]
    b = new.geometry.bounds[at] if at else np.zeros((0, 4))
    ids = np.asarray(point_ids, dtype=np.int64)
    where = np.minimum(np.searchsorted(new.p_id, ids), max(len(new.p_id) - 1, 0))
    found = (new.p_id[where] == ids) if len(new.p_id) else np.zeros(len(ids), dtype=bool)
    lon, lat = new.p_lon[where[found]], new.p_lat[where[found]]
    visits_changed = new.visit_read is not old.visit_read
    kept = {}
    for key, payload in old.vector_tiles.items():
        kind, z, x, y, _only, f = key
        w, s, e, n = _box(z, x, y)
        if kind == "cells":
            hit = bool(((b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s)).any())
        else:
            hit = bool(((lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)).any()) or \
                (visits_changed and f.visit is not None)
        if not hit:
            kept[key] = payload
    new.vector_tiles.update(kept)
    return len(kept)


def _territory_units(snap: Snapshot) -> tuple[float, float, float, float]:
    """The territory's Web Mercator box in units of the world's width: west, north, east,
    south (x grows east, y south, as tile numbers do)."""
    w, s, e, n = (float(v) for v in shapely.total_bounds(snap.geometry.geoms))
    x0, y0 = (float(v) / 256 for v in mercator_px(w, n, 0))
    x1, y1 = (float(v) / 256 for v in mercator_px(e, s, 0))
    return x0, y0, x1, y1


def first_view_zooms(snap: Snapshot, viewports=((1280, 800), (390, 600))) -> list[int]:
    """The tile zooms the map's first view of the whole territory asks for: the territory
    fitted to a desktop's and a phone's map (Leaflet asks for the tiles of the rounded
    fractional zoom), one below and one above each."""
    if not len(snap.cell_codes):
        return []
    x0, y0, x1, y1 = _territory_units(snap)
    zooms = set()
    for width, height in viewports:
        fit = math.log2(min(width / max((x1 - x0) * 256, 1e-9),
                            height / max((y1 - y0) * 256, 1e-9)))
        zooms.update(range(max(math.floor(fit) - 1, 0), min(math.ceil(fit) + 1, 22) + 1))
    return sorted(zooms)


def seed(session, snap: Snapshot, kinds=("cells", "points"), max_per_zoom: int = 64) -> int:
    """Make the tiles of the whole territory's first view ahead of any request (the
    warm-up does, geoapp.web.warmup): the cells without filters and the points that
    matter at a glance (``key``, all layers) at ``first_view_zooms``, for accounts of the
    whole territory. A zoom that would take more than ``max_per_zoom`` tiles per kind is
    left to the requests. Returns the number of tiles made (those already kept are not)."""
    if not len(snap.cell_codes):
        return 0
    x0, y0, x1, y1 = _territory_units(snap)
    wanted = [(kind, f) for kind, f in (("cells", Filters()), ("points", Filters(key=True)))
              if kind in kinds]
    made = 0
    for z in first_view_zooms(snap):
        xs = range(int(x0 * 2**z), min(int(x1 * 2**z), 2**z - 1) + 1)
        ys = range(int(y0 * 2**z), min(int(y1 * 2**z), 2**z - 1) + 1)
        if len(xs) * len(ys) > max_per_zoom:
            continue
        for kind, f in wanted:
            for x in xs:
                for y in ys:
                    if (kind, z, x, y, None, f) not in snap.vector_tiles:
                        tile(session, snap, kind, z, x, y, None, f)
                        made += 1
    return made


__all__ = ["HAZARD_FILTERS", "Filters", "tile", "cell_rows", "point_rows", "carry_over", "seed"]
