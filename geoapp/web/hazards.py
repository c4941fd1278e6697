"""A hazard over the API: read one, record one at a point, move one along its path.

``GET /api/hazards/<id>`` (its ETag is its version), ``POST
/api/points/<id>/hazards`` (record, 201), ``POST
/api/hazards/<id>/transitions`` (a step, with If-Match), ``PATCH
/api/hazards/<id>`` (an edit, with If-Match) and ``GET
/api/points/<id>/events`` (a point's history). Every write is
authorised here, whatever the page shows: the actor is the logged-in user,
who must be allowed to change hazards in the point's cell. Both writes take
JSON, or a multipart form with photos (``photos``, 1–9 files) kept with the
record's event; the photo rule of the hazard file (geoapp.domain.evidence)
is checked here.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, url_for
from flask_babel import gettext as _

from geoapp.domain import duties, evidence, hazard_input, workflow
from geoapp.store import accounts, departments, edits, extensions, hazards, ownership
from geoapp.store import photos as stored_photos
from geoapp.store.models import Hazard, Point
from geoapp.store.reads import pages
from geoapp.web import auth, clock, db, inputs, params, photos
from geoapp.web.errors import ApiError

bp = Blueprint("hazards", __name__, url_prefix="/api")

# JSON types of a new hazard's fields; hazards.create_hazard checks their values
_HAZARD_FIELDS = {**dict.fromkeys(("level", "source", "description", "found_on", "deadline",
                                   "responsible_unit", "responsible_person"), inputs.TEXT),
                  "listed": inputs.BOOL, "plan": inputs.OBJECT, "client_id": inputs.TEXT}
# and of an edit's; edits.edit_hazard checks their values and refuses other fields
_EDIT_FIELDS = {**dict.fromkeys(("level", "description", "responsible_unit",
                                 "responsible_person"), inputs.TEXT), "listed": inputs.BOOL}



def _rules():
    return current_app.extensions["geoapp.rules"]


def _today():
    return clock.today(_rules().risk.hazards.timezone)


def may_list(user) -> bool:
    """May ``user`` take the 挂牌督办 steps (the roles of layers/supervision.toml)?

    The steps themselves are geoapp.web.listings; a new hazard asking to be
    listed is checked against the same roles here, before its body is used.
    """
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.role in _rules().supervision.listing.roles)


def refuse_step(field: str | None = None) -> ApiError:
    """403 for an account whose role may not take the 挂牌督办 steps."""
    return ApiError(403, "forbidden_step",
                    _("挂牌督办由监管部门或领导办理，您的账号无权挂牌、公布或摘牌"),
                    field=field, rule="step_role")


def hazard_response(hazard: Hazard, status: int = 200):
    """A hazard with its history, photos and 挂牌督办 record; the ETag is its version."""
    body = pages.hazard_dict(hazard, _today(), events=True, supervision=_rules().supervision)
    body["my_actions"] = auth.steps_allowed(body, hazard.point.cell_code, hazard.point)
    # 行业主管部门: its point's (geoapp.store.departments)
    body["authority"] = departments.authority(db.session(), _rules(), hazard.point)
    # its photos, each with the event it came with (creation, a step, an added photo)
    body["photos"] = [{**photos.photo_json(p), "event_id": p.hazard_event_id}
                      for p in stored_photos.for_hazard(db.session(), hazard.id)]
    # its extension requests (延期), oldest first (geoapp.web.extensions)
    body["extensions"] = [extensions.as_dict(e)
                          for e in extensions.for_hazard(db.session(), hazard.id)]
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(hazard.version))
    return response


@bp.get("/hazards/<int:hazard_id>")
def hazard(hazard_id: int):
    """One hazard with its history; the ETag is its version, for If-Match on writes."""
    found = db.session().get(Hazard, hazard_id)
    if found is None:
        abort(404, description=f"no hazard {hazard_id}")
    auth.require_own_point(found.point)  # an enterprise sees its own points' hazards only
    return hazard_response(found)


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
    actor, found = auth.hazard_to_write(hazard_id)
    session = db.session()
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
    return hazard_response(edited)


@bp.get("/points/<int:point_id>/events")
def point_events(point_id: int):
    """A point's history (ledger re-imports that changed it, edits), newest first."""
    events = pages.point_events(db.session(), point_id)
    if events is None:
        raise ApiError(404, "not_found", f"no point {point_id}")
    auth.require_own_point(db.session().get(Point, point_id))
    return jsonify(events)


