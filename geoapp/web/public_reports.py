"""Public reports (一键举报) on the web: the public's form and receipt, the office's queue.

Open to everyone (no log-in, also once accounts exist; auth.OPEN_ENDPOINTS):
``GET /report`` (the form, made for a phone), ``POST /api/public-reports``
(the filing), ``GET /report/<code>`` and ``GET /api/public-reports/<code>``
(the receipt: state and reply, nothing else). Abuse is held off by rate
limits on the app's one limiter (its storage is GEOAPP_RATELIMIT_STORAGE_URI:
redis:// when several workers serve), a smaller body limit than other
uploads, a honeypot field and the CSRF token; no third-party captcha (the
site works offline).

Staff: ``GET /public-reports`` and ``GET /api/public-reports?state=…`` (the
queue: grid members their cells' reports, supervisors and admins all, leaders
read), ``POST /api/public-reports/<id>/triage`` and ``…/reward``; who takes
which step is ``[triage]`` in layers/public_report.toml. The reporter's
phone is in the queue only for the roles ``triage.phone`` names.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from geoapp import settings
from geoapp.domain import hazard_input
from geoapp.domain import public_reports as rules_of
from geoapp.domain.public_reports import PublicReportInputError
from geoapp.store import accounts
from geoapp.store import public_reports as store
from geoapp.store.models import PublicReport
from geoapp.store.reads import admission_data, public_report_data
from geoapp.web import auth, clock, db, i18n, inputs, params, photos
from geoapp.web.assets import vendor_url
from geoapp.web.basemap import TIANDITU
from geoapp.web.errors import ApiError

bp = Blueprint("public_reports", __name__)

HONEYPOT = "website"  # hidden from people by the page; a bot fills every field it sees
READERS = ("grid", "supervisor", "admin", "leader")
TRIAGERS = ("grid", "supervisor", "admin")
LIMITS = ("PUBLIC_REPORT_RATE_LIMIT", "PUBLIC_RECEIPT_RATE_LIMIT",
          "PUBLIC_LOOKUP_RATE_LIMIT", "PUBLIC_REPORT_MAX_MB")


def _spec() -> rules_of.PublicReportFile:
    return current_app.extensions["geoapp.rules"].public_report


def _tz() -> str:
    return current_app.extensions["geoapp.rules"].risk.hazards.timezone


def init_app(app: Flask) -> None:
    """Register the blueprint and put its limits on the app's limiter (after auth.init_app)."""
    for key in LIMITS:
        app.config[key] = settings.get(key, app.config)
    app.register_blueprint(bp)
    limiter = app.extensions["geoapp.limiter"]
    views = app.view_functions
    # filings per client address, each counted when it arrives (refused ones too: decoding
    # photos costs the server, and a count taken only after the answer would let
    # parallel requests all through)
    views["public_reports.file_report"] = limiter.limit(
        app.config["PUBLIC_REPORT_RATE_LIMIT"], key_func=lambda: "report:" + get_remote_address(),
        )(views["public_reports.file_report"])
    # shared by the receipt's page and its API: one count for both
    per_receipt = limiter.shared_limit(app.config["PUBLIC_RECEIPT_RATE_LIMIT"],
                                       scope="public-receipt", key_func=_receipt_key)
    per_address = limiter.shared_limit(app.config["PUBLIC_LOOKUP_RATE_LIMIT"],
                                       scope="public-lookup",
                                       key_func=lambda: "lookup:" + get_remote_address())
    for endpoint in ("public_reports.status_page", "public_reports.status"):
        # per receipt: a code passed around cannot be polled without end; per address,
        # over every receipt: guessing codes is slow
        views[endpoint] = per_address(per_receipt(views[endpoint]))


def _receipt_key() -> str:
    code = (request.view_args or {}).get("code", "")
    return "receipt:" + (rules_of.normal_code(code) or "?")


# ------------------------------------------------------------------ the public side

