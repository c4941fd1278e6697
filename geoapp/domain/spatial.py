"""Spatial assignment: every point gets its grid cell and the zones around it.

This is the one call site of the point-in-polygon join (import, batch CLI and
recomputation all come here), built as named steps in the manner of
``geopandas.tools.sjoin``: ``_basic_checks`` → ``_covering_pairs`` →
``_one_cell_per_point`` → ``_nearest_cells`` → ``_zone_codes``.

Rules (each has a hand-drawn test in tests/domain/test_spatial.py):

* A point inside a cell, or on its boundary, is covered by it (``covers``, not
  ``contains``: a point on the outer edge of the territory is still inside).
* A point on an edge or vertex shared by several cells goes to exactly one of
  them: the one whose code sorts first. Deterministic and explainable to a
  grid member ("the lower-numbered cell takes its shared border"), and
  independent of file order.
* Holes (enclaves) and multi-part cells (飞地) are honoured as GEOS does.
* A point outside every cell is kept, flagged ``outside``, and given its
  nearest cell and the distance in metres, computed in a metric CRS (UTM for
  geographic input), never in degrees. Points in boundary strips are exactly
  the ones that get missed (idle factories in the strips between villages).
* Points and polygons must share a CRS; a mismatch raises (unlike geopandas,
  which warns). Reproject explicitly before calling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.domain import crs as crs_mod
from geoapp.domain import point_grid


class CRSMismatchError(ValueError):
    """Points and polygons are in different (or unknown) coordinate systems."""


COLUMNS = ["cell_code", "zone_codes", "outside", "nearest_cell_code", "distance_m"]

# Queries run on chunks of polygons in threads: shapely releases the GIL inside
# STRtree.query, so two cores give nearly twice the speed on large joins.
_THREADS = 2
_CHUNK = 512
# Outside points are searched in two halves on two threads from this many on: each new
# thread sets up its own PROJ context (some 20 ms), worth it only for thousands of points.
_SPLIT_NEAREST = 5000


class PointIndex:
    """The join's points as coordinates, with their labels and CRS.

    ``assign`` takes one in place of the GeoSeries. The batch command makes it from
    the ledger's columns (``from_xy``) with no shapely Point at all: the join needs
    Points only for those outside every cell, and a search tree only when the grid
    of geoapp.domain.point_grid does not pay; both are made on first use.
    """

    def __init__(self, points: gpd.GeoSeries):
        values = np.asarray(points.values)  # object: shapely geometries
        # array tests, not set(): a set of a million numpy ints costs a Python call each
        if len(values) and ((shapely.get_type_id(values) != 0).any()
                            or shapely.is_empty(values).any()):
            raise ValueError("points must all be non-empty Point geometries")
        self.__dict__["points"] = points  # the cached_property below, given
        self.xy = shapely.get_coordinates(values)
        self.crs, self.labels = points.crs, points.index

    @classmethod
    def from_xy(cls, x: np.ndarray, y: np.ndarray, crs) -> PointIndex:
        """Points at finite coordinates (x[i], y[i]), labelled 0…n-1."""
        index = cls.__new__(cls)
        index.xy = np.column_stack([x, y])
        index.crs, index.labels = gpd.GeoSeries([], crs=crs).crs, pd.RangeIndex(len(x))
        return index

    @cached_property
    def points(self) -> gpd.GeoSeries:
        return self.subset(slice(None))

    def subset(self, which) -> gpd.GeoSeries:
        """The points selected by ``which`` (a mask or slice) as a GeoSeries."""
        if "points" in self.__dict__:
            return self.points[which]
        return gpd.GeoSeries(shapely.points(self.xy[which]), index=self.labels[which],
                             crs=self.crs)

    @cached_property
    def tree(self) -> shapely.STRtree:
        return shapely.STRtree(np.asarray(self.points.values))


def assign(
    points: gpd.GeoSeries | PointIndex,
    cells: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame | None = None,
    *,
    nearest: bool = True,
) -> pd.DataFrame:
    """Assign each point to one grid cell and to every zone that covers it.

    Parameters
    ----------
    points : GeoSeries of Point, or a PointIndex of one
        Any index; the result has the same index.
    cells, zones : GeoDataFrame with a ``code`` column and polygonal geometry
        ``zones`` may be None or empty.
    nearest : bool
        False leaves outside points without their nearest cell (None, distance
        0): an engine that splits the points resolves them afterwards with
        ``nearest_cells`` and ``metric_for`` over all of them (geoapp.ingest.dask_engine).

    Returns
    -------
    DataFrame with columns ``cell_code`` (str or None), ``zone_codes`` (tuple
    of str, sorted), ``outside`` (bool), ``nearest_cell_code`` (str or None,
    only for outside points) and ``distance_m`` (float, 0 for inside points).

    Examples
    --------
    >>> from shapely import Point, box
    >>> cells = gpd.GeoDataFrame({"code": ["A", "B"]},
    ...     geometry=[box(120, 31, 120.01, 31.01), box(120.01, 31, 120.02, 31.01)], crs=4326)
    >>> pts = gpd.GeoSeries([Point(120.005, 31.005), Point(120.01, 31.005),
    ...     Point(120.03, 31.005)], crs=4326)
    >>> out = assign(pts, cells)
    >>> out["cell_code"].tolist(), out["outside"].tolist()
    (['A', 'A', None], [False, False, True])
    >>> out.loc[2, "nearest_cell_code"], round(float(out.loc[2, "distance_m"]))
    ('B', 955)
    """
    _basic_checks(points.crs, cells, zones)
    index = points if isinstance(points, PointIndex) else PointIndex(points)
    n, labels = len(index.xy), index.labels

    codes = cells["code"].to_numpy(dtype=object)
    p_idx, c_idx = _covering_pairs(index, np.asarray(cells.geometry.values))
    cell_of = _one_cell_per_point(n, p_idx, c_idx, codes)

    outside = cell_of < 0
    cell_code = np.full(n, None)  # object (None fill)
    cell_code[~outside] = codes[cell_of[~outside]]
    nearest_code = np.full(n, None)
    distance = np.zeros(n)
    if nearest and outside.any():
        outside_points = index.subset(outside)
        nearest_code[outside], distance[outside] = nearest_cells(
            outside_points, cells, metric_for(outside_points))

    zone_codes = _zone_codes(index, zones)
    # object dtype keeps None for "no cell" (pandas 3 would infer str and turn it into NaN);
    # copy=False: the arrays are this call's own, and pandas would otherwise copy each and
    # stack the object columns into one block (a million pointers each, a tenth of the join)
    return pd.DataFrame(
        {
            "cell_code": pd.Series(cell_code, index=labels, dtype=object, copy=False),
            "zone_codes": pd.Series(zone_codes, index=labels, dtype=object, copy=False),
            "outside": outside,
            "nearest_cell_code": pd.Series(nearest_code, index=labels, dtype=object,
                                           copy=False),
            "distance_m": distance,
        },
        index=labels,
        copy=False,
    )


def _basic_checks(crs, cells, zones) -> None:
    """The points' CRS against the polygons', and the polygons (the points: PointIndex)."""
    for name, frame in (("cells", cells), ("zones", zones)):
        if frame is None:
            continue
        if frame.crs is None or crs is None:
            raise CRSMismatchError(f"points and {name} must both have a CRS")
        if not crs.equals(frame.crs):
            raise CRSMismatchError(
                f"points are in {crs.to_string()} but {name} in {frame.crs.to_string()}; "
                "reproject one of them first"
            )
        if "code" not in frame.columns:
            raise ValueError(f"{name} need a 'code' column")
        if frame["code"].isna().any() or frame["code"].duplicated().any():
            raise ValueError(f"{name} codes must be present and unique")
        kinds = set(shapely.get_type_id(np.asarray(frame.geometry.values)))
        if not kinds <= {3, 6}:  # Polygon, MultiPolygon
            raise ValueError(f"{name} must be polygons")


def _covering_pairs(index: PointIndex, polygons) -> tuple[np.ndarray, np.ndarray]:
    """(point index, polygon index) for every polygon that covers a point.

    The candidates are the points inside each polygon's envelope (from the
    coordinates, geoapp.domain.point_grid; an STRtree over the points when the
    grid would not pay). Each is then tested by its coordinates against the
    prepared polygon (``intersects_xy``: for a point, intersecting a polygon is
    being covered by it, edge included): GEOS's indexed point-in-area test without
    a Point per candidate, a fifth of the work of a ``covers`` query, same answers.
    """
    if len(polygons) == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    # Prepared copies (2-D: the predicate is 2-D anyway), never the caller's geometries:
    # another thread (a dask worker, a web request) may be joining against the same ones.
    polygons = shapely.force_2d(polygons)
    shapely.prepare(polygons)
    x, y = index.xy[:, 0], index.xy[:, 1]
    runs = point_grid.envelope_runs(index.xy, shapely.bounds(polygons))
    if runs is None:
        tree = index.tree  # built here, once, not by whichever thread comes first
        chunks = [(start, polygons[start : start + _CHUNK])
                  for start in range(0, len(polygons), _CHUNK)]

        def run(chunk):
            start, geoms = chunk
            poly_i, point_i = tree.query(geoms)
            hit = shapely.intersects_xy(geoms[poly_i], x[point_i], y[point_i])
            return point_i[hit], poly_i[hit] + start
    else:
        chunks = runs.parts(_THREADS)

        def run(part):
            point_i, poly_i, px, py = runs.pairs(part)
            hit = shapely.intersects_xy(polygons[poly_i], px, py)
            return point_i[hit], poly_i[hit]

    with ThreadPoolExecutor(_THREADS) as pool:
        parts = list(pool.map(run, chunks)) or [(np.empty(0, np.intp), np.empty(0, np.intp))]
    return np.concatenate([p for p, _ in parts]), np.concatenate([c for _, c in parts])


def _one_cell_per_point(n, p_idx, c_idx, codes) -> np.ndarray:
    """Cell index per point (-1 when none); ties on shared edges go to the lowest code."""
    cell_of = np.full(n, -1, dtype=np.intp)
    if len(p_idx) == 0:
        return cell_of
    cell_of[p_idx] = c_idx
    # only points covered by several cells (on a shared edge) need the tie rule: sorting
    # just their pairs spares a sort of every pair
    shared = np.bincount(p_idx, minlength=n)[p_idx] > 1
    if shared.any():
        p_s, c_s = p_idx[shared], c_idx[shared]
        code_rank = np.argsort(np.argsort(codes.astype(str), kind="stable"), kind="stable")
        # sort by point, then by code rank descending, so the lowest code is written last
        order = np.lexsort((-code_rank[c_s], p_s))
        cell_of[p_s[order]] = c_s[order]
    return cell_of


def metric_for(outside_points: gpd.GeoSeries):
    """The metric CRS the distances of these outside points are measured in.

    None for projected input (its own units are metres). For lon/lat, the
    transverse Mercator centred on the points' mean (geoapp.domain.crs.metric_crs):
    so it depends on the whole set of outside points, and an engine that splits
    them must compute it once over all of them, in their order, to measure as
    the in-process join does.
    """
    if not outside_points.crs.is_geographic:
        return None
    xy = shapely.get_coordinates(np.asarray(outside_points.values))
    return crs_mod.metric_crs(xy[:, 0], xy[:, 1])


def nearest_cells(outside_points: gpd.GeoSeries, cells: gpd.GeoDataFrame,
                  metric) -> tuple[np.ndarray, np.ndarray]:
    """Code of the nearest cell (object array) and distance per point outside every cell.

    ``metric`` comes from ``metric_for`` (None for projected input). Each point's
    answer depends only on the point, the cells and ``metric``: equidistant
    cells go to the lowest code, as shared edges do. No cell at all: None, NaN.
    """
    n = len(outside_points)
    if not len(cells):
        return np.full(n, None), np.full(n, np.nan)
    codes = cells["code"].to_numpy(dtype=object)
    geoms = np.asarray(cells.geometry.values)
    tree = shapely.STRtree(geoms)
    pts = np.asarray(outside_points.values)
    code_text = codes.astype(str)

    def run(part):
        return _nearest_cells(pts[part], geoms, tree, code_text, outside_points.crs, metric)

    # each point's answer depends on it alone, so halves of them run on two threads
    # (shapely and PROJ let go of the GIL)
    parts = np.array_split(np.arange(n), _THREADS if n >= _SPLIT_NEAREST else 1)
    with ThreadPoolExecutor(_THREADS) as pool:
        found = list(pool.map(run, parts))
    near_idx = np.concatenate([i for i, _ in found])
    return codes[near_idx], np.concatenate([d for _, d in found])


def _nearest_cells(outside_points, geoms, tree, codes, crs,
                   metric) -> tuple[np.ndarray, np.ndarray]:
    """Nearest cell and distance in metres for points outside every cell.

    For lon/lat input, projecting every cell to metres would dominate the run,
    so the search is pruned first: if some cell lies within r degrees of the
    point, it is at most R·r metres away, and any cell at most that far lies
    within r / cos(φ) degrees (a degree of longitude is cos φ of a degree of
    latitude; 1 % slack covers the ellipsoid). Only those candidate cells are
    projected (geoapp.domain.crs.metric_crs) and measured exactly.
    """
    if crs.is_geographic:
        xy = shapely.get_coordinates(outside_points)
        found = _degrees_to_some_cell(tree, outside_points)
        # a cell nearer in metres than the one found lies within found / cos φ degrees
        worst_lat = np.minimum(np.abs(xy[:, 1]) + 2 * found, 89.0)
        reach = found / np.cos(np.radians(worst_lat)) * 1.01 + 1e-9  # 1 % for projection error
        p_i, c_i = tree.query(outside_points, predicate="dwithin", distance=reach)
        candidates = np.unique(c_i)
        projected = np.empty(len(geoms), dtype=object)
        projected[candidates] = np.asarray(
            gpd.GeoSeries(geoms[candidates], crs=crs).to_crs(metric).values)
        pts = np.asarray(gpd.GeoSeries(outside_points, crs=crs).to_crs(metric).values)
        dist = shapely.distance(pts[p_i], projected[c_i])
    else:
        (p_i, c_i), dist = tree.query_nearest(outside_points, return_distance=True)
    # nearest first; equidistant cells: the lowest code wins, as on shared edges
    order = np.lexsort((codes[c_i], np.round(dist, 6), p_i))
    first = np.unique(p_i[order], return_index=True)[1]
    return c_i[order][first], dist[order][first]


def _degrees_to_some_cell(tree, points) -> np.ndarray:
    """Per point, a radius in degrees within which at least one cell lies.

    An expanding ``dwithin`` search (200 m, then ×4): points outside the cells
    are usually in a boundary strip, so one or two rounds settle nearly all,
    far faster than an exact nearest-neighbour query on polygons.
    """
    radius = np.full(len(points), 0.002)
    found = np.full(len(points), np.inf)
    pending = np.arange(len(points))
    while len(pending):
        hit = np.unique(tree.query(points[pending], predicate="dwithin",
                                   distance=radius[pending])[0])
        found[pending[hit]] = radius[pending[hit]]
        pending = np.setdiff1d(pending, pending[hit], assume_unique=True)
        radius[pending] *= 4
    return found


def _zone_codes(index: PointIndex, zones) -> np.ndarray:
    """Sorted tuple of the codes of every zone covering each point (zones may overlap)."""
    out = np.empty(len(index.xy), dtype=object)
    out.fill(())
    if zones is None or len(zones) == 0:
        return out
    p_idx, z_idx = _covering_pairs(index, np.asarray(zones.geometry.values))
    if len(p_idx) == 0:
        return out
    zcodes = zones["code"].to_numpy(dtype=object).astype(str)
    order = np.lexsort((zcodes[z_idx], p_idx))
    p_sorted, z_sorted = p_idx[order], zcodes[z_idx][order]
    starts = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1]])
    groups = np.split(z_sorted, starts[1:])
    out[p_sorted[starts]] = [tuple(g) for g in groups]
    return out
