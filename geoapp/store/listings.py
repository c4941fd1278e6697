"""The 挂牌督办 commands: list a hazard, publish a listing or its 摘牌, 摘牌 after close-out.

Each step fills in the hazard's one ``Listing`` and appends a ``HazardEvent``
(``list``, ``publish``, ``delist``) to its history. The rules (fields, which
step may follow which, the clocks) are geoapp.domain.listing; the local policy
is ``rules.supervision`` (layers/supervision.toml). ``Hazard.listed`` is set by
the listing and kept after 摘牌 (see geoapp.store.models.Listing), so the map,
the figures and the reports read the same flag as before.

Every command checks all it needs before it writes: a refusal
(ListingInputError, ListingConflict, LookupError) leaves the session unchanged.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import listing as rules_of
from geoapp.domain.listing import ListingConflict, ListingInputError
from geoapp.store import hazards
from geoapp.store.models import Hazard, HazardEvent, Listing

__all__ = ["ListingConflict", "ListingInputError", "carry_over", "delist", "list_hazard",
           "publish"]


def _hazard(session, hazard_id: int) -> Hazard:
    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(f"no hazard {hazard_id}")
    return hazard


def _step(hazard: Hazard, actor: str, action: str, note: str, at, changes=None) -> HazardEvent:
    if not actor:
        raise ValueError("every change needs an actor")
    # a listing step leaves the hazard's state where it is
    return hazards.record(hazard, actor, action, note, at=at, from_state=hazard.state,
                          changes=changes)


def list_hazard(session, rules, hazard_id: int, fields: dict, actor: str, today: dt.date,
                at: dt.datetime | None = None) -> Hazard:
    """List an open hazard today: ``fields`` {level, unit, deadline, note?}.

    Raises ListingInputError naming the bad field, ListingConflict when the
    hazard is listed already or closed, LookupError for an unknown hazard.
    """
    values = rules_of.check_listing(fields, today, rules.supervision.listing)
    hazard = _hazard(session, hazard_id)
    why = rules_of.why_not_list(hazard.state, hazard.listing)
    if why:
        raise ListingConflict(why)
    hazard.listing = Listing(level=values["level"], unit=values["unit"], listed_on=today,
                             deadline=values["deadline"], listed_by=actor)
    changes = None if hazard.listed else {"listed": [False, True]}
    hazard.listed = True
    note = (f"挂牌督办（{rules_of.LEVELS[values['level']]}）：督办单位 {values['unit']}，"
            f"督办期限 {values['deadline']}")
    _step(hazard, actor, "list", "\n".join(filter(None, (note, values["note"]))), at, changes)
    session.flush()
    return hazard


def publish(session, rules, hazard_id: int, fields: dict, actor: str, today: dt.date,
            at: dt.datetime | None = None) -> Hazard:
    """Record that a listing or its 摘牌 was made public: ``fields`` {kind, date}.

    The date is not in the future nor before the step it publishes
    (ListingInputError naming ``date``); each is published once
    (ListingConflict), and only once it happened.
    """
    kind, day = rules_of.check_publication(fields, today)
    hazard = _hazard(session, hazard_id)
    listing = hazard.listing
    why = rules_of.why_not_publish(kind, listing)
    if why:
        raise ListingConflict(why)
    rules_of.check_published_after(kind, day, listing)
    if kind == "listed":
        listing.listed_published_on = day
    else:
        listing.delisted_published_on = day
    _step(hazard, actor, "publish", f"公布{rules_of.KINDS[kind]}：{day}", at)
    session.flush()
    return hazard


def delist(session, rules, hazard_id: int, fields: dict, actor: str, today: dt.date,
           at: dt.datetime | None = None) -> Hazard:
    """摘牌 a listed hazard once it is closed (已销号): ``fields`` {date?, note?}.

    The date defaults to today and is neither in the future nor before the
    close-out (ListingInputError naming ``date``); a hazard not listed, not
    closed or already 摘牌 raises ListingConflict.
    """
    day, note = rules_of.check_delisting(fields, today)
    hazard = _hazard(session, hazard_id)
    why = rules_of.why_not_delist(hazard.state, hazard.listing)
    if why:
        raise ListingConflict(why)
    if hazard.closed_on is not None and day < hazard.closed_on:
        raise ListingInputError("date", f"摘牌日期不能早于销号日期（{hazard.closed_on}）")
    hazard.listing.delisted_on = day
    hazard.listing.delisted_by = actor
    _step(hazard, actor, "delist", "\n".join(filter(None, (f"摘牌：{day}", note))), at)
    session.flush()
    return hazard


def carry_over(hazard: Hazard) -> None:
    """A listing of unknown date for a hazard flagged listed without one (a ledger's 挂牌督办=是).

    The ledger says only yes or no: the date, level, unit and deadline stay
    unknown (None), as for the listings migration 0009 made from the old flag.
    """
    if hazard.listed and hazard.listing is None:
        hazard.listing = Listing()
