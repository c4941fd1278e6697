"""行业主管部门 of stored points (the rule: geoapp.domain.departments), and a department's sector.

Derived when read, not stored: editing layers/departments.toml re-assigns every point
at the next start without a migration. A point's industry is its own, else its owner
enterprise's (``enterprise_uscc`` → the enterprise point keyed by that USCC), as in the
reports; its ledger's 主管部门 (attrs ``authority``) wins when it names a configured one.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.departments import FIELD
from geoapp.domain.layers import Rules
from geoapp.store.models import Point


def _owner_industries(session: Session, usccs: Iterable[str]) -> dict[str, str | None]:
    wanted = sorted({u for u in usccs if u})
    if not wanted:
        return {}
    return dict(session.execute(sa.select(Point.key, Point.industry).where(
        Point.layer == "enterprise", Point.key.in_(wanted))).all())


def authorities(session: Session, rules: Rules, points: Iterable[Point]) -> dict[int, str]:
    """Point id → its department, for the given ORM points (one query for their owners)."""
    points = list(points)
    owners = _owner_industries(session, ((p.attrs or {}).get("enterprise_uscc")
                                         for p in points if not p.industry))
    return {p.id: rules.departments.department_of(
        p.layer, p.industry or owners.get((p.attrs or {}).get("enterprise_uscc") or ""),
        (p.attrs or {}).get(FIELD)) for p in points}


def authority(session: Session, rules: Rules, point: Point | None) -> str | None:
    """One point's department (None for no point)."""
    return None if point is None else authorities(session, rules, [point])[point.id]


def sector_point_ids(session: Session, rules: Rules, department: str) -> list[int]:
    """The ids of every point whose department is ``department`` (a department account's
    sector), read as columns: the JSON attrs of 10⁵ points are not decoded as objects."""
    rows = session.execute(sa.select(
        Point.id, Point.layer, Point.key, Point.industry,
        Point.attrs["enterprise_uscc"].as_string().label("owner"),
        Point.attrs[FIELD].as_string().label("own"))).all()
    industry = {r.key: r.industry for r in rows if r.layer == "enterprise"}
    of = rules.departments.department_of
    return [r.id for r in rows
            if of(r.layer, r.industry or industry.get(r.owner or ""), r.own) == department]


def is_department(user) -> bool:
    """Is ``user`` a department's account: a logged-in supervisor given a department?"""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.role == "supervisor" and user.department)


def in_sector(session: Session, rules: Rules, user, point: Point | None) -> bool:
    """Is ``point`` in the department account's sector (its department is the account's)?"""
    return point is not None and authority(session, rules, point) == user.department
