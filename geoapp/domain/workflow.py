"""Rectification (整改): a hazard's path to close-out, as one transition table.

待整改 (open) → 整改中 (rectifying) → 待验收 (awaiting_acceptance) → 已销号
(closed); acceptance can send it back to 整改中 (原安监总局令第16号: rectify,
then acceptance). Every change appends a ``HazardEvent`` (actor, time, from,
to, note, and for an edit the changed fields); events are never edited (the
model refuses it) and each has a kind (``EVENT_KINDS``). Overdue is derived,
never stored: not closed and past its deadline.

Pure: states, the transition table, labels, overdue and the roll-ups. The
commands that apply a step to a stored hazard are ``geoapp.store.hazards``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from geoapp.domain.texts import N_

STATES = ("open", "rectifying", "awaiting_acceptance", "closed")
STATE_LABELS = {"open": N_("待整改"), "rectifying": N_("整改中"),
                "awaiting_acceptance": N_("待验收"), "closed": N_("已销号")}
# Every state but the last is open: the hazard still counts, escalates and can be overdue.
OPEN_STATES = STATES[:-1]
LEVEL_LABELS = {"general": N_("一般"), "major": N_("重大")}  # 原安监总局令第16号 第三条
SOURCE_LABELS = {"self_check": N_("企业自查"), "inspection": N_("督导检查"),
                 "public_report": N_("群众举报")}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str


# The whole workflow. An action not listed from a state is illegal.
TRANSITIONS: dict[str, Transition] = {
    "start": Transition("open", "rectifying", N_("开始整改")),
    "submit": Transition("rectifying", "awaiting_acceptance", N_("提请验收")),
    "accept": Transition("awaiting_acceptance", "closed", N_("验收通过，销号")),
    "reject": Transition("awaiting_acceptance", "rectifying", N_("验收不通过，退回整改")),
}


# What an event of a hazard's history is, for the page that shows it. A workflow
# step is a "transition"; the other actions are their own kind: "create"
# (registered), "edit" (fields changed, with ``changes``), "photo" (evidence
# added), "import" (a ledger row created the hazard or set its state), "listing"
# (挂牌督办: the actions ``LISTING_ACTIONS``, geoapp.store.listings), "extension"
# (延期: a request or its decision, geoapp.domain.extensions).
EVENT_KINDS = {"create": N_("登记"), "transition": N_("整改流程"), "edit": N_("修改"),
               "photo": N_("照片"), "import": N_("台账导入"), "listing": N_("挂牌督办"),
               "extension": N_("延期"),
               # a supervisory measure taken on the hazard (geoapp.domain.measures)
               "measure": N_("督办措施"), "other": N_("其他")}
LISTING_ACTIONS = ("list", "publish", "delist")
# the actions of an extension's events: requested, then approved or refused
EXTENSION_ACTIONS = ("extension_request", "extension_approve", "extension_refuse")


def event_kind(action: str) -> str:
    """The kind of an event from its action (one of ``EVENT_KINDS``).

    Examples
    --------
    >>> [event_kind(a) for a in ("create", "start", "accept", "edit", "photo", "import",
    ...                          "measure")]
    ['create', 'transition', 'transition', 'edit', 'photo', 'import', 'measure']
    >>> [event_kind(a) for a in ("list", "publish", "delist")]
    ['listing', 'listing', 'listing']
    >>> event_kind("extension_approve"), event_kind("something new")
    ('extension', 'other')
    """
    if action in TRANSITIONS:
        return "transition"
    if action in LISTING_ACTIONS:
        return "listing"
    if action in EXTENSION_ACTIONS:
        return "extension"
    return action if action in EVENT_KINDS and action not in ("transition", "listing",
                                                               "extension") else "other"


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
    geoapp.domain.workflow.IllegalTransition: 不能从“待整改”执行“accept”（可执行：start）
    """
    t = TRANSITIONS.get(action)
    if t is None or t.source != state:
        allowed = ", ".join(allowed_actions(state)) or "无"
        raise IllegalTransition(f"不能从“{STATE_LABELS[state]}”执行“{action}”（可执行：{allowed}）")
    return t.target


def is_open(state: str) -> bool:
    """Not yet closed (销号): 待整改, 整改中 or 待验收.

    >>> [is_open(s) for s in STATES]
    [True, True, True, False]
    """
    return state in OPEN_STATES


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
    return is_open(state) and deadline < today


