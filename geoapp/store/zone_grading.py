"""The grade in force of every zone, from its assessments: read by the level refresh
(geoapp.store.assignment), the pages, the map and the reports.

``latest`` is the one statement of "the assessment in force": per zone code,
the newest ``assessed_on``, ties broken by the later entry (higher id).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import zone_grades
from geoapp.store.models import Zone, ZoneAssessment


def as_dict(a: ZoneAssessment) -> dict:
    return {"id": a.id, "zone_code": a.zone_code, "assessed_on": a.assessed_on.isoformat(),
            "score": a.score, "grade": a.grade, "body": a.body, "note": a.note,
            "recorded_by": a.recorded_by, "recorded_at": a.recorded_at.isoformat()}


def latest(session: Session) -> dict[str, dict]:
    """The assessment in force of every assessed zone code: {code: as_dict}."""
    ranked = sa.select(
        ZoneAssessment.id,
        sa.func.row_number().over(
            partition_by=ZoneAssessment.zone_code,
            order_by=(ZoneAssessment.assessed_on.desc(), ZoneAssessment.id.desc()),
        ).label("rank")).subquery()
    rows = session.scalars(sa.select(ZoneAssessment).join(ranked, ranked.c.id == ZoneAssessment.id)
                           .where(ranked.c.rank == 1))
    return {a.zone_code: as_dict(a) for a in rows}


def grades(session: Session) -> dict[str, dict]:
    """Every zone's grade in force: {code: {grade, source, score, assessed_on, body}}
    (``source``: assessment, ledger or none; see zone_grades.grade_in_force)."""
    found = latest(session)
    out = {}
    for code, park_score in session.execute(sa.select(Zone.code, Zone.park_score)):
        a = found.get(code)
        grade, source = zone_grades.grade_in_force(a, park_score)
        out[code] = {"grade": grade, "source": source,
                     "score": a["score"] if a else park_score,
                     "assessed_on": a["assessed_on"] if a else None,
                     "body": a["body"] if a else None}
    return out
