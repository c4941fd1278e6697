"""Public reports (一键举报) written: filed with photos, triaged, rewarded; each step an event.

The rules are geoapp.domain.public_reports; this module places a report
(geoapp.domain.spatial: its cell, or outside with the nearest cell and the
distance), and writes in the caller's transaction, so that a refused field or
photo leaves nothing behind. A verified report becomes a hazard with source
``public_report`` (群众举报) at an existing point or at a point made on the spot
where the report was filed. Events carry the action names the reports by
channel count: ``receive``, ``start``, ``verify``, ``reject``, ``reply``, ``reward``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import geopandas as gpd
import shapely
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from geoapp.domain import public_reports as rules_of
from geoapp.domain import spatial, values
from geoapp.domain.public_reports import PublicReportInputError
from geoapp.ingest.photos import PreparedPhoto
from geoapp.store import assignment, hazards
from geoapp.store import photos as stored_photos
from geoapp.store.models import Point, PublicReport, PublicReportEvent

PUBLIC_ACTOR = "public"  # the reporter has no account


class VersionConflict(Exception):
    """Someone else changed the report since the caller read it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"public report changed meanwhile (now version {current_version})")


def place(session, lon: float, lat: float) -> tuple[str | None, bool, float | None]:
    """(cell code, outside, metres to the nearest cell); outside: the nearest cell's code."""
    cells = assignment.cells_frame(session)
    if not len(cells):
        return None, True, None
    out = spatial.assign(gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326), cells).iloc[0]
    if not out.outside:
        return out.cell_code, False, None
    return out.nearest_cell_code, True, round(float(out.distance_m), 1)


def placed(session, spec: rules_of.PublicReportFile, values: dict) -> dict:
    """``values`` with the place's cell: a place farther than the file's ``max_outside_m``
    from every cell raises PublicReportInputError naming ``lon``. Checked before any photo
    is decoded, so a refused place costs the server little."""
    cell_code, outside, nearest_m = place(session, values["lon"], values["lat"])
    if outside:
        rules_of.check_outside(nearest_m, spec)
    return {**values, "cell_code": cell_code, "outside": outside, "nearest_m": nearest_m}


def file(session, values: dict, photos: list[PreparedPhoto], at: dt.datetime) -> PublicReport:
    """Store a checked and placed filing (domain.public_reports.check_filing, ``placed``)
    with its photos."""
    report = PublicReport(code=_unused_code(session), created_at=at, updated_at=at,
                          state="received", reply="", **values)
    session.add(report)
    session.flush()
    session.add(PublicReportEvent(report_id=report.id, at=at, actor=PUBLIC_ACTOR,
                                  action="receive", from_state=None, to_state="received"))
    for prepared in photos:
        stored_photos.attach(session, prepared, PUBLIC_ACTOR, public_report_id=report.id, at=at)
    return report


def _unused_code(session) -> str:
    while True:  # 59 bits: a repeat is all but impossible, but cheap to rule out
        code = rules_of.new_code()
        if session.scalar(sa.select(PublicReport.id).where(PublicReport.code == code)) is None:
            return code


def by_code(session, code: str) -> PublicReport | None:
    normal = rules_of.normal_code(code)
    if normal is None:
        return None
    return session.scalar(sa.select(PublicReport).where(PublicReport.code == normal))


def _step(session, report: PublicReport, actor: str, action: str, at: dt.datetime,
          note: str = "", reply: str = "", to_state: str | None = None) -> PublicReportEvent:
    event = PublicReportEvent(report_id=report.id, at=at, actor=actor, action=action,
                              from_state=report.state, to_state=to_state or report.state,
                              note=note, reply=reply)
    session.add(event)
    report.state = to_state or report.state
    if reply:
        report.reply = reply
    report.updated_at = at
    return event


def triage(session, rules, report_id: int, fields: dict, actor: str, *,
           expected_version: int, today: dt.date, at: dt.datetime) -> PublicReport:
    """One triage step (``fields``: action, note, reply, point_id; for verify also the
    hazard's optional ``level``, ``deadline`` and a new point's ``name``).

    Raises LookupError for an unknown report, VersionConflict when it changed
    since ``expected_version``, PublicReportInputError naming the field (``state``
    for a step its state does not allow), and the hazard's HazardInputError for
    a bad level or deadline. ``verify`` creates the hazard (source 群众举报) at
    ``point_id`` or at a new point of the file's ``verify.new_point_layer`` made
    at the report's place, and links both to the report.
    """
    report = session.get(PublicReport, report_id)
    if report is None:
        raise LookupError(f"no public report {report_id}")
    if report.version != expected_version:
        raise VersionConflict(report.version)
    step = rules_of.check_triage(fields, report.state)
    if step["action"] == "verify":
        point_id = step["point_id"] or _new_point(session, rules, report, fields.get("name"))
        if session.get(Point, point_id) is None:
            raise PublicReportInputError("point_id", f"没有编号为 {point_id} 的点位")
        hazard = _hazard(session, rules, report, point_id, fields, actor, today, at)
        report.point_id, report.hazard_id = point_id, hazard.id
    _step(session, report, actor, step["action"], at, step["note"], step["reply"],
          rules_of.next_state(step["action"], report.state))
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise VersionConflict(session.get(PublicReport, report_id).version) from None
    return report


def _new_point(session, rules, report: PublicReport, name) -> int:
    layer = rules.public_report.verify.new_point_layer
    try:
        name = values.text(name, 300) or f"群众举报点位 #{report.id}"
    except ValueError as exc:
        raise PublicReportInputError("name", str(exc)) from None
    # named by the report's id, never its receipt code: the code is the reporter's key to
    # the answer, and the point (and hazard) are read by staff and possibly the enterprise
    point = Point(layer=layer, key=f"JB-{report.id}", name=name,
                  geom=shapely.Point(report.lon, report.lat), attrs={}, source_crs="wgs84")
    session.add(point)
    session.flush()
    assignment.reassign(session, [point.id])
    return point.id


def _hazard(session, rules, report: PublicReport, point_id: int, fields: dict, actor: str,
            today: dt.date, at: dt.datetime):
    tz = ZoneInfo(rules.risk.hazards.timezone)
    found_on = min(report.created_at.astimezone(tz).date(), today)
    days = rules.public_report.verify.deadline_days
    suffix = f"（群众举报 #{report.id}）"
    description = report.description[:rules_of.DESCRIPTION_MAX - len(suffix)] + suffix
    return hazards.create_hazard(session, rules, point_id, {
        "level": fields.get("level") or "general", "source": "public_report",
        "description": description, "found_on": found_on.isoformat(),
        "deadline": fields.get("deadline") or (today + dt.timedelta(days=days)).isoformat(),
    }, actor, today, at=at)


def reward(session, report_id: int, fields: dict, actor: str, *, today: dt.date,
           at: dt.datetime) -> PublicReport:
    """Record (or correct) the reward of a verified report (查实即奖), as a ``reward`` event."""
    report = session.get(PublicReport, report_id)
    if report is None:
        raise LookupError(f"no public report {report_id}")
    given = rules_of.check_reward(fields, report.state, today)
    report.reward_amount, report.reward_on, report.reward_paid = (
        given["amount"], given["on"], given["paid"])
    paid = "已发放" if given["paid"] else "未发放"
    _step(session, report, actor, "reward", at,
          note=f"{given['amount']:.2f} 元，{given['on'].isoformat()}，{paid}")
    session.flush()
    return report
