"""Visits (巡查) read for the map, the reports and the cell page: last visits and statuses.

A point's last visit on a day is the later of (docs/domain.md "Due, overdue,
visited"): the ledger's own value (the layer's ``inspection.ledger_field``
in the point's attrs), the stored ``Point.last_visit_on`` (which inspections
and imports move forward) and its latest stored ``Inspection`` (local date),
each counted only if it is on or before that day. Reading all three keeps the
answer right for a past day (the reports' period end), where the stored
column may already hold a later visit, and whichever writer sets it.

Its status on that day is ``geoapp.domain.inspection.visit_status`` with the
layer's spec; a point of a layer without one (not in the rules) has none.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.inspection import next_due, visit_status
from geoapp.domain.layers import Rules
from geoapp.store.models import Inspection, Point, User


def day_end_utc(day: dt.date, tz: str) -> dt.datetime:
    """The instant the local ``day`` ends (next local midnight), as UTC."""
    nxt = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(tz))
    return nxt.astimezone(dt.UTC)


def _iso_date(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


# visits by grid members and supervisors (巡查); self-checks (企业自查) are counted apart
INSPECTION = "inspection"


def _last_visit_rows(session: Session, rules: Rules, day: dt.date, ids: list[int] | None,
                     cell: str | None = None) -> list[tuple[int, str, dt.date | None]]:
    """(id, layer, last visit on or before ``day``) per point, in id order: one query; for
    the points of ``ids``, or of the cell ``cell``, or (neither) every point."""
    tz = rules.risk.hazards.timezone
    # the ledger's value, for the layers that have one
    ledger = tuple((code, t.inspection.ledger_field) for code, t in rules.layers.items()
                   if t.inspection is not None and t.inspection.ledger_field)
    which = "cell" if cell is not None else "ids" if ids is not None else "all"
    stmt = _last_visit_statement(ledger, which)
    params = {"day_end": day_end_utc(day, tz)}
    if which == "ids":
        params["ids"] = ids
    elif which == "cell":
        params["cell"] = cell
    zone = ZoneInfo(tz)
    out = []
    # Core rows fetched at once: a fraction of the time of row-by-row at 10⁵ points
    for pid, layer, stored, text, at in session.connection().execute(stmt, params).all():
        last = stored if stored is not None and stored <= day else None
        for value in (_iso_date(text), at.astimezone(zone).date() if at is not None else None):
            if value is not None and value <= day and (last is None or value > last):
                last = value
        out.append((pid, layer, last))
    return out


@functools.cache
def _last_visit_statement(ledger: tuple[tuple[str, str], ...], which: str) -> sa.Select:
    """``_last_visit_rows``' SELECT, built once per layers' ledger fields (building it cost
    more than its query for a cell page's or a popup's few points); ``which``: "ids" for
    the points of the expanding parameter ``ids`` only (a popup), "cell" for those of the
    cell ``cell`` (a cell page: its code, not a hundred ids for the database to parse
    again on every page), "all" for every point."""
    # an enterprise's own self-check is no supervisory visit: it leaves the due date alone
    day_end = sa.bindparam("day_end", type_=Inspection.inspected_at.type)
    latest = (sa.select(Inspection.point_id, sa.func.max(Inspection.inspected_at).label("at"))
              .where(Inspection.inspected_at < day_end, Inspection.source == INSPECTION))
    if which == "ids":
        ids = sa.bindparam("ids", expanding=True)
        wanted = Point.id.in_(ids)
        latest = latest.where(Inspection.point_id.in_(ids))
    elif which == "cell":
        wanted = Point.cell_code == sa.bindparam("cell")
        latest = latest.where(Inspection.point_id.in_(sa.select(Point.id).where(wanted)))
    else:
        wanted = None
    latest = latest.group_by(Inspection.point_id).subquery()
    # (read in the database, not the whole attrs documents)
    cases = [(Point.layer == code, Point.attrs[field].as_string()) for code, field in ledger]
    stmt = (sa.select(Point.id, Point.layer, Point.last_visit_on,
                      sa.case(*cases, else_=sa.null()) if cases else sa.null(),
                      sa.type_coerce(latest.c.at, Inspection.inspected_at.type))
            .outerjoin(latest, latest.c.point_id == Point.id).order_by(Point.id))
    return stmt if wanted is None else stmt.where(wanted)


def last_visits(session: Session, rules: Rules, day: dt.date,
                ids: Iterable[int] | None = None,
                cell: str | None = None) -> dict[int, tuple[str, dt.date | None]]:
    """{point id: (layer, last visit on or before the end of ``day``)} for every point
    (or those of ``ids``, or those of the cell ``cell``)."""
    wanted = None if ids is None else sorted(set(ids))
    if cell is None and wanted is not None and not wanted:
        return {}
    return {pid: (layer, last)
            for pid, layer, last in _last_visit_rows(session, rules, day, wanted, cell)}


def status_of(rules: Rules, layer: str, last: dt.date | None, day: dt.date) -> str | None:
    """The point's visit status on ``day``: overdue | due | visited (None: no spec)."""
    table = rules.layers.get(layer)
    if table is None or table.inspection is None:
        return None
    return visit_status(last, table.inspection, day)