def today_in(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def is_stock(found_on: dt.date, stock_cutoff: dt.date) -> bool:
    """动态清零's stock (存量): found before the cutoff; everything later is increment."""
    return found_on < stock_cutoff


def increment_year_start(today: dt.date, stock_cutoff: dt.date) -> dt.date:
    """First day counted in "this year's increment": 1 January of ``today``'s year, never
    before the cutoff (a hazard of the stock is never new this year)."""
    return max(dt.date(today.year, 1, 1), stock_cutoff)


def rate(part: int, whole: int) -> float | None:
    """A rate such as the 整改率 (closed ÷ all found): ``part / whole`` rounded half up
    (四舍五入) to four decimals on the exact fraction; None when ``whole`` is 0.

    Rounded on the integers, not on the float ``part / whole``: on a tie the float
    is a hair above or below it, so ``round(part / whole, 4)`` went up for some
    ties and down for others (109 / 160 = 0.68125 gave 0.6813, 1 / 32 = 0.03125
    gave 0.0312), and pandas' ``round`` differently again. Half up is what a
    reader checking a bulletin gets (Excel's ROUND). The one statement of the
    rounding: ``rollup``, the reports' grouped figures and the coverage rates call it.

    Examples
    --------
    >>> rate(109, 160), rate(1, 32), rate(1, 3), rate(0, 5), rate(5, 5), rate(0, 0)
    (0.6813, 0.0313, 0.3333, 0.0, 1.0, None)
    """
    if not whole:
        return None
    return (2 * part * 10_000 + whole) // (2 * whole) / 10_000


def rollup(hazards: Iterable, today: dt.date, stock_cutoff: dt.date) -> dict:
    """Hazard figures for an area: by state, overdue, major open and overdue, rate, stock/increment.

    ``hazards`` are objects with ``state``, ``level``, ``deadline``,
    ``found_on`` and ``listed`` (ORM rows or plain records).
    ``rectification_rate`` is closed / total, see ``rate`` (None when there are none).
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
    >>> r["major_stock_open"], r["major_increment_year"], r["major_listed_open"]
    (0, 0, 1)
    >>> r["increment_year"], r["increment_year_closed"], r["major_increment_year_closed"]
    (0, 0, 0)
    """
    since = increment_year_start(today, stock_cutoff)
    out = {"total": 0, "open": 0, "overdue": 0, "closed": 0, "major_open": 0, "listed_open": 0,
           "major_overdue": 0, "major_stock_open": 0, "major_increment_year": 0,
           "major_increment_year_closed": 0, "major_listed_open": 0,
           "increment_year": 0, "increment_year_closed": 0,
           "by_state": dict.fromkeys(STATES, 0), "stock": {"total": 0, "open": 0},
           "increment": {"total": 0, "open": 0}}
    for h in hazards:
        closed = not is_open(h.state)
        out["total"] += 1
        out["by_state"][h.state] += 1
        out["closed" if closed else "open"] += 1
        out["overdue"] += is_overdue(h.state, h.deadline, today)
        out["major_open"] += (not closed) and h.level == "major"
        out["listed_open"] += (not closed) and bool(h.listed)
        out["major_overdue"] += h.level == "major" and is_overdue(h.state, h.deadline, today)
        stock = is_stock(h.found_on, stock_cutoff)
        # the headline's 动态清零 figures per area (zeroing() below, major hazards only)
        out["major_stock_open"] += h.level == "major" and stock and not closed
        this_year = h.found_on >= since
        out["major_increment_year"] += h.level == "major" and this_year
        # the rest of the headline's 动态清零 and 挂牌 figures: the map's headline is the
        # sum of its cells' rollups (geoapp.map.headline)
        out["major_increment_year_closed"] += h.level == "major" and this_year and closed
        out["major_listed_open"] += h.level == "major" and bool(h.listed) and not closed
        out["increment_year"] += this_year
        out["increment_year_closed"] += this_year and closed
        part = out["stock" if stock else "increment"]
        part["total"] += 1
        part["open"] += not closed
    out["rectification_rate"] = rate(out["closed"], out["total"])
    return out


def headline(r: dict, today: dt.date, stock_cutoff: dt.date) -> dict:
    """The map's headline figures of an area from its ``rollup`` ``r``: the hazards, the
    open, overdue and listed open 重大事故隐患, and the 动态清零 position (as
    ``zeroing`` counts it) of major hazards and of all. A rollup is a sum over hazards,
    so the headline of an area can be made from its cells' rollups added up
    (geoapp.map.headline) or from its hazards read at once (``pages.summary``).
    """
    return {
        "hazards": r,
        "major": {"open": r["major_open"], "overdue": r["major_overdue"],
                  "listed_open": r["major_listed_open"]},
        "zeroing": {
            "cutoff": stock_cutoff.isoformat(), "year": today.year,
            "major": {"stock_open": r["major_stock_open"],
                      "increment_year": {"found": r["major_increment_year"],
                                         "closed": r["major_increment_year_closed"]}},
            "all": {"stock_open": r["stock"]["open"],
                    "increment_year": {"found": r["increment_year"],
                                       "closed": r["increment_year_closed"]}}},
    }


def zeroing(hazards: Iterable, today: dt.date, stock_cutoff: dt.date) -> dict:
    """动态清零 position: stock left (found before the cutoff, still open), this year's increment.

    The one statement of the rule (stock: found before the cutoff), read by the
    map's headline strip (geoapp.store.reads.pages.summary) and the leaders' reports
    (geoapp.domain.figures, with the states hazards had at the end of a past
    month). ``hazards`` have ``found_on`` and ``state``; ``increment_year``
    counts those found since 1 January of ``today``'s year (a local date in
    the configured time zone), and not before the cutoff, and how many of them
    are closed.

    Examples
    --------
    >>> from types import SimpleNamespace as H
    >>> hs = [H(found_on=dt.date(2023, 5, 1), state="open"),
    ...       H(found_on=dt.date(2026, 2, 1), state="closed")]
    >>> zeroing(hs, dt.date(2026, 3, 31), dt.date(2024, 1, 1))
    {'stock_open': 1, 'increment_year': {'found': 1, 'closed': 1}}
    """
    hazards = list(hazards)
    since = increment_year_start(today, stock_cutoff)
    this_year = [h for h in hazards if h.found_on >= since]
    return {
        "stock_open": sum(is_stock(h.found_on, stock_cutoff) and is_open(h.state) for h in hazards),
        "increment_year": {"found": len(this_year),
                           "closed": sum(not is_open(h.state) for h in this_year)},
    }
