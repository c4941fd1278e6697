"""Report periods: a calendar month or a range of local dates, parsed from request parameters.

Periods are ranges of local dates in the configured time zone (layers/risk.toml
``hazards.timezone``), like every date on a hazard. A bad parameter raises
:class:`PeriodError` naming it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

# The earliest year a parameter may name: previous months of year 1 overflow (a 500)
MIN_YEAR = 1900



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
    geoapp.domain.periods.PeriodError: month: 月份须为 YYYY-MM 格式的有效月份（如 2026-03）
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
    geoapp.domain.periods.PeriodError: to: 结束日期不能早于开始日期
    >>> parse_range("0001-01-01", "0001-01-31")
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: from: 日期须为 YYYY-MM-DD 格式的有效日期（1900 年以后）
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
    geoapp.domain.periods.PeriodError: month: 不能晚于今天（2026-04-30）所在的月份
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
    geoapp.domain.periods.PeriodError: to: 结束日期不能晚于今天（2026-04-30）
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
