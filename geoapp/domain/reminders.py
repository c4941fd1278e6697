"""Reminders (提醒): what needs an account now, chosen from the hazards and their events.

Computed on read, never stored: an inbox is the open hazards an account
answers for, each matched against six sources (``KINDS``), so it can never
disagree with the register. The sources, and why (docs/domain.md "Reminders"):

* ``awaiting_acceptance`` (待我验收): in 待验收, for the accounts that accept
  (supervisor, admin), leaving out what the review rules would refuse the
  account (geoapp.domain.duties): a hazard whose latest 提请验收 it made itself,
  and for an admin a 重大 hazard (a supervisor's verdict);
* ``returned`` (退回整改): 整改中 because the last step was 验收不通过, for the
  cell's grid member;
* ``overdue`` (已逾期): open past its deadline (``workflow.is_overdue``);
* ``deadline`` (临近期限): open, due within ``deadline_days`` (the deadline day
  itself counts as in time, like overdue);
* ``extension`` (延期已批复): an ``extension_approve`` or ``extension_refuse``
  event in the last ``recent_days`` days;
* ``listed`` (挂牌督办): a ``list`` event in the last ``recent_days`` days.

Who sees which (``ROLE_KINDS``): a grid member the five that ask them to act
in their own cells; supervisors and admins, in every cell, what waits for their
acceptance, the overdue and the newly listed; leaders, in every cell, the overdue and
the listed only (what they push with 函告、通报、约谈; the steps are not
theirs); planners nothing. The days are local policy: ``[reminders]`` in
``layers/hazard.toml`` (``RemindersSpec``).

Each reminder has a ``key`` naming it for good (kind, hazard and the event or
the deadline it is about): the outbox (geoapp.store.outbox) queues one message
per account and key, so a reminder is mailed once however often it is seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from geoapp.domain import duties
from geoapp.domain.texts import N_
from geoapp.domain.workflow import is_overdue

# in the order an inbox shows them: what is waiting on the reader first
KINDS = ("awaiting_acceptance", "returned", "overdue", "deadline", "extension", "listed")
KIND_LABELS = {"awaiting_acceptance": N_("待我验收"), "returned": N_("退回整改"),
               "overdue": N_("已逾期"), "deadline": N_("临近整改期限"),
               "extension": N_("延期申请已批复"), "listed": N_("挂牌督办")}
# what the step a reminder is about was (the kinds that come from one event)
EVENT_LABELS = {"awaiting_acceptance": N_("提请验收"), "returned": N_("退回"),
                "extension": N_("批复"), "listed": N_("挂牌")}

ROLE_KINDS = {
    "grid": ("returned", "overdue", "deadline", "extension", "listed"),
    "supervisor": ("awaiting_acceptance", "overdue", "listed"),
    "admin": ("awaiting_acceptance", "overdue", "listed"),
    "leader": ("overdue", "listed"),
    "planner": (),
}
# roles whose inbox covers every cell (and the points outside every cell); the
# grid member's covers the cells they work
EVERY_CELL = ("supervisor", "admin", "leader")

# the event actions the sources read (the extension and listing steps append these)
SUBMIT, REJECT = "submit", "reject"
EXTENSION_DECIDED = ("extension_approve", "extension_refuse")
LISTED = "list"


class RemindersSpec(BaseModel):
    """``[reminders]`` of the hazard file: local policy, with these defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # a deadline this many days away or fewer (today included) is 临近
    deadline_days: Annotated[int, Field(ge=0, le=90)] = 7
    # an extension decided or a listing made this many days ago or fewer is news
    recent_days: Annotated[int, Field(ge=0, le=90)] = 14


@dataclass(frozen=True)
class EventFact:
    id: int
    action: str
    actor: str
    at: dt.datetime  # aware
    from_state: str | None
    to_state: str


@dataclass(frozen=True)
class HazardFact:
    """An open hazard as the sources read it; ``cell_code`` is the cell page that shows
    it (its point's cell, or the nearest cell for a point outside every cell)."""

    id: int
    code: str
    level: str
    state: str
    deadline: dt.date
    description: str
    point_name: str
    cell_code: str | None
    cell_name: str | None
    in_cell: bool  # inside a cell (False: a point outside every cell)
    events: tuple[EventFact, ...]  # in the order they were appended


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reminder:
    kind: str
    key: str
    hazard: HazardFact
    due: dt.date  # the deadline in force
    at: dt.datetime | None  # the event the reminder is about, if any
    actor: str | None  # who took that step


