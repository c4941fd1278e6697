"""Report periods: a calendar month, quarter or year, or a range of local dates.

Periods are ranges of local dates in the configured time zone (layers/risk.toml
``hazards.timezone``), like every date on a hazard. A bad parameter raises
:class:`PeriodError` naming it. :func:`from_params` reads the one set of
parameters every report takes (``month``, ``quarter``/``period``, ``year``,
``from``/``to``), for the web and the CLI alike.

**The period-end rule** (one rule for every kind): a period's "at the end"
figures are as of the end of its last day, or of today while it is running
(:meth:`Period.as_of`); a calendar period may be the running one (月/季/年 "to
date"), a ``from``/``to`` range must end by today. A period is compared with
the one before it (:func:`previous`): a month with the month before, a
quarter with the quarter before, a year with the year before, a range with
the range of as many days that ends the day before it starts.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from geoapp.domain.texts import N_

# The earliest year a parameter may name: previous months of year 1 overflow (a 500)
MIN_YEAR = 1900

KINDS = ("month", "quarter", "year", "range")
# The parameters that name a period, in the order a conflict is reported in
PARAMS = ("month", "quarter", "period", "year", "from", "to")

QUARTER_NAMES = (N_("第一季度"), N_("第二季度"), N_("第三季度"), N_("第四季度"))
QUARTER_LABEL = N_("%(year)s年%(quarter)s")
YEAR_LABEL = N_("%(year)s年")
RANGE_LABEL = N_("%(start)s 至 %(end)s")

# How the bulletin and the page speak of a period of each kind (the XLSX keeps the Chinese):
# its document (月通报, 季度通报, 年度总结), "this", "the one before", "at its end".
WORDS = {
    "month": {"bulletin": N_("月通报"), "this": N_("本月"), "previous": N_("上月"),
              "end": N_("月末")},
    "quarter": {"bulletin": N_("季度通报"), "this": N_("本季度"), "previous": N_("上季度"),
                "end": N_("季末")},
    "year": {"bulletin": N_("年度总结"), "this": N_("本年度"), "previous": N_("上年度"),
             "end": N_("年末")},
    "range": {"bulletin": N_("通报"), "this": N_("本期"), "previous": N_("上期"),
              "end": N_("期末")},
}


class PeriodError(ValueError):
    """A bad period parameter; ``param`` names it (``month``, ``quarter``, ``year``, ``from``…)."""

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

    @property
    def quarter(self) -> str | None:
        """``YYYYQn`` when the period is exactly one calendar quarter (Q1 = January–March).

        Examples
        --------
        >>> Period(dt.date(2028, 1, 1), dt.date(2028, 3, 31)).quarter
        '2028Q1'
        >>> Period(dt.date(2028, 1, 1), dt.date(2028, 3, 30)).quarter is None
        True
        """
        if self == quarter_of(self.start):
            return f"{self.start.year}Q{(self.start.month + 2) // 3}"
        return None

    @property
    def year(self) -> str | None:
        """``YYYY`` when the period is exactly one calendar year."""
        if self == year_of(self.start):
            return f"{self.start.year:04d}"
        return None

    @property
    def kind(self) -> str:
        """``month``, ``quarter``, ``year`` or ``range`` (from its dates: 1 Jan–31 Mar is Q1).

        Examples
        --------
        >>> [parse_month("2026-03").kind, parse_quarter("2026Q1").kind, parse_year("2026").kind,
        ...  parse_range("2026-01-01", "2026-03-31").kind, parse_range("2026-01-01",
        ...  "2026-02-27").kind]
        ['month', 'quarter', 'year', 'quarter', 'range']
        """
        return next((k for k in KINDS[:3] if getattr(self, k)), "range")

    def query(self) -> dict[str, str]:
        """The parameters that name the period again (for links and forms).

        Examples
        --------
        >>> parse_quarter("2026q3").query(), parse_range("2026-03-01", "2026-03-20").query()
        ({'quarter': '2026Q3'}, {'from': '2026-03-01', 'to': '2026-03-20'})
        """
        if self.kind == "range":
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {self.kind: getattr(self, self.kind)}

    def as_of(self, today: dt.date) -> dt.date:
        """The day whose end the period's "at the end" figures describe: its last day, or
        today while it runs (the period-end rule, for every kind).

        Examples
        --------
        >>> q3 = parse_quarter("2026Q3")
        >>> q3.as_of(dt.date(2026, 8, 15)), q3.as_of(dt.date(2027, 1, 2))
        (datetime.date(2026, 8, 15), datetime.date(2026, 9, 30))
        """
        return min(self.end, today)

    def to_date(self, today: dt.date) -> bool:
        """True while the period is not over: its figures are "to date" (as of today)."""
        return today < self.end

    def contains(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def to_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "month": self.month,
                "quarter": self.quarter, "year": self.year, "kind": self.kind,
                "label": label(self)}


def label(period: Period, gettext: Callable[[str], str] = str) -> str:
    """The period's name: 2026-03, 2026年第三季度, 2026年, or 2026-03-01 至 2026-03-20.

    ``gettext`` translates the texts (the web passes its own; the bulletin keeps Chinese).

    Examples
    --------
    >>> [label(p) for p in (parse_month("2026-03"), parse_quarter("2026Q3"),
    ...                     parse_year("2026"), parse_range("2026-03-01", "2026-03-20"))]
    ['2026-03', '2026年第三季度', '2026年', '2026-03-01 至 2026-03-20']
    """
    kind = period.kind
    if kind == "month":
        return period.month
    if kind == "quarter":
        return gettext(QUARTER_LABEL) % {
            "year": period.start.year,
            "quarter": gettext(QUARTER_NAMES[(period.start.month - 1) // 3])}
    if kind == "year":
        return gettext(YEAR_LABEL) % {"year": period.start.year}
    return gettext(RANGE_LABEL) % {"start": period.start.isoformat(),
                                   "end": period.end.isoformat()}


def words(period: Period, gettext: Callable[[str], str] = str) -> dict[str, str]:
    """WORDS for the period's kind (translated by ``gettext``)."""
    return {k: gettext(v) for k, v in WORDS[period.kind].items()}


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


