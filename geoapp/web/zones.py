"""Functional zones' pages and their assessments (园区安全风险评估).

``GET /zones``: every zone with its grade in force; ``GET /zones/<code>``: one zone,
its assessment history and, for admins and supervisors, the form for a new one.
``GET /api/zones/<code>/assessments``: {zone, grade, assessments} (newest first, the
one in force first); ``POST`` the same URL with {assessed_on, score, grade, body,
note} → 201 with the assessment, only by an admin or a supervisor (403
``forbidden`` for anyone else, checked before the body is read), a bad field →
400 naming it; the write, the zones' levels refreshed and the audit entry commit
together. Zones are the planning frame every role reads (as /api/zones).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from geoapp.domain import zone_grades
from geoapp.store import zone_assessments
from geoapp.store.reads import zone_data
from geoapp.web import auth, clock, db, inputs, token_auth
from geoapp.web.errors import ApiError

bp = Blueprint("zones", __name__)

_FIELDS = {"assessed_on": inputs.TEXT, "score": (*inputs.NUMBER, str), "grade": inputs.TEXT,
           "body": inputs.TEXT, "note": inputs.TEXT}


def _rules():
    return current_app.extensions["geoapp.rules"]


def _may_assess() -> bool:
    return current_user.is_authenticated and current_user.role in zone_grades.ASSESSORS


def _zone_or_404(code: str):
    try:
        return zone_assessments.zone(db.session(), code)
    except zone_assessments.UnknownZone:
        abort(404, description=f"no zone with code {code!r}")


def _zone_json(zone, grades: dict) -> dict:
    g = grades.get(zone.code) or {}
    return {"code": zone.code, "name": zone.name, "kind": zone.kind,
            "risk_level": zone.risk_level, "park_score": zone.park_score,
            "grade": g.get("grade"), "grade_source": g.get("source", "none"),
            "assessed_on": g.get("assessed_on")}


@bp.get("/api/zones/<code>/assessments")
def assessments(code: str):
    """A zone, its grade in force and its assessments (newest first)."""
    zone = _zone_or_404(code)
    session = db.session()
    return jsonify({"zone": _zone_json(zone, zone_data.grades(session)),
                    "assessments": zone_data.history(session, code)})


@bp.post("/api/zones/<code>/assessments")
def new_assessment(code: str):
    """Record an assessment: {assessed_on, score, grade, body, note} → 201."""
    actor = auth.actor_name()
    if not _may_assess():
        raise ApiError(403, "forbidden", _("功能区评估由管理员或监管部门录入，您的账号无权录入"),
                       allowed=list(zone_grades.ASSESSORS))
    _zone_or_404(code)
    body = inputs.json_body(_FIELDS)
    try:
        fields = zone_grades.check(body, clock.today(_rules().risk.hazards.timezone))
    except zone_grades.AssessmentInputError as exc:
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    session = db.session()
    row = zone_assessments.record(session, _rules(), code, fields, actor,
                                  ip=request.remote_addr,
                                  via="token" if token_auth.via_token() else "web")
    session.commit()
    response = jsonify(zone_data.as_dict(row))
    response.status_code = 201
    response.headers["Location"] = url_for("zones.assessments", code=code)
    return response


def _grade_labels() -> dict:
    return {g: _(label) for g, label in zone_grades.GRADE_LABELS.items()}


def _colours() -> dict:
    rules = _rules()
    return zone_grades.grade_colours(rules.risk.zones.grade_levels,
                                     {lv.code: lv.colour for lv in rules.risk.levels})


@bp.get("/zones")
def index():
    """Every zone with its grade in force, each linking to its page."""
    session = db.session()
    grades = zone_data.grades(session)
    zones = [_zone_json(z, grades) for z in zone_assessments.all_zones(session)]
    return render_template("zones/index.html", zones=zones, labels=_grade_labels(),
                           colours=_colours())


@bp.get("/zones/<code>")
def page(code: str):
    """One zone: its grade in force, the history of assessments, the form for a new one."""
    zone = _zone_or_404(code)
    session = db.session()
    config = {
        "url": url_for("zones.assessments", code=code),
        "t": {"saved": _("已保存，新的评估已生效"), "failed": _("保存失败"),
              "none": _("还没有评估记录。"), "grades": _grade_labels()},
    }
    return render_template(
        "zones/zone.html", zone=_zone_json(zone, zone_data.grades(session)),
        history=zone_data.history(session, code), labels=_grade_labels(), colours=_colours(),
        may_assess=_may_assess(), grades=zone_grades.GRADES,
        today=clock.today(_rules().risk.hazards.timezone).isoformat(), page_config=config)
