"""What the grid member's round adds to a cell's page: each point's visit, people by name.

A point's visit (due, overdue or visited, its last visit and the next one due)
is ``visit_data.statuses``: the one reading of visits, shared with the map
and the reports.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from geoapp.domain.layers import Rules
from geoapp.store.models import Hazard, User
from geoapp.store.reads import visit_data


def display_names(session: Session, usernames) -> dict[str, str]:
    """username → the person's name (the username when the account has none)."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    rows = session.execute(sa.select(User.username, User.display_name)
                           .where(User.username.in_(wanted)))
    return {u: (name or u) for u, name in rows}


def with_visits(session: Session, features: list[dict], rules: Rules,
                today: dt.date, cell: str | None = None) -> list[dict]:
    """The point features with their ``visit``: {status, last_visit_on, next_due,
    every_days}, or None for a layer without visits; ``cell``: the features are every
    point of that cell (read by its code)."""
    found = visit_data.statuses(session, rules, [f["properties"]["id"] for f in features],
                                today, cell)
    for feature in features:
        props = feature["properties"]
        layer = rules.layers.get(props["layer"])
        visit = found.get(props["id"])
        props["visit"] = None if not visit or not visit["visit"] else {
            "status": visit["visit"], "last_visit_on": visit["last_visit"],
            "next_due": visit["next_due"], "every_days": layer.inspection.every_days}
    return features


def hazards_at(session: Session, point_ids) -> list[Hazard]:
    """The hazards (with their events) of some points: the outside points a cell's page
    lists, whose hazards belong to no cell's figures but are still someone's to follow."""
    ids = sorted(set(point_ids))
    if not ids:
        return []
    return list(session.scalars(
        sa.select(Hazard).where(Hazard.point_id.in_(ids))
        .options(selectinload(Hazard.events), selectinload(Hazard.listing))
        .order_by(Hazard.found_on.desc(), Hazard.code)))
