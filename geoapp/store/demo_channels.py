"""Synthetic self-checks and public reports for the bundled demo, so the reports by channel
have figures.

Deterministic and relative to the demo's ``today``, like the demo's visits
(geoapp.store.demo_visits):

* every third enterprise (in id order) self-checked 5 days and 35 days ago,
  recorded as made by the enterprise itself (``source`` self_check);
* one public report (一键举报) per demo hazard whose source is 群众举报 (up to
  four), filed the morning of the hazard's day and verified that afternoon
  into it, the first with a paid reward; and four more in other cells: two
  waiting (待核查, filed 1 and 3 days ago), one being checked (核查中) and one
  rejected (不属实, with the reason the reporter reads).

Every text says it is synthetic; receipt codes start with DEMO so nobody
mistakes them for real ones.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import shapely
import sqlalchemy as sa

from geoapp.domain.layers import Rules
from geoapp.store.database import Database
from geoapp.store.models import Cell, Hazard, Inspection, Point, PublicReport, PublicReportEvent

NOTE = "演示数据（虚构自查记录）"
OTHER = (("received", 1, "消防通道被货物堵塞（虚构举报）", ""),
         ("received", 3, "夜间有人在厂房内违规动火（虚构举报）", ""),
         ("checking", 4, "废弃厂房有人进出，疑似违规存放物品（虚构举报）", ""),
         ("rejected", 9, "反映有液化气泄漏（虚构举报）",
          "经现场核查，为正常燃气表检定，未发现泄漏，感谢您的反映。"))


def _local(day: dt.date, hour: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tz).astimezone(dt.UTC)


def _report(s, code: str, at: dt.datetime, lon: float, lat: float, cell: str | None,
            description: str, steps: list[tuple[dt.datetime, str, str, str]], **fields) -> None:
    state = steps[-1][2] if steps else "received"
    report = PublicReport(code=code, created_at=at, updated_at=steps[-1][0] if steps else at,
                          lon=lon, lat=lat, cell_code=cell, outside=False, category="other",
                          description=description, state=state,
                          reply=steps[-1][3] if steps else "", **fields)
    s.add(report)
    s.flush()
    s.add(PublicReportEvent(report_id=report.id, at=at, actor="public", action="receive",
                            to_state="received", note=""))
    before = "received"
    for when, action, to_state, reply in steps:
        s.add(PublicReportEvent(report_id=report.id, at=when, actor="supervisor", action=action,
                                from_state=before, to_state=to_state, reply=reply,
                                note="演示数据（虚构）"))
        before = to_state


def seed(database: Database, rules: Rules, today: dt.date) -> tuple[int, int]:
    """Add the synthetic self-checks and public reports; returns (self-checks, reports)."""
    tz = ZoneInfo(rules.risk.hazards.timezone)
    checks = reports = 0
    with database.transaction() as s:
        enterprises = s.execute(sa.select(Point.id, Point.name).where(
            Point.layer == "enterprise").order_by(Point.id)).all()
        for i, (pid, name) in enumerate(enterprises):
            if i % 3:
                continue
            for days in (35, 5):
                s.add(Inspection(point_id=pid, inspected_at=_local(today - dt.timedelta(days),
                                                                   10, tz),
                                 inspector=f"self-{pid}", inspector_name=f"{name}安全员",
                                 source="self_check", note=NOTE, checklist={}))
                checks += 1
        found = s.execute(
            sa.select(Hazard.id, Hazard.found_on, Point.cell_code, Point.geom)
            .join(Point, Point.id == Hazard.point_id)
            .where(Hazard.source == "public_report").order_by(Hazard.id).limit(4)).all()
        for n, h in enumerate(found, 1):
            where = h.geom
            _report(s, f"DEMO{n:06d}", _local(h.found_on, 9, tz), where.x, where.y,
                    h.cell_code, "群众反映的隐患（虚构举报）",
                    [(_local(h.found_on, 11, tz), "start", "checking", "已受理，正在核查。"),
                     (_local(h.found_on, 15, tz), "verify", "verified",
                      "经核查属实，已登记隐患并督促整改。")],
                    hazard_id=h.id, reward_amount=200.0 if n == 1 else None,
                    reward_on=h.found_on if n == 1 else None, reward_paid=n == 1)
            reports += 1
        cells = s.execute(sa.select(Cell.code, Cell.geom).order_by(Cell.code)).all()
        for n, (state, days, text, reply) in enumerate(OTHER, len(found) + 1):
            code, geom = cells[(n * 7) % len(cells)]
            spot = shapely.point_on_surface(geom)
            filed = _local(today - dt.timedelta(days), 8 + n, tz)
            steps = {"received": [],
                     "checking": [(filed + dt.timedelta(hours=5), "start", "checking",
                                   "已受理，正在核查。")],
                     "rejected": [(filed + dt.timedelta(hours=26), "reject", "rejected", reply)]
                     }[state]
            _report(s, f"DEMO{n:06d}", filed, spot.x, spot.y, code, text, steps)
            reports += 1
    return checks, reports
