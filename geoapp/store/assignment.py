"""Keeping the stored assignment and levels in step with their inputs.

Points carry their cell, zones, and levels on the row (computed on write, read as attributes),
so every write path calls these after changing inputs:

* new or moved points → ``reassign(session, point_ids)`` for those points only;
* replaced cells or zones → ``reassign(session)`` for every point;
* then ``refresh_levels(session, rules, point_ids)`` for the points whose
  attributes or hazards changed, which also recomputes every cell and zone
  level (an area's level is a grouped count);
* a change that leaves its points in place (the hazard commands) →
  ``refresh_levels_in_place(session, rules, point_ids)``: those points and
  only the cells and zones they are in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import risk, spatial, workflow
from geoapp.domain.layers import Rules
from geoapp.store import dialect, zone_grading
from geoapp.store.models import Cell, Hazard, Point, Zone


def cells_frame(session: Session) -> gpd.GeoDataFrame:
    rows = session.execute(sa.select(Cell.code, Cell.geom)).all()
    return gpd.GeoDataFrame({"code": [r.code for r in rows]},
                            geometry=[r.geom for r in rows], crs=4326)


def zones_frame(session: Session) -> gpd.GeoDataFrame:
    rows = session.execute(sa.select(Zone.code, Zone.geom)).all()
    return gpd.GeoDataFrame({"code": [r.code for r in rows]},
                            geometry=[r.geom for r in rows], crs=4326)


def _chunks(ids: list[int], size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def reassign(session: Session, point_ids: Iterable[int] | None = None) -> int:
    """Recompute cell and zones of the given points (all when None); returns how many."""
    query = sa.select(Point.id, Point.geom)
    if point_ids is None:
        rows = session.execute(query).all()
    else:
        ids = sorted(set(point_ids))
        rows = [r for chunk in _chunks(ids) for r in
                session.execute(query.where(Point.id.in_(chunk))).all()]
    if not rows:
        return 0
    points = gpd.GeoSeries([r.geom for r in rows], index=[r.id for r in rows], crs=4326)
    cells = cells_frame(session)
    if len(cells) == 0:
        result = {"cell_code": None, "zone_codes": [], "outside": True,
                  "nearest_cell_code": None, "distance_m": None}
        updates = [{"id": pid, **result} for pid in points.index]
    else:
        out = spatial.assign(points, cells, zones_frame(session))
        updates = [
            {"id": pid, "cell_code": rec.cell_code, "zone_codes": list(rec.zone_codes),
             "outside": bool(rec.outside), "nearest_cell_code": rec.nearest_cell_code,
             "distance_m": round(float(rec.distance_m), 1) if rec.outside else 0.0}
            for pid, rec in zip(out.index, out.itertuples(index=False), strict=True)
        ]
    session.execute(sa.update(Point), updates)
    return len(updates)


def refresh_levels(session: Session, rules: Rules, point_ids: Iterable[int] | None = None) -> None:
    """Recompute point levels (given points, or all) and then every cell and zone level."""
    _refresh_points(session, rules, point_ids)
    refresh_area_levels(session, rules)


def refresh_levels_in_place(session: Session, rules: Rules, point_ids: Iterable[int]) -> None:
    """Recompute the given points' levels, then the levels of the cells and zones they are in.

    For a change that leaves the points where they were (a hazard recorded, moved
    along its path, edited; a new point placed just before): an area's level
    follows from its points' levels alone, so no other area's can change.
    Recomputing every area instead read every point's zones on each hazard write,
    0.6 s CPU at 60,000 points (bench/README.md).
    """
    places = _refresh_points(session, rules, point_ids)
    cells = {cell for cell, _zones in places if cell is not None}
    zones = {code for _cell, codes in places for code in codes or ()}
    refresh_area_levels(session, rules, cells, zones)


def _refresh_points(session: Session, rules: Rules,
                    point_ids: Iterable[int] | None) -> list[tuple[str | None, list]]:
    """Store the points' inherent and escalated levels; returns their (cell, zones)."""
    query = sa.select(Point.id, Point.layer, Point.attrs, Point.cell_code, Point.zone_codes)
    open_major = sa.select(Hazard.point_id).where(Hazard.level == "major",
                                                  Hazard.state.in_(workflow.OPEN_STATES))
    if point_ids is None:
        rows = session.execute(query).all()
        escalate = set(session.scalars(open_major))
    else:
        ids = sorted(set(point_ids))
        rows, escalate = [], set()
        for chunk in _chunks(ids):
            rows += session.execute(query.where(Point.id.in_(chunk))).all()
            escalate |= set(session.scalars(open_major.where(Hazard.point_id.in_(chunk))))
    updates = []
    for r in rows:
        layer = rules.layers.get(r.layer)
        inherent = risk.inherent_level(r.attrs, layer.risk) if layer else "blue"
        level = risk.escalated_level(inherent, r.id in escalate, rules.risk)
        updates.append({"id": r.id, "inherent_level": inherent, "risk_level": level})
    if updates:
        session.execute(sa.update(Point), updates)
    return [(r.cell_code, r.zone_codes) for r in rows]


