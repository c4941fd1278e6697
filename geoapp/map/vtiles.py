"""The leader's map as Mapbox Vector Tiles (``/tiles/cells|points/{z}/{x}/{y}.mvt``), no Flask.

Past county scale the map cannot send every cell's shape at once; tiles send
only what one 256-pixel square shows. What a tile holds is decided here, from
the snapshot (``geoapp.map.snapshot``), for both backends: the cells of the
account's scope meeting the tile that pass the filters, and the points that
pass them, at most one per layer in each 4-pixel square (8 pixels at zooms 11 and
less; the worst level drawn, so a dense tile looks the same and stays small). Only
the encoding differs: PostGIS encodes with ``ST_AsMVT``/``ST_AsMVTGeom``
(geoapp.store.reads.map_tiles), the embedded default with the ``mapbox-vector-tile``
package, to the same extent, buffer and properties. Tiles are kept in the snapshot, which is
rebuilt when the data's fingerprint changes: that is their invalidation. Where cells
are specks (``coalesced``) a tile holds one feature per village, level and flags, and
is made here on both backends from unions made once per group (``merged_group``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import mapbox_vector_tile
import numpy as np
import shapely

from geoapp.domain.layers import LEVEL_ORDER
from geoapp.map.geometry import tile_bounds
from geoapp.map.payload import Payload
from geoapp.map.scoped import area_cells, cell_indices, cells_payload
from geoapp.map.snapshot import HAZARD_FILTERS, Snapshot
from geoapp.store.reads import map_tiles

EXTENT = 4096  # tile coordinates per side (the MVT default)
BUFFER = 64  # coordinates drawn beyond each edge, so strokes do not break at tile edges
# Cells tiles at zooms where a territory's cells are small on screen (the median cell
# under OVERVIEW_PX pixels wide) use a coarser grid: two coordinates a pixel is all a
# screen (even at 2x) shows, and a province's first view at 4096 weighed ~0.6 MB a tile
OVERVIEW_EXTENT = 512
OVERVIEW_PX = 32
# Below COALESCE_PX a cell is a speck whose white edge would hide its colour, and a
# province's first view held 10⁵ of them: a tile then carries one feature per village,
# level and flags (the cells' union, as tippecanoe coalesces features at low zoom)
COALESCE_PX = 8
# the points' thinning grid: 4 screen pixels, half a point symbol's width (static/map/
# tiles.js draws them 8 px wide and more), so the points it leaves out were hidden under
# the one it keeps; a pixel grid sent 25,000 points (0.67 MB) in a province's z11 tile
THIN = 4 * EXTENT // 256
# up to THIN_WIDE_ZOOM (a tile 20 km wide and more) a province's tile of every layer still
# held 11,000 points whose 8-px symbols cover each other many times over, and encoding
# them (ST_AsMVT) took most of the tile's 40 ms: there one per 8-pixel square (a drawn
# point's width), so every square that holds a point of a layer still shows one
THIN_WIDE = 8 * EXTENT // 256
THIN_WIDE_ZOOM = 11
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


def _mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lon/lat → EPSG:3857 metres (as ST_Transform makes them)."""
    mx = np.radians(lon) * R
    my = np.log(np.tan(np.pi / 4 + np.radians(np.clip(lat, -85.0511, 85.0511)) / 2)) * R
    return mx, my


def _to_tile(coords: np.ndarray, z: int, x: int, y: int, extent: int = EXTENT) -> np.ndarray:
    """lon/lat → this tile's coordinates (x right, y up, 0…extent inside the tile)."""
    w, s, e, _n = mercator_bounds(z, x, y)
    mx, my = _mercator(coords[:, 0], coords[:, 1])
    scale = extent / (e - w)
    return np.column_stack(((mx - w) * scale, (my - s) * scale))


def lonlat_box(z: int, x: int, y: int, buffer: int) -> tuple[float, ...]:
    w, s, e, n = tile_bounds(z, x, y)
    dx, dy = (e - w) * buffer / EXTENT, (n - s) * buffer / EXTENT * 1.01  # lat: a little more
    return w - dx, s - dy, e + dx, n + dy


