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


# The demo's synthetic assessments (geoapp.store.demo): the chemical park's history, the
# earlier grade A, the latest B (its ledger score's grade, so the demo's levels stay as
# the ledger gives them). Days before the demo's today, as its visits are.
DEMO = (("GNQ-02", 900, 57.5, "A", "示范省应急管理厅（虚构）", "化工园区安全风险评估（虚构）"),
        ("GNQ-02", 200, 68.5, "B", "示范市应急管理局（虚构）", "整改后复评（虚构）"))


def seed_demo(database, rules: Rules, today: dt.date) -> int:
    """The demo's assessments of the zones it has; returns how many were written."""
    with database.transaction() as session:
        codes = set(session.scalars(sa.select(Zone.code)))
        rows = [ZoneAssessment(zone_code=code, assessed_on=today - dt.timedelta(days=days),
                               score=score, grade=grade, body=body, note=note,
                               recorded_by="演示数据", recorded_at=dt.datetime.now(dt.UTC))
                for code, days, score, grade, body, note in DEMO if code in codes]
        session.add_all(rows)
        session.flush()
        refresh_area_levels(session, rules)
    return len(rows)