def quarter_of(day: dt.date) -> Period:
    """The calendar quarter containing ``day`` (Q1 = 1 January – 31 March).

    Examples
    --------
    >>> quarter_of(dt.date(2028, 2, 29))
    Period(start=datetime.date(2028, 1, 1), end=datetime.date(2028, 3, 31))
    >>> quarter_of(dt.date(2026, 4, 1)).start
    datetime.date(2026, 4, 1)
    """
    first = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return Period(first, month_of(first.replace(month=first.month + 2)).end)


def year_of(day: dt.date) -> Period:
    """The calendar year containing ``day``."""
    return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))


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


def parse_quarter(text: str | None, param: str = "quarter") -> Period:
    """A ``YYYYQn`` parameter (n = 1–4; q in either case) as a Period.

    Examples
    --------
    >>> parse_quarter("2026Q1").end
    datetime.date(2026, 3, 31)
    >>> parse_quarter("2026Q5")
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: quarter: 季度须为 YYYYQn 格式（n 为 1–4，如 2026Q3）
    """
    m = re.fullmatch(r"(\d{4})[Qq]([1-4])", (text or "").strip())
    if not m or int(m.group(1)) < MIN_YEAR:
        raise PeriodError(param, "季度须为 YYYYQn 格式（n 为 1–4，如 2026Q3）")
    return quarter_of(dt.date(int(m.group(1)), 3 * int(m.group(2)), 1))


def parse_year(text: str | None, param: str = "year") -> Period:
    """A ``YYYY`` parameter as a Period.

    Examples
    --------
    >>> parse_year("2028").end
    datetime.date(2028, 12, 31)
    >>> parse_year("abc")
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: year: 年份须为 YYYY 格式的年份（1900 年以后，如 2026）
    """
    m = re.fullmatch(r"\d{4}", (text or "").strip())
    if not m or int(m.group(0)) < MIN_YEAR:
        raise PeriodError(param, "年份须为 YYYY 格式的年份（1900 年以后，如 2026）")
    return year_of(dt.date(int(m.group(0)), 1, 1))


def parse_any(text: str | None, param: str = "period") -> Period:
    """``period=``: a month (YYYY-MM), a quarter (YYYYQn) or a year (YYYY).

    Examples
    --------
    >>> [parse_any(t).kind for t in ("2026-03", "2026Q3", "2026")]
    ['month', 'quarter', 'year']
    >>> parse_any("2026-W10")
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: period: 期间须为月份 YYYY-MM、季度 YYYYQn 或年份 YYYY
    """
    value = (text or "").strip()
    for pattern, parse in ((r"\d{4}-\d{2}", parse_month), (r"\d{4}[Qq]\d", parse_quarter),
                           (r"\d{4}", parse_year)):
        if re.fullmatch(pattern, value):
            return parse(value, param)
    raise PeriodError(param, "期间须为月份 YYYY-MM、季度 YYYYQn 或年份 YYYY")


