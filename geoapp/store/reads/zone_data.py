"""A zone's assessments as its page and the API show them (the grade in force:
geoapp.store.zone_grading)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store.models import ZoneAssessment
from geoapp.store.zone_grading import as_dict, grades, latest

__all__ = ["as_dict", "grades", "history", "latest"]


def history(session: Session, code: str) -> list[dict]:
    """A zone's assessments, the one in force first (newest date, then newest entry)."""
    rows = session.scalars(sa.select(ZoneAssessment).where(ZoneAssessment.zone_code == code)
                           .order_by(ZoneAssessment.assessed_on.desc(),
                                     ZoneAssessment.id.desc()))
    return [as_dict(a) for a in rows]