def in_scope(account: Account, hazard: HazardFact) -> bool:
    """Does the hazard belong in ``account``'s inbox at all (by its cell)?

    >>> h = _example(cell_code="A")
    >>> in_scope(Account("g", "grid", ("A",)), h), in_scope(Account("g", "grid", ("B",)), h)
    (True, False)
    >>> in_scope(Account("s", "supervisor"), _example(cell_code=None, in_cell=False))
    True
    """
    if account.role in EVERY_CELL:
        return True
    return hazard.in_cell and hazard.cell_code in account.cells


def _last_state_change(hazard: HazardFact) -> EventFact | None:
    """The event that put the hazard in its present state (a step, an import)."""
    changes = [e for e in hazard.events
               if e.from_state is not None and e.from_state != e.to_state]
    return changes[-1] if changes else None


def _recent(at: dt.datetime, today: dt.date, days: int, tz: str) -> bool:
    day = at.astimezone(ZoneInfo(tz)).date()
    return today - dt.timedelta(days=days) <= day <= today


def reminders_of(hazard: HazardFact, kinds: Iterable[str], username: str, today: dt.date,
                 spec: RemindersSpec, tz: str, role: str = "supervisor",
                 steps: duties.StepsSpec | None = None) -> list[Reminder]:
    """The reminders one open hazard gives, among ``kinds``, for the account ``username``
    (of ``role``). A hazard awaits *my* acceptance when the review rules (``steps``,
    geoapp.domain.duties) would let me accept it: not my own submission, and a 重大
    hazard only for a supervisor.

    Examples
    --------
    >>> today = dt.date(2030, 6, 14)
    >>> spec = RemindersSpec()
    >>> def kinds(h, who="g"):
    ...     return [r.kind for r in reminders_of(h, KINDS, who, today, spec, "UTC")]
    >>> [kinds(_example(deadline=dt.date(2030, 6, day))) for day in (21, 22)]
    [['deadline'], []]
    >>> kinds(_example(deadline=dt.date(2030, 6, 13)))
    ['overdue']
    >>> submitted = _example(state="awaiting_acceptance", events=(
    ...     _event(1, "submit", "g", "rectifying", "awaiting_acceptance"),))
    >>> kinds(submitted, "s"), kinds(submitted, "g")
    (['awaiting_acceptance'], [])
    >>> major = _example(level="major", state="awaiting_acceptance", events=(
    ...     _event(1, "submit", "g", "rectifying", "awaiting_acceptance"),))
    >>> kinds(major, "s"), reminders_of(major, KINDS, "root", today, spec, "UTC", "admin")
    (['awaiting_acceptance'], [])
    >>> returned = _example(state="rectifying", events=(
    ...     _event(1, "submit", "g", "rectifying", "awaiting_acceptance"),
    ...     _event(2, "reject", "s", "awaiting_acceptance", "rectifying")))
    >>> [(r.kind, r.key) for r in reminders_of(returned, KINDS, "g", today, spec, "UTC")]
    [('returned', 'returned:1:2')]
    """
    if not hazard.state or hazard.state == "closed":
        return []
    kinds = set(kinds)
    out: list[Reminder] = []

    def add(kind: str, key: str, event: EventFact | None = None) -> None:
        out.append(Reminder(kind, f"{kind}:{hazard.id}:{key}", hazard, hazard.deadline,
                            event.at if event else None, event.actor if event else None))

    last = _last_state_change(hazard)
    if "awaiting_acceptance" in kinds and hazard.state == "awaiting_acceptance":
        submits = [e for e in hazard.events if e.action == SUBMIT]
        submitter = submits[-1].actor if submits else None
        if duties.refusal(steps, role, username, "accept", level=hazard.level,
                          submitter=submitter) is None:
            event = submits[-1] if submits else last
            add("awaiting_acceptance", str(event.id) if event else "state", event)
    if ("returned" in kinds and hazard.state == "rectifying" and last is not None
            and last.action == REJECT):
        add("returned", str(last.id), last)
    days_left = (hazard.deadline - today).days
    if "overdue" in kinds and is_overdue(hazard.state, hazard.deadline, today):
        add("overdue", hazard.deadline.isoformat())  # once per deadline in force
    if "deadline" in kinds and 0 <= days_left <= spec.deadline_days:
        add("deadline", hazard.deadline.isoformat())
    for event in hazard.events:
        if not _recent(event.at, today, spec.recent_days, tz):
            continue
        if "extension" in kinds and event.action in EXTENSION_DECIDED:
            add("extension", str(event.id), event)
        if "listed" in kinds and event.action == LISTED:
            add("listed", str(event.id), event)
    return out


