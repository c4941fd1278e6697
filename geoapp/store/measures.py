"""Supervisory measures stored and read (geoapp.store.models.Measure).

``record`` writes one measure in the caller's transaction: against an
enterprise, or against a hazard, and then also as the hazard's ``measure``
event (its history shows it beside the steps). The fields are checked by
geoapp.domain.measures first; the attachment by geoapp.ingest.attachments.
``find`` lists them with the point and cell each belongs to (who may read
one is decided by that cell), ``for_points`` those the cell page shows.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import measures as rules
from geoapp.ingest.attachments import PreparedAttachment
from geoapp.store import hazards
from geoapp.store.models import Hazard, Measure, Point

ENTERPRISE = "enterprise"  # the layer a measure's point must be of


class UnknownTarget(LookupError):
    """No enterprise or hazard with the id given; ``field`` names which."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(message)


def target_of(session: Session, kind: str, target_id: int) -> Point | Hazard:
    """The enterprise point or the hazard a measure is for; UnknownTarget if none."""
    if kind == "hazard":
        hazard = session.get(Hazard, target_id)
        if hazard is None:
            raise UnknownTarget("hazard_id", f"没有编号为 {target_id} 的隐患")
        return hazard
    point = session.get(Point, target_id)
    if point is None or point.layer != ENTERPRISE:
        raise UnknownTarget("enterprise_id", f"没有编号为 {target_id} 的企业")
    return point


def record(session: Session, target: Point | Hazard, fields: rules.MeasureFields, actor: str,
           attachment: PreparedAttachment | None = None,
           at: dt.datetime | None = None) -> Measure:
    """Store one measure (checked fields) against ``target``; a hazard's gets its event."""
    at = at or dt.datetime.now(dt.UTC)
    event_id = None
    if isinstance(target, Hazard):
        event = hazards.record(target, actor, "measure", note=summary(fields),
                               at=at, from_state=target.state)
        session.flush()
        event_id = event.id
    measure = Measure(
        kind=fields.kind, taken_on=fields.date, unit=fields.unit, recipient=fields.recipient,
        referred_to=fields.referred_to, note=fields.note,
        point_id=target.id if isinstance(target, Point) else None,
        hazard_id=target.id if isinstance(target, Hazard) else None,
        hazard_event_id=event_id, recorded_by=actor, recorded_at=at)
    if attachment is not None:
        measure.attachment_name = attachment.filename
        measure.attachment_type = attachment.media_type
        measure.attachment_size = attachment.size
        measure.attachment_sha256 = attachment.sha256
        measure.attachment = attachment.data
    session.add(measure)
    session.flush()
    return measure


def summary(fields: rules.MeasureFields) -> str:
    """The hazard event's note: what, when, from whom to whom (the history's one line)."""
    text = (f"{rules.KIND_LABELS[fields.kind]} {fields.date.isoformat()}："
            f"{fields.unit} → {fields.recipient}")
    if fields.referred_to:
        text += f"（移送 {fields.referred_to}）"
    return text + (f"\n{fields.note}" if fields.note else "")


def _query():
    """Measures with their point (the enterprise's, or the hazard's) and hazard code."""
    point_id = sa.func.coalesce(Measure.point_id, Hazard.point_id)
    return (sa.select(Measure, Hazard.code.label("hazard_code"),
                      Point.id.label("at_point"), Point.name.label("point_name"),
                      Point.cell_code.label("cell_code"))
            .outerjoin(Hazard, Measure.hazard_id == Hazard.id)
            .join(Point, Point.id == point_id))


def find(session: Session, *, hazard_id: int | None = None, enterprise_id: int | None = None,
         kind: str | None = None, start: dt.date | None = None,
         end: dt.date | None = None) -> list[sa.Row]:
    """Measures matching every filter given, newest first.

    ``enterprise_id`` finds those against the enterprise and against the
    hazards at it; ``start``/``end`` bound the day taken, both included.
    Each row: (Measure, hazard_code, at_point, point_name, cell_code).
    """
    q = _query()
    if hazard_id is not None:
        q = q.where(Measure.hazard_id == hazard_id)
    if enterprise_id is not None:
        q = q.where(sa.func.coalesce(Measure.point_id, Hazard.point_id) == enterprise_id)
    if kind is not None:
        q = q.where(Measure.kind == kind)
    if start is not None:
        q = q.where(Measure.taken_on >= start)
    if end is not None:
        q = q.where(Measure.taken_on <= end)
    return list(session.execute(q.order_by(Measure.taken_on.desc(), Measure.id.desc())))


