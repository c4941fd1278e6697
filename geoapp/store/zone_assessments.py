"""Zone assessments: record one (checked, audited, the zone's level refreshed) in one transaction.

The rules (fields, the grade in force) are geoapp.domain.zone_grades; the reads
are geoapp.store.reads.zone_data.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.layers import Rules
from geoapp.store import audit
from geoapp.store.assignment import refresh_area_levels
from geoapp.store.fingerprint import bump_data_version
from geoapp.store.models import Zone, ZoneAssessment


class UnknownZone(LookupError):
    """No functional zone has this code."""


def zone(session: Session, code: str) -> Zone:
    found = session.scalar(sa.select(Zone).where(Zone.code == code))
    if found is None:
        raise UnknownZone(code)
    return found


def record(session: Session, rules: Rules, code: str, fields: dict, actor: str, *,
           ip: str | None = None, via: str = "web") -> ZoneAssessment:
    """Add an assessment (``fields`` checked by zone_grades.check) to the zone ``code``,
    refresh every zone's level (the grade in force may have changed), count a data change
    (the map's and reports' caches follow) and write the audit entry; flushed, not committed."""
    zone(session, code)
    row = ZoneAssessment(zone_code=code, recorded_by=actor,
                         recorded_at=dt.datetime.now(dt.UTC), **fields)
    session.add(row)
    session.flush()
    refresh_area_levels(session, rules)
    bump_data_version(session)
    audit.record(session, "zone_assessment", actor, target=code, ip=ip, via=via,
                 detail={"id": row.id, "assessed_on": row.assessed_on.isoformat(),
                         "score": row.score, "grade": row.grade, "body": row.body})
    return row


def all_zones(session: Session) -> list[Zone]:
    """Every zone, by code."""
    return list(session.scalars(sa.select(Zone).order_by(Zone.code)))
