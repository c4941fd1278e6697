"""挂牌督办 over the web: list, publish, 摘牌, and what is due for publication.

``POST /api/hazards/<id>/listing`` {level, unit, deadline, note?} (201),
``POST /api/hazards/<id>/listing/publish`` {kind: listed | delisted, date},
``POST /api/hazards/<id>/delisting`` {date?, note?} (after close-out), each
answering the hazard with its ``listing``; ``GET /api/listings/due`` and the
page ``/reports/listings``. Who may take the steps is
``rules.supervision.listing.roles`` (layers/supervision.toml: supervisor,
leader, admin by default; never a grid member): another role gets 403
``forbidden_step`` before the body is read. The commands are
geoapp.store.listings.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user

from geoapp.domain import listing as listing_rules
from geoapp.store import listings
from geoapp.store.models import Hazard
from geoapp.store.reads import listing_data
from geoapp.web import auth, clock, db, hazards, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("listings", __name__)

# who reads the list of what is due for publication
READERS = ("leader", "supervisor", "admin")
_LISTING_FIELDS = {"level": inputs.TEXT, "unit": inputs.TEXT, "deadline": inputs.TEXT,
                   "note": inputs.TEXT}
_PUBLISH_FIELDS = {"kind": inputs.TEXT, "date": inputs.TEXT}
_DELIST_FIELDS = {"date": inputs.TEXT, "note": inputs.TEXT}


def _rules():
    return current_app.extensions["geoapp.rules"]


def _today():
    return clock.today(_rules().risk.hazards.timezone)


def _hazard_to_list(hazard_id: int) -> tuple[str, Hazard]:
    """The actor and the hazard: 401, then 404, then 403 forbidden_step (before the body)."""
    actor = auth.actor_name()
    hazard = db.session().get(Hazard, hazard_id)
    if hazard is None:
        raise ApiError(404, "not_found", f"no hazard {hazard_id}")
    if not hazards.may_list(current_user):
        raise hazards.refuse_step()
    return actor, hazard


def _apply(command, hazard_id: int, fields: dict, status: int = 200):
    actor, _hazard = _hazard_to_list(hazard_id)
    session = db.session()
    body = inputs.json_body(fields)  # only now, once the user may take the step
    try:
        hazard = command(session, _rules(), hazard_id, body, actor, _today())
        session.commit()
    except listings.ListingInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    except listings.ListingConflict as exc:
        session.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    return hazards.hazard_response(hazard, status)


@bp.post("/api/hazards/<int:hazard_id>/listing")
def list_hazard(hazard_id: int):
    """挂牌督办 an open hazard today: {level: county|town|park, unit, deadline, note?} → 201."""
    return _apply(listings.list_hazard, hazard_id, _LISTING_FIELDS, 201)


@bp.post("/api/hazards/<int:hazard_id>/listing/publish")
def publish(hazard_id: int):
    """The listing or its 摘牌 was made public on ``date``: {kind: listed|delisted, date}."""
    return _apply(listings.publish, hazard_id, _PUBLISH_FIELDS)


@bp.post("/api/hazards/<int:hazard_id>/delisting")
def delist(hazard_id: int):
    """摘牌 a listed hazard once it is closed (409 before): {date? (today), note?}."""
    return _apply(listings.delist, hazard_id, _DELIST_FIELDS)


def _due() -> dict:
    auth.require_role(*READERS)
    return listing_data.due_for_publication(db.session(), _rules().supervision, _today(),
                                            auth.read_scope().cells)


@bp.get("/api/listings/due")
def api_due():
    """Listings and 摘牌 not yet published, by due date, with ``late``; ``undated`` apart."""
    return jsonify(_due())


@bp.get("/reports/listings")
def due_page():
    """The same list as a page, for the supervising side and leaders."""
    data = _due()
    rule = _rules().supervision.listing
    return render_template("listings/due.html", data=data, rule=rule,
                           levels={k: _(v) for k, v in listing_rules.LEVELS.items()},
                           kinds={k: _(v) for k, v in listing_rules.KINDS.items()})