def cell_pixels(snap: Snapshot, z: int) -> float:
    """The territory's median cell width in screen pixels at zoom ``z``."""
    return snap.geometry.median_width / 360 * 256 * 2**z


def cells_extent(snap: Snapshot, z: int) -> int:
    """The grid of a cells tile at zoom ``z``: OVERVIEW_EXTENT where the territory's
    median cell is under OVERVIEW_PX pixels wide, EXTENT where shapes are read closely."""
    return OVERVIEW_EXTENT if cell_pixels(snap, z) < OVERVIEW_PX else EXTENT


def coalesced(snap: Snapshot, z: int) -> bool:
    """Whether cells tiles at zoom ``z`` merge cells (median cell under COALESCE_PX)."""
    return cell_pixels(snap, z) < COALESCE_PX


def _selected(snap: Snapshot, only, f: Filters) -> np.ndarray:
    """The cells of the scope ``only`` passing the cells' filters (levels, hazard, area)."""
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
    return idx


def _meeting(bounds: np.ndarray, z: int, x: int, y: int) -> np.ndarray:
    """Which of the boxes ``bounds`` meet the tile's, its buffer included."""
    w, s, e, n = lonlat_box(z, x, y, BUFFER)
    return (bounds[:, 0] <= e) & (bounds[:, 2] >= w) & (bounds[:, 1] <= n) & (bounds[:, 3] >= s)


def cell_rows(snap: Snapshot, z: int, x: int, y: int, only, f: Filters) -> list[dict]:
    """The cells a cells tile holds (code order) with their properties."""
    idx = _selected(snap, only, f)
    idx = idx[_meeting(snap.geometry.bounds[idx], z, x, y)]
    doc = snap.cells_doc
    return [{"i": int(i), "code": snap.cell_codes[i], "name": doc["name"][i],
             "risk_level": LEVEL_ORDER[doc["level"][i]], "overdue": int(doc["hazards"][i][1]),
             "listed": int(doc["hazards"][i][3])} for i in sorted(idx.tolist())]


def thin_units(z: int) -> int:
    """The side of the points' thinning square at zoom ``z``, in tile units."""
    return THIN_WIDE if z <= THIN_WIDE_ZOOM else THIN


def point_rows(snap: Snapshot, z: int, x: int, y: int, only, f: Filters) -> np.ndarray:
    """The points a points tile holds, as the snapshot's indices in id order: one per layer
    and 4-pixel square (8 up to THIN_WIDE_ZOOM), the worst level first (then the lowest id)."""
    area = area_cells(snap, only, None if f.area is None else np.asarray(f.area, np.int64))
    idx = snap.select(lonlat_box(z, x, y, BUFFER), f.layers, f.levels, f.hazard, area,
                      f.outside, key=f.key)
    if f.visit:
        idx = idx[snap.visits.mask(f.visit)[idx]]
    if not len(idx):
        return idx
    at = _to_tile(np.column_stack((snap.p_lon[idx], snap.p_lat[idx])), z, x, y)
    inside = (at[:, 0] >= -BUFFER) & (at[:, 0] <= EXTENT + BUFFER) & \
        (at[:, 1] >= -BUFFER) & (at[:, 1] <= EXTENT + BUFFER)
    idx, at = idx[inside], at[inside]
    px = np.floor(at / thin_units(z)).astype(np.int64) + 64  # ≥ 0 within the buffer
    layer, level = snap.p_layer[idx], snap.p_level[idx]
    order = np.lexsort((idx, level, layer, px[:, 1], px[:, 0]))  # idx: in id order
    key = (px[order, 0] * 1024 + px[order, 1]) * 64 + layer[order]
    first = np.r_[True, key[1:] != key[:-1]]
    return np.sort(idx[order][first])


def point_properties(snap: Snapshot, idx: np.ndarray) -> list[dict]:
    """The properties of the points at ``idx`` (point_rows): id, layer and risk level (no
    layer for a point whose layer the rules no longer have, as ST_AsMVT leaves a null out)."""
    names = [*snap.layers, None]  # p_layer -1: not among the rules' layers
    rows = [{"id": i, "layer": names[a], "risk_level": LEVEL_ORDER[v]} for i, a, v in
            zip(snap.p_id[idx].tolist(), snap.p_layer[idx].tolist(), snap.p_level[idx].tolist(),
                strict=True)]
    for row in rows:
        if row["layer"] is None:
            del row["layer"]
    return rows


