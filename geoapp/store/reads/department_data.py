"""What a department's account reads (/department): its sector's points and their hazards,
and the supervisory measures taken on them.

The sector is geoapp.store.departments' (the points whose 行业主管部门 is the account's),
cut further to the account's area scope when it has one (``cells``).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import workflow
from geoapp.domain.layers import Rules
from geoapp.store import departments, measures
from geoapp.store.models import Hazard, Point
from geoapp.store.reads.pages import hazard_dict


def page(session: Session, rules: Rules, department: str, cells: frozenset[str] | None,
         today: dt.date, layer_labels: dict[str, str]) -> dict:
    """{department, points, hazards, measures}: hazards open first by deadline, then closed,
    newest first; ``cells`` None is the whole territory."""
    ids = departments.sector_point_ids(session, rules, department)
    points = [p for p in session.scalars(
        sa.select(Point).where(Point.id.in_(ids)).order_by(Point.layer, Point.name))
        if cells is None or (p.cell_code or p.nearest_cell_code) in cells]
    names = {p.id: p.name for p in points}
    found = list(session.scalars(sa.select(Hazard).where(Hazard.point_id.in_(list(names)))))
    found.sort(key=lambda h: (not workflow.is_open(h.state),
                              h.deadline.toordinal() * (1 if workflow.is_open(h.state) else -1),
                              h.id))
    return {
        "department": department,
        "points": [{"id": p.id, "layer": p.layer,
                    "layer_label": layer_labels.get(p.layer, p.layer), "key": p.key,
                    "name": p.name, "cell_code": p.cell_code or p.nearest_cell_code,
                    "risk_level": p.risk_level} for p in points],
        "hazards": [{**hazard_dict(h, today), "point_name": names[h.point_id],
                     "authority": department} for h in found],
        "measures": [measures.as_dict(row) for row in measures.for_points(session, list(names))],
    }
