"""Leaders' statistics: periods, a hazard's state on a past day, figures (ranking: geoapp.domain.ranks).

Pure functions over plain records (no database, no Flask); geoapp.reports.tables
reads the rows and groups them by area and industry.

**Days.** Periods are ranges of local dates in the configured time zone
(layers/risk.toml ``hazards.timezone``, default Asia/Shanghai), like every
date on a hazard. Event instants are stored timezone-aware (UTC) and turned
into local dates here, so an acceptance at 23:59 Beijing time on 31 March
(15:59 UTC) counts in March on both backends.

**History.** A figure "at the end of a month" is the hazard's state at the
end of that month's last day (or today, for the running month), rebuilt from
its record and its append-only event log, not from a stored snapshot:

* it exists from ``found_on``;
* it is closed on day D when a close period covers D. The current close
  starts on ``closed_on`` (the local date of acceptance, or the 销号日期 a
  ledger states for an imported hazard, even if the import came later); an
  earlier close that a later event undid (a re-imported ledger reopening it)
  runs from the local date of the closing event to that of the reopening one;
* otherwise its state is that of its last other event on or before D, and
  待整改 (open) before any.

Overdue on day D is workflow.is_overdue with D as "today"; the deadline
is the one on record (extensions are not kept as history yet). The history
functions live in geoapp.domain.timeline, with their vectorised form for many days.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from geoapp.domain import workflow
from geoapp.domain.timeline import (  # noqa: F401  (a hazard's history, part of this module's API)
    HazardRecord,
    close_day_in,
    history,
    is_closed_on,
    local_day,
    snapshot,
    snapshot_item,
    state_on,
)

LEVELS = tuple(workflow.LEVEL_LABELS)
SOURCES = tuple(workflow.SOURCE_LABELS)
# The earliest year a parameter may name: previous months of year 1 overflow (a 500)
MIN_YEAR = 1900


# ---- periods -------------------------------------------------------------------------


class PeriodError(ValueError):
    """A bad period parameter; ``param`` names it (``month``, ``from``, ``to``)."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Period:
    """Local dates ``start`` … ``end``, both included."""

    start: dt.date
    end: dt.date

    @property
    def month(self) -> str | None:
        """``YYYY-MM`` when the period is exactly one calendar month."""
        if self.start.day == 1 and self == month_of(self.start):
            return f"{self.start:%Y-%m}"
        return None

    def as_of(self, today: dt.date) -> dt.date:
        """The day whose end the period's "at the end" figures describe."""
        return min(self.end, today)

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def to_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "month": self.month}


def month_of(day: dt.date) -> Period:
    """The calendar month containing ``day``.

    Examples
    --------
    >>> month_of(dt.date(2024, 2, 10))
    Period(start=datetime.date(2024, 2, 1), end=datetime.date(2024, 2, 29))
    """
    # monthrange, not "first of next month - 1 day": December 9999 has no next month
    return Period(day.replace(day=1),
                  day.replace(day=calendar.monthrange(day.year, day.month)[1]))


def parse_month(text: str | None, param: str = "month") -> Period:
    """A ``YYYY-MM`` parameter as a Period; PeriodError naming ``param`` otherwise.

    Examples
    --------
    >>> parse_month("2026-03").end
    datetime.date(2026, 3, 31)
    >>> parse_month("2026-13")
    Traceback (most recent call last):
    ...
    geoapp.domain.figures.PeriodError: month: 月份须为 YYYY-MM 格式的有效月份（如 2026-03）
    """
    m = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < MIN_YEAR:
        raise PeriodError(param, "月份须为 YYYY-MM 格式的有效月份（如 2026-03）")
    return month_of(dt.date(int(m.group(1)), int(m.group(2)), 1))


def parse_range(start: str | None, end: str | None) -> Period:
    """``from`` and ``to`` (YYYY-MM-DD, both included) as a Period.

    Examples
    --------
    >>> parse_range("2026-01-01", "2026-03-31").to_dict()["to"]
    '2026-03-31'
    >>> parse_range("2026-04-01", "2026-03-31")
    Traceback (most recent call last):
    ...
    geoapp.domain.figures.PeriodError: to: 结束日期不能早于开始日期
    >>> parse_range("0001-01-01", "0001-01-31")
    Traceback (most recent call last):
    ...
    geoapp.domain.figures.PeriodError: from: 日期须为 YYYY-MM-DD 格式的有效日期（1900 年以后）
    """
    days = []
    for param, text in (("from", start), ("to", end)):
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", (text or "").strip()):
                raise ValueError
            day = dt.date.fromisoformat(text.strip())
            if day.year < MIN_YEAR:
                raise ValueError
            days.append(day)
        except ValueError:
            raise PeriodError(param, "日期须为 YYYY-MM-DD 格式的有效日期（1900 年以后）") from None
    if days[1] < days[0]:
        raise PeriodError("to", "结束日期不能早于开始日期")
    return Period(days[0], days[1])


def not_future(period: Period, today: dt.date, param: str = "month") -> Period:
    """``period`` unless it starts after ``today`` (nothing to report yet).

    Examples
    --------
    >>> not_future(parse_month("2026-05"), dt.date(2026, 4, 30))
    Traceback (most recent call last):
    ...
    geoapp.domain.figures.PeriodError: month: 不能晚于今天（2026-04-30）所在的月份
    """
    if period.start > today:
        raise PeriodError(param, f"不能晚于今天（{today.isoformat()}）所在的月份")
    return period


