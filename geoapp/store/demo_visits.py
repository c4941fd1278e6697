"""Synthetic visits (巡查) for the bundled demo, so the map shows every visit status.

A small deterministic set, made relative to the demo's ``today`` (the app's
pinned TODAY, else the real date): the points of each layer, in id order, take
turns at three patterns — never visited (overdue), last visited so that the
next visit falls due within the layer's reminder window (due), and visited
recently (visited) — with one earlier visit a cycle before for the last two,
so that this month and last both have figures in the reports. Every visit is
labelled synthetic in its note. Visits in the demo grid member's cells are
made by the demo account ``grid``; elsewhere by a made-up account per cell
named after the cell's first listed member.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from geoapp.domain.layers import Rules
from geoapp.store.database import Database
from geoapp.store.models import Cell, Inspection, Point

NOTE = "演示数据（虚构巡查记录）"
GRID_ACCOUNT = ("grid", "网格员（演示）")  # geoapp.store.demo.DEMO_ACCOUNTS's grid member


def _last_days(spec, pattern: int) -> list[int]:
    """Days before today of a point's visits, oldest first (empty: never visited)."""
    if pattern == 0:
        return []
    if pattern == 1:  # due: the next visit falls due at the far end of the reminder window
        last = spec.every_days - spec.remind_days
    else:  # visited: well before the window
        last = max(1, (spec.every_days - spec.remind_days) // 3)
    return [last + spec.every_days, last]


def seed(database: Database, rules: Rules, today: dt.date, grid_cells=()) -> int:
    """Add the synthetic visits (and move each point's ``last_visit_on``); returns how many."""
    tz = ZoneInfo(rules.risk.hazards.timezone)
    added = 0
    with database.transaction() as s:
        members = {code: (m or [{}])[0].get("name") or code
                   for code, m in s.execute(sa.select(Cell.code, Cell.members))}
        points = s.scalars(sa.select(Point).order_by(Point.layer, Point.id)).all()
        turn: dict[str, int] = {}
        for p in points:
            table = rules.layers.get(p.layer)
            if table is None or table.inspection is None:
                continue
            spec = table.inspection
            pattern = turn.get(p.layer, 0) % 3
            turn[p.layer] = turn.get(p.layer, 0) + 1
            if p.cell_code in grid_cells:
                username, name = GRID_ACCOUNT
            else:
                username = f"demo-{p.cell_code or 'outside'}".lower()[:64]
                name = members.get(p.cell_code, "网格员（虚构）")
            items = spec.items_for(p.industry)
            for days in _last_days(spec, pattern):
                day = today - dt.timedelta(days=days)
                at = dt.datetime.combine(day, dt.time(9 + p.id % 8, 7 * (p.id % 8)), tz)
                s.add(Inspection(
                    point_id=p.id, inspected_at=at.astimezone(dt.UTC), inspector=username,
                    inspector_name=name, note=NOTE,
                    checklist={i.key: {"result": "ok", "note": ""} for i in items}))
                added += 1
                if p.last_visit_on is None or p.last_visit_on < day:
                    p.last_visit_on = day
    return added
