"""How cell geometry travels to the map: tolerance, quantised delta encoding, tiles.

The overview of every cell is simplified with a tolerance that follows the
territory's extent, quantised to integers and delta-encoded per ring (small
numbers that gzip well); once zoomed in past the overview's precision the map
fetches exact geometry by Web-Mercator tile (``tile_bounds``). No Flask here.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

OVERVIEW_QUANTUM = 1e-5  # degrees, about 1 m
DETAIL_QUANTUM = 1e-6  # about 10 cm
TILE_ZOOM = 12  # exact geometry is served in Web-Mercator tiles of this zoom


def overview_tolerance(bounds) -> float:
    """Simplification tolerance (degrees) for drawing the whole territory at once.

    About 1/3000 of the territory's larger side: well under a pixel when the
    whole territory fills a screen, so the overview looks exact until the map
    is zoomed in past ``detail_zoom``, where exact tiles take over.

    Examples
    --------
    >>> overview_tolerance((120.0, 31.0, 121.0, 32.0))
    0.0003333333333333333
    >>> overview_tolerance((120.0, 31.0, 120.01, 31.01))  # never below the quantum
    1e-05
    """
    w, s, e, n = bounds
    return max(max(e - w, n - s) / 3000, OVERVIEW_QUANTUM)


def detail_zoom(tolerance: float) -> int:
    """The first zoom at which ``tolerance`` degrees exceed about one pixel.

    Examples
    --------
    >>> detail_zoom(0.00033), detail_zoom(5e-5)
    (13, 15)
    """
    return max(0, math.ceil(math.log2(360 / (256 * tolerance))))


def encode_geometries(geoms, quantum: float, origin) -> list[list[list[list[int]]]]:
    """Polygons as integer rings: per geometry, per polygon, per ring ``[x0, y0, dx1, dy1, …]``.

    Coordinates become integers in units of ``quantum`` from ``origin``; the
    first vertex is absolute, the others are differences from the previous
    one; the closing vertex and repeated vertices are dropped, and rings left
    with fewer than 3 vertices (holes smaller than the quantum) vanish.
    Decoding: running sums times ``quantum`` plus ``origin`` (geoapp/static/geometry.js).

    Examples
    --------
    >>> sq = shapely.box(0, 0, 2, 1)
    >>> encode_geometries([sq], 0.5, (0, 0))
    [[[[4, 0, 0, 2, -4, 0, 0, -2]]]]
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings_ext = shapely.get_exterior_ring(parts)
    n_int = shapely.get_num_interior_rings(parts)
    # rings in order: for each part, its exterior then its interiors
    ring_list, ring_part, ring_is_ext = [], [], []
    for i, (ext, k) in enumerate(zip(rings_ext, n_int, strict=True)):
        ring_list.append(ext)
        ring_part.append(i)
        ring_is_ext.append(True)
        for j in range(k):
            ring_list.append(shapely.get_interior_ring(parts[i], j))
            ring_part.append(i)
            ring_is_ext.append(False)
    coords, ring_idx = shapely.get_coordinates(np.array(ring_list, dtype=object),
                                               return_index=True)
    q = np.round((coords - np.asarray(origin, dtype=float)) / quantum).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, ring_idx[1:] != ring_idx[:-1]])
    ends = np.r_[starts[1:], len(ring_idx)]
    out: list = [[] for _ in range(len(geoms))]
    part_rings: dict[int, list] = {}
    for r, (a, b) in enumerate(zip(starts, ends, strict=True)):
        ring = q[a:b - 1]  # drop the closing vertex
        keep = np.r_[True, np.any(ring[1:] != ring[:-1], axis=1)]
        ring = ring[keep]
        if len(ring) > 1 and (ring[-1] == ring[0]).all():
            ring = ring[:-1]
        part = ring_part[r]
        if len(ring) < 3:
            if ring_is_ext[r]:
                part_rings[part] = None  # a polygon smaller than the quantum
            continue
        delta = np.diff(ring, axis=0, prepend=[[0, 0]])
        if part_rings.get(part, []) is not None:
            part_rings.setdefault(part, []).append(delta.ravel().tolist())
    for part, owner in enumerate(part_owner):
        rings = part_rings.get(part)
        if rings:
            out[owner].append(rings)
    return out


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """A Web-Mercator (XYZ) tile's lon/lat bounds.

    Examples
    --------
    >>> [round(v, 4) for v in tile_bounds(1, 1, 0)]
    [0.0, 0.0, 180.0, 85.0511]
    """
    n = 2**z

    def lat(yy):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

    return (x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y))


def mercator_px(lon, lat, zoom: int):
    size = 256 * 2.0**zoom
    lat = np.clip(lat, -85.0511, 85.0511)
    x = (lon + 180) / 360 * size
    y = (1 - np.log(np.tan(np.radians(lat)) + 1 / np.cos(np.radians(lat))) / math.pi) / 2 * size
    return x, y


def village_shapes(geoms, village_of, n: int, tolerance: float, origin) -> dict:
    """Each village's outline (the union of its cells, simplified like them) and a place
    for its name: ``{"village_geom": [...], "village_at": [[lon, lat], ...]}``, village
    ``v`` being the cells whose ``village_of`` is ``v``. Only polygons are kept (a
    union of touching cells is one)."""
    village_of = np.asarray(village_of)
    shapes = np.array([shapely.union_all(geoms[village_of == v]) for v in range(n)], dtype=object)
    polygonal = np.array([s.geom_type in ("Polygon", "MultiPolygon") for s in shapes], dtype=bool)
    shapes[~polygonal] = [shapely.union_all([p for p in shapely.get_parts(s)
                                             if p.geom_type == "Polygon"])
                          for s in shapes[~polygonal]]
    at = shapely.get_coordinates(shapely.point_on_surface(shapes)) if n else np.zeros((0, 2))
    return {"village_geom": encode_geometries(shapely.simplify(shapes, tolerance),
                                              OVERVIEW_QUANTUM, origin) if n else [],
            "village_at": np.round(at, 6).tolist()}