@bp.post("/hazards/<int:hazard_id>/transitions")
@inputs.takes_uploads
def move_hazard(hazard_id: int):
    """Move a hazard one step along its path: {action, note} and header If-Match.

    JSON, or a multipart form with the same fields and files ``photos``
    (up to 9, e.g. 整改后照片 with 提请验收), kept with the step's event.
    The actor is the logged-in user, who must be allowed to change hazards in
    the hazard's cell (geoapp.web.auth.require_cell_write); an ``actor`` in the
    body is ignored. Submitting a major hazard for acceptance needs a photo
    (stored or sent) when the hazard file says so: else 400 ``photo_required``.
    Who may take which step is the hazard file's ``[steps]`` (审核把关销号,
    geoapp.domain.duties): a step it forbids is 403 ``forbidden_step`` naming
    the rule (``rule``); accept and reject need a note (400 naming ``note``).
    Every refusal changes nothing.
    """
    actor, found = auth.hazard_to_write(hazard_id)
    session = db.session()
    expected = params.if_match_version()
    body = inputs.form_or_json({"action": inputs.TEXT, "note": inputs.TEXT})
    action = body.get("action")
    if action not in workflow.TRANSITIONS:
        raise ApiError(400, "bad_request", f"action must be one of "
                       f"{', '.join(workflow.TRANSITIONS)}", field="action")
    note = body.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise ApiError(400, "bad_request", "note must be text of at most 2000 characters",
                       field="note")
    sent = photos.read_uploads("photos") if inputs.is_form() else []
    if (action in workflow.allowed_actions(found.state)
            and expected in (None, found.version)  # else 409 / 412 below say more
            and evidence.photo_missing(_rules().tables["hazard"].evidence, found.level, action,
                                       stored_photos.count_since_rectifying(session, hazard_id),
                                       len(sent))):
        raise ApiError(400, "photo_required", _("重大隐患提请验收须附至少一张整改后照片"),
                       field="photos")
    try:
        moved = hazards.move(session, _rules(), hazard_id, action, actor, note, expected,
                             role=auth.current_user.role)
        for prepared in sent:
            stored_photos.attach(session, prepared, actor, hazard_id=hazard_id,
                                 hazard_event_id=moved.events[-1].id)
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
    except duties.ForbiddenStep as exc:
        session.rollback()
        raise _forbidden(exc.refusal) from None
    except hazard_input.HazardInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", _(exc.message), field=exc.field) from None
    return hazard_response(moved)


def _forbidden(refusal: duties.Refusal) -> ApiError:
    """403 for a step the rules forbid: the rule's code and its message, in the UI language."""
    return ApiError(403, "forbidden_step", refusal.text(_), field=refusal.field,
                    rule=refusal.rule)


@bp.post("/points/<int:point_id>/hazards")
@inputs.takes_uploads
def new_hazard(point_id: int):
    """Record a new hazard at a point: 201 with the hazard (ETag = version).

    JSON, or a multipart form (``plan`` as JSON text, ``listed`` as
    true/false) with files ``photos`` (up to 9). ``client_id`` (a UUID made by
    the phone) makes a retried save harmless: the same id again answers 200
    with the hazard stored the first time; an id already used at another
    point is 409.
    """
    actor = auth.actor_name()  # 401 before anything about the point is revealed
    session = db.session()
    point = session.get(Point, point_id)
    if point is None:
        raise ApiError(404, "not_found", f"no point {point_id}")
    auth.require_point_write(point)  # 401 / 403 as JSON
    body = inputs.form_or_json(_HAZARD_FIELDS)  # only now, once the user may write here
    body.pop("actor", None)  # the logged-in user is the actor, whatever the body says
    if ownership.is_enterprise(auth.current_user):
        body["source"] = "self_check"  # what an enterprise registers, it found itself (企业自查)
    if body.get("listed") is True and not may_list(auth.current_user):
        raise refuse_step("listed")  # the role first; for those who may list, 400: use the step
    client_id = inputs.client_id(body.pop("client_id", None))
    if client_id is not None:
        stored = hazards.by_client_id(session, client_id)
        if stored is not None:
            return _saved_before(stored, point_id)
    rules = _rules()
    _check_create(rules, actor, body)
    sent = photos.read_uploads("photos") if inputs.is_form() else []
    try:
        hazard = hazards.create_hazard(session, rules, point_id, body, actor, _today(),
                                       client_id=client_id)
        for prepared in sent:
            stored_photos.attach(session, prepared, actor, hazard_id=hazard.id,
                                 hazard_event_id=hazard.events[0].id)
        session.commit()
    except hazard_input.HazardInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    except hazards.DuplicateClientId:
        session.rollback()  # the same save, stored by a request that ran alongside
        return _saved_before(hazards.by_client_id(session, client_id), point_id)
    response = hazard_response(hazard, 201)
    response.headers["Location"] = url_for("hazards.hazard", hazard_id=hazard.id)
    return response


def _check_create(rules, actor: str, body: dict) -> None:
    """403 ``forbidden_step`` unless the hazard file's ``[steps]`` let this account register
    the hazard."""
    refused = duties.refusal(rules.tables["hazard"].steps, auth.current_user.role, actor,
                             "create", level=body.get("level"))
    if refused is not None:
        raise _forbidden(refused)


def _saved_before(hazard: Hazard, point_id: int):
    """A save retried with its client id: the stored hazard (200), if it is at this point."""
    if hazard.point_id != point_id:
        raise ApiError(409, "client_id_conflict",
                       _("该 client_id 已用于另一个点位的隐患"), field="client_id")
    response = hazard_response(hazard)
    response.headers["Location"] = url_for("hazards.hazard", hazard_id=hazard.id)
    return response
