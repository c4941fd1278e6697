"""The accident register in the browser: /accidents and /api/accidents….

``GET /accidents`` is the list with its form; ``GET /api/accidents`` the same list as
JSON (``year`` narrows it), ``GET /api/accidents.geojson`` the located ones for the
map's layer. Both read within the account's area scope. ``POST /api/accidents``
records one and ``PUT /api/accidents/<id>`` edits one (JSON, the fields of
geoapp.domain.accidents.check plus ``enterprise_id``): only the roles of
geoapp.domain.accidents.WRITERS (admin, supervisor) may, checked here on the
server; every write is in the audit log. A ledger is imported through
/admin/imports (kind ``accidents``) or ``geoapp import accidents``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _

from geoapp.domain import accidents as rules
from geoapp.store import accidents as stored
from geoapp.store.models import Accident
from geoapp.web import audit, auth, clock, db, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("accidents", __name__)

_FIELDS = {**dict.fromkeys(("code", "occurred_on", "occurred_time", "type", "state", "address",
                            "enterprise", "note", "authority"), inputs.TEXT),
           **dict.fromkeys(("deaths", "serious_injuries", "injuries", "loss", "lon", "lat",
                            "enterprise_id"), (int, float, str))}


def _today():
    return clock.today(current_app.extensions["geoapp.rules"].risk.hazards.timezone)


def localized(item: dict) -> dict:
    """An accident's labels in the reader's language."""
    return {**item, **{k: _(item[k]) for k in ("type_label", "state_label", "grade_label")}}


def _listed() -> list[dict]:
    year = request.args.get("year")
    if year is not None and not (year.isascii() and year.isdigit() and len(year) == 4):
        raise ApiError(400, "bad_request", _("year 须为四位年份"), field="year")
    return [localized(a) for a in stored.listed(db.session(), auth.read_scope().cells,
                                                int(year) if year else None)]


def _may_write() -> bool:
    user = auth.current_user
    return user.is_authenticated and rules.may_write(user.role)


@bp.get("/accidents")
def page():
    """The register: every accident in the reader's area, newest first, and the form."""
    return render_template(
        "accidents/page.html", accidents=_listed(), may_write=_may_write(),
        types=[(code, _(label)) for code, label in rules.TYPES.items()],
        states=[(code, _(label)) for code, label in rules.STATES.items()],
        departments=current_app.extensions["geoapp.rules"].departments.names,
        today=_today().isoformat())


@bp.get("/api/accidents")
def api_list():
    """Accidents in the reader's area, newest first (``year``: of that year only)."""
    return jsonify({"accidents": _listed()})


@bp.get("/api/accidents.geojson")
def api_geojson():
    """The located accidents in the reader's area, for the map's layer."""
    features = [{"type": "Feature", "geometry": {"type": "Point",
                                                 "coordinates": [a["lon"], a["lat"]]},
                 "properties": {k: a[k] for k in (
                     "id", "code", "occurred_on", "type_label", "deaths", "serious_injuries",
                     "injuries", "loss", "grade", "grade_label", "state_label", "address",
                     "enterprise")}}
                for a in _listed() if a["lon"] is not None]
    return jsonify({"type": "FeatureCollection", "features": features})


def _writer() -> str:
    """The actor, if their role may write accidents: 401, then 403 ``forbidden``."""
    actor = auth.actor_name()
    if not rules.may_write(auth.current_user.role):
        raise ApiError(403, "forbidden", _("事故由管理员或监管部门账号录入，您的账号无权修改"),
                       allowed=list(rules.WRITERS))
    return actor


def _save(accident: Accident | None):
    actor = _writer()
    body = inputs.json_body(_FIELDS)
    session = db.session()
    try:
        fields = rules.check(body, _today(),
                             current_app.extensions["geoapp.rules"].departments.names)
    except rules.AccidentInputError as exc:
        raise ApiError(400, "bad_input", _(exc.message), field=exc.field) from None
    if stored.code_taken(session, fields.code, accident.id if accident else None):
        raise ApiError(409, "duplicate", _("事故编号 %(code)s 已存在", code=fields.code),
                       field="code")
    try:
        point_id = stored.enterprise_id(session, body.get("enterprise_id"))
    except stored.UnknownEnterprise as exc:
        raise ApiError(400, "bad_input", str(exc), field="enterprise_id") from None
    if accident is not None:
        auth.require_in_scope(accident.cell_code)
    row, delta = stored.record(session, fields, point_id, actor, accident)
    auth.require_in_scope(row.cell_code)  # not into another area (rolled back on refusal)
    audit.log("accident_create" if accident is None else "accident_change", target=row.code,
              detail={"id": row.id, "changes": delta} if accident else {"id": row.id})
    return localized(stored.as_dict(row))


@bp.post("/api/accidents")
def create():
    """Record an accident → 201 with it (its grade derived, its cell assigned)."""
    return jsonify(_save(None)), 201


@bp.put("/api/accidents/<int:accident_id>")
def update(accident_id: int):
    """Edit an accident → 200 with it."""
    _writer()
    accident = db.session().get(Accident, accident_id)
    if accident is None:
        raise ApiError(404, "not_found", _("没有这起事故"))
    return jsonify(_save(accident))
