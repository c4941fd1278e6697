"""审核 read for the reports: the hazards' submissions and decisions, and account names."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import review
from geoapp.store.models import HazardEvent, User


def review_events(session: Session) -> dict[int, list[SimpleNamespace]]:
    """Hazard id → its ``submit``, ``accept`` and ``reject`` events (at, action, actor), in
    date order (a backdated event has a later id)."""
    out: dict[int, list] = defaultdict(list)
    rows = session.execute(
        sa.select(HazardEvent.hazard_id, HazardEvent.at, HazardEvent.action, HazardEvent.actor)
        .where(HazardEvent.action.in_((review.SUBMIT, *review.DECISIONS)))
        .order_by(HazardEvent.hazard_id, HazardEvent.at, HazardEvent.id)).all()
    for r in rows:
        out[r.hazard_id].append(SimpleNamespace(at=r.at, action=r.action, actor=r.actor))
    return out


def display_names(session: Session) -> dict[str, str | None]:
    """Username → display name (None when the account has none), every account."""
    return {u: n or None for u, n in session.execute(sa.select(User.username,
                                                                User.display_name))}