@bp.get("/report")
def report_form():
    """The reporting form (no log-in): place, category, description, photos, phone."""
    spec = _spec()
    territory = admission_data.territory(db.session())
    bounds = [float(v) for v in territory.cells.total_bounds] if len(territory.cells) else None
    key = current_app.config.get("TIANDITU_KEY")
    config = {
        "urls": {"file": url_for("public_reports.file_report")},
        "bounds": bounds, "max_photos": spec.max_photos,
        "tiles": [TIANDITU.format(layer=layer, key=key) for layer in ("vec", "cva")]
        if key else [],
        "t": {"located": _("已取得手机定位（WGS84），精度约 %(m)s 米"),
              "locating": _("正在定位…"), "no_location": _("无法取得定位，请在地图上点选位置"),
              "tapped": _("已在地图上选定位置"), "need_place": _("请先定位或在地图上点选位置"),
              "too_many": _("最多 %(n)s 张照片"), "sending": _("正在提交…"),
              "failed": _("提交失败："), "network": _("网络错误，请稍后重试")},
    }
    return render_template("public_reports/report.html", page_config=config, spec=spec,
                           honeypot=HONEYPOT, leaflet_css=vendor_url("leaflet", "leaflet.css"),
                           leaflet_js=vendor_url("leaflet", "leaflet.js"))


@bp.post("/api/public-reports")
@inputs.takes_uploads(limit="PUBLIC_REPORT_MAX_MB")
def file_report():
    """File a report: multipart (or JSON) lon, lat, category, description, optional phone,
    files ``photos`` (up to the file's max_photos) and the CSRF token → 201 {code, url}.

    Every bad field is 400 naming it and nothing is written. A filled honeypot
    gets the same answer with a code that leads nowhere, and nothing is stored.
    """
    body = inputs.form_or_json({name: inputs.TEXT for name in (
        "category", "description", "phone", HONEYPOT)} | {"lon": (inputs.TEXT, *inputs.NUMBER),
                                                           "lat": (inputs.TEXT, *inputs.NUMBER)})
    if body.get(HONEYPOT):
        return _filed(rules_of.new_code())
    spec = _spec()
    try:
        values = rules_of.check_filing(body, spec)
    except PublicReportInputError as exc:
        raise ApiError(400, "bad_request", _(exc.message), field=exc.field) from None
    session = db.session()
    try:  # every cheap check before a photo is decoded
        values = store.placed(session, spec, values)
    except PublicReportInputError as exc:
        raise ApiError(400, "bad_request", _(exc.message), field=exc.field) from None
    sent = photos.read_uploads("photos", spec.max_photos) if inputs.is_form() else []
    report = store.file(session, values, sent, clock.now(_tz()))
    session.commit()
    return _filed(report.code)


def _filed(code: str):
    response = jsonify({"code": code, "url": url_for("public_reports.status_page", code=code)})
    response.status_code = 201
    response.headers["Location"] = response.get_json()["url"]
    return response


def _receipt(code: str) -> PublicReport:
    report = store.by_code(db.session(), code)
    if report is None:
        if request.path.startswith("/api/"):
            raise ApiError(404, "not_found", _("没有这个回执码"))
        abort(404, description=_("没有这个回执码"))
    return report


def receipt_json(report: PublicReport) -> dict:
    """What a receipt shows: state and the office's reply, and when; nothing else."""
    return {"state": report.state, "reply": report.reply,
            "created_at": report.created_at.isoformat(),
            "updated_at": report.updated_at.isoformat()}


