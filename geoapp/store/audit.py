"""The audit log in the database: write one entry, read them filtered (rules: geoapp.domain.audit).

Entries are only ever added (the table refuses UPDATE and DELETE, as the
hazards' history does). ``record`` adds to the caller's session, so an entry
commits with the change it describes when the caller writes both at once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import audit as rules
from geoapp.store.models import AuditEntry

FILTERS = ("action", "actor", "since", "until", "target")


def record(session: Session, action: str, actor: str, *, target: str = "",
           detail: dict | None = None, ip: str | None = None, via: str = "web",
           at: dt.datetime | None = None) -> AuditEntry:
    """Add one entry (flushed, not committed); an unknown action or a secret is refused."""
    if action not in rules.ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(at=at or dt.datetime.now(dt.UTC), actor=(actor or "")[:100],
                       action=action, target=(target or "")[:255],
                       detail=rules.clean(detail), ip=ip, via=via)
    session.add(entry)
    session.flush()
    return entry


def _where(filters: dict) -> list:
    clauses = []
    if filters.get("action"):
        clauses.append(AuditEntry.action == filters["action"])
    if filters.get("actor"):
        clauses.append(AuditEntry.actor == filters["actor"])
    if filters.get("target"):
        clauses.append(AuditEntry.target.contains(filters["target"], autoescape=True))
    if filters.get("since"):
        clauses.append(AuditEntry.at >= filters["since"])
    if filters.get("until"):
        clauses.append(AuditEntry.at < filters["until"])
    return clauses


def entries(session: Session, filters: dict, *, limit: int | None = 100,
            offset: int = 0) -> tuple[int, list[dict]]:
    """(how many match, the page of them, newest first) for ``filters`` (keys FILTERS:
    since/until are aware datetimes, until exclusive)."""
    where = _where(filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*where))
    query = (sa.select(AuditEntry).where(*where)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return total, [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action,
                    "target": e.target, "detail": e.detail or {}, "ip": e.ip, "via": e.via}
                   for e in session.scalars(query)]


def last_rules_digest(session: Session) -> str | None:
    """The rule files' digest last recorded as in force (None: never)."""
    detail = session.scalar(sa.select(AuditEntry.detail)
                            .where(AuditEntry.action == "rules_loaded")
                            .order_by(AuditEntry.id.desc()).limit(1))
    return (detail or {}).get("sha256")
