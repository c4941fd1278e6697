"""挂牌督办: a hazard listed for supervision, its 摘牌, and their publication clocks.

Pure rules (the stored record and its commands are geoapp.store.listings):
the listing levels, the listing's fields checked (level, supervising unit,
deadline ≤ ``max_deadline_days`` after listing), which step may follow which
(listing an open hazard once, publishing each of listing and 摘牌 once, 摘牌
only after close-out), and the publication clocks counted in working days of
a calendar with holidays and 调休 working weekends (numpy's busday functions).
The numbers are local policy: ``layers/supervision.toml``
(geoapp.domain.layers.SupervisionFile).

A listing carried over from the old yes/no flag (a migration, a ledger's
挂牌督办=是) has no known date, level, unit or deadline: those stay None and
are shown as unknown; its publication clock cannot run, so it is never late.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from geoapp.domain import values
from geoapp.domain.layers import STORED_LENGTHS, ListingRule, WorkCalendar
from geoapp.domain.texts import N_

LEVELS = {"county": N_("县级"), "town": N_("镇级"), "park": N_("园区")}
KINDS = {"listed": N_("挂牌"), "delisted": N_("摘牌")}
UNKNOWN_DATE = N_("日期不详（迁移数据）")
_UNIT_MAX = STORED_LENGTHS["listing", "unit"]
_NOTE_MAX = 2000


class ListingInputError(ValueError):
    """A field of a listing step is missing or invalid; ``field`` names it."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class ListingConflict(ValueError):
    """The step cannot follow the present state (listed twice, 摘牌 before close-out…)."""


def check_listing(fields: dict, today: dt.date, rule: ListingRule) -> dict:
    """A new listing's values (listed today): level, unit, deadline, note.

    Examples
    --------
    >>> rule = ListingRule()
    >>> check_listing({"level": "county", "unit": " 县应急管理局 ", "deadline": "2026-06-30"},
    ...               dt.date(2026, 4, 15), rule)["unit"]
    '县应急管理局'
    >>> check_listing({"level": "county", "unit": "县应急管理局", "deadline": "2027-04-16"},
    ...               dt.date(2026, 4, 15), rule)
    Traceback (most recent call last):
    ...
    geoapp.domain.listing.ListingInputError: deadline: 督办期限不能晚于挂牌后 365 天（2027-04-15）
    """
    _object(fields)
    _known(fields, ("level", "unit", "deadline", "note"))
    level = fields.get("level")
    if not isinstance(level, str) or level not in LEVELS:
        allowed = "、".join(f"{k}（{v}）" for k, v in LEVELS.items())
        raise ListingInputError("level", f"挂牌级别须为 {allowed}")
    unit = _text(fields, "unit", _UNIT_MAX, required=True)
    deadline = parse_date(fields, "deadline")
    if deadline < today:
        raise ListingInputError("deadline", f"督办期限不能早于挂牌日期（{today}）")
    latest = today + dt.timedelta(days=rule.max_deadline_days)
    if deadline > latest:
        raise ListingInputError("deadline", f"督办期限不能晚于挂牌后 {rule.max_deadline_days} 天"
                                            f"（{latest}）")
    return {"level": level, "unit": unit, "deadline": deadline,
            "note": _text(fields, "note", _NOTE_MAX) or ""}


def check_publication(fields: dict, today: dt.date) -> tuple[str, dt.date]:
    """What was published and when: (``kind``, ``date``); the date is not after today.

    Whether it may follow the listing (``date`` not before the step it
    publishes) is ``check_published_after``, once the stored record is known.

    >>> check_publication({"kind": "listed", "date": "2026-04-20"}, dt.date(2026, 4, 21))
    ('listed', datetime.date(2026, 4, 20))
    """
    _object(fields)
    _known(fields, ("kind", "date"))
    kind = fields.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ListingInputError("kind", "公布事项须为 listed（挂牌）或 delisted（摘牌）")
    day = parse_date(fields, "date")
    if day > today:
        raise ListingInputError("date", f"公布日期不能晚于今天（{today}）")
    return kind, day


def check_delisting(fields: dict, today: dt.date) -> tuple[dt.date, str]:
    """摘牌's date (default today, not after it) and note."""
    _object(fields)
    _known(fields, ("date", "note"))
    day = parse_date(fields, "date") if fields.get("date") not in (None, "") else today
    if day > today:
        raise ListingInputError("date", f"摘牌日期不能晚于今天（{today}）")
    return day, _text(fields, "note", _NOTE_MAX) or ""


def why_not_list(hazard_state: str, listing) -> str | None:
    """Why a hazard cannot be listed now (None: it can). Listed once; an open hazard only.

    >>> why_not_list("closed", None)
    '已销号的隐患不能挂牌督办'
    """
    if listing is not None:
        return "该隐患已挂牌督办"
    if hazard_state == "closed":
        return "已销号的隐患不能挂牌督办"
    return None


def why_not_delist(hazard_state: str, listing) -> str | None:
    """Why a hazard cannot be 摘牌 now: not listed, already 摘牌, or not yet closed (已销号)."""
    if listing is None:
        return "该隐患未挂牌督办"
    if listing.delisted_on is not None:
        return "该隐患已摘牌"
    if hazard_state != "closed":
        return "隐患销号（验收通过）后才能摘牌"
    return None