def _local_cells(snap: Snapshot, rows: list[dict], z: int, x: int, y: int,
                 extent: int) -> np.ndarray:
    """The rows' shapes in the tile's units (one array, in the rows' order), clipped to
    its buffer; a shape wholly outside it is empty."""
    pad = BUFFER * extent // EXTENT
    at = np.array([r["i"] for r in rows], dtype=np.int64)
    return shapely.clip_by_rect(
        shapely.transform(snap.geometry.geoms[at], lambda c: _to_tile(c, z, x, y, extent)),
        -pad, -pad, extent + pad, extent + pad)


def _encode_cells(snap: Snapshot, rows: list[dict], z: int, x: int, y: int) -> bytes:
    extent = cells_extent(snap, z)
    # on the tile's grid, as ST_AsMVTGeom snaps: a cell narrower than a unit is dropped
    local = shapely.set_precision(_local_cells(snap, rows, z, x, y, extent), 1.0)
    return _encode("cells", [
        {"geometry": shape,
         "properties": {k: row[k] for k in ("code", "name", "risk_level", "overdue", "listed")}}
        for row, shape in zip(rows, local, strict=True) if not shape.is_empty], extent)


def merge(shapes: list) -> shapely.Geometry:
    """The union of cells' shapes. Cells share their edges exactly, so a coverage union
    serves (about 20 times faster than a full one); where they do not (a ledger's cells
    overlapping, or a vertex on one side of a shared edge only) GEOS refuses or returns
    an invalid shape, and the full union is made instead."""
    try:
        union = shapely.coverage_union_all(shapes)
        if union.is_valid:
            return union
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(shapes)


@dataclass
class Groups:
    """The cells a coalesced tile may hold for one scope and filters, in groups of one
    village, level, and whether any hazard is overdue or listed (``merged_groups``)."""

    keys: np.ndarray  # (g, 4): village, level, overdue > 0, listed > 0; in that order
    members: list  # per group, its cells' indices (ascending)
    cells: np.ndarray  # the cells, and per cell: its group, box, overdue and listed
    group: np.ndarray
    bounds: np.ndarray
    overdue: np.ndarray
    listed: np.ndarray


MAX_GROUPINGS = 64  # scopes and filters whose groups are kept (each up to 10⁵ cells' rows)


def merged_groups(snap: Snapshot, only, f: Filters) -> Groups:
    """The groups of the cells ``only`` holds that pass ``f``, made once per snapshot
    (a hazard move's patch makes them again: a few ms of numpy)."""
    kept = snap.scoped.setdefault("merged-groups", {})
    key = (None if only is None else frozenset(only), f)
    hit = kept.get(key)
    if hit is not None:
        return hit
    if len(kept) >= MAX_GROUPINGS:
        kept.clear()
    idx = _selected(snap, only, f)
    doc = snap.cells_doc
    figures = np.asarray(doc["hazards"], dtype=np.int64).reshape(-1, 8)[idx]
    overdue, listed = figures[:, 1], figures[:, 3]
    keys = np.column_stack((snap.cell_village[idx], np.asarray(doc["level"], np.int64)[idx],
                            overdue > 0, listed > 0)).astype(np.int64)
    order = np.lexsort((idx, keys[:, 3], keys[:, 2], keys[:, 1], keys[:, 0]))
    idx, keys, overdue, listed = idx[order], keys[order], overdue[order], listed[order]
    new = np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)] if len(idx) else \
        np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    hit = kept[key] = Groups(
        keys=keys[starts], members=np.split(idx, starts[1:]) if len(idx) else [], cells=idx,
        group=np.cumsum(new) - 1, bounds=snap.geometry.bounds[idx], overdue=overdue,
        listed=listed)
    return hit


MAX_MERGED = 20_000  # unions kept per set of shapes (a province's groups: about 1,000)


