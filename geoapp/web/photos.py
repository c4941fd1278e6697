"""Photos over the web: uploads read and checked, and each photo served to those who may see it.

``read_uploads`` turns a request's file parts into prepared photos
(geoapp.ingest.photos: decoded, re-encoded without EXIF, thumbnailed) before
anything is written, so a refused file leaves nothing behind. ``GET
/api/photos/<id>`` and ``/thumb`` serve the stored JPEG to users who may read
the photo's cell (geoapp.store.accounts.can_read_cell), with headers that
keep a browser from treating it as anything but an image. ``POST
/api/hazards/<id>/photos`` adds one to a hazard, as an event of its history.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from geoapp.domain import workflow
from geoapp.ingest.photos import PhotoRejected, PreparedPhoto, prepare
from geoapp.store import hazards, ownership
from geoapp.store import photos as stored
from geoapp.store.models import Photo
from geoapp.web import auth, db, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("photos", __name__, url_prefix="/api")

MAX_PHOTOS = 9  # per record or step: the 1–9
# Stored photos never change (append-only): a browser may keep one a day, privately.
CACHE_SECONDS = 86_400


def read_uploads(field: str = "photos", max_count: int = MAX_PHOTOS) -> list[PreparedPhoto]:
    """The request's files under ``field``, each checked and re-encoded; [] when none.

    Raises ApiError 400 ``bad_photo`` naming the file for one that is not a
    JPEG/PNG/WebP photo (geoapp.ingest.photos.prepare), and 400 naming
    ``field`` for more than ``max_count``. Nothing is stored here: the caller
    writes them once every file has passed. An empty part (a file input left
    empty) is no photo.
    """
    files = [f for f in request.files.getlist(field) if f.filename or f.content_length]
    if len(files) > max_count:
        raise ApiError(400, "bad_request", _("最多 %(count)d 张照片", count=max_count),
                       field=field)
    tz = ZoneInfo(current_app.extensions["geoapp.rules"].risk.hazards.timezone)
    prepared = []
    for upload in files:
        try:
            prepared.append(prepare(upload.filename or "", upload.read(), tz))
        except PhotoRejected as exc:
            raise ApiError(400, "bad_photo", exc.message, field=field,
                           filename=exc.filename) from None
    return prepared


def photo_json(photo: Photo) -> dict:
    """A stored photo as the API gives it: {id, url, thumb_url}."""
    return {"id": photo.id, "url": url_for("photos.photo", photo_id=photo.id),
            "thumb_url": url_for("photos.thumb", photo_id=photo.id)}


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    """The stored image (re-encoded, without EXIF), for those who may read its cell."""
    return _serve(photo_id, thumb=False)


@bp.get("/photos/<int:photo_id>/thumb")
def thumb(photo_id: int):
    """Its thumbnail (longest edge 320 px)."""
    return _serve(photo_id, thumb=True)


def _serve(photo_id: int, thumb: bool) -> Response:
    session = db.session()
    found = stored.photo_cell(session, photo_id)
    if found is None:
        abort(404, description=f"no photo {photo_id}")
    photo, cell_code = found  # a reporter's photo: the report's cell
    if ownership.is_enterprise(auth.current_user):  # its own points' photos only
        auth.require_point_read(ownership.photo_point(session, photo_id)[1])
    else:
        auth.require_cell_read(cell_code)
    response = Response(stored.content(session, photo_id, thumb=thumb),
                        mimetype=photo.media_type)
    # The stored bytes are always a JPEG made by the server, but a browser must
    # never run them as a page, even if one were not: nosniff keeps the type,
    # the sandboxing CSP (no scripts, no plug-ins, no same origin) holds if it
    # is opened as a document, and the name is plain ASCII.
    suffix = "-thumb" if thumb else ""
    response.headers["Content-Disposition"] = f'inline; filename="photo-{photo_id}{suffix}.jpg"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = f"private, max-age={CACHE_SECONDS}"
    response.set_etag(photo.sha256 + suffix)
    return response.make_conditional(request)


@bp.post("/hazards/<int:hazard_id>/photos")
@inputs.takes_uploads
def add_hazard_photo(hazard_id: int):
    """Add photos to a hazard: multipart file ``photo`` (or ``photos``, up to 9) → 201.

    Writes as require_cell_write allows in the hazard's cell; the photos are
    one ``photo`` event of the hazard's history. Answers the first photo
    {id, url, thumb_url}, and ``photos`` with all of them.
    """
    actor, hazard = auth.hazard_to_write(hazard_id)
    if not workflow.is_open(hazard.state):  # its evidence closed with it
        raise ApiError(409, "closed", _("该隐患已销号，不能再添加照片"))
    session = db.session()
    field = "photos" if request.files.getlist("photos") else "photo"
    if len(request.files.getlist("photo") + request.files.getlist("photos")) > MAX_PHOTOS:
        raise ApiError(400, "bad_request", _("最多 %(count)d 张照片", count=MAX_PHOTOS),
                       field=field)  # counted before any is decoded
    prepared = read_uploads("photo") + read_uploads("photos")
    if not prepared:
        raise ApiError(400, "bad_request", _("请选择照片"), field=field)
    event = hazards.record(hazard, actor, "photo", note="、".join(p.filename for p in prepared),
                           from_state=hazard.state)
    session.flush()
    added = [stored.attach(session, p, actor, hazard_id=hazard.id, hazard_event_id=event.id,
                           at=event.at) for p in prepared]
    session.commit()
    body = photo_json(added[0])
    body["photos"] = [photo_json(p) for p in added]
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = body["url"]
    return response
