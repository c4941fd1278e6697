"""The rows the downloads write (geoapp.exports): cells, zones, points, hazards.

Plain dicts with the stored values as they are (a point's ``attrs`` as the
importer wrote them, geometry as stored, never simplified or rounded), so a
ledger written from them reads back unchanged. ``cells`` limits every read
to those cell codes (a grid member's scope); None reads the whole territory,
points outside every cell included. Nothing here reads public reports: their
reporters' phone numbers never reach a download.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import workflow
from geoapp.domain.layers import Rules
from geoapp.store.models import Cell, Hazard, Point, Town, Village, Zone
from geoapp.store.reads import territory
from geoapp.store.zone_grading import grades


def _hazard_rows(session: Session, cells: Collection[str] | None):
    q = (sa.select(Hazard.point_id, Point.cell_code, Point.zone_codes, Hazard.state,
                   Hazard.level, Hazard.deadline, Hazard.found_on, Hazard.listed)
         .join(Point, Hazard.point_id == Point.id))
    if cells is not None:
        q = q.where(Point.cell_code.in_(list(cells)))
    return session.execute(q).all()


def cells(session: Session, rules: Rules, today: dt.date,
          only: Collection[str] | None = None) -> list[dict]:
    """Every cell (or those in ``only``) with village, town, members, level and figures.

    ``counts`` are points per layer; ``hazards`` the figures of
    geoapp.domain.workflow.rollup (open, overdue, major open, rate…).
    """
    q = territory.cells_in_areas(Cell, Village.name, Village.code, Town.name).order_by(Cell.code)
    if only is not None:
        q = q.where(Cell.code.in_(list(only)))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.layers, 0))
    cq = (sa.select(Point.cell_code, Point.layer, sa.func.count())
          .where(Point.cell_code.is_not(None)).group_by(Point.cell_code, Point.layer))
    for code, layer, n in session.execute(cq):
        if layer in rules.layers:
            counts[code][layer] = n
    per_cell = defaultdict(list)
    for row in _hazard_rows(session, only):
        per_cell[row.cell_code].append(row)
    cutoff = rules.risk.hazards.stock_cutoff
    return [{"code": cell.code, "name": cell.name, "village": village,
             "village_code": village_code, "town": town, "members": cell.members or [],
             "supervising_unit": cell.supervising_unit, "supervisor": cell.supervisor,
             "risk_level": cell.risk_level, "geom": cell.geom,
             "counts": dict(counts[cell.code]),
             "hazards": workflow.rollup(per_cell.get(cell.code, []), today, cutoff)}
            for cell, village, village_code, town in session.execute(q)]


def zones(session: Session, rules: Rules, today: dt.date) -> list[dict]:
    """Every functional zone with its level, grade in force (``grade``: the latest
    assessment's, else its ledger score's; None when never graded), points per layer and
    hazard figures."""
    in_force = grades(session)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rules.layers, 0))
    for layer, codes in session.execute(sa.select(Point.layer, Point.zone_codes)):
        for code in codes or ():
            if layer in rules.layers:
                counts[code][layer] += 1
    per_zone = defaultdict(list)
    for row in _hazard_rows(session, None):
        for code in row.zone_codes or ():
            per_zone[code].append(row)
    cutoff = rules.risk.hazards.stock_cutoff
    return [{"code": z.code, "name": z.name, "kind": z.kind, "park_score": z.park_score,
             "grade": in_force.get(z.code, {}).get("grade"), "risk_level": z.risk_level,
             "geom": z.geom, "counts": dict(counts[z.code]),
             "hazards": workflow.rollup(per_zone.get(z.code, []), today, cutoff)}
            for z in session.scalars(sa.select(Zone).order_by(Zone.code))]


def points(session: Session, rules: Rules, layer: str, today: dt.date,
           only: Collection[str] | None = None) -> list[dict]:
    """The points of one layer (in the cells ``only``), with placement, levels and figures."""
    q = sa.select(Point).where(Point.layer == layer).order_by(Point.key)
    if only is not None:
        q = q.where(Point.cell_code.in_(list(only)))
    rows = session.scalars(q).all()
    per_point = defaultdict(list)
    for row in _hazard_rows(session, only):
        per_point[row.point_id].append(row)
    cutoff = rules.risk.hazards.stock_cutoff
    return [{"id": p.id, "key": p.key, "name": p.name, "attrs": p.attrs or {}, "geom": p.geom,
             "cell_code": p.cell_code, "zone_codes": p.zone_codes or [], "outside": p.outside,
             "nearest_cell_code": p.nearest_cell_code, "distance_m": p.distance_m,
             "inherent_level": p.inherent_level, "risk_level": p.risk_level,
             "last_visit_on": p.last_visit_on,
             "hazards": workflow.rollup(per_point.get(p.id, []), today, cutoff)}
            for p in rows]


def hazards(session: Session, only: Collection[str] | None = None) -> list[dict]:
    """Every hazard (of points in the cells ``only``) with its point, cell, village and town."""
    q = (sa.select(Hazard, Point.layer, Point.key, Point.name, Point.geom, Point.cell_code,
                   Village.name, Village.code, Town.name)
         .join(Point, Hazard.point_id == Point.id)
         .outerjoin(Cell, Cell.code == Point.cell_code)
         .outerjoin(Village, Cell.village_id == Village.id)
         .outerjoin(Town, Village.town_id == Town.id)
         .order_by(Hazard.found_on, Hazard.code))
    if only is not None:
        q = q.where(Point.cell_code.in_(list(only)))
    out = []
    for h, layer, key, name, geom, cell_code, village, village_code, town in session.execute(q):
        out.append({"code": h.code, "level": h.level, "source": h.source,
                    "description": h.description, "found_on": h.found_on,
                    "deadline": h.deadline, "original_deadline": h.original_deadline,
                    "responsible_unit": h.responsible_unit,
                    "responsible_person": h.responsible_person, "listed": h.listed,
                    "state": h.state, "closed_on": h.closed_on,
                    "point_layer": layer, "point_key": key, "point_name": name, "geom": geom,
                    "cell_code": cell_code, "village": village, "village_code": village_code,
                    "town": town})
    return out


def villages(session: Session) -> list[dict]:
    """Every village's id, code, name and town (a hazard filter names one by code or name)."""
    return [{"code": code, "name": name, "town": town} for code, name, town in session.execute(
        territory.villages_in_towns(Village.code, Village.name, Town.name))]