def merged_group(snap: Snapshot, members: np.ndarray) -> dict:
    """The union of the cells ``members`` (``merge``, lon/lat), kept with the cells'
    shapes (``CellGeometry.merged``) under the set of cells: a hazard move that changes a
    cell's level changes the sets of its old and new group only, and the other groups'
    unions serve the next snapshot as they are (``carry_over`` drops the stale ones).
    Per zoom, the union on that zoom's tile grid (``_on_grid``) is kept with it."""
    cache = snap.geometry.merged
    key = members.tobytes()
    hit = cache.get(key)
    if hit is None:
        if len(cache) > MAX_MERGED:
            cache.clear()
        hit = cache[key] = {"members": members, "shape": merge(snap.geometry.geoms[members]),
                            "zooms": {}}
    return hit


def _buffered_lonlat(z: int, x: int, y: int) -> tuple[float, ...]:
    """The tile and its buffer in lon/lat, exactly (Web Mercator keeps a box a box)."""
    w, s, e, n = mercator_bounds(z, x, y, BUFFER)
    return (math.degrees(w / R), math.degrees(2 * math.atan(math.exp(s / R)) - math.pi / 2),
            math.degrees(e / R), math.degrees(2 * math.atan(math.exp(n / R)) - math.pi / 2))


def _world_units(coords: np.ndarray, z: int, extent: int) -> np.ndarray:
    """lon/lat → zoom ``z``'s tile units counted from the world's south-west corner (the
    tile x, y holds x·extent … (x+1)·extent and (2^z-1-y)·extent …, y up)."""
    mx, my = _mercator(coords[:, 0], coords[:, 1])
    scale = extent * 2**z / (2 * math.pi * R)
    return np.column_stack(((mx + math.pi * R) * scale, (my + math.pi * R) * scale))


def _on_grid(entry: dict, z: int, extent: int) -> shapely.Geometry:
    """A group's union in zoom ``z``'s world tile units, simplified to half a unit and on
    the grid of whole units (as ST_AsMVTGeom puts a cell): every tile of the zoom clips
    the same shape, whose vertices are whole units in every tile."""
    hit = entry["zooms"].get((z, extent))
    if hit is None:
        shape = shapely.transform(entry["shape"], lambda c: _world_units(c, z, extent))
        hit = entry["zooms"][z, extent] = shapely.set_precision(
            shapely.simplify(shape, 0.5), 1.0)
    return hit


def _polygonal(shapes: np.ndarray) -> np.ndarray:
    """Polygons and multipolygons only: a collection (a clip's odd result, touching the
    tile's edge along a line) keeps its polygonal parts, as both encoders want."""
    kinds = shapely.get_type_id(shapes)
    if np.isin(kinds, (3, 6)).all():
        return shapes
    out = shapes.copy()
    for i in np.flatnonzero(~np.isin(kinds, (3, 6))):
        parts = shapely.get_parts(shapely.get_parts(shapes[i]))  # (nested collections)
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.multipolygons(shapely.get_parts(parts)) if len(parts) else \
            shapely.Polygon()
    return out


