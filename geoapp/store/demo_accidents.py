"""Synthetic accidents for the bundled demo, so 双下降 has something to compare.

Deterministic and relative to the demo's ``today``, like its visits: the month the
reports open on (geoapp.domain.periods.default_period) holds 2 accidents with 1
death; the same month a year earlier 3 with 4 deaths (one 较大, 3 deaths), so the
territory shows 双下降 year on year; the month before holds 1 (环比), and two more
fall in other months of the two years. They sit near enterprises spread over the
demo's towns (the towns in turn, each one's enterprises by id), one given by its address and
enterprise only. Each goes through the same check as the form and the ledger
(geoapp.domain.accidents.check); every name says it is synthetic.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geoapp.domain import accidents as rules
from geoapp.domain import periods
from geoapp.store import accidents as stored
from geoapp.store.database import Database
from geoapp.store.models import Accident, Cell, Point, Village

ACTOR = "演示数据"
# (month offset from the default period: 0 this month, -12 a year before; day of the month;
#  time, type, deaths, serious, injuries, loss 万元, state, located?)
PLAN = (
    (0, 3, "09:40", "机械伤害", 1, 0, 1, 85.0, "investigating", True),
    (0, 5, "15:10", "高处坠落", 0, 1, 0, 40.5, "investigating", False),
    (-1, 12, "10:20", "物体打击", 0, 0, 2, 6.0, "closed", True),
    (-5, 20, "14:00", "触电", 1, 0, 0, 60.0, "closed", True),
    (-12, 4, "08:30", "中毒和窒息", 3, 1, 0, 420.0, "closed", True),
    (-12, 11, "16:45", "车辆伤害", 1, 0, 1, 55.0, "closed", True),
    (-12, 22, "11:05", "火灾", 0, 0, 3, 130.0, "closed", True),
    (-16, 9, "13:30", "坍塌", 1, 2, 0, 210.0, "closed", True),
)


def _month(period: periods.Period, offset: int) -> periods.Period:
    month = period
    for _ in range(-offset):
        month = periods.previous_month(month)
    return month


def seed(database: Database, today: dt.date) -> int:
    """Record the demo's accidents (none if any accident exists); → how many."""
    current = periods.default_period(today)
    with database.transaction() as s:
        if s.scalar(sa.select(sa.func.count()).select_from(Accident)):
            return 0
        per_town: dict[int, list] = {}
        for row in s.execute(sa.select(Point.id, Point.name, Point.geom, Village.town_id)
                             .join(Cell, Cell.code == Point.cell_code)
                             .join(Village, Village.id == Cell.village_id)
                             .where(Point.layer == "enterprise").order_by(Point.id)):
            per_town.setdefault(row.town_id, []).append(row[:3])
        towns = [per_town[t] for t in sorted(per_town)]
        done = 0
        for i, (offset, day, time, kind, deaths, serious, injuries, loss, state,
                located) in enumerate(PLAN):
            month = _month(current, offset)
            when = min(month.start.replace(day=min(day, month.end.day)), today)
            # round the towns: each town's enterprises in turn
            town = towns[i % len(towns)]
            point_id, name, geom = town[(i // len(towns)) % len(town)]
            body = {"code": f"DEMO-SG-{when:%Y%m%d}-{i + 1}", "occurred_on": when,
                    "occurred_time": time, "type": kind, "deaths": deaths,
                    "serious_injuries": serious, "injuries": injuries, "loss": loss,
                    "state": state, "enterprise": name,
                    "address": f"{name}厂区（虚构事故地点）",
                    "note": "演示数据（虚构事故，仅用于展示“双下降”统计）"}
            if located:  # beside the enterprise's marker, not on it
                body.update(lon=geom.x + 0.0004, lat=geom.y + 0.0003)
            fields = rules.check(body, today)
            stored.record(s, fields, point_id, ACTOR)
            done += 1
    return done
