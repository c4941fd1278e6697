"""A hazard over the API: read one, record one at a point, move one along its path.

``GET /api/hazards/<id>`` (its ETag is its version), ``POST
/api/points/<id>/hazards`` (record, 201), ``POST
/api/hazards/<id>/transitions`` (a step, with If-Match), ``PATCH
/api/hazards/<id>`` (an edit, with If-Match) and ``GET
/api/points/<id>/events`` (a point's history). Every write is
authorised here, whatever the page shows: the actor is the logged-in user,
who must be allowed to change hazards in the point's cell.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, url_for
from flask_babel import gettext as _

from geoapp.domain import hazard_input, workflow
from geoapp.store import accounts, edits, hazards
from geoapp.store.models import Hazard, Point
from geoapp.store.reads import pages
from geoapp.web import auth, clock, db, inputs, params
from geoapp.web.errors import ApiError

bp = Blueprint("hazards", __name__, url_prefix="/api")

# JSON types of a new hazard's fields; hazards.create_hazard checks their values
_HAZARD_FIELDS = {**dict.fromkeys(("level", "source", "description", "found_on", "deadline",
                                   "responsible_unit", "responsible_person"), inputs.TEXT),
                  "listed": inputs.BOOL, "plan": inputs.OBJECT}
# and of an edit's; edits.edit_hazard checks their values and refuses other fields
_EDIT_FIELDS = {**dict.fromkeys(("level", "description", "responsible_unit",
                                 "responsible_person"), inputs.TEXT), "listed": inputs.BOOL}



def _rules():
    return current_app.extensions["geoapp.rules"]


def _today():
    return clock.today(_rules().risk.hazards.timezone)


def _hazard_response(hazard: Hazard, status: int = 200):
    response = jsonify(pages.hazard_dict(hazard, _today(), events=True))
    response.status_code = status
    response.set_etag(str(hazard.version))
    return response


@bp.get("/hazards/<int:hazard_id>")
def hazard(hazard_id: int):
    """One hazard with its history; the ETag is its version, for If-Match on writes."""
    found = db.session().get(Hazard, hazard_id)
    if found is None:
        abort(404, description=f"no hazard {hazard_id}")
    return _hazard_response(found)


@bp.patch("/hazards/<int:hazard_id>")
def edit_hazard(hazard_id: int):
    """Change a hazard's descriptive fields: JSON with only those fields, header If-Match.

    Whoever may write the hazard's cell may change ``description``,
    ``responsible_unit`` and ``responsible_person``; ``level`` and ``listed``
    are the supervising authority's decision (accounts.can_decide: 403 naming
    the field). The deadline changes only through an extension (400 naming
    ``deadline``). One ``edit`` event lists the changed fields; sending the
    values the hazard already has changes nothing (200, no event, same version).
    """
    actor = auth.actor_name()  # 401 before anything about the hazard is revealed
    session = db.session()
    found = session.get(Hazard, hazard_id)
    if found is None:
        abort(404, description=f"no hazard {hazard_id}")
    auth.require_cell_write(found.point.cell_code)
    expected = params.if_match_version()
    body = inputs.json_body(_EDIT_FIELDS)  # only now, once the user may write here
    body.pop("actor", None)  # the logged-in user is the actor, whatever the body says
    try:
        edited, _event = edits.edit_hazard(session, _rules(), hazard_id, body, actor, expected,
                                           may_decide=accounts.can_decide(auth.current_user))
        session.commit()
    except hazard_input.HazardInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    except edits.NotDecider as exc:
        session.rollback()
        raise ApiError(403, "forbidden", _("隐患等级和挂牌督办由监管部门决定，您的账号无权修改"),
                       field=exc.field) from None
    except hazards.VersionConflict as exc:
        session.rollback()
        raise ApiError(412, "precondition_failed", "the hazard was changed by someone else; "
                       "reload it and try again", current_version=exc.current_version) from None
    return _hazard_response(edited)


@bp.get("/points/<int:point_id>/events")
def point_events(point_id: int):
    """A point's history (ledger re-imports that changed it, edits), newest first."""
    events = pages.point_events(db.session(), point_id)
    if events is None:
        raise ApiError(404, "not_found", f"no point {point_id}")
    return jsonify(events)


@bp.post("/hazards/<int:hazard_id>/transitions")
def move_hazard(hazard_id: int):
    """Move a hazard one step along its path: JSON {action, note}, header If-Match.

    The actor is the logged-in user, who must be allowed to change hazards in
    the hazard's cell (geoapp.web.auth.require_cell_write); an ``actor`` in the
    body is ignored.
    """
    actor = auth.actor_name()  # 401 before anything about the hazard is revealed
    found = db.session().get(Hazard, hazard_id)
    if found is None:
        abort(404, description=f"no hazard {hazard_id}")
    auth.require_cell_write(found.point.cell_code)
    expected = params.if_match_version()
    body = inputs.json_body({"action": inputs.TEXT, "note": inputs.TEXT})
    action = body.get("action")
    if action not in workflow.TRANSITIONS:
        raise ApiError(400, "bad_request", f"action must be one of "
                       f"{', '.join(workflow.TRANSITIONS)}", field="action")
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise ApiError(400, "bad_request", "note must be text of at most 2000 characters",
                       field="note")
    session = db.session()
    try:
        moved = hazards.move(session, _rules(), hazard_id, action, actor, note, expected)
        session.commit()
    except LookupError:
        abort(404, description=f"no hazard {hazard_id}")
    except hazards.VersionConflict as exc:
        session.rollback()
        raise ApiError(412, "precondition_failed", "the hazard was changed by someone else; "
                       "reload it and try again", current_version=exc.current_version) from None
    except workflow.IllegalTransition as exc:
        session.rollback()
        raise ApiError(409, "illegal_transition", str(exc)) from None
    return _hazard_response(moved)


@bp.post("/points/<int:point_id>/hazards")
def new_hazard(point_id: int):
    """Record a new hazard at a point: JSON in, 201 with the hazard (ETag = version)."""
    actor = auth.actor_name()  # 401 before anything about the point is revealed
    session = db.session()
    point = session.get(Point, point_id)
    if point is None:
        raise ApiError(404, "not_found", f"no point {point_id}")
    auth.require_cell_write(point.cell_code)  # 401 / 403 as JSON
    body = inputs.json_body(_HAZARD_FIELDS)  # only now, once the user may write here
    body.pop("actor", None)  # the logged-in user is the actor, whatever the body says
    rules = _rules()
    today = _today()
    try:
        hazard = hazards.create_hazard(session, rules, point_id, body, actor, today)
        session.commit()
    except hazard_input.HazardInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    response = _hazard_response(hazard, 201)
    response.headers["Location"] = url_for("hazards.hazard", hazard_id=hazard.id)
    return response
