"""Extensions (延期) over the API: ask for a later deadline, decide a request.

``POST /api/hazards/<id>/extensions`` {until, reason} → 201 the request
(``state`` "requested"); ``POST /api/extensions/<id>/decision`` {approve,
note} → 200 the decided request. The rules are geoapp.domain.extensions, the
commands geoapp.store.extensions; a hazard's requests come with it
(``GET /api/hazards/<id>``: ``extensions``). Every write is authorised here:
the responsible side asks (a grid member of the hazard's cell, or admin), a
supervisor or admin decides; any other step is 403 ``forbidden_step``
naming its rule, and nothing is written. A refused request or decision is
400 naming the field or 409 naming the rule (``rule``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, url_for
from flask_babel import gettext as _

from geoapp.domain import extensions as rules_of
from geoapp.store import extensions
from geoapp.store.models import Extension
from geoapp.web import auth, clock, db, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("extensions", __name__, url_prefix="/api")


def _rules():
    return current_app.extensions["geoapp.rules"]


def _refused(exc: rules_of.Refused) -> ApiError:
    error = "bad_request" if exc.status == 400 else "extension_refused"
    return ApiError(exc.status, error, exc.message, field=exc.field, rule=exc.rule)


def _forbidden(rule: str, message: str) -> ApiError:
    return ApiError(403, "forbidden_step", message, rule=rule)


@bp.post("/hazards/<int:hazard_id>/extensions")
def request_extension(hazard_id: int):
    """Ask for a later deadline: {until: YYYY-MM-DD, reason} → 201 {id, state: "requested", …}.

    401, 404, then 403 for a role or cell that may not write the hazard; a
    supervisor (who decides) cannot ask: 403 ``forbidden_step``.
    """
    actor, found = auth.hazard_to_write(hazard_id)
    if not rules_of.may_request(auth.current_user.role):
        raise _forbidden("extension_request",
                         _("延期由责任方（本网格网格员）申请，监管人员负责审批"))
    body = inputs.json_body({"until": inputs.TEXT, "reason": inputs.TEXT})
    rules, session = _rules(), db.session()
    spec, tz = rules.tables["hazard"].extensions, rules.risk.hazards.timezone
    try:
        asked = extensions.request(session, spec, found, body.get("until"), body.get("reason"),
                                   actor, clock.today(tz), clock.now(tz))
        session.commit()
    except rules_of.Refused as exc:
        session.rollback()
        raise _refused(exc) from None
    except extensions.Conflict as exc:
        session.rollback()
        raise ApiError(409, "extension_refused", str(exc), rule="pending_request") from None
    response = jsonify(extensions.as_dict(asked))
    response.status_code = 201
    response.headers["Location"] = url_for("hazards.hazard", hazard_id=hazard_id)
    return response


@bp.post("/extensions/<int:extension_id>/decision")
def decide_extension(extension_id: int):
    """Approve or refuse a request: {approve: bool, note} (a note needed to refuse).

    Supervisor or admin; anyone else 403 ``forbidden_step``. A request
    decided already is 409. An approval makes ``until`` the hazard's deadline.
    """
    actor = auth.actor_name()
    session = db.session()
    asked = session.get(Extension, extension_id)
    if asked is None:
        raise ApiError(404, "not_found", f"no extension {extension_id}")
    if not rules_of.may_decide(auth.current_user.role):
        raise _forbidden("extension_decide", _("延期申请须由监管人员审批，您的账号无权审批"))
    body = inputs.json_body({"approve": inputs.BOOL, "note": inputs.TEXT})
    if body.get("approve") is None:
        raise ApiError(400, "bad_request", _("请选择批准或不批准"), field="approve")
    tz = _rules().risk.hazards.timezone
    try:
        decided = extensions.decide(session, extension_id, body["approve"], body.get("note"),
                                    actor, clock.now(tz))
        session.commit()
    except rules_of.Refused as exc:
        session.rollback()
        raise _refused(exc) from None
    except extensions.Conflict as exc:
        session.rollback()
        raise ApiError(409, "extension_refused", str(exc), rule="decided") from None
    return jsonify(extensions.as_dict(decided))
