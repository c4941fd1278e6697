"""JSON API: thin views over geoapp.store.reads.pages (RFC 7946 GeoJSON, WGS84 lon/lat)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify

from geoapp.domain import workflow
from geoapp.store import hazards
from geoapp.store.models import Hazard
from geoapp.store.reads import pages
from geoapp.web import auth, clock, db, inputs, params
from geoapp.web.errors import ApiError

bp = Blueprint("api", __name__, url_prefix="/api")


def rules():
    return current_app.extensions["geoapp.rules"]


def _today():
    return clock.today(rules().risk.hazards.timezone)


@bp.get("/cells")
def cells():
    """All grid cells with level, point counts and hazard figures."""
    return jsonify(pages.cells_collection(db.session(), rules(), _today()))


@bp.get("/cells/<code>")
def cell(code: str):
    """One cell with its points, hazards and history."""
    detail = pages.cell_detail(db.session(), rules(), code, _today())
    if detail is None:
        abort(404, description=f"no cell with code {code!r}")
    return jsonify(detail)


@bp.get("/zones")
def zones():
    """All functional zones with kind and level."""
    return jsonify(pages.zones_collection(db.session(), rules()))


@bp.get("/summary")
def summary():
    """Territory-wide headline figures."""
    return jsonify(pages.summary(db.session(), rules(), _today()))


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
        moved = hazards.move(session, rules(), hazard_id, action, actor, note, expected)
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


