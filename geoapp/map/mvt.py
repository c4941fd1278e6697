"""Polygons encoded as a Mapbox Vector Tile layer in numpy (no Flask).

``mapbox_vector_tile.encode`` makes a shapely polygon of each ring to check its
winding order, checks validity and walks the coordinates in Python: 130 ms of
a zoom-11 tile of a province's merged cells (3,400 rings, 37,000 coordinates).
Here the rings of all the features come out of ``shapely.to_ragged_array`` at
once and are turned into the MVT geometry commands with numpy: rounded to the
grid, repeated points and rings of no area dropped (a polygon whose exterior ring is
gone goes with its holes), exterior rings clockwise and holes anticlockwise (y down),
MoveTo/LineTo/ClosePath with zigzag deltas. The protocol buffer is the package's.
"""

from __future__ import annotations

import numpy as np
import shapely
from mapbox_vector_tile.Mapbox import vector_tile_pb2

MOVE_TO, LINE_TO, CLOSE = 1, 2, 7


def _polygonal(shapes: np.ndarray) -> np.ndarray:
    """Polygons and multipolygons only: a collection (a clip's odd result) keeps its
    polygonal parts."""
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


def polygon_commands(shapes: np.ndarray, extent: int) -> list[np.ndarray]:
    """The MVT geometry of each polygonal shape (tile units, y up as the tile's
    ``_to_tile`` makes them), as uint32 command arrays; an empty array where nothing
    of a shape is left on the grid."""
    shapes = _polygonal(np.asarray(shapes, dtype=object))
    out = [np.zeros(0, dtype=np.uint32)] * len(shapes)
    live = np.flatnonzero(~shapely.is_empty(shapes))
    if not len(live):
        return out
    _kind, coords, (ring_off, poly_off, geom_off) = shapely.to_ragged_array(
        shapely.multipolygons(shapely.get_parts(shapes[live]),
                              indices=np.repeat(np.arange(len(live)),
                                                shapely.get_num_geometries(shapes[live]))))
    xy = np.rint(coords).astype(np.int64)
    xy[:, 1] = extent - xy[:, 1]  # y down
    n_rings = len(ring_off) - 1
    ring = np.repeat(np.arange(n_rings), np.diff(ring_off))
    # repeated points (rounding makes them) go; then each ring's last point (its closing)
    same = np.r_[False, (xy[1:] == xy[:-1]).all(axis=1) & (ring[1:] == ring[:-1])]
    keep = ~same
    kept = np.flatnonzero(keep)
    last_kept = kept[np.r_[ring[kept][1:] != ring[kept][:-1], True]]
    keep[last_kept] = False
    at = np.flatnonzero(keep)
    r = ring[at]
    count = np.bincount(r, minlength=n_rings)
    start = np.r_[0, np.cumsum(count)[:-1]]
    # signed area (×2) per ring, y down: positive is clockwise on screen
    x, y = xy[at, 0], xy[at, 1]
    pos = np.arange(len(at)) - start[r]
    nxt = np.where(pos + 1 < count[r], np.arange(len(at)) + 1, start[r])
    area = np.bincount(r, x * y[nxt] - x[nxt] * y, minlength=n_rings)
    ring_poly = np.repeat(np.arange(len(poly_off) - 1), np.diff(poly_off))
    exterior = np.zeros(n_rings, dtype=bool)
    exterior[poly_off[:-1][np.diff(poly_off) > 0]] = True
    good = (count >= 3) & (area != 0)
    poly_good = np.zeros(len(poly_off) - 1, dtype=bool)
    poly_good[ring_poly[exterior]] = good[exterior]
    good &= poly_good[ring_poly]
    flip = good & (exterior != (area > 0))  # exterior: clockwise; hole: anticlockwise
    # the points in drawing order: a flipped ring read backwards
    order = np.where(flip[r], start[r] + count[r] - 1 - pos, np.arange(len(at)))
    take = good[r]
    x, y, r = x[order][take], y[order][take], r[take]
    # each shape's points, deltas from the previous point of the same shape (from 0, 0)
    poly_geom = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))
    g = poly_geom[ring_poly[r]]
    first = np.r_[True, g[1:] != g[:-1]]
    dx = np.where(first, x, x - np.r_[0, x[:-1]])
    dy = np.where(first, y, y - np.r_[0, y[:-1]])
    zx, zy = (dx << 1) ^ (dx >> 63), (dy << 1) ^ (dy >> 63)
    # per ring: MoveTo(1) x y, LineTo(m-1) x y …, ClosePath
    rings = np.flatnonzero(good)
    m = count[rings]
    size = 2 * m + 3
    ring_start = np.r_[0, np.cumsum(size)[:-1]]
    cmd = np.zeros(int(size.sum()), dtype=np.int64)
    cmd[ring_start] = MOVE_TO | (1 << 3)
    cmd[ring_start + 3] = LINE_TO | ((m - 1) << 3)
    cmd[ring_start + size - 1] = CLOSE | (1 << 3)
    slot = np.full(n_rings, -1)
    slot[rings] = np.arange(len(rings))
    rs = slot[r]
    p = np.arange(len(r)) - np.r_[0, np.cumsum(m)[:-1]][rs]
    off = ring_start[rs] + 1 + 2 * p + (p > 0)
    cmd[off], cmd[off + 1] = zx, zy
    cmd = cmd.astype(np.uint32)
    ring_geom = poly_geom[ring_poly[rings]]
    bounds = np.searchsorted(ring_geom, np.arange(len(geom_off)))
    ends = np.r_[ring_start, len(cmd)]
    for j, i in enumerate(live.tolist()):
        out[i] = cmd[ends[bounds[j]]:ends[bounds[j + 1]]]
    return out


def encode_polygons(name: str, shapes, properties: list[dict], extent: int) -> bytes:
    """One layer ``name`` of polygon features (``shapes`` in tile units, y up, with their
    ``properties``: str or int values), the features with nothing left on the grid left
    out; b"" when none is left (as ST_AsMVT of no rows)."""
    tile = vector_tile_pb2.tile()
    layer = tile.layers.add()
    layer.name, layer.version, layer.extent = name, 2, extent
    keys: dict[str, int] = {}
    values: dict[tuple, int] = {}
    for geometry, props in zip(polygon_commands(shapes, extent), properties, strict=True):
        if not len(geometry):
            continue
        feature = layer.features.add()
        tags = []
        for k, v in props.items():
            if k not in keys:
                keys[k] = len(keys)
                layer.keys.append(k)
            vk = (type(v), v)
            if vk not in values:
                values[vk] = len(values)
                value = layer.values.add()
                if isinstance(v, str):
                    value.string_value = v
                else:
                    value.int_value = v
            tags += (keys[k], values[vk])
        feature.tags.extend(tags)
        feature.type = vector_tile_pb2.tile.Polygon
        feature.geometry.extend(geometry.tolist())
    return tile.SerializeToString() if layer.features else b""
