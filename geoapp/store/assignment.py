"""Keeping the stored assignment and levels in step with their inputs.

Points carry their cell, zones, and levels on the row (computed on write, read as attributes),
so every write path calls these after changing inputs:

* new or moved points → ``reassign(session, point_ids)`` for those points only;
* replaced cells or zones → ``reassign(session)`` for every point;
* then ``refresh_levels(session, rules, point_ids)`` for the points whose
  attributes or hazards changed, which also recomputes every cell and zone
  level (an area's level is a grouped count, cheap at county scale).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import risk, spatial, workflow
from geoapp.domain.layers import Rules
from geoapp.store import zone_grading
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
    query = sa.select(Point.id, Point.layer, Point.attrs)
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
    refresh_area_levels(session, rules)


def refresh_area_levels(session: Session, rules: Rules) -> None:
    """Every cell's and zone's level from the levels of the points in it."""
    per_cell: dict[str, Counter] = defaultdict(Counter)
    for code, level, n in session.execute(
        sa.select(Point.cell_code, Point.risk_level, sa.func.count())
        .where(Point.cell_code.is_not(None))
        .group_by(Point.cell_code, Point.risk_level)
    ):
        per_cell[code][level] = n
    cells = session.execute(sa.select(Cell.id, Cell.code, Cell.risk_level)).all()
    updates = []
    for cid, code, old in cells:
        new = risk.area_level(per_cell.get(code, {}), rules.risk.area)
        if new != old:
            updates.append({"id": cid, "risk_level": new})
    if updates:
        session.execute(sa.update(Cell), updates)

    per_zone: dict[str, Counter] = defaultdict(Counter)
    for zone_codes, level in session.execute(sa.select(Point.zone_codes, Point.risk_level)):
        for code in zone_codes or ():
            per_zone[code][level] += 1
    zones = session.execute(sa.select(Zone.id, Zone.code, Zone.risk_level)).all()
    graded = zone_grading.grades(session)  # the latest assessment's grade, else the ledger's
    updates = []
    for zid, code, old in zones:
        new = risk.zone_level(per_zone.get(code, {}), graded[code]["grade"], rules.risk)
        if new != old:
            updates.append({"id": zid, "risk_level": new})
    if updates:
        session.execute(sa.update(Zone), updates)