@bp.get("/api/public-reports/<code>")
def status(code: str):
    """A receipt's progress: exactly {state, reply, created_at, updated_at}."""
    response = jsonify(receipt_json(_receipt(code)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/report/<code>")
def status_page(code: str):
    """The receipt's page: the state, the office's reply, filed and last changed."""
    report = _receipt(code)
    tz = ZoneInfo(_tz())
    local = {k: getattr(report, k).astimezone(tz).strftime("%Y-%m-%d %H:%M")
             for k in ("created_at", "updated_at")}
    response = current_app.make_response(render_template(
        "public_reports/status.html", code=report.code, receipt=receipt_json(report),
        state_label=_(rules_of.STATE_LABELS[report.state]), local=local))
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------ the office's side

def _cells_read() -> list[str] | None:
    """The cells whose reports the account reads: its area scope (a grid member's own
    cells); None for the whole territory."""
    cells = auth.read_scope().cells
    return None if cells is None else sorted(cells)


def report_json(report: PublicReport, photo_ids: list[int], with_phone: bool) -> dict:
    """A report as the queue shows it; the phone only when ``with_phone``."""
    labels = {c.code: i18n.localized(c) for c in _spec().categories}
    out = {"id": report.id, "code": report.code, "state": report.state,
           "state_label": _(rules_of.STATE_LABELS[report.state]),
           "created_at": report.created_at.isoformat(),
           "updated_at": report.updated_at.isoformat(), "lon": report.lon, "lat": report.lat,
           "cell_code": report.cell_code, "outside": report.outside,
           "nearest_m": report.nearest_m, "category": report.category,
           "category_label": labels.get(report.category, report.category),
           "description": report.description, "reply": report.reply,
           "hazard_id": report.hazard_id, "point_id": report.point_id,
           "reward": None if report.reward_amount is None else {
               "amount": report.reward_amount, "on": report.reward_on.isoformat(),
               "paid": report.reward_paid},
           "version": report.version,
           "photos": [{"id": p, "thumb_url": url_for("photos.thumb", photo_id=p),
                       "url": url_for("photos.photo", photo_id=p)} for p in photo_ids],
           "events": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                       "from_state": e.from_state, "to_state": e.to_state, "note": e.note,
                       "reply": e.reply} for e in report.events]}
    if with_phone:
        out["phone"] = report.phone
    return out


def _sees_phone() -> bool:
    user = auth.current_user
    return user.is_authenticated and user.role in _spec().triage.phone


def _queue(state: str | None) -> list[dict]:
    session = db.session()
    found = public_report_data.queue(session, state, _cells_read())
    ids = public_report_data.photo_ids(session, [r.id for r in found])
    phone = _sees_phone()
    return [report_json(r, ids.get(r.id, []), phone) for r in found]


@bp.get("/api/public-reports")
def queue():
    """The triage queue (?state=received|checking|verified|rejected), scoped to the cells."""
    auth.require_role(*READERS)
    state = params.choice("state", rules_of.STATES, _("state 须为 received、checking、"
                                                       "verified 或 rejected"))
    return jsonify(_queue(state))


@bp.get("/public-reports")
def queue_page():
    """The office's page: the queue, each report with its place, photos and steps."""
    auth.require_role(*READERS)
    user = auth.current_user
    role = user.role if user.is_authenticated else None
    steps = {a: bool(role in getattr(_spec().triage, a)) for a in ("start", "verify", "reject",
                                                                    "reply", "reward")}
    config = {"urls": {"queue": url_for("public_reports.queue"),
                       "triage": url_for("public_reports.triage", report_id=0),
                       "reward": url_for("public_reports.reward", report_id=0),
                       "map": url_for("map.map_page")},
              "steps": steps, "today": clock.today(_tz()).isoformat(),
              "states": {s: _(rules_of.STATE_LABELS[s]) for s in rules_of.STATES},
              "actions": {a: _(label) for a, label in rules_of.STEP_LABELS.items()},
              "t": {"colon": i18n.mark("colon"), "none": _("没有举报"),
                    "note": _("内部记录（举报人看不到）"),
                    "reply": _("给举报人的答复（不属实时必填）"),
                    "point": _("关联点位编号（留空则在举报位置新建点位）"),
                    "note_label": _("核查记录"), "reply_label": _("答复"),
                    "point_label": _("点位"), "cell": _("网格 %(cell)s"),
                    "outside": _("网格外，距最近网格 %(cell)s 约 %(m)s 米"),
                    "phone": _("举报人电话："), "hazard": _("已转为隐患 #"),
                    "rewarded": _("奖励："), "paid": _("已发放"), "unpaid": _("未发放"),
                    "replied": _("答复："), "reward": _("保存奖励"), "amount": _("金额（元）"),
                    "on": _("日期")}}
    return render_template("public_reports/queue.html", page_config=config)