def why_not_publish(kind: str, listing) -> str | None:
    """Why ``kind`` (listed | delisted) cannot be published now: nothing to publish, or done."""
    if listing is None:
        return "该隐患未挂牌督办"
    if kind == "listed" and listing.listed_published_on is not None:
        return f"挂牌已于 {listing.listed_published_on} 公布"
    if kind == "delisted":
        if listing.delisted_on is None:
            return "该隐患尚未摘牌"
        if listing.delisted_published_on is not None:
            return f"摘牌已于 {listing.delisted_published_on} 公布"
    return None


def check_published_after(kind: str, day: dt.date, listing) -> None:
    """A publication is not dated before the step it makes public (400 naming ``date``)."""
    step = listing.listed_on if kind == "listed" else listing.delisted_on
    if step is not None and day < step:
        raise ListingInputError("date", f"公布日期不能早于{KINDS[kind]}日期（{step}）")


# ---------------------------------------------------------------- working days

def _off_days(calendar: WorkCalendar, start: dt.date, end: dt.date) -> np.ndarray:
    """The days off in [start, end): weekends that are not 调休 working days, and holidays."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D"))
    weekend = ~np.is_busday(days, weekmask="1111100")
    made_up = np.isin(days, np.array(calendar.workdays, dtype="datetime64[D]"))
    holiday = np.isin(days, np.array(calendar.holidays, dtype="datetime64[D]"))
    return days[(weekend & ~made_up) | holiday]


def add_working_days(start: dt.date, n: int, calendar: WorkCalendar) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted).

    A step taken on a day off counts from the next working day, as a step on
    the working day before it would: listed on a Saturday, the first of five
    working days is the Monday.

    Examples
    --------
    >>> cal = WorkCalendar(holidays=(dt.date(2026, 10, 1), dt.date(2026, 10, 2)),
    ...                    workdays=(dt.date(2026, 10, 10),))
    >>> add_working_days(dt.date(2026, 9, 29), 5, cal)  # Tue: 30 Sep, then 5–8 Oct
    datetime.date(2026, 10, 8)
    >>> add_working_days(dt.date(2026, 10, 9), 1, cal)  # Fri; Saturday 10 Oct is worked
    datetime.date(2026, 10, 10)
    """
    # wide enough for any holiday season: every week has at least one working day
    end = start + dt.timedelta(days=7 * (n + 2) + 31)
    off = _off_days(calendar, start - dt.timedelta(days=14), end)
    due = np.busday_offset(np.datetime64(start, "D"), n, roll="backward",
                           weekmask="1111111", holidays=off)
    return due.astype(dt.date)


def is_working_day(day: dt.date, calendar: WorkCalendar) -> bool:
    """Is ``day`` worked (a weekday not a holiday, or a 调休 weekend day)?

    >>> is_working_day(dt.date(2026, 10, 10), WorkCalendar(workdays=(dt.date(2026, 10, 10),)))
    True
    """
    off = _off_days(calendar, day, day + dt.timedelta(days=1))
    return len(off) == 0


def clock(done_on: dt.date | None, published_on: dt.date | None, within: int,
          calendar: WorkCalendar, today: dt.date) -> dict:
    """A publication clock: ``due_on`` (``within`` working days after the step), ``late``.

    Late: published after its due date, or not published and the due date has
    passed. A step of unknown date (migrated data) has no clock: None, None.

    Examples
    --------
    >>> cal = WorkCalendar()
    >>> clock(dt.date(2026, 4, 13), None, 5, cal, dt.date(2026, 4, 20))
    {'due_on': datetime.date(2026, 4, 20), 'late': False}
    >>> clock(dt.date(2026, 4, 13), None, 5, cal, dt.date(2026, 4, 21))["late"]
    True
    >>> clock(None, None, 5, cal, dt.date(2026, 4, 21))
    {'due_on': None, 'late': None}
    """
    if done_on is None:
        return {"due_on": None, "late": None}
    due = add_working_days(done_on, within, calendar)
    return {"due_on": due, "late": (published_on or today) > due}


# ---------------------------------------------------------------- input helpers

def _object(fields) -> None:
    if not isinstance(fields, dict):
        raise ListingInputError("body", "须为 JSON 对象")


def _known(fields: dict, names: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(names))
    if unknown:
        raise ListingInputError(unknown[0], "未知字段")


def _text(fields: dict, key: str, limit: int, required: bool = False) -> str | None:
    try:
        return values.text(fields.get(key), limit, required) or None
    except ValueError as exc:
        raise ListingInputError(key, str(exc)) from None


def parse_date(fields: dict, key: str) -> dt.date:
    """A YYYY-MM-DD date (not 20260415, not a week date), or ListingInputError naming ``key``."""
    value = fields.get(key)
    if value is None or value == "":
        raise ListingInputError(key, "不能为空")
    if isinstance(value, dt.date):  # text only, as it comes from a request
        raise ListingInputError(key, values.DATE_FORMAT)
    try:
        return values.iso_date(value)
    except ValueError as exc:
        raise ListingInputError(key, str(exc)) from None
