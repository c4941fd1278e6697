"""The map's data cut to an account's area scope (geoapp.store.scopes), no Flask.

The snapshot holds the whole territory once; a scoped account gets the same
documents with only its cells and the points whose home cell (their cell, or
the nearest one for a point outside every cell) is one of them. Towns and
villages are renumbered to the ones left, so no other area's name travels.
Payloads are kept in the snapshot per scope, so they are built once per data
change.
"""

from __future__ import annotations

import numpy as np
import shapely

from geoapp.map.geometry import DETAIL_QUANTUM, encode_geometries, tile_bounds, village_shapes
from geoapp.map.payload import Payload
from geoapp.map.snapshot import Snapshot


def cell_indices(snap: Snapshot, only) -> np.ndarray:
    """Indices (in the snapshot's cell order) of the cells ``only`` holds."""
    return np.array([i for i, code in enumerate(snap.cell_codes) if code in only], dtype=np.int64)


def cells_payload(snap: Snapshot, only, overview: bool = False) -> Payload:
    """The cells document of the cells ``only`` (None: the whole territory).

    ``overview``: every cell's shape, name and colour, with points counts and
    hazard figures only for ``only`` (the grid members' county overview,
    setting GRID_OVERVIEW).
    """
    if only is None:
        return snap.cells_payload
    key = (frozenset(only), overview)
    hit = snap.scoped.get(key)
    if hit is not None:
        return hit
    doc = snap.cells_doc
    mine = cell_indices(snap, only)
    idx = np.arange(len(snap.cell_codes)) if overview else mine
    kept_villages = sorted({doc["village"][i] for i in idx})
    new_village = {v: n for n, v in enumerate(kept_villages)}
    kept_towns = sorted({doc["villages"][v][1] for v in kept_villages})
    new_town = {t: n for n, t in enumerate(kept_towns)}
    figures = set(mine.tolist())
    no_counts, no_hazards = [0] * len(doc["layers"]), [0] * len(doc["hazard_fields"])
    geoms = snap.geometry.geoms[idx]
    sub = {
        **doc,
        "towns": [doc["towns"][t] for t in kept_towns],
        "villages": [[doc["villages"][v][0], new_town[doc["villages"][v][1]]]
                     for v in kept_villages],
        "bounds": [round(float(v), 6) for v in shapely.total_bounds(geoms)] if len(idx) else None,
        "code": [snap.cell_codes[i] for i in idx],
        "name": [doc["name"][i] for i in idx],
        "village": [new_village[doc["village"][i]] for i in idx],
        "level": [doc["level"][i] for i in idx],
        "counts": [doc["counts"][i] if i in figures else no_counts for i in idx],
        "hazards": [doc["hazards"][i] if i in figures else no_hazards for i in idx],
        "badge": {str(n): doc["badge"][str(i)] for n, i in enumerate(idx)
                  if str(i) in doc["badge"] and i in figures},
        "geom": [snap.geometry.overview[i] for i in idx],
        "label_at": [doc["label_at"][i] for i in idx],
        # outlines of the kept cells only: no shape of a cell outside the scope travels
        **village_shapes(geoms, [new_village[doc["village"][i]] for i in idx],
                         len(kept_villages), snap.geometry.tolerance, snap.geometry.origin),
    }
    payload = Payload.of(sub)
    if len(snap.scoped) > 64:
        snap.scoped.clear()
    snap.scoped[key] = payload
    return payload


def tile(snap: Snapshot, z: int, x: int, y: int, only) -> Payload:
    """One tile's exact cell geometry, of the cells ``only`` holds (None: all)."""
    if only is None:
        return snap.tile(z, x, y)
    w, s, e, n = tile_bounds(z, x, y)
    idx = cell_indices(snap, only)
    if len(idx):
        b = snap.geometry.bounds[idx]
        idx = idx[(b[:, 0] <= e) & (b[:, 2] >= w) & (b[:, 1] <= n) & (b[:, 3] >= s)]
    if len(idx):
        idx = idx[shapely.intersects(snap.geometry.geoms[idx], shapely.box(w, s, e, n))]
    return Payload.of({"format": "geoapp-cells-tile/1", "tile": [z, x, y],
                       "quantum": DETAIL_QUANTUM, "origin": list(snap.geometry.origin),
                       "code": [snap.cell_codes[i] for i in idx],
                       "geom": encode_geometries(snap.geometry.geoms[idx], DETAIL_QUANTUM,
                                                 snap.geometry.origin) if len(idx) else []})


def area_cells(snap: Snapshot, only, area: np.ndarray | None) -> np.ndarray | None:
    """The cells a points query may reach: the request's area filter within the scope."""
    if only is None:
        return area
    mine = cell_indices(snap, only)
    return mine if area is None else np.intersect1d(area, mine)