def refresh_area_levels(session: Session, rules: Rules, cells: Collection[str] | None = None,
                        zones: Collection[str] | None = None) -> None:
    """The cells' and zones' levels from the levels of the points in them: every cell and
    zone when ``cells`` is None, else only ``cells`` and ``zones`` (codes)."""
    if cells is None:
        _refresh_cell_levels(session, rules, None)
        _refresh_zone_levels(session, rules, None)
        return
    if cells:
        _refresh_cell_levels(session, rules, cells)
    if zones:
        _refresh_zone_levels(session, rules, zones)


def _refresh_cell_levels(session: Session, rules: Rules, cells: Collection[str] | None) -> None:
    """The cells' levels (all when ``cells`` is None) from their points' levels."""
    counts = (sa.select(Point.cell_code, Point.risk_level, sa.func.count())
              .where(Point.cell_code.is_not(None)).group_by(Point.cell_code, Point.risk_level))
    stored = sa.select(Cell.id, Cell.code, Cell.risk_level)
    if cells is not None:
        counts = counts.where(Point.cell_code.in_(sorted(cells)))
        stored = stored.where(Cell.code.in_(sorted(cells)))
    per_cell: dict[str, Counter] = defaultdict(Counter)
    for code, level, n in session.execute(counts):
        per_cell[code][level] = n
    updates = []
    for cid, code, old in session.execute(stored).all():
        new = risk.area_level(per_cell.get(code, {}), rules.risk.area)
        if new != old:
            updates.append({"id": cid, "risk_level": new})
    if updates:
        session.execute(sa.update(Cell), updates)


def _refresh_zone_levels(session: Session, rules: Rules, zones: Collection[str] | None) -> None:
    """The zones' levels (all when ``zones`` is None): their points' levels, counted in the
    database (a point's zones are a JSON array), raised to each zone's grade in force."""
    code = dialect.array_texts(session, Point.zone_codes)
    counts = (sa.select(code.c.value, Point.risk_level, sa.func.count())
              .select_from(Point).join(code, sa.true())
              .group_by(code.c.value, Point.risk_level))
    stored = sa.select(Zone.id, Zone.code, Zone.risk_level)
    if zones is not None:
        counts = counts.where(code.c.value.in_(sorted(zones)))
        stored = stored.where(Zone.code.in_(sorted(zones)))
    per_zone: dict[str, Counter] = defaultdict(Counter)
    for zone, level, n in session.execute(counts):
        per_zone[zone][level] = n
    graded = zone_grading.grades(session)  # the latest assessment's grade, else the ledger's
    updates = []
    for zid, zone, old in session.execute(stored).all():
        new = risk.zone_level(per_zone.get(zone, {}), graded[zone]["grade"], rules.risk)
        if new != old:
            updates.append({"id": zid, "risk_level": new})
    if updates:
        session.execute(sa.update(Zone), updates)
