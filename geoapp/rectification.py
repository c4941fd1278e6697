"""Rectification (整改): a hazard's path to close-out, as one transition table.

待整改 (open) → 整改中 (rectifying) → 待验收 (awaiting_acceptance) → 已销号
(closed); acceptance can send it back to 整改中 (DOMAIN.md "Hazards and
rectification"). Every change appends a ``HazardEvent`` (actor, time, from,
to, note); events are never edited (the model refuses it). Overdue is derived,
never stored: not closed and past its deadline.

The functions work on ORM objects without a session or Flask, so the web
views, the importer and the tests share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from geoapp.models import Hazard, HazardEvent

STATES = ("open", "rectifying", "awaiting_acceptance", "closed")
STATE_LABELS = {"open": "待整改", "rectifying": "整改中", "awaiting_acceptance": "待验收",
                "closed": "已销号"}
LEVEL_LABELS = {"general": "一般", "major": "重大"}  # 原安监总局令第16号 第三条
SOURCE_LABELS = {"self_check": "企业自查", "inspection": "督导检查", "public_report": "群众举报"}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str


# The whole workflow. An action not listed from a state is illegal.
TRANSITIONS: dict[str, Transition] = {
    "start": Transition("open", "rectifying", "开始整改"),
    "submit": Transition("rectifying", "awaiting_acceptance", "提请验收"),
    "accept": Transition("awaiting_acceptance", "closed", "验收通过，销号"),
    "reject": Transition("awaiting_acceptance", "rectifying", "验收不通过，退回整改"),
}


class IllegalTransition(ValueError):
    """The action is not allowed from the hazard's current state."""


def allowed_actions(state: str) -> list[str]:
    """Actions possible from a state, in workflow order.

    Examples
    --------
    >>> allowed_actions("awaiting_acceptance")
    ['accept', 'reject']
    >>> allowed_actions("closed")
    []
    """
    return [name for name, t in TRANSITIONS.items() if t.source == state]


def next_state(state: str, action: str) -> str:
    """The state an action leads to; raises IllegalTransition if it cannot be taken.

    Examples
    --------
    >>> next_state("open", "start")
    'rectifying'
    >>> next_state("open", "accept")
    Traceback (most recent call last):
    ...
    geoapp.rectification.IllegalTransition: 不能从“待整改”执行“accept”（可执行：start）
    """
    t = TRANSITIONS.get(action)
    if t is None or t.source != state:
        allowed = ", ".join(allowed_actions(state)) or "无"
        raise IllegalTransition(f"不能从“{STATE_LABELS[state]}”执行“{action}”（可执行：{allowed}）")
    return t.target


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
           at: dt.datetime | None = None, from_state: str | None = None) -> HazardEvent:
    """Log a change that is not a workflow step (creation, import of a ledger row)."""
    event = HazardEvent(at=at or dt.datetime.now(dt.UTC), actor=actor, action=action,
                        from_state=from_state, to_state=hazard.state, note=note)
    hazard.events.append(event)
    return event


def is_overdue(state: str, deadline: dt.date, today: dt.date) -> bool:
    """Not closed and past its deadline (the deadline day itself is still in time).

    Examples
    --------
    >>> d = dt.date(2026, 3, 31)
    >>> is_overdue("rectifying", d, dt.date(2026, 3, 31))
    False
    >>> is_overdue("open", d, dt.date(2026, 4, 1))
    True
    >>> is_overdue("closed", d, dt.date(2027, 1, 1))
    False
    """
    return state != "closed" and deadline < today


def today_in(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def rollup(hazards: Iterable, today: dt.date, stock_cutoff: dt.date) -> dict:
    """Hazard figures for an area: by state, overdue, major open, rate, stock/increment.

    ``hazards`` are objects with ``state``, ``level``, ``deadline``,
    ``found_on`` and ``listed`` (ORM rows or plain records).
    ``rectification_rate`` is closed / total (None when there are none).
    Stock (存量) are hazards found before ``stock_cutoff``; increment (增量) the rest.

    Examples
    --------
    >>> from types import SimpleNamespace as H
    >>> hs = [H(state="closed", level="general", deadline=dt.date(2024, 2, 1),
    ...         found_on=dt.date(2023, 12, 1), listed=False),
    ...       H(state="open", level="major", deadline=dt.date(2026, 1, 1),
    ...         found_on=dt.date(2025, 12, 1), listed=True)]
    >>> r = rollup(hs, dt.date(2026, 2, 1), dt.date(2024, 1, 1))
    >>> r["total"], r["open"], r["overdue"], r["closed"], r["major_open"], r["rectification_rate"]
    (2, 1, 1, 1, 1, 0.5)
    >>> r["stock"], r["increment"]
    ({'total': 1, 'open': 0}, {'total': 1, 'open': 1})
    """
    out = {"total": 0, "open": 0, "overdue": 0, "closed": 0, "major_open": 0, "listed_open": 0,
           "by_state": dict.fromkeys(STATES, 0), "stock": {"total": 0, "open": 0},
           "increment": {"total": 0, "open": 0}}
    for h in hazards:
        closed = h.state == "closed"
        out["total"] += 1
        out["by_state"][h.state] += 1
        out["closed" if closed else "open"] += 1
        out["overdue"] += is_overdue(h.state, h.deadline, today)
        out["major_open"] += (not closed) and h.level == "major"
        out["listed_open"] += (not closed) and bool(h.listed)
        part = out["stock" if h.found_on < stock_cutoff else "increment"]
        part["total"] += 1
        part["open"] += not closed
    out["rectification_rate"] = round(out["closed"] / out["total"], 4) if out["total"] else None
    return out


class VersionConflict(Exception):
    """Someone else changed the hazard since the caller read it."""

    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__(f"hazard changed meanwhile (now version {current_version})")


def move(session, rules, hazard_id: int, action: str, actor: str, note: str = "",
         expected_version: int | None = None) -> Hazard:
    """Apply one workflow step to a stored hazard, with optimistic locking.

    ``expected_version`` is the version the caller last saw; if the row has
    moved on, VersionConflict is raised and nothing changes. The UPDATE itself
    is also guarded by the version (SQLAlchemy ``version_id_col``), so two
    writers that both passed the check cannot both succeed. The point's level
    (escalation by an open major hazard) and its areas are recomputed.
    Raises LookupError for an unknown hazard, IllegalTransition for a step not
    allowed from the current state.
    """
    from sqlalchemy.orm.exc import StaleDataError

    from geoapp import assignment

    hazard = session.get(Hazard, hazard_id)
    if hazard is None:
        raise LookupError(f"no hazard {hazard_id}")
    if expected_version is not None and hazard.version != expected_version:
        raise VersionConflict(hazard.version)
    transition(hazard, action, actor, note, tz=rules.risk.hazards.timezone)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise VersionConflict(session.get(Hazard, hazard_id).version) from None
    assignment.refresh_levels(session, rules, [hazard.point_id])
    return hazard
