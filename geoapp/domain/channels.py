"""Every channel in the reports: public reports (群众举报) handled, enterprise self-checks.

The hazard database gathers three channels ("企业自查上报、督导检查发现、群众举报查实");
the hazards each brings are the figures' ``by_source`` (geoapp.domain.figures).
This module holds the two rules about the channels themselves. Pure: plain
records in, figures out. The rules (docs/domain.md "Reports" → "By channel"):

* a public report is **received** in the period of its filing's local date,
  **verified** (查实) or **rejected** (不属实) in the period of that step's local
  date; **pending** are those filed by the end of the period (``as_of``) and
  neither verified nor rejected by then;
* its **first response** is the office's first step on it (start, verify,
  reject or a reply), and the **time to first response** is the hours from
  filing to that step; the median is over the reports received in the period
  that had one by the end of the period (the middle value, or the mean of the
  two middle ones); those still without one are counted as ``unanswered``;
* **rewards** (查实即奖) count in the period of the reward's date: how many and
  how much, and how much of it is paid;
* an enterprise **self-checked** in the period when its account recorded a
  self-check (a visit by the enterprise itself) on any of its points — the
  enterprise, its confined spaces or its major hazard installations — on a
  local day in the period; **self-check coverage** of an area is enterprises
  that self-checked ÷ enterprises.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from geoapp.domain.timeline import local_day
from geoapp.domain.workflow import rate

# the office's steps on a report that answer the reporter (the filing itself is "receive")
RESPONSES = ("start", "verify", "reject", "reply")
OUTCOMES = {"verify": "verified", "reject": "rejected"}


@dataclass(frozen=True)
class Window:
    """A report period's local days, ``start`` to ``end`` (its as-of day) inclusive."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True)
class ReportRecord:
    """One public report as the reports see it: where, when filed, its steps, its reward.

    ``events``: (at, action) of its steps in time order, the filing included.
    """

    id: int
    created_at: dt.datetime
    cell_code: str | None
    events: tuple[tuple[dt.datetime, str], ...] = ()
    reward_amount: Decimal | None = None
    reward_on: dt.date | None = None
    reward_paid: bool = False


def _tally() -> dict:
    return {"received": 0, "verified": 0, "rejected": 0, "pending": 0, "answered": 0,
            "unanswered": 0, "_hours": []}


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def report_figures(reports: Iterable[ReportRecord], window: Window, tz: str,
                   group_of: Mapping[str | None, str] | None = None) -> dict:
    """The period's public-report figures in total and per group: ``group_of`` maps a
    report's cell code to its group (its town); reports of other cells group under None.
    Days are local days in ``tz``.

    Examples
    --------
    >>> utc = lambda *a: dt.datetime(*a, tzinfo=dt.UTC)
    >>> march = Window(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    >>> rs = [ReportRecord(1, utc(2026, 3, 2, 8), "A", ((utc(2026, 3, 2, 8), "receive"),
    ...                    (utc(2026, 3, 2, 14), "start"), (utc(2026, 3, 5), "verify"))),
    ...       ReportRecord(2, utc(2026, 3, 3), "A", ((utc(2026, 3, 3), "receive"),
    ...                    (utc(2026, 4, 1), "reject"))),
    ...       ReportRecord(3, utc(2026, 2, 27), "B", ((utc(2026, 2, 27), "receive"),
    ...                    (utc(2026, 3, 1), "reject")))]
    >>> f = report_figures(rs, march, "UTC")["total"]
    >>> f["received"], f["verified"], f["rejected"], f["pending"], f["unanswered"]
    (2, 1, 1, 1, 1)
    >>> f["median_hours_to_first_response"]
    6.0
    """
    end = window.end
    group_of = group_of or {}
    total, groups = _tally(), {}
    for r in reports:
        filed = local_day(r.created_at, tz)
        if filed > end:
            continue
        tallies = (total, groups.setdefault(group_of.get(r.cell_code), _tally()))
        outcome_by_end = None
        first_response = None
        for at, action in r.events:
            day = local_day(at, tz)
            if action in RESPONSES and first_response is None:
                first_response = at
            if action in OUTCOMES and day <= end:
                outcome_by_end = action
                if day in window:
                    for t in tallies:
                        t[OUTCOMES[action]] += 1
        received = filed in window
        answered = first_response is not None and local_day(first_response, tz) <= end
        for t in tallies:
            t["pending"] += outcome_by_end is None
            if received:
                t["received"] += 1
                if answered:
                    t["answered"] += 1
                    t["_hours"].append((first_response - r.created_at).total_seconds() / 3600)
                else:
                    t["unanswered"] += 1
    return {"total": _finish(total),
            "groups": {key: _finish(t) for key, t in groups.items()}}


def _finish(t: dict) -> dict:
    hours = t.pop("_hours")
    return {**t, "median_hours_to_first_response": _median(hours)}


def rewards(reports: Iterable[ReportRecord], window: Window) -> dict:
    """Rewards dated in the period: how many, how much, and how much of it paid (yuan, as text
    with two decimals: money is never a float).

    Examples
    --------
    >>> r = lambda amount, paid: ReportRecord(1, dt.datetime(2026, 3, 1, tzinfo=dt.UTC), None,
    ...     reward_amount=Decimal(amount), reward_on=dt.date(2026, 3, 9), reward_paid=paid)
    >>> march = Window(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    >>> rewards([r("200", True), r("50.5", False)], march)
    {'count': 2, 'amount': '250.50', 'paid': '200.00', 'unpaid_count': 1}
    """
    count, amount, paid, unpaid = 0, Decimal(0), Decimal(0), 0
    for r in reports:
        if r.reward_amount is None or r.reward_on not in window:
            continue
        count += 1
        amount += r.reward_amount
        if r.reward_paid:
            paid += r.reward_amount
        else:
            unpaid += 1
    cents = Decimal("0.01")
    return {"count": count, "amount": str(amount.quantize(cents)),
            "paid": str(paid.quantize(cents)), "unpaid_count": unpaid}


def self_checked(checks: Iterable[tuple[str, dt.date]], window: Window) -> dict[str, int]:
    """Self-checks in the period per enterprise (its key): ``checks`` are (owner, local day).

    Examples
    --------
    >>> d = dt.date
    >>> self_checked([("E1", d(2026, 3, 2)), ("E1", d(2026, 3, 9)), ("E2", d(2026, 2, 1))],
    ...              Window(d(2026, 3, 1), d(2026, 3, 31)))
    {'E1': 2}
    """
    out: dict[str, int] = {}
    for owner, day in checks:
        if day in window:
            out[owner] = out.get(owner, 0) + 1
    return out


def coverage(checked: int, enterprises: int) -> float | None:
    """Self-check coverage, rounded to four decimals; None for an area without enterprises."""
    return rate(checked, enterprises)
