"""What the grid member's round adds to a cell's page: each point's visit, people by name.

A point's last visit is its ``last_visit_on`` (kept from its inspections), or
else the ledger's date (its layer's ``inspection.ledger_field``, e.g. 最近检查日期),
the starting point before geoapp recorded visits; the status is
``domain.inspection.visit_status`` on that date.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from geoapp.domain import inspection
from geoapp.domain.layers import Rules
from geoapp.store.models import Hazard, Point, User


def _ledger_date(point: Point, field: str | None) -> dt.date | None:
    raw = (point.attrs or {}).get(field) if field else None
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(str(raw)[:10])
    except ValueError:
        return None  # a ledger text that is not a date: as never visited


def point_visit(point: Point, rules: Rules, today: dt.date) -> dict | None:
    """{status, last_visit_on, next_due} of one point; None for a layer without visits."""
    layer = rules.layers.get(point.layer)
    spec = layer.inspection if layer else None
    if spec is None:
        return None
    last = point.last_visit_on or _ledger_date(point, spec.ledger_field)
    due = inspection.next_due(last, spec.every_days)
    return {"status": inspection.visit_status(last, spec, today),
            "last_visit_on": last.isoformat() if last else None,
            "next_due": due.isoformat() if due else None,
            "every_days": spec.every_days}


def display_names(session: Session, usernames) -> dict[str, str]:
    """username → the person's name (the username when the account has none)."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(sa.select(User.username, User.display_name)
                           .where(User.username.in_(wanted)))
    return {u: (name or u) for u, name in rows}


def with_visits(features: list[dict], points, rules: Rules, today: dt.date) -> list[dict]:
    """The point features with their ``visit`` (same order as ``points``)."""
    for feature, point in zip(features, points, strict=True):
        feature["properties"]["visit"] = point_visit(point, rules, today)
    return features


def hazards_at(session: Session, point_ids) -> list[Hazard]:
    """The hazards (with their events) of some points: the outside points a cell's page
    lists, whose hazards belong to no cell's figures but are still someone's to follow."""
    ids = sorted(set(point_ids))
    if not ids:
        return []
    return list(session.scalars(
        sa.select(Hazard).where(Hazard.point_id.in_(ids)).options(selectinload(Hazard.events))
        .order_by(Hazard.found_on.desc(), Hazard.code)))
