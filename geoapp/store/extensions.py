"""The extension commands: ask for a later deadline (延期), decide a request.

The rules are geoapp.domain.extensions; here they meet the stored hazard. A
request and a decision each append a ``HazardEvent`` (``extension_request``,
``extension_approve``, ``extension_refuse``); an approval makes the new date
the hazard's deadline in force, keeps the original one
(``Hazard.original_deadline``, at the first approval) and recomputes nothing
else: overdue is derived from the deadline wherever it is shown.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from geoapp.domain import extensions as rules_of
from geoapp.store import hazards
from geoapp.store.models import Extension, Hazard


def for_hazard(session, hazard_id: int) -> list[Extension]:
    """A hazard's extension requests, oldest first."""
    return list(session.scalars(sa.select(Extension).where(Extension.hazard_id == hazard_id)
                                .order_by(Extension.id)))


def standing(session, hazard: Hazard) -> rules_of.Standing:
    """What the rules need to know about ``hazard`` (its extensions counted)."""
    counts = dict(session.execute(
        sa.select(Extension.state, sa.func.count()).where(Extension.hazard_id == hazard.id)
        .group_by(Extension.state)).all())
    return rules_of.Standing(hazard.state, hazard.found_on, hazard.deadline,
                             hazard.original_deadline, counts.get("approved", 0),
                             counts.get("requested", 0) > 0)


class Conflict(Exception):
    """Another request or decision was stored meanwhile (the caller rolls back: 409)."""


def request(session, spec, hazard: Hazard, until, reason, actor: str, today: dt.date,
            at: dt.datetime) -> Extension:
    """Store a request for ``hazard`` (the rules: domain.extensions.check_request).

    ``spec`` is the hazard file's ExtensionSpec (or None: the defaults); the
    checked fields raise ``Refused``; a request stored by someone else at the
    same moment raises Conflict (the one-pending index). Nothing is written then.
    """
    if not actor:
        raise ValueError("every change needs an actor")
    new_date, text = rules_of.check_request(spec, standing(session, hazard), until, reason,
                                            today)
    asked = Extension(hazard_id=hazard.id, requested_at=at, requested_by=actor, reason=text,
                      old_deadline=hazard.deadline, until=new_date, state="requested",
                      decision_note="")
    session.add(asked)
    hazards.record(hazard, actor, rules_of.REQUEST, text, at=at, from_state=hazard.state)
    try:
        session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("该隐患已有一项延期申请待审批") from None
    return asked


def decide(session, extension_id: int, approve: bool, note, actor: str,
           at: dt.datetime) -> Extension:
    """Approve or refuse a request (domain.extensions.check_decision); LookupError if unknown.

    An approval moves the hazard's deadline to the date asked for, with
    ``changes`` {"deadline": [old, new]} on its event; the hazard's version
    goes up (its ETag), so a page holding the old one reloads before a step.
    Two decisions at the same moment: the second raises Conflict.
    """
    if not actor:
        raise ValueError("every change needs an actor")
    asked = session.get(Extension, extension_id)
    if asked is None:
        raise LookupError(f"no extension {extension_id}")
    hazard = asked.hazard
    text = rules_of.check_decision(asked.state, hazard.state, approve, note)
    asked.state = "approved" if approve else "refused"
    asked.decided_at, asked.decided_by, asked.decision_note = at, actor, text
    changes = None
    if approve:
        old = hazard.deadline
        if hazard.original_deadline is None:
            hazard.original_deadline = old
        hazard.deadline = asked.until
        changes = {"deadline": [old.isoformat(), asked.until.isoformat()]}
    hazards.record(hazard, actor, rules_of.APPROVE if approve else rules_of.REFUSE, text,
                   at=at, from_state=hazard.state, changes=changes)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("该延期申请已被他人审批") from None
    return asked


def as_dict(e: Extension) -> dict:
    """An extension for the API and the cell page."""
    return {"id": e.id, "hazard_id": e.hazard_id, "state": e.state,
            "state_label": rules_of.STATE_LABELS[e.state],
            "requested_at": e.requested_at.isoformat(), "requested_by": e.requested_by,
            "reason": e.reason, "old_deadline": e.old_deadline.isoformat(),
            "until": e.until.isoformat(),
            "decided_at": e.decided_at.isoformat() if e.decided_at else None,
            "decided_by": e.decided_by, "decision_note": e.decision_note}
