"""Photos kept as evidence (geoapp.store.models.Photo): stored with what they prove.

The checking and re-encoding is geoapp.ingest.photos; this module only writes
a prepared photo beside its inspection, hazard or public report, in the caller's transaction,
and finds the cell a photo belongs to (who may see it is decided by that cell).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geoapp.ingest.photos import PreparedPhoto
from geoapp.store.models import Hazard, HazardEvent, Inspection, Photo, Point, PublicReport


def attach(session, prepared: PreparedPhoto, uploaded_by: str, *,
           inspection_id: int | None = None, hazard_id: int | None = None,
           hazard_event_id: int | None = None, at: dt.datetime | None = None,
           public_report_id: int | None = None) -> Photo:
    """Store one prepared photo for an inspection, a hazard or a public report (one of them)."""
    if sum(x is not None for x in (inspection_id, hazard_id, public_report_id)) != 1:
        raise ValueError("a photo belongs to one inspection, hazard or public report")
    photo = Photo(
        inspection_id=inspection_id, hazard_id=hazard_id, hazard_event_id=hazard_event_id,
        public_report_id=public_report_id,
        uploaded_at=at or dt.datetime.now(dt.UTC), uploaded_by=uploaded_by,
        filename=prepared.filename, media_type=prepared.media_type, width=prepared.width,
        height=prepared.height, sha256=prepared.sha256, taken_at=prepared.taken_at,
        gps_lon=prepared.gps_lon, gps_lat=prepared.gps_lat, data=prepared.data,
        thumb=prepared.thumb)
    session.add(photo)
    session.flush()
    return photo


def photo_cell(session, photo_id: int) -> tuple[Photo, str | None] | None:
    """The photo and the cell code of the point it was taken for; None if unknown.

    A point outside every cell has the cell code None.
    """
    photo = session.get(Photo, photo_id)
    if photo is None:
        return None
    if photo.public_report_id is not None:  # a reporter's photo: the report's cell
        return photo, session.scalar(sa.select(PublicReport.cell_code).where(
            PublicReport.id == photo.public_report_id))
    if photo.inspection_id is not None:
        point_id = sa.select(Inspection.point_id).where(Inspection.id == photo.inspection_id)
    else:
        point_id = sa.select(Hazard.point_id).where(Hazard.id == photo.hazard_id)
    cell = session.scalar(sa.select(Point.cell_code).where(Point.id == point_id.scalar_subquery()))
    return photo, cell


def content(session, photo_id: int, thumb: bool = False) -> bytes:
    """The stored bytes (loaded only when served: the columns are deferred)."""
    column = Photo.thumb if thumb else Photo.data
    return session.scalar(sa.select(column).where(Photo.id == photo_id))


def for_hazard(session, hazard_id: int) -> list[Photo]:
    """A hazard's photos, oldest first (its own and those of its events)."""
    return list(session.scalars(
        sa.select(Photo).where(Photo.hazard_id == hazard_id).order_by(Photo.id)))


def count_for_hazard(session, hazard_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(Photo).where(Photo.hazard_id == hazard_id))


def count_since_rectifying(session, hazard_id: int) -> int:
    """The hazard's photos taken since its rectification last (re)started.

    That is, with or after its latest ``start`` or ``reject`` event: the photos
    of the rectified site, not those of the hazard as found. A hazard without
    such an event (imported already in rectification) counts all its photos.
    """
    since = session.scalar(sa.select(sa.func.max(HazardEvent.id)).where(
        HazardEvent.hazard_id == hazard_id, HazardEvent.action.in_(("start", "reject"))))
    query = sa.select(sa.func.count()).select_from(Photo).where(Photo.hazard_id == hazard_id)
    if since is not None:
        query = query.where(Photo.hazard_event_id >= since)
    return session.scalar(query)