def _merged_features(snap: Snapshot, z: int, x: int, y: int, only,
                     f: Filters) -> tuple[np.ndarray, list[dict]]:
    """A coalesced cells tile: per village, level, and whether any hazard is overdue or
    listed, one feature: the union of those cells (made once for every tile,
    ``merged_group``), ``code`` empty (no one cell), ``name`` the village's,
    ``overdue``/``listed`` the sums of those cells meeting the tile and ``cells`` their
    number."""
    extent = OVERVIEW_EXTENT
    groups = merged_groups(snap, only, f)
    # the cells meeting the tile and its buffer (a cell whose box only does: not counted)
    w, s, e, n = _buffered_lonlat(z, x, y)
    bounds = groups.bounds
    here = (bounds[:, 0] <= e) & (bounds[:, 2] >= w) & (bounds[:, 1] <= n) & (bounds[:, 3] >= s)
    edge = np.flatnonzero(here & ~((bounds[:, 0] >= w) & (bounds[:, 2] <= e) &
                                   (bounds[:, 1] >= s) & (bounds[:, 3] <= n)))
    here[edge] = ~shapely.is_empty(
        shapely.clip_by_rect(snap.geometry.geoms[groups.cells[edge]], w, s, e, n))
    count = np.bincount(groups.group[here], minlength=len(groups.members))
    overdue = np.bincount(groups.group[here], groups.overdue[here], len(groups.members))
    listed = np.bincount(groups.group[here], groups.listed[here], len(groups.members))
    shown = np.flatnonzero(count)
    pad = BUFFER * extent // EXTENT
    x0, y0 = x * extent, (2**z - 1 - y) * extent
    shapes = np.array([_on_grid(merged_group(snap, groups.members[g]), z, extent)
                       for g in shown], dtype=object)
    local = shapely.transform(
        shapely.clip_by_rect(shapes, x0 - pad, y0 - pad, x0 + extent + pad, y0 + extent + pad),
        lambda c: c - (x0, y0))
    villages = snap.cells_doc["villages"]
    properties = [{"code": "", "name": villages[int(groups.keys[g, 0])][0],
                   "risk_level": LEVEL_ORDER[int(groups.keys[g, 1])],
                   "overdue": int(overdue[g]), "listed": int(listed[g]), "cells": int(count[g])}
                  for g in shown.tolist()]
    local = _polygonal(np.asarray(local, dtype=object))
    keep = ~shapely.is_empty(local)
    return local[keep], [p for p, k in zip(properties, keep.tolist(), strict=True) if k]


def _encode_merged(shapes: np.ndarray, properties: list[dict]) -> bytes:
    """The coalesced features encoded by mapbox-vector-tile (the embedded database)."""
    return _encode("cells", [{"geometry": g, "properties": p}
                             for g, p in zip(shapes, properties, strict=True)],
                   OVERVIEW_EXTENT)


def _encode_points(snap: Snapshot, idx: np.ndarray, z: int, x: int, y: int) -> bytes:
    if not len(idx):
        return b""
    xy = _to_tile(np.column_stack((snap.p_lon[idx], snap.p_lat[idx])), z, x, y)
    return _encode("points", [{"geometry": shapely.Point(p), "properties": r}
                              for r, p in zip(point_properties(snap, idx), xy, strict=True)])


def _points_mvt(session, snap: Snapshot, idx: np.ndarray, z: int, x: int, y: int) -> bytes:
    """PostGIS' encoding of the points at ``idx``: their places in Web Mercator from the
    snapshot (the point table is not read), ST_AsMVTGeom/ST_AsMVT as for the cells."""
    if not len(idx):
        return b""
    mx, my = _mercator(snap.p_lon[idx], snap.p_lat[idx])
    return map_tiles.points_mvt(
        session, z, x, y, snap.p_id[idx], snap.p_layer[idx], snap.p_level[idx], mx, my,
        list(snap.layers), list(LEVEL_ORDER), EXTENT, BUFFER)


def _encode(name: str, features: list[dict], extent: int = EXTENT) -> bytes:
    if not features:
        return b""  # PostGIS' ST_AsMVT of no rows is empty too
    return mapbox_vector_tile.encode(
        [{"name": name, "features": features}],
        default_options={"extents": extent, "y_coord_down": False})


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
        extent = cells_extent(snap, z)
        if coalesced(snap, z):  # the unions are made here on both backends
            shapes, properties = _merged_features(snap, z, x, y, only, f)
            body = map_tiles.merged_mvt(session, shapes, properties, extent,
                                        BUFFER * extent // EXTENT) if postgis \
                else _encode_merged(shapes, properties)
        elif postgis:
            body = map_tiles.cells_mvt(session, z, x, y, cell_rows(snap, z, x, y, only, f),
                                       extent, BUFFER * extent // EXTENT)
        else:
            body = _encode_cells(snap, cell_rows(snap, z, x, y, only, f), z, x, y)
    else:
        idx = point_rows(snap, z, x, y, only, f)
        body = _points_mvt(session, snap, idx, z, x, y) if postgis \
            else _encode_points(snap, idx, z, x, y)
    payload = Payload.of_bytes(body)
    if len(cache) > MAX_CACHED:
        cache.clear()
    cache[key] = payload
    return payload


__all__ = ["HAZARD_FILTERS", "Filters", "tile", "merge", "cell_rows", "point_rows"]