def inbox(hazards: Iterable[HazardFact], account: Account, today: dt.date,
          spec: RemindersSpec, tz: str, steps: duties.StepsSpec | None = None) -> list[Reminder]:
    """``account``'s reminders: its kinds, in its cells; by kind (``KINDS``), then due date.

    >>> today = dt.date(2030, 6, 14)
    >>> hs = [_example(id=1, cell_code="A", deadline=dt.date(2030, 6, 1)),
    ...       _example(id=2, cell_code="B", deadline=dt.date(2030, 6, 15))]
    >>> [(r.kind, r.hazard.id) for r in inbox(hs, Account("g", "grid", ("B",)), today,
    ...                                       RemindersSpec(), "UTC")]
    [('deadline', 2)]
    >>> [(r.kind, r.hazard.id) for r in inbox(hs, Account("l", "leader"), today,
    ...                                       RemindersSpec(), "UTC")]
    [('overdue', 1)]
    >>> inbox(hs, Account("p", "planner"), today, RemindersSpec(), "UTC")
    []
    """
    kinds = ROLE_KINDS.get(account.role, ())
    if not kinds:
        return []
    out = [r for h in hazards if in_scope(account, h)
           for r in reminders_of(h, kinds, account.username, today, spec, tz, account.role,
                                 steps)]
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(out, key=lambda r: (order[r.kind], r.due, r.hazard.id, r.key))


def counts(reminders: Iterable[Reminder]) -> dict[str, int]:
    """Reminders per kind, every kind present (0 when none).

    >>> counts([])["overdue"]
    0
    """
    out = dict.fromkeys(KINDS, 0)
    for r in reminders:
        out[r.kind] += 1
    return out


def anchor(hazard_id: int) -> str:
    """The fragment that opens a hazard on its cell page (the row's element id)."""
    return f"hazard-{hazard_id}"


def record(r: Reminder, tz: str) -> dict:
    """A reminder as plain data: the API's item and the outbox's copy of what it said.

    ``on`` is the local day (in ``tz``) of the event it is about.

    >>> rec = record(Reminder("returned", "returned:1:9", _example(), dt.date(2030, 6, 1),
    ...                       dt.datetime(2030, 5, 31, 17, tzinfo=dt.UTC), "s"), "Asia/Shanghai")
    >>> rec["kind"], rec["hazard_id"], rec["due"], rec["on"], rec["anchor"]
    ('returned', 1, '2030-06-01', '2030-06-01', 'hazard-1')
    """
    h = r.hazard
    return {"kind": r.kind, "key": r.key, "hazard_id": h.id, "hazard_code": h.code,
            "level": h.level, "state": h.state, "description": h.description,
            "point_name": h.point_name, "cell_code": h.cell_code, "cell_name": h.cell_name,
            "due": r.due.isoformat(), "at": r.at.isoformat() if r.at else None,
            "on": r.at.astimezone(ZoneInfo(tz)).date().isoformat() if r.at else None,
            "actor": r.actor, "anchor": anchor(h.id)}


def _event(id, action, actor, from_state, to_state, at=None):  # for the examples
    return EventFact(id, action, actor, at or dt.datetime(2030, 6, 1, tzinfo=dt.UTC),
                     from_state, to_state)


def _example(**fields) -> HazardFact:  # for the examples
    values = {"id": 1, "code": "YH1", "level": "general", "state": "open",
              "deadline": dt.date(2030, 7, 30), "description": "", "point_name": "P",
              "cell_code": "A", "cell_name": "A", "in_cell": True, "events": ()}
    return HazardFact(**{**values, **fields})


def within(facts: Iterable[HazardFact], cells: Collection[str]) -> list[HazardFact]:
    """The hazards at points inside ``cells`` (an area scope's cells; as the inbox's query
    reads them: a point outside every cell is in no scope but the whole territory's)."""
    return [f for f in facts if f.in_cell and f.cell_code in cells]
