"""Visits over the API: a point's checklist, its visits, and recording one.

``GET /api/points/<id>/checklist`` (the items of the point's layer, its
industry's included), ``GET /api/points/<id>/inspections`` (newest first) and
``POST /api/points/<id>/inspections`` (JSON, or multipart/form-data with the
photos; 201, or 200 with the stored visit for a ``client_id`` seen before).
Reads follow the read policy (geoapp.web.auth); a visit is recorded by the
logged-in user, who must be allowed to write the point's cell, and nothing
of the body is read by the view before that is settled.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_babel import get_locale
from flask_babel import gettext as _

from geoapp.domain.inspection_input import InspectionInputError
from geoapp.store import inspections, ownership
from geoapp.store import photos as stored_photos
from geoapp.store.models import Inspection, Point
from geoapp.web import auth, clock, db, inputs
from geoapp.web.errors import ApiError
from geoapp.web.photos import photo_json, read_uploads

bp = Blueprint("inspections", __name__, url_prefix="/api")

# fields sent as JSON text in a form; the others are text there (numbers in JSON), and
# geoapp.domain.inspection_input checks every value
_JSON_FIELDS = {"checklist": inputs.OBJECT, "notes": inputs.OBJECT, "note": inputs.TEXT,
                "client_id": inputs.TEXT,
                **dict.fromkeys(("lon", "lat", "accuracy_m"), inputs.NUMBER)}


def _rules():
    return current_app.extensions["geoapp.rules"]


def _point(point_id: int) -> Point:
    point = db.session().get(Point, point_id)
    if point is None:
        raise ApiError(404, "not_found", _("没有编号为 %(id)s 的点位", id=point_id))
    return point


def _checklist(point: Point):
    try:
        return inspections.checklist_of(_rules(), point)
    except LookupError:
        raise ApiError(404, "not_found", _("该点位所属图层没有检查表")) from None


def inspection_json(inspection: Inspection, photos) -> dict:
    """One visit as the API shows it (README "Inspections")."""
    return {
        "id": inspection.id,
        "point_id": inspection.point_id,
        "client_id": inspection.client_id,
        "inspected_at": inspection.inspected_at.isoformat(),
        "inspector": {"username": inspection.inspector, "name": inspection.inspector_name},
        "lon": inspection.lon,
        "lat": inspection.lat,
        "accuracy_m": inspection.accuracy_m,
        # whole metres (the domain rounds), shown as such
        "distance_m": None if inspection.distance_m is None else int(inspection.distance_m),
        "checklist": inspection.checklist,
        "note": inspection.note,
        "source": inspection.source,
        "photos": [photo_json(p) for p in photos],
    }


@bp.get("/points/<int:point_id>/checklist")
def checklist(point_id: int):
    """The point's checklist items in order: [{key, label}] (label in the UI language)."""
    english = str(get_locale() or "zh") == "en"
    point = _point(point_id)
    auth.require_own_point(point)
    return jsonify([{"key": item.key,
                     "label": (item.label_en if english else None) or item.label}
                    for item in _checklist(point)])


@bp.get("/points/<int:point_id>/inspections")
def point_inspections(point_id: int):
    """The point's visits with their photos, newest first."""
    session = db.session()
    auth.require_own_point(_point(point_id))
    found = inspections.for_point(session, point_id)
    photos = inspections.photos_by_inspection(session, [i.id for i in found])
    return jsonify([inspection_json(i, photos[i.id]) for i in found])


@bp.post("/points/<int:point_id>/inspections")
@inputs.takes_uploads
def new_inspection(point_id: int):
    """Record a visit: 201 with it, or 200 with the visit stored earlier under its client_id.

    JSON, or a multipart form (``checklist`` and ``notes`` as JSON text) with
    files ``photos`` (up to 9). A refused photo is 400 and nothing is stored;
    the photos of a save seen before are not read again.
    """
    actor = auth.actor_name()  # 401 before anything about the point is revealed
    session = db.session()
    point = _point(point_id)
    auth.require_point_write(point)  # 401 / 403; outside every cell: admin; enterprise: its own
    body = inputs.form_or_json(_JSON_FIELDS)  # only now, once the user may write here
    body.pop("csrf_token", None)  # a form's own token, checked already
    try:
        # an enterprise's own visit is its self-check (企业自查), never a supervisory visit
        source = "self_check" if ownership.is_enterprise(auth.current_user) else "inspection"
        done = inspections.record(session, _rules(), point, body, auth.current_user,
                                  clock.now(_rules().risk.hazards.timezone), source=source)
        sent = read_uploads("photos") if done.created and inputs.is_form() else []
        for prepared in sent:
            stored_photos.attach(session, prepared, actor, inspection_id=done.inspection.id,
                                 at=done.inspection.inspected_at)
        session.commit()
    except InspectionInputError as exc:
        session.rollback()
        raise ApiError(400, "bad_request", exc.message, field=exc.field) from None
    except inspections.ClientIdTaken:
        session.rollback()
        raise ApiError(409, "client_id_conflict",
                       _("该 client_id 已用于另一个点位的检查记录"), field="client_id") from None
    except LookupError:
        session.rollback()
        raise ApiError(404, "not_found", _("该点位所属图层没有检查表")) from None
    except ApiError:
        session.rollback()  # a refused photo: the visit is not kept either
        raise
    response = jsonify(inspection_json(done.inspection,
                                       inspections.photos_of(session, done.inspection)))
    response.status_code = 201 if done.created else 200
    return response
