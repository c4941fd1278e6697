"""Edits: a stored hazard's or point's fields changed, each change one event naming them.

``edit_hazard`` applies an edit of a hazard's descriptive fields (the edit
form, ``PATCH /api/hazards/<id>``) with the same optimistic locking as a
workflow step; ``point_changes`` and ``record_point`` are what a ledger
re-import uses for points (geoapp.store.importer), and ``advance_last_visits``
for a ledger's last inspection dates. Every event lists exactly the changed
fields with their old and new values (geoapp.domain.changes); nothing
changed, no event.
"""

from __future__ import annotations

import datetime as dt

import shapely
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from geoapp.domain import changes
from geoapp.domain.hazard_input import DECIDED, LISTED_BY_STEP, HazardInputError, check_edit
from geoapp.store import assignment, hazards
from geoapp.store.hazards import VersionConflict
from geoapp.store.models import Hazard, HazardEvent, Point, PointEvent


class NotDecider(PermissionError):
    """The edit changes a field that is the supervising authority's decision (``field``)."""

    def __init__(self, field: str):
        self.field = field
        super().__init__(f"{field}: only an admin may change it")


def edit_hazard(session, rules, hazard_id: int, fields: dict, actor: str,
                expected_version: int | None = None, may_decide: bool = False,
                at: dt.datetime | None = None) -> tuple[Hazard, HazardEvent | None]:
    """Change a stored hazard's descriptive fields; returns the hazard and its ``edit`` event.

    ``fields`` (e.g. a JSON body) holds only the fields to change, checked by
    geoapp.domain.hazard_input.check_edit (HazardInputError naming the first
    bad one, the deadline included: it changes only through an extension).
    Fields whose value is unchanged are dropped; if none is left, nothing is
    written and the event is None. A change of level or listing needs
    ``may_decide`` (else NotDecider); a change of listing is then refused all
    the same (HazardInputError naming ``listed``): it is done by the 挂牌督办
    steps (geoapp.store.listings). ``expected_version`` as for
    geoapp.store.hazards.move (VersionConflict). A changed level recomputes the
    point's level and its areas.
    """
    if not actor:
        raise ValueError("every change needs an actor")
    values = check_edit(fields)
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(f"no hazard {hazard_id}")
    if expected_version is not None and hazard.version != expected_version:
        raise VersionConflict(hazard.version)
    changed = changes.diff({k: getattr(hazard, k) for k in values}, values)
    if not changed:
        return hazard, None
    refused = [field for field in DECIDED if field in changed]
    if refused and not may_decide:
        raise NotDecider(refused[0])
    if "listed" in changed:  # the role first (403), then where listing is done (400)
        raise HazardInputError("listed", LISTED_BY_STEP)
    for field in changed:
        setattr(hazard, field, values[field])
    # an edit leaves the state where it is: from and to are both the current state
    event = hazards.record(hazard, actor, "edit", at=at, from_state=hazard.state,
                           changes=changed)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise VersionConflict(session.get(Hazard, hazard_id).version) from None
    if "level" in changed:  # an open major hazard escalates its point
        assignment.refresh_levels_in_place(session, rules, [hazard.point_id])
    return hazard, event


def point_changes(point: Point, name: str, attrs: dict, geom) -> dict[str, list]:
    """What a ledger row changes in a stored point: {field: [old, new]}.

    ``name``, each attribute by its field name, and ``coordinates`` as
    [[lon, lat], [lon, lat]] when the point moved.
    """
    old = {"name": point.name, **(point.attrs or {})}
    new = {"name": name, **dict.fromkeys(point.attrs or {}), **attrs}
    out = changes.diff(old, new)
    if not shapely.equals_exact(point.geom, geom, tolerance=1e-9):
        before = changes.lonlat(point.geom.x, point.geom.y)
        after = changes.lonlat(geom.x, geom.y)
        if before != after:
            out["coordinates"] = [before, after]
    return out


def advance_last_visits(session, visits: list[tuple[int, str | dt.date]]) -> None:
    """Move points' ``last_visit_on`` forward to a ledger's last inspection date, never back.

    ``visits`` are (point id, date or ISO text). The ledger is the starting
    point; visits recorded in geoapp move the date on too, so an older ledger
    re-imported after a visit leaves the visit's date. One guarded UPDATE per
    point, so a visit stored meanwhile by another request is not overwritten.
    """
    if not visits:
        return
    table = Point.__table__
    session.execute(
        table.update().where(table.c.id == sa.bindparam("b_id"),
                             sa.or_(table.c.last_visit_on.is_(None),
                                    table.c.last_visit_on < sa.bindparam("b_day")))
        .values(last_visit_on=sa.bindparam("b_day")),
        [{"b_id": pid, "b_day": day if isinstance(day, dt.date) else dt.date.fromisoformat(day)}
         for pid, day in visits])


def record_point(session, point: Point, actor: str, changed: dict, action: str = "edit",
                 note: str = "", at: dt.datetime | None = None) -> PointEvent:
    """Append a point's event listing ``changed`` ({field: [old, new]})."""
    event = PointEvent(point_id=point.id, at=at or dt.datetime.now(dt.UTC), actor=actor,
                       action=action, changes=changed, note=note)
    session.add(event)
    return event
