"""Supervisory measures over the API: record one, list them, serve an attachment.

``POST /api/measures`` (JSON, or a multipart form with the file
``attachment``) records a 函告, 通报, 约谈, 曝光, 三函一会 or 移送执法 against
an enterprise or a hazard: only the roles of geoapp.domain.measures.RECORDERS
(supervisor, leader, admin) may; anyone else is refused with 403
``forbidden_step`` before the body is read. ``GET /api/measures`` lists them
for readers, each only where the reader may read the cell; ``GET
/api/measures/<id>/attachment`` serves the file as the photos are served
(same read rights), as a download.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from geoapp.domain import measures as rules
from geoapp.ingest.attachments import (
    PDF,
    AttachmentRejected,
    PreparedAttachment,
    prepare_attachment,
)
from geoapp.store import accounts, departments
from geoapp.store import measures as stored
from geoapp.store.models import Point
from geoapp.web import auth, clock, db, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("measures", __name__, url_prefix="/api")

_FIELDS = {**dict.fromkeys(rules.FIELDS, inputs.TEXT),
           "enterprise_id": (int, str), "hazard_id": (int, str)}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _tz() -> str:
    return current_app.extensions["geoapp.rules"].risk.hazards.timezone


def measure_json(row) -> dict:
    """A measure as the API gives it, its kind's label in the reader's language."""
    body = stored.as_dict(row, url_for("measures.attachment", measure_id=row[0].id))
    body["kind_label"] = _(body["kind_label"])
    return body


def _require_recorder() -> str:
    """The actor, if their role may record measures: 401, then 403 ``forbidden_step``."""
    actor = auth.actor_name()
    if not rules.may_record(auth.current_user.role):
        raise ApiError(403, "forbidden_step",
                       _("督办措施由监管部门、领导或管理员记录，您的账号无权记录"),
                       rule="measure_recorders", allowed=list(rules.RECORDERS))
    return actor


def _attachment() -> PreparedAttachment | None:
    files = [f for f in request.files.getlist("attachment") if f.filename or f.content_length]
    if len(files) > 1:
        raise ApiError(400, "bad_request", _("只能上传一个附件"), field="attachment")
    if not files:
        return None
    try:
        return prepare_attachment(files[0].filename or "", files[0].read(), ZoneInfo(_tz()))
    except AttachmentRejected as exc:
        raise ApiError(400, "bad_attachment", exc.message, field="attachment",
                       filename=exc.filename) from None


@bp.post("/measures")
@inputs.takes_uploads
def new_measure():
    """Record a measure: {kind, enterprise_id | hazard_id, date, unit, recipient, note,
    referred_to} (JSON or multipart with ``attachment``) → 201 with the measure."""
    actor = _require_recorder()
    body = inputs.form_or_json(_FIELDS)
    unknown = sorted(set(body) - set(_FIELDS))
    if unknown:
        raise ApiError(400, "bad_request", _("未知字段"), field=unknown[0])
    session = db.session()
    today = clock.today(_tz())
    try:
        kind, target_id = rules.check_target(body.get("enterprise_id"), body.get("hazard_id"))
        target = stored.target_of(session, kind, target_id)
        hazard = target if kind == "hazard" else None
        fields = rules.check(body, today, found_on=hazard.found_on if hazard else None,
                             closed_on=hazard.closed_on if hazard else None)
    except (rules.MeasureInputError, stored.UnknownTarget) as exc:
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    point = target.point if kind == "hazard" else target
    auth.require_in_scope(point.cell_code or point.nearest_cell_code)  # a town's own only
    auth.require_sector(point)  # a department's account: its sector's only
    attachment = _attachment() if inputs.is_form() else None
    measure = stored.record(session, target, fields, actor, attachment)
    session.commit()
    response = jsonify(measure_json(stored.one(session, measure.id)))
    response.status_code = 201
    response.headers["Location"] = url_for("measures.measures", **(
        {"hazard_id": measure.hazard_id} if measure.hazard_id else
        {"enterprise_id": measure.point_id}))
    return response


def _id_param(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not re.fullmatch(r"[0-9]{1,10}", raw) or not 0 < int(raw) <= inputs.ID_MAX:
        raise ApiError(400, "bad_request", _("须为正整数编号"), field=name)
    return int(raw)


def _date_param(name: str) -> dt.date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        if not _DATE.fullmatch(raw):
            raise ValueError
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "bad_request", _("日期须为 YYYY-MM-DD 格式的有效日期"),
                       field=name) from None


@bp.get("/measures")
def measures():
    """Measures, newest first: ``hazard_id``, ``enterprise_id`` (the enterprise's and its
    hazards'), ``kind``, ``from``/``to`` (the day taken, both included). Only those in
    cells the reader may read."""
    kind = request.args.get("kind") or None
    if kind is not None and kind not in rules.KINDS:
        raise ApiError(400, "bad_request",
                       _("措施类型须为 %(kinds)s", kinds=", ".join(rules.KINDS)), field="kind")
    start, end = _date_param("from"), _date_param("to")
    if start and end and end < start:
        raise ApiError(400, "bad_request", _("结束日期不能早于开始日期"), field="to")
    rows = stored.find(db.session(), hazard_id=_id_param("hazard_id"),
                       enterprise_id=_id_param("enterprise_id"), kind=kind, start=start, end=end)
    user = auth.current_user
    if getattr(user, "is_authenticated", False):
        scope = auth.read_scope()
        rows = [r for r in rows if accounts.can_read_cell(user, r.cell_code)
                and scope.has_cell(r.cell_code)]
        if departments.is_department(user):  # its sector's points only
            sector = set(departments.sector_point_ids(
                db.session(), current_app.extensions["geoapp.rules"], user.department))
            rows = [r for r in rows if r.at_point in sector]
    return jsonify([measure_json(r) for r in rows])


@bp.get("/measures/<int:measure_id>/attachment")
def attachment(measure_id: int):
    """The measure's file, for those who may read its cell (as photos): a download."""
    session = db.session()
    found = stored.one(session, measure_id)
    if found is None or found[0].attachment_name is None:
        abort(404, description=f"no attachment for measure {measure_id}")
    measure = found[0]
    auth.require_cell_read(found.cell_code)
    if departments.is_department(auth.current_user):
        auth.require_sector(session.get(Point, found.at_point))
    response = Response(stored.attachment_bytes(session, measure_id),
                        mimetype=measure.attachment_type)
    # A PDF can hold active content: the browser saves it instead of opening it here, and
    # nosniff and the sandboxing CSP hold if it is opened anyway. The name is sent in
    # RFC 5987 form (UTF-8), with an ASCII fallback.
    suffix = "pdf" if measure.attachment_type == PDF else "jpg"
    ascii_name = f"measure-{measure_id}.{suffix}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; "
        f"filename*=UTF-8''{quote(measure.attachment_name, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.set_etag(measure.attachment_sha256 or "")
    return response.make_conditional(request)
