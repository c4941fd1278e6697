"""The hazard commands: record a new hazard, move one along its path, log a change.

Every change appends a ``HazardEvent`` (actor, time, from, to, note); events
are never edited (the model refuses it). The path itself is the domain's
transition table (``geoapp.domain.workflow``); after a change the point's
level (escalation by an open major hazard) and its areas are recomputed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from geoapp.domain import duties
from geoapp.domain.hazard_input import HazardInputError, check_fields, plan_note
from geoapp.domain.workflow import next_state
from geoapp.store import assignment, hazardcodes
from geoapp.store.models import Hazard, HazardEvent, Point


def transition(
    hazard: Hazard, action: str, actor: str, note: str = "", at: dt.datetime | None = None,
    tz: str = "Asia/Shanghai",
) -> HazardEvent:
    """Move a hazard along its path and append the event; returns the event.

    ``at`` defaults to now; the close-out date (``closed_on``) is the local date
    in ``tz`` at the moment of acceptance.
    """
    if not actor:
        raise ValueError("every change needs an actor")
    at = at or dt.datetime.now(dt.UTC)
    target = next_state(hazard.state, action)
    event = HazardEvent(at=at, actor=actor, action=action, from_state=hazard.state,
                        to_state=target, note=note or "")
    hazard.events.append(event)
    hazard.state = target
    if target == "closed":
        hazard.closed_on = at.astimezone(ZoneInfo(tz)).date()
    elif hazard.closed_on is not None:
        hazard.closed_on = None
    return event


def record(hazard: Hazard, actor: str, action: str, note: str = "",
           at: dt.datetime | None = None, from_state: str | None = None,
           changes: dict | None = None) -> HazardEvent:
    """Log a change that is not a workflow step (creation, import of a ledger row, an edit).

    ``changes`` is an edit's {field: [old, new]} (geoapp.domain.changes.diff).
    """
    event = HazardEvent(at=at or dt.datetime.now(dt.UTC), actor=actor, action=action,
                        from_state=from_state, to_state=hazard.state, note=note,
                        changes=changes or None)
    hazard.events.append(event)
    return event


class VersionConflict(Exception):
    """Someone else changed the hazard since the caller read it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"hazard changed meanwhile (now version {current_version})")


def submitter(hazard: Hazard) -> str | None:
    """Who submitted the hazard for acceptance: the actor of its latest ``submit``.

    None when it never was (a ledger row imported as 待验收).
    """
    return next((e.actor for e in reversed(hazard.events) if e.action == "submit"), None)


def move(session, rules, hazard_id: int, action: str, actor: str, note: str = "",
         expected_version: int | None = None, *, role: str) -> Hazard:
    """Apply one workflow step to a stored hazard, with optimistic locking.

    ``expected_version`` is the version the caller last saw; if the row has
    moved on, VersionConflict is raised and nothing changes. The UPDATE itself
    is also guarded by the version (SQLAlchemy ``version_id_col``), so two
    writers that both passed the check cannot both succeed. The point's level
    (escalation by an open major hazard) and its areas are recomputed.

    ``actor`` with ``role`` must be allowed the step by the hazard file's
    ``[steps]`` (geoapp.domain.duties: 审核把关销号), else ForbiddenStep; a
    step that needs a note without one raises HazardInputError naming
    ``note``. Raises LookupError for an unknown hazard, IllegalTransition for
    a step not allowed from the current state. Nothing changes on any of these.
    """
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(f"no hazard {hazard_id}")
    if expected_version is not None and hazard.version != expected_version:
        raise VersionConflict(hazard.version)
    steps = rules.tables["hazard"].steps
    refused = duties.refusal(steps, role, actor, action, level=hazard.level,
                             submitter=submitter(hazard))
    if refused is not None:
        raise duties.ForbiddenStep(refused)
    if duties.note_missing(steps, action, note):
        raise HazardInputError("note", duties.NOTE_NEEDED)
    transition(hazard, action, actor, note, tz=rules.risk.hazards.timezone)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise VersionConflict(session.get(Hazard, hazard_id).version) from None
    assignment.refresh_levels_in_place(session, rules, [hazard.point_id])
    return hazard


class DuplicateClientId(Exception):
    """Another save with this client id was stored meanwhile (the caller rolls back, reads it)."""

    def __init__(self, client_id: str):
        self.client_id = client_id
        super().__init__(f"a hazard with client id {client_id} exists")


def by_client_id(session, client_id: str) -> Hazard | None:
    """The hazard a phone saved under ``client_id`` (a retried offline save), if any."""
    return session.scalar(sa.select(Hazard).where(Hazard.client_id == client_id))


def create_hazard(session, rules, point_id: int, fields: dict, actor: str,
                  today: dt.date, at: dt.datetime | None = None, *,
                  client_id: str | None = None) -> Hazard:
    """Record a new hazard at a point, open, with a "create" event; levels are recomputed.

    ``fields`` (e.g. a JSON body): ``level`` (general|major), ``source``
    (self_check|inspection|public_report), ``description`` (1–2000 characters),
    ``found_on`` (ISO date, not after ``today``), ``deadline`` (ISO date, not
    before ``found_on``), optional ``responsible_unit``, ``responsible_person``,
    ``listed`` (bool) and, for a major hazard, ``plan`` {goal, measures, funds,
    emergency_plan}. The first bad field raises HazardInputError naming it;
    an unknown point raises LookupError; nothing is written then.

    The code is ``YH`` + today's date + a sequence (``YH20260415-001``), taken
    from the day's counter row, which stays locked until the caller commits:
    concurrent writers wait for each other instead of colliding. An open major
    hazard escalates its point (and so its cell) to red.

    ``client_id`` is the id the phone made for this save (unique): when a
    hazard with it was stored meanwhile, DuplicateClientId is raised and the
    caller rolls back and returns that one (``by_client_id``).
    """
    if not actor:
        raise ValueError("every change needs an actor")
    values = check_fields(fields, today)
    plan = values.pop("plan")
    point = session.get(Point, point_id)
    if point is None:
        raise LookupError(f"no point {point_id}")
    hazard = Hazard(code=hazardcodes.next_code(session, today), point_id=point.id,
                    state="open", client_id=client_id, **values)
    session.add(hazard)
    record(hazard, actor, "create", plan_note(plan), at=at)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        if client_id is None:
            raise
        raise DuplicateClientId(client_id) from None
    assignment.refresh_levels_in_place(session, rules, [point.id])
    return hazard
