"""Visits to points (巡查记录): record one, list a point's, find their photos.

A visit is append-only (the model refuses an update): a wrong one is
corrected by a later one. Recording one moves the point's ``last_visit_on``
forward to the visit's local date, never backwards (a ledger's later date
stays). A phone's retried save carries the same ``client_id`` and gets the
stored visit back instead of a second one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from geoapp.domain.inspection import ChecklistItem
from geoapp.domain.inspection_input import check_client_id, check_visit, distance_m
from geoapp.store.models import Inspection, Photo, Point


@dataclass(frozen=True)
class Recorded:
    """The stored visit; ``created`` is False when a save with its client id came before."""

    inspection: Inspection
    created: bool


class ClientIdTaken(Exception):
    """The client id already belongs to a visit of another point."""

    def __init__(self, client_id: str, point_id: int):
        self.client_id, self.point_id = client_id, point_id
        super().__init__(f"client_id {client_id} belongs to a visit of point {point_id}")


def checklist_of(rules, point: Point) -> tuple[ChecklistItem, ...]:
    """The point's checklist: its layer's common items and its industry's.

    Raises LookupError for a point whose layer file is gone (no checklist).
    """
    layer = rules.layers.get(point.layer)
    if layer is None or layer.inspection is None:
        raise LookupError(f"no checklist for layer {point.layer!r}")
    return layer.inspection.items_for(point.industry)


def record(session, rules, point: Point, fields: dict, user, now: dt.datetime,
           source: str = "inspection") -> Recorded:
    """Record a visit to ``point`` by ``user`` at ``now`` (aware), in the caller's transaction.

    ``fields`` as the phone sends them (geoapp.domain.inspection_input: the
    first bad one raises InspectionInputError naming it, and nothing is
    written). A ``client_id`` seen before returns that visit (``created``
    False) without checking the rest again, so a retried save always gets
    its answer; one seen on another point raises ClientIdTaken. ``source``
    self_check is an enterprise's own visit: stored as such, it leaves the
    point's ``last_visit_on`` (the supervisory visits') as it was.
    """
    client_id = check_client_id(fields.get("client_id")) if isinstance(fields, dict) else None
    if client_id is not None:
        earlier = _earlier(session, client_id, point.id)
        if earlier is not None:
            return earlier
    visit = check_visit(fields, checklist_of(rules, point))
    distance = None
    if visit.lon is not None:
        distance = distance_m(visit.lon, visit.lat, point.geom.x, point.geom.y)
    inspection = Inspection(
        point_id=point.id, client_id=visit.client_id, inspected_at=now,
        inspector=user.username, inspector_name=user.display_name or user.username,
        lon=visit.lon, lat=visit.lat, accuracy_m=visit.accuracy_m, distance_m=distance,
        checklist=visit.checklist, note=visit.note, source=source)
    try:
        with session.begin_nested():  # a concurrent save of the same client id may win
            session.add(inspection)
            session.flush()
    except IntegrityError:
        earlier = _earlier(session, client_id, point.id) if client_id else None
        if earlier is None:
            raise
        return earlier
    if source != "inspection":
        return Recorded(inspection, True)
    visited_on = now.astimezone(ZoneInfo(rules.risk.hazards.timezone)).date()
    # forward only, in one guarded UPDATE: a concurrent visit or the ledger's later date stays
    session.execute(
        sa.update(Point).where(Point.id == point.id,
                               sa.or_(Point.last_visit_on.is_(None),
                                      Point.last_visit_on < visited_on))
        .values(last_visit_on=visited_on).execution_options(synchronize_session=False))
    session.refresh(point, ["last_visit_on"])
    return Recorded(inspection, True)


def _earlier(session, client_id: str, point_id: int) -> Recorded | None:
    found = session.scalar(sa.select(Inspection).where(Inspection.client_id == client_id))
    if found is None:
        return None
    if found.point_id != point_id:
        raise ClientIdTaken(client_id, found.point_id)
    return Recorded(found, False)


def for_point(session, point_id: int) -> list[Inspection]:
    """A point's visits, newest first."""
    return list(session.scalars(
        sa.select(Inspection).where(Inspection.point_id == point_id)
        .order_by(Inspection.inspected_at.desc(), Inspection.id.desc())))


def photos_by_inspection(session, inspection_ids) -> dict[int, list[Photo]]:
    """The photos of many visits in one query (their bytes are not loaded), in upload order."""
    out: dict[int, list[Photo]] = {i: [] for i in inspection_ids}
    if not out:
        return out
    for photo in session.scalars(sa.select(Photo).where(Photo.inspection_id.in_(list(out)))
                                 .order_by(Photo.id)):
        out[photo.inspection_id].append(photo)
    return out


def photos_of(session, inspection: Inspection) -> list[Photo]:
    """One visit's photos, in upload order."""
    return photos_by_inspection(session, [inspection.id])[inspection.id]