def from_params(args: Mapping[str, str | None]) -> tuple[Period | None, str | None]:
    """The period the parameters name, and the parameter that named it; (None, None) if none.

    One of ``month``, ``quarter`` (or ``period``: a month, quarter or year),
    ``year``, or ``from`` with ``to``; more than one is refused, naming the first.
    Absent means None (an empty value is a bad one). Check it against today with
    :func:`not_future`.

    Examples
    --------
    >>> from_params({"quarter": "2026Q3"})[0].start
    datetime.date(2026, 7, 1)
    >>> from_params({"month": "2026-07", "quarter": "2026Q3"})
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: month: month、quarter、year 与 from/to 只能给出其一
    """
    given = [p for p in PARAMS if args.get(p) is not None]
    if not given:
        return None, None
    if len({"from" if p == "to" else p for p in given}) > 1:  # from and to name one range
        raise PeriodError(given[0], "month、quarter、year 与 from/to 只能给出其一")
    name = given[0]
    if name in ("from", "to"):
        return parse_range(args.get("from"), args.get("to")), "to"
    parse = {"month": parse_month, "quarter": parse_quarter, "period": parse_any,
             "year": parse_year}[name]
    return parse(args.get(name), name), name


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


_KIND_NAMES = {"month": "月份", "quarter": "季度", "year": "年度"}


def not_future(period: Period, today: dt.date, param: str = "month") -> Period:
    """``period`` unless it starts after ``today`` (nothing to report yet).

    A month, quarter or year may be the running one (its figures are to date);
    a ``from``/``to`` range must end by today (:func:`range_not_future`).

    Examples
    --------
    >>> not_future(parse_month("2026-05"), dt.date(2026, 4, 30))
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: month: 不能晚于今天（2026-04-30）所在的月份
    >>> not_future(parse_quarter("2026Q2"), dt.date(2026, 4, 30)).end
    datetime.date(2026, 6, 30)
    >>> not_future(parse_year("2027"), dt.date(2026, 4, 30), "year")
    Traceback (most recent call last):
    ...
    geoapp.domain.periods.PeriodError: year: 不能晚于今天（2026-04-30）所在的年度
    """
    if period.kind == "range":
        return range_not_future(period, today)
    if period.start > today:
        raise PeriodError(param, f"不能晚于今天（{today.isoformat()}）所在的"
                                 f"{_KIND_NAMES[period.kind]}")
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


# The first days of a month report the month before: on 2 December "this month" has
# (almost) nothing in it yet, while November is whole and is what the 月通报 is about.
DEFAULT_GRACE_DAYS = 5


def default_period(today: dt.date) -> Period:
    """The period a report shows when none is asked for: this month, except in its first
    ``DEFAULT_GRACE_DAYS`` days, when it is the last full month.

    Examples
    --------
    >>> [default_period(dt.date(2026, 12, d)).month for d in (1, 5, 6, 31)]
    ['2026-11', '2026-11', '2026-12', '2026-12']
    >>> default_period(dt.date(2027, 1, 3)).month
    '2026-12'
    """
    if today.day <= DEFAULT_GRACE_DAYS:
        return previous_month(month_of(today))
    return month_of(today)


def previous_month(period: Period) -> Period:
    """The calendar month before the one ``period`` starts in."""
    return month_of(period.start.replace(day=1) - dt.timedelta(days=1))


def previous(period: Period) -> Period:
    """The period a report compares ``period`` with: the one of its kind just before.

    It always ends the day before ``period`` starts, so "the change against the
    last period" is the change since the standings at the end of that day.

    Examples
    --------
    >>> [label(previous(p)) for p in (parse_month("2026-01"), parse_quarter("2026Q1"),
    ...                               parse_year("2029"))]
    ['2025-12', '2025年第四季度', '2028年']
    >>> previous(parse_range("2026-03-11", "2026-03-20")).to_dict()["from"]
    '2026-03-01'
    """
    before = period.start - dt.timedelta(days=1)
    kind = period.kind
    if kind == "range":
        return Period(period.start - (period.end - period.start) - dt.timedelta(days=1),
                      before)
    return {"month": month_of, "quarter": quarter_of, "year": year_of}[kind](before)


def months_ending(period: Period, count: int) -> list[Period]:
    """``count`` calendar months, oldest first, the last one containing ``period.end``.

    Pass a running period's ``as_of`` day as a Period to end at today's month.

    Examples
    --------
    >>> [p.month for p in months_ending(parse_month("2026-02"), 3)]
    ['2025-12', '2026-01', '2026-02']
    """
    months = [month_of(period.end)]
    while len(months) < count:
        months.insert(0, previous_month(months[0]))
    return months