def _report_to_change(report_id: int) -> tuple[str, PublicReport]:
    """401 (nobody logged in), 404, then 403 for a role or cell that may not triage."""
    actor = auth.actor_name()
    report = db.session().get(PublicReport, report_id)
    if report is None:
        raise ApiError(404, "not_found", f"no public report {report_id}")
    if auth.current_user.role not in TRIAGERS \
            or not accounts.can_write_cell(auth.current_user, report.cell_code) \
            or not auth.read_scope().has_cell(report.cell_code):
        raise ApiError(403, "forbidden", _("您的账号无权处理该网格的群众举报"))
    return actor, report


def _may(step: str) -> None:
    if auth.current_user.role not in getattr(_spec().triage, step):
        raise ApiError(403, "forbidden_step", _("按举报处理规则，您的角色不能执行此步骤"),
                       field="action")


@bp.post("/api/public-reports/<int:report_id>/triage")
def triage(report_id: int):
    """One step: {action: start|verify|reject|reply, note, reply, point_id} with If-Match.

    verify may also give the hazard's ``level`` and ``deadline`` and a new
    point's ``name`` (when no ``point_id``). 409 for a step the state does not
    allow; 412 when the report changed since it was read.
    """
    actor, report = _report_to_change(report_id)
    expected = params.if_match_version("public report")
    body = inputs.json_body({"action": inputs.TEXT, "note": inputs.TEXT, "reply": inputs.TEXT,
                             "point_id": int, "level": inputs.TEXT, "deadline": inputs.TEXT,
                             "name": inputs.TEXT})
    if body.get("action") in rules_of.STEPS:
        _may(body["action"])
    session = db.session()
    try:
        changed = store.triage(session, current_app.extensions["geoapp.rules"], report.id, body,
                               actor, expected_version=expected, today=clock.today(_tz()),
                               at=clock.now(_tz()))
        session.commit()
    except store.VersionConflict as exc:
        session.rollback()
        raise ApiError(412, "precondition_failed", _("该举报已被他人处理，请刷新后重试"),
                       current_version=exc.current_version) from None
    except PublicReportInputError as exc:
        session.rollback()
        status = 409 if exc.field == "state" else 400
        raise ApiError(status, "conflict" if status == 409 else "bad_request", _(exc.message),
                       field=exc.field) from None
    except hazard_input.HazardInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", _(exc.message), field=exc.field) from None
    return _answer(changed)


@bp.post("/api/public-reports/<int:report_id>/reward")
def reward(report_id: int):
    """The reward of a verified report (查实即奖): {amount, on, paid}; supervisors, admins."""
    actor, report = _report_to_change(report_id)
    _may("reward")
    body = inputs.json_body({"amount": inputs.NUMBER, "on": inputs.TEXT, "paid": bool})
    session = db.session()
    try:
        changed = store.reward(session, report.id, body, actor, today=clock.today(_tz()),
                               at=clock.now(_tz()))
        session.commit()
    except PublicReportInputError as exc:
        session.rollback()
        status = 409 if exc.field == "state" else 400
        raise ApiError(status, "conflict" if status == 409 else "bad_request", _(exc.message),
                       field=exc.field) from None
    return _answer(changed)


def _answer(report: PublicReport):
    ids = public_report_data.photo_ids(db.session(), [report.id])
    response = jsonify(report_json(report, ids.get(report.id, []), _sees_phone()))
    response.set_etag(str(report.version))
    return response