def statuses(session: Session, rules: Rules, points: Iterable, today: dt.date,
             cell: str | None = None) -> dict[int, dict]:
    """Each point's visit on ``today``: {id: {visit, last_visit, next_due}} (dates ISO).

    ``points``: point ids or rows with an ``id`` (Point objects); ``cell``: they are
    that cell's points, every one (read by the cell's code). For the cell page, the
    map's popup and anyone showing a few points; the map's columns for every point
    come from ``map_visits``.
    """
    if cell is not None:
        found = last_visits(session, rules, today, cell=cell)
    else:
        found = last_visits(session, rules, today, [p if isinstance(p, int) else p.id
                                                    for p in points])
    out = {}
    for pid, (layer, last) in found.items():
        table = rules.layers.get(layer)
        due = next_due(last, table.inspection.every_days) if table and table.inspection else None
        out[pid] = {"visit": status_of(rules, layer, last, today),
                    "last_visit": last.isoformat() if last else None,
                    "next_due": due.isoformat() if due else None}
    return out


def map_visits(session: Session, rules: Rules, today: dt.date) -> dict:
    """Every point's visit status and last visit on ``today`` as columns, in id order.

    The status is computed once per (layer, last visit) pair: at 10⁵ points there
    are only a few hundred of them.
    """
    rows = _last_visit_rows(session, rules, today, None)
    memo: dict = {}
    visit, last_visit = [], []
    for _pid, layer, last in rows:
        key = (layer, last)
        if key not in memo:
            memo[key] = (status_of(rules, layer, last, today), last.isoformat() if last else None)
        status, iso = memo[key]
        visit.append(status)
        last_visit.append(iso)
    return {"id": [r[0] for r in rows], "visit": visit, "last_visit": last_visit}


def visits_between(session: Session, tz: str, start: dt.date, end: dt.date) -> list[dict]:
    """The visits made on local days ``start`` … ``end``, oldest first.

    Each: point_id, day (local), inspector (username), inspector_name.
    """
    zone = ZoneInfo(tz)
    since = day_end_utc(start - dt.timedelta(days=1), tz)
    rows = session.execute(
        sa.select(Inspection.point_id, Inspection.inspected_at, Inspection.inspector,
                  Inspection.inspector_name)
        .where(Inspection.inspected_at >= since, Inspection.inspected_at < day_end_utc(end, tz),
               Inspection.source == INSPECTION)
        .order_by(Inspection.inspected_at, Inspection.id)).all()
    return [{"point_id": r.point_id, "day": r.inspected_at.astimezone(zone).date(),
             "inspector": r.inspector, "inspector_name": r.inspector_name} for r in rows]


def grid_members(session: Session) -> list[dict]:
    """The active grid members' accounts (username, name, cells): a member who made no
    visit is listed too."""
    users = session.scalars(sa.select(User).where(User.role == "grid", User.active.is_(True))
                            .order_by(User.username)).all()
    return [{"username": u.username, "name": u.display_name or "",
             "cells": sorted(link.cell_code for link in u.cell_links)} for u in users]
