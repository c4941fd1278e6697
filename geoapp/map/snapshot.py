"""Compact map data for the leader's map: cells, points and clusters (no Flask).

The leader's map draws every cell and, at county scale (10⁴ cells, 10⁵
points), cannot take the full GeoJSON of ``/api/cells`` on every load (see
bench/bench_map.py). This module turns the read side (``geoapp.store.reads.pages``)
into what the map needs and no more:

* cells: geometry simplified as one coverage (``shapely.coverage_simplify``
  keeps shared edges shared: no gaps or slivers between neighbours), quantised
  to integers and delta-encoded per ring, with columns of the properties the
  map draws. The tolerance follows the territory's extent, and the map fetches
  exact geometry by tile once zoomed in past ``detail.from_zoom``;
* points: kept in numpy columns; a request for a bounding box returns the
  points themselves when few enough, else counts per screen-grid square and
  layer (server-side clustering, so 10⁶ points cost the browser no more than
  10³).

Everything is computed once per data snapshot (``geoapp.map.cache.MapCache``),
reused until the data change, and patched (``Snapshot.patched``) after a hazard move.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import math
import time
from dataclasses import dataclass, field

import numpy as np
import shapely

from geoapp.domain.layers import LEVEL_ORDER
from geoapp.map import headline
from geoapp.map.geometry import (
    DETAIL_QUANTUM,
    OVERVIEW_QUANTUM,
    TILE_ZOOM,
    detail_zoom,
    encode_geometries,
    mercator_px,
    overview_tolerance,
    tile_bounds,
    village_shapes,
)
from geoapp.map.payload import Payload, Prefix, dumps
from geoapp.map.visits import FIELDS as VISIT_FIELDS
from geoapp.map.visits import VisitColumns

FLAG_OPEN, FLAG_OVERDUE, FLAG_MAJOR_OPEN, FLAG_LISTED, FLAG_MAJOR_OVERDUE = 1, 2, 4, 8, 16
FLAG_MAJOR_STOCK, FLAG_MAJOR_INCREMENT = 32, 64  # 动态清零: stock still open, new this year
HAZARD_FILTERS = {"open": FLAG_OPEN, "overdue": FLAG_OVERDUE, "major_open": FLAG_MAJOR_OPEN,
                  "listed": FLAG_LISTED, "major_overdue": FLAG_MAJOR_OVERDUE,
                  "major_stock": FLAG_MAJOR_STOCK, "major_increment": FLAG_MAJOR_INCREMENT}
# the cells document's columns a hazard move changes (Snapshot.patched); written last, so
# that a patch writes and compresses only them (a tenth of the properties at county scale)
PATCHED = ("level", "hazards", "badge")
MAX_POINTS = 2500  # more points than this in a view are sent as clusters
CLUSTER_PX = 80  # size of a clustering square on screen


# ---- the snapshot --------------------------------------------------------------------


@dataclass
class CellGeometry:
    """Everything derived from the cells' shapes alone (kept while the shapes don't change)."""

    digest: str
    codes: list[str]  # the cells, in the order of every array here
    geoms: np.ndarray
    bounds: np.ndarray  # (n, 4)
    origin: tuple[float, float]
    tolerance: float
    overview: list
    badge_at: np.ndarray  # (n, 2) a point inside each cell, for badges
    tiles: dict = field(default_factory=dict)
    villages: dict = field(default_factory=dict)  # village outlines per cell→village mapping
    # cells' unions for coalesced tiles (geoapp.map.vtiles.merged_group), per set of cells
    merged: dict = field(default_factory=dict)
    _head: Prefix | None = None

    @functools.cached_property
    def median_width(self) -> float:
        """The median cell's width in degrees of longitude (how small cells are on screen
        at a zoom: geoapp.map.vtiles.cells_extent)."""
        return float(np.median(self.bounds[:, 2] - self.bounds[:, 0])) if len(self.bounds) else 0.0

    def cells_prefix(self, properties: dict) -> Prefix:
        """``{"geom": <overview>, ...properties,`` written and compressed: the cells
        document's opening, for ``Prefix.then`` to end with the properties that change.

        The overview is most of the bytes and changes only with the shapes, so it is
        written and compressed once, and each new set of properties goes on from there.
        """
        if self._head is None:
            self._head = Prefix.of(b'{"geom":' + dumps(self.overview))
        return self._head.extended(b"," + dumps(properties)[1:-1] if properties else b"")


def village_outlines(geometry: CellGeometry, cell_village: np.ndarray, n: int) -> dict:
    """``village_shapes`` of the whole territory, kept with the shapes while the cells'
    villages stay the same (the snapshot is rebuilt after every write; these rarely change)."""
    key = cell_village.tobytes()
    hit = geometry.villages.get(key)
    if hit is None:
        if len(geometry.villages) > 8:
            geometry.villages.clear()
        hit = geometry.villages[key] = village_shapes(geometry.geoms, cell_village, n,
                                                      geometry.tolerance, geometry.origin)
    return hit


def cell_geometry(codes: list[str], geoms, digest: str) -> CellGeometry:
    geoms = np.asarray(geoms, dtype=object)
    total = shapely.total_bounds(geoms) if len(geoms) else np.array([0.0, 0.0, 0.0, 0.0])
    origin = (math.floor(total[0] * 100) / 100, math.floor(total[1] * 100) / 100)
    tol = overview_tolerance(total)
    simple = shapely.coverage_simplify(geoms, tol) if len(geoms) else geoms
    inside = shapely.point_on_surface(geoms) if len(geoms) else geoms
    return CellGeometry(
        digest=digest, codes=list(codes), geoms=geoms, origin=origin, tolerance=tol,
        bounds=shapely.bounds(geoms) if len(geoms) else np.zeros((0, 4)),
        overview=encode_geometries(simple, OVERVIEW_QUANTUM, origin) if len(geoms) else [],
        badge_at=shapely.get_coordinates(inside) if len(geoms) else np.zeros((0, 2)),
    )


class PointPlaces:
    """The points' places as numpy columns (id order): what a hazard move cannot change."""

    def __init__(self, points: dict, layers: list[str], cell_index: dict[str, int]):
        layer_index = {code: i for i, code in enumerate(layers)}
        self.id = np.asarray(points["id"], dtype=np.int64)
        self.lon = np.asarray(points["lon"], dtype=float)
        self.lat = np.asarray(points["lat"], dtype=float)
        # the points by longitude: a box's points are found in its strip, not among all
        self.by_lon = np.argsort(self.lon, kind="stable")
        self.lon_sorted = self.lon[self.by_lon]
        self.layer = np.array([layer_index.get(x, -1) for x in points["layer"]], dtype=np.int16)
        self.outside = np.asarray(points["outside"], dtype=bool)
        self.name = points["name"]
        cell = np.array([cell_index.get(c, -1) if c else -1 for c in points["cell_code"]],
                        dtype=np.int32)
        # an outside point belongs, for area filters, to its nearest cell
        nearest = np.array([cell_index.get(c, -1) if c else -1
                            for c in points["nearest_cell_code"]], dtype=np.int32)
        self.area = np.where(cell >= 0, cell, nearest)
        # points per cell and layer (the popup's counts): those inside the cell only
        self.counts = np.zeros((len(cell_index), len(layers)), dtype=np.int64)
        inside = (cell >= 0) & (self.layer >= 0)
        np.add.at(self.counts, (cell[inside], self.layer[inside]), 1)


class Snapshot:
    """The map's data at one moment: cells payload, point columns, lookups.

    ``cells`` (``map_data.map_cells``) and ``states`` (``map_data.map_point_states``)
    are read for every snapshot; ``geometry`` and ``places`` are reused while
    the shapes and the points stay where they are. Rows are matched by cell
    code and point id, so a row added between two reads cannot shift others.
    """

    def __init__(self, cells: list[dict], places: PointPlaces, states: dict, layers: list[str],
                 geometry: CellGeometry, visits: dict | None = None):
        self.layers = layers
        self.geometry = geometry
        self.built_at = time.monotonic()
        levels = LEVELS
        self.cell_codes = geometry.codes
        self.cell_index = {code: i for i, code in enumerate(self.cell_codes)}
        by_code = {c["code"]: c for c in cells}
        cells = [by_code.get(code) or _NO_CELL for code in self.cell_codes]
        towns: dict[str, int] = {}
        villages: dict[tuple[str, str], int] = {}
        for c in cells:
            towns.setdefault(c["town"], len(towns))
            villages.setdefault((c["town"], c["village"]), len(villages))
        self.towns = towns
        self.villages = villages
        self.cell_village = np.array([villages[c["town"], c["village"]] for c in cells],
                                     dtype=np.int32)
        self.village_town = np.array([towns[t] for t, _v in villages], dtype=np.int32)
        badge = _badges(geometry, {i: _listed(c) for i, c in enumerate(cells)}, {})
        self.cells_doc = {
            "format": "geoapp-cells/1",
            "levels": list(LEVEL_ORDER),
            "layers": layers,
            "towns": list(towns),
            "villages": [[v, towns[t]] for t, v in villages],
            "bounds": [round(float(v), 6) for v in shapely.total_bounds(geometry.geoms)]
            if cells else None,
            "quantum": OVERVIEW_QUANTUM,
            "origin": list(geometry.origin),
            "detail": {"from_zoom": detail_zoom(geometry.tolerance), "tile_zoom": TILE_ZOOM,
                       "quantum": DETAIL_QUANTUM},
            "hazard_fields": list(FIGURES),
            "code": self.cell_codes,
            "name": [c["name"] for c in cells],
            "village": self.cell_village.tolist(),
            "level": [levels[c["risk_level"]] for c in cells],
            "counts": places.counts.tolist(),
            "hazards": [_figures(c) for c in cells],
            "badge": badge,
            # where each cell's name is written (a point inside it), lon/lat
            "label_at": np.round(geometry.badge_at, 6).tolist(),
            # village outlines and label places, in the order of "villages"
            **village_outlines(geometry, self.cell_village, len(villages)),
        }
        # the document's parts a hazard move cannot change, written once for every patch
        self.cells_prefix = geometry.cells_prefix(
            {k: v for k, v in self.cells_doc.items() if k not in PATCHED})
        self.cells_payload = self._cells_payload(self.cells_doc)
        # every cell's hazard rollup as a row of counts: the headline (geoapp.map.headline)
        self.rollups = np.array([headline.vector(c["hazards"]) for c in cells],
                                dtype=np.int64).reshape(len(cells), len(headline.PATHS))
        self.scoped: dict = {}  # payloads of area scopes (geoapp.map.scoped), per scope
        self.vector_tiles: dict = {}  # MVT bodies (geoapp.map.vtiles), per tile and filters
        # points as numpy columns: places kept, level and flags matched to them by id
        self.p_id, self.p_lon, self.p_lat = places.id, places.lon, places.lat
        self.p_by_lon, self.p_lon_sorted = places.by_lon, places.lon_sorted
        self.p_layer, self.p_outside, self.p_name = places.layer, places.outside, places.name
        self.p_cell = places.area
        state_id = np.asarray(states["id"], dtype=np.int64)
        state_level = np.array([levels.get(x, 3) for x in states["risk_level"]], dtype=np.int8)
        state_flags = np.asarray(states["flags"], dtype=np.int8)
        at = np.minimum(np.searchsorted(state_id, places.id), max(len(state_id) - 1, 0))
        known = (state_id[at] == places.id) if len(state_id) else np.zeros(len(places.id), bool)
        self.p_level = np.where(known, state_level[at] if len(state_id) else 3, 3).astype(np.int8)
        self.p_flags = np.where(known, state_flags[at] if len(state_id) else 0, 0).astype(np.int8)
        self.visit_read = visits
        self.visits = VisitColumns(places.id, visits)  # geoapp.map.visits

    def _cells_payload(self, doc: dict) -> Payload:
        """The whole territory's cells document: the kept prefix, then ``PATCHED``."""
        return self.cells_prefix.then(b"," + dumps({k: doc[k] for k in PATCHED})[1:])

    def patched(self, cells: list[dict], states: dict, visits: dict | None) -> Snapshot:
        """This snapshot with what a hazard move changes replaced (geoapp.map.cache):
        the level, figures and badge of ``cells`` (``map_data.map_cells`` rows) and the
        level and flags of the points in ``states`` (``map_point_states`` columns).

        Shapes, places, lookups and the other cells' figures are shared, so the
        result equals a snapshot built from scratch at the same data.
        """
        new = copy.copy(self)
        doc = dict(self.cells_doc)
        level, hazards = list(doc["level"]), list(doc["hazards"])
        listed = {}
        new.rollups = self.rollups.copy()
        for c in cells:
            i = self.cell_index.get(c["code"])
            if i is not None:
                level[i], hazards[i] = LEVELS[c["risk_level"]], _figures(c)
                listed[i] = _listed(c)
                new.rollups[i] = headline.vector(c["hazards"])
        doc.update(level=level, hazards=hazards,
                   badge=_badges(self.geometry, listed, doc["badge"]))
        new.cells_doc, new.scoped = doc, {}
        new.vector_tiles = {}  # their levels and flags changed too (geoapp.map.vtiles)
        new.cells_payload = self._cells_payload(doc)  # the kept prefix, these three after
        ids = np.asarray(states["id"], dtype=np.int64)
        at = np.minimum(np.searchsorted(self.p_id, ids), max(len(self.p_id) - 1, 0))
        known = (self.p_id[at] == ids) if len(self.p_id) else np.zeros(len(ids), bool)
        new.p_level, new.p_flags = self.p_level.copy(), self.p_flags.copy()
        new.p_level[at[known]] = np.array([LEVELS.get(x, 3) for x in states["risk_level"]],
                                          dtype=np.int8)[known]
        new.p_flags[at[known]] = np.asarray(states["flags"], dtype=np.int8)[known]
        if visits is not self.visit_read:
            new.visit_read, new.visits = visits, VisitColumns(self.p_id, visits)
        return new

    # -- cells ----------------------------------------------------------------------

    def tile(self, z: int, x: int, y: int) -> Payload:
        """Exact (quantised, unsimplified) geometry of the cells meeting one tile."""
        key = (z, x, y)
        hit = self.geometry.tiles.get(key)
        if hit is not None:
            return hit
        w, s, e, n = tile_bounds(z, x, y)
        b = self.geometry.bounds
        idx = np.flatnonzero((b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s))
        if len(idx):
            hits = shapely.intersects(self.geometry.geoms[idx], shapely.box(w, s, e, n))
            idx = idx[hits]
        doc = {"format": "geoapp-cells-tile/1", "tile": [z, x, y], "quantum": DETAIL_QUANTUM,
               "origin": list(self.geometry.origin),
               "code": [self.cell_codes[i] for i in idx],
               "geom": encode_geometries(self.geometry.geoms[idx], DETAIL_QUANTUM,
                                         self.geometry.origin) if len(idx) else []}
        payload = Payload.of(doc)
        if len(self.geometry.tiles) > 2000:
            self.geometry.tiles.clear()
        self.geometry.tiles[key] = payload
        return payload

    # -- points ---------------------------------------------------------------------

    def area_cells(self, town: str | None, village: str | None,
                   cell: str | None) -> np.ndarray | None:
        """Indices of the cells in an area filter (None: no filter). Raises KeyError naming it."""
        mask = None
        if town:
            if town not in self.towns:
                raise KeyError("town")
            mask = self.village_town[self.cell_village] == self.towns[town]
        if village:
            ids = [i for (t, v), i in self.villages.items()
                   if v == village and (not town or t == town)]
            if not ids:
                raise KeyError("village")
            m = np.isin(self.cell_village, ids)
            mask = m if mask is None else mask & m
        if cell:
            if cell not in self.cell_index:
                raise KeyError("cell")
            m = np.zeros(len(self.cell_codes), dtype=bool)
            m[self.cell_index[cell]] = True
            mask = m if mask is None else mask & m
        return None if mask is None else np.flatnonzero(mask)

    def select(self, bbox=None, layers=None, levels=None, hazard: str | None = None,
               cells: np.ndarray | None = None, outside: str | None = None,
               visit: str | None = None, key: bool = False) -> np.ndarray:
        """Indices of the points passing every filter.

        ``key``: only the points that matter at a glance — red, with an overdue
        hazard, or outside every cell (the territory view shows these first).
        """
        if bbox is None:
            at = None  # every point
        else:  # the box's strip of longitude, then its latitudes: a tile's is a few %
            w, s, e, n = bbox
            lo = np.searchsorted(self.p_lon_sorted, w, side="left")
            hi = np.searchsorted(self.p_lon_sorted, e, side="right")
            at = self.p_by_lon[lo:hi]
            lat = self.p_lat[at]
            at = np.sort(at[(lat >= s) & (lat <= n)])

        def col(values: np.ndarray) -> np.ndarray:
            return values if at is None else values[at]

        m = np.ones(len(self.p_id) if at is None else len(at), dtype=bool)
        if key:
            m &= (col(self.p_level) == 0) | ((col(self.p_flags) & FLAG_OVERDUE) != 0) | \
                col(self.p_outside)
        if layers is not None:
            m &= np.isin(col(self.p_layer), [self.layers.index(x) for x in layers])
        if levels is not None:
            m &= np.isin(col(self.p_level), [LEVEL_ORDER.index(x) for x in levels])
        if hazard:
            m &= (col(self.p_flags) & HAZARD_FILTERS[hazard]) != 0
        if cells is not None:
            m &= np.isin(col(self.p_cell), cells)
        if outside == "only":
            m &= col(self.p_outside)
        elif outside == "exclude":
            m &= ~col(self.p_outside)
        if visit:
            m &= col(self.visits.mask(visit))
        return np.flatnonzero(m) if at is None else at[m]

    def _point_rows(self, idx) -> list[list]:
        return [[int(self.p_id[i]), int(self.p_layer[i]), int(self.p_level[i]),
                 round(float(self.p_lon[i]), 6), round(float(self.p_lat[i]), 6),
                 int(self.p_flags[i]), int(self.p_outside[i]), self.p_name[i],
                 *self.visits.row(i)] for i in idx]

    def points_doc(self, idx: np.ndarray, zoom: int, max_points: int = MAX_POINTS) -> dict:
        """The points at ``idx`` as rows when few enough, else clusters per layer and square."""
        fields = ["id", "layer", "level", "lon", "lat", "flags", "outside", "name",
                  *VISIT_FIELDS]
        base = {"format": "geoapp-points/1", "total": int(len(idx)),
                "outside": int(self.p_outside[idx].sum()), "point_fields": fields}
        if len(idx) <= max_points:
            return {**base, "mode": "points", "points": self._point_rows(idx), "clusters": []}
        px, py = mercator_px(self.p_lon[idx], self.p_lat[idx], zoom)
        gx = np.floor(px / CLUSTER_PX).astype(np.int64)
        gy = np.floor(py / CLUSTER_PX).astype(np.int64)
        layer = self.p_layer[idx].astype(np.int64)
        key = (gx * (1 << 24) + gy) * 64 + layer
        uniq, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
        k = len(uniq)
        lon = np.bincount(inverse, self.p_lon[idx], k) / count
        lat = np.bincount(inverse, self.p_lat[idx], k) / count
        level = np.full(k, 3, dtype=np.int8)
        np.minimum.at(level, inverse, self.p_level[idx])  # red is 0: the worst level wins
        flags = np.zeros(k, dtype=np.int8)
        np.bitwise_or.at(flags, inverse, self.p_flags[idx])
        outside = np.bincount(inverse, self.p_outside[idx].astype(float), k).astype(int)
        ulayer = uniq % 64
        single = count == 1
        first = np.zeros(k, dtype=np.int64)
        first[inverse] = idx  # any member; for singletons, the point itself
        clusters = [[int(ulayer[j]), round(float(lon[j]), 6), round(float(lat[j]), 6),
                     int(count[j]), int(level[j]), int(flags[j]), int(outside[j])]
                    for j in np.flatnonzero(~single)]
        return {**base, "mode": "clusters",
                "cluster_fields": ["layer", "lon", "lat", "count", "level", "flags", "outside"],
                "clusters": clusters, "points": self._point_rows(first[single])}


def shapes_digest(raw) -> str:
    """A digest of the cells' raw stored geometry: it changes when any shape does."""
    h = hashlib.blake2b(digest_size=16)
    for value in raw:
        h.update(value.encode() if isinstance(value, str) else value)
    return h.hexdigest()


LEVELS = {code: i for i, code in enumerate(LEVEL_ORDER)}
# a cell's hazard figures, in the order of the cells document's "hazard_fields"
FIGURES = ("open", "overdue", "major_open", "listed_open", "closed", "major_overdue",
           "major_stock_open", "major_increment_year")


def _figures(cell: dict) -> list[int]:
    return [cell["hazards"].get(k, 0) for k in FIGURES]


def _listed(cell: dict) -> bool:
    return cell["hazards"].get("listed_open", 0) > 0


def _badges(geometry: CellGeometry, listed: dict[int, bool], before: dict) -> dict:
    """The 挂牌 badges' places (str(cell index) → lon/lat): ``before``'s with the cells in
    ``listed`` set or taken off, in cell order (the same bytes however they were made)."""
    badge = dict(before)
    for i, on in listed.items():
        if on:
            x, y = geometry.badge_at[i]
            badge[str(i)] = [round(float(x), 6), round(float(y), 6)]
        else:
            badge.pop(str(i), None)
    return dict(sorted(badge.items(), key=lambda kv: int(kv[0])))


# a cell the figures query did not return (read between two statements of an import)
_NO_CELL = {"name": "", "risk_level": "blue", "village": "", "town": "", "hazards": {}}
