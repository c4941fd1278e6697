"""The extensions (延期) the reports count: every request with its decision and cell."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store.models import Extension, Hazard, Point


def requests_until(session: Session, end: dt.datetime) -> list[dict]:
    """Every request made before ``end`` (UTC): when asked, its state, when decided, its cell."""
    rows = session.execute(
        sa.select(Extension.requested_at, Extension.state, Extension.decided_at,
                  Point.cell_code)
        .join(Hazard, Extension.hazard_id == Hazard.id)
        .join(Point, Hazard.point_id == Point.id)
        .where(Extension.requested_at < end)
        .order_by(Extension.id))
    return [{"requested_at": r.requested_at, "state": r.state, "decided_at": r.decided_at,
             "cell_code": r.cell_code} for r in rows]