def range_not_future(period: Period, today: dt.date) -> Period:
    """A ``from``/``to`` period that ends by ``today``.

    A later ``to`` is refused, not clamped: the ranking and the trend would be
    labelled with months that have not happened (a month, by contrast, may be
    the running one: its figures are at the end of today).

    Examples
    --------
    >>> range_not_future(parse_range("2026-04-01", "2026-05-01"), dt.date(2026, 4, 30))
    Traceback (most recent call last):
    ...
    geoapp.domain.figures.PeriodError: to: 结束日期不能晚于今天（2026-04-30）
    """
    for param, day, what in (("from", period.start, "开始"), ("to", period.end, "结束")):
        if day > today:
            raise PeriodError(param, f"{what}日期不能晚于今天（{today.isoformat()}）")
    return period


def previous_month(period: Period) -> Period:
    """The calendar month before the one ``period`` starts in."""
    return month_of(period.start.replace(day=1) - dt.timedelta(days=1))


def months_ending(period: Period, count: int) -> list[Period]:
    """``count`` calendar months, oldest first, the last one containing ``period.end``.

    Examples
    --------
    >>> [p.month for p in months_ending(parse_month("2026-02"), 3)]
    ['2025-12', '2026-01', '2026-02']
    """
    months = [month_of(period.end)]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months


# ---- a hazard's history: geoapp.domain.timeline (re-exported here) ------------------------------

# ---- figures -----------------------------------------------------------------------------


def _breakdown(keys, found, closed, open_, overdue, attr: str) -> dict:
    out = {k: {"found": 0, "closed": 0, "open": 0, "overdue": 0} for k in keys}
    for name, items in (("found", found), ("closed", closed), ("open", open_),
                        ("overdue", overdue)):
        for r in items:
            out[getattr(r, attr)][name] += 1
    return out


def _listed(found, closed, open_) -> dict:
    """挂牌督办 listed in the period, de-listed (closed while listed) in it, open at its end.

    Also ``by_level``: the campaign asks for major hazards listed and de-listed.
    """
    out = {"listed": 0, "delisted": 0, "open": 0}
    by_level = {level: dict(out) for level in LEVELS}
    for name, items in (("listed", found), ("delisted", closed), ("open", open_)):
        for r in items:
            if r.listed:
                out[name] += 1
                if r.level in by_level:
                    by_level[r.level][name] += 1
    return {**out, "by_level": by_level}


def hazard_figures(records: Iterable[HazardRecord], period: Period, today: dt.date,
                   cutoff: dt.date, items: Mapping | None = None) -> dict:
    """Every hazard figure of one area or industry for a period.

    ``found``/``closed``: found or closed (销号) in the period; ``open``,
    ``overdue``, ``total``, ``closed_total``, ``rectification_rate``
    (closed / found so far), ``major_open``, ``by_state``: at the end of the
    period (``as_of``: its last day, or today if earlier), by
    workflow.rollup on the states then. ``avg_days_to_close``: mean days
    from found to closed of those closed in the period. ``listed``: hazards
    under 挂牌督办 found in the period (``listed``), closed in it while listed
    (摘牌, ``delisted``), open at its end; the same ``by_level``.
    ``zeroing``: 动态清零 at its end. ``items``: snapshot's, on the ``as_of`` day.

    Examples
    --------
    >>> d = dt.date
    >>> rs = [HazardRecord(1, "major", "inspection", d(2026, 3, 2), d(2026, 3, 20),
    ...                    listed=True, closes=((d(2026, 3, 31), None),)),
    ...       HazardRecord(2, "general", "self_check", d(2026, 2, 1), d(2026, 3, 1))]
    >>> f = hazard_figures(rs, parse_month("2026-03"), d(2026, 6, 1), d(2024, 1, 1))
    >>> f["found"], f["closed"], f["open"], f["overdue"], f["rectification_rate"]
    (1, 1, 1, 1, 0.5)
    >>> f["avg_days_to_close"], f["listed"]["by_level"]["major"]
    (29.0, {'listed': 1, 'delisted': 1, 'open': 0})
    """
    records = list(records)
    as_of = period.as_of(today)
    snap = snapshot(records, as_of, items)
    base = workflow.rollup(snap, as_of, cutoff)
    found = [r for r in records if period.contains(r.found_on)]
    closed = [(r, day) for r in records if (day := close_day_in(r, period)) is not None]
    open_ = [s.record for s in snap if s.state != "closed"]
    overdue = [s.record for s in snap
               if workflow.is_overdue(s.state, s.deadline, as_of)]
    closed_records = [r for r, _ in closed]
    days = [(day - r.found_on).days for r, day in closed]
    return {
        "as_of": as_of.isoformat(),
        "found": len(found), "closed": len(closed), "open": len(open_), "overdue": len(overdue),
        "total": base["total"], "closed_total": base["closed"],
        "rectification_rate": base["rectification_rate"],
        "avg_days_to_close": round(sum(days) / len(days), 1) if days else None,
        "major_open": base["major_open"],
        "by_state": base["by_state"],
        "by_level": _breakdown(LEVELS, found, closed_records, open_, overdue, "level"),
        "by_source": _breakdown(SOURCES, found, closed_records, open_, overdue, "source"),
        "listed": _listed(found, closed_records, open_),
        # the map's 动态清零 rule, on the states at ``as_of``
        "zeroing": {"major": workflow.zeroing([s for s in snap if s.level == "major"],
                                                   as_of, cutoff),
                    "all": workflow.zeroing(snap, as_of, cutoff)},
    }
