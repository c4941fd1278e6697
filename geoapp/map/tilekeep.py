"""Vector tiles kept across changes and made ahead (no Flask).

A hazard move patches the map's snapshot (geoapp.map.cache); ``carry_over`` keeps
the old snapshot's tiles that show nothing it changed, and the coalesced tiles'
unions but those of the groups it changed, so a move redraws the tiles around it,
not the map. ``seed`` makes the whole territory's first view ahead of any request
(the warm-up does, geoapp.web.warmup). What a tile holds: geoapp.map.vtiles.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from geoapp.map.geometry import mercator_px
from geoapp.map.snapshot import Snapshot
from geoapp.map.vtiles import BUFFER, Filters, lonlat_box, tile


def _box(z: int, x: int, y: int) -> tuple[float, ...]:
    return lonlat_box(z, x, y, 2 * BUFFER)  # wider than a tile holds: never too few dropped


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
    # (a copy: the warm-up thread may be adding its first view's tiles to ``old`` meanwhile,
    # and a dict changing size under its iteration stops it; copy() is one step of the GIL)
    for key, payload in old.vector_tiles.copy().items():
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
    if new.geometry is old.geometry:
        _drop_unions(old, new, at)
    return len(kept)


def _drop_unions(old: Snapshot, new: Snapshot, at: list[int]) -> None:
    """Of the unions kept with the shapes (``merged_group``), drop those holding a cell
    the move took to another group (its level, or whether it has an overdue or a listed
    hazard): no group of ``new`` has that set of cells any more. Every other union serves
    ``new`` as it is, so the first coalesced tile after a move merges two groups per
    changed cell (the cell's new group), not the province."""
    def group(snap: Snapshot, i: int) -> tuple:
        figures = snap.cells_doc["hazards"][i]
        return snap.cells_doc["level"][i], figures[1] > 0, figures[3] > 0

    moved = [i for i in at if group(old, i) != group(new, i)]
    cache = new.geometry.merged
    if not moved or not cache:
        return
    keys = list(cache)
    members = [cache[k]["members"] for k in keys]
    owner = np.repeat(np.arange(len(keys)), [len(m) for m in members])
    for j in np.unique(owner[np.isin(np.concatenate(members), moved)]).tolist():
        del cache[keys[j]]


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