def for_points(session: Session, point_ids: Iterable[int]) -> list[sa.Row]:
    """Measures against these points or their hazards (the cell page's), newest first."""
    ids = list(point_ids)
    if not ids:
        return []
    return list(session.execute(_for_points(), {"ids": ids}))


@functools.cache
def _for_points() -> sa.Select:
    """``for_points``' SELECT, built once (building it cost as much as running it)."""
    return (_query().where(Point.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(Measure.taken_on.desc(), Measure.id.desc()))


def for_cell(session: Session, code: str) -> list[sa.Row]:
    """Measures against the points of the cell ``code`` and the outside points nearest it,
    or their hazards (the cell page's), newest first: ``for_points`` of those points, read
    by the cell's code (not a hundred ids for the database to parse on every page)."""
    return list(session.execute(_for_cell(), {"code": code}))


@functools.cache
def _for_cell() -> sa.Select:
    code = sa.bindparam("code")
    return (_query().where(sa.or_(Point.cell_code == code,
                                  sa.and_(Point.outside, Point.nearest_cell_code == code)))
            .order_by(Measure.taken_on.desc(), Measure.id.desc()))


def in_period(session: Session, start: dt.date, end: dt.date) -> list[sa.Row]:
    """(kind, taken_on, hazard_id, cell_code) of every measure taken in [start, end]: the
    reports' counts."""
    point_id = sa.func.coalesce(Measure.point_id, Hazard.point_id)
    return list(session.execute(
        sa.select(Measure.kind, Measure.taken_on, Measure.hazard_id, Point.cell_code)
        .outerjoin(Hazard, Measure.hazard_id == Hazard.id).join(Point, Point.id == point_id)
        .where(Measure.taken_on >= start, Measure.taken_on <= end).order_by(Measure.id)))


def on_hazard_codes(session: Session, codes: Iterable[str],
                    until: dt.date | None = None) -> dict[str, list[Measure]]:
    """Hazard code → its measures taken up to ``until`` (all if None), oldest first."""
    wanted = list(codes)
    if not wanted:
        return {}
    q = (sa.select(Hazard.code, Measure).join(Hazard, Measure.hazard_id == Hazard.id)
         .where(Hazard.code.in_(wanted)))
    if until is not None:
        q = q.where(Measure.taken_on <= until)
    out: dict[str, list[Measure]] = {}
    for code, m in session.execute(q.order_by(Measure.taken_on, Measure.id)):
        out.setdefault(code, []).append(m)
    return out


def one(session: Session, measure_id: int) -> sa.Row | None:
    """One measure as ``find`` gives it (its ``cell_code`` decides who may read it)."""
    return session.execute(_query().where(Measure.id == measure_id)).first()


def attachment_bytes(session: Session, measure_id: int) -> bytes | None:
    """The stored attachment (loaded only when served: the column is deferred)."""
    return session.scalar(sa.select(Measure.attachment).where(Measure.id == measure_id))


def as_dict(row: sa.Row, attachment_url: str | None = None) -> dict:
    """A measure as the API and the pages give it (labels are the domain's, untranslated)."""
    m = row[0]
    return {
        "id": m.id, "kind": m.kind, "kind_label": rules.KIND_LABELS.get(m.kind, m.kind),
        "date": m.taken_on.isoformat(), "unit": m.unit, "recipient": m.recipient,
        "referred_to": m.referred_to, "note": m.note,
        "enterprise_id": m.point_id, "hazard_id": m.hazard_id,
        "hazard_code": row.hazard_code, "point_id": row.at_point, "point_name": row.point_name,
        "cell_code": row.cell_code, "recorded_by": m.recorded_by,
        "recorded_at": m.recorded_at.isoformat(),
        "attachment": None if m.attachment_name is None else {
            "name": m.attachment_name, "media_type": m.attachment_type,
            "size": m.attachment_size, "url": attachment_url},
    }
