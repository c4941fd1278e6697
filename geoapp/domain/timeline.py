"""A hazard's history: its state on any past day, one hazard at a time or every hazard at once.

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
is the one on record (extensions are not kept as history yet).

``HazardRecord``, ``history``, ``state_on`` and ``snapshot`` state the rule
for one hazard. The reports ask for the state of every hazard at the end of
many days (each period's end, last month's, twelve months of trend):
``Timeline`` lays the records' histories out once as numpy arrays, so that one
day costs a few array operations instead of a Python call per hazard. The
tests check that ``Timeline`` and ``state_on`` agree on every day of
hand-made histories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np

from geoapp.domain import workflow

if TYPE_CHECKING:
    from geoapp.domain.periods import Period

STATES = workflow.STATES
NOT_FOUND = -1  # the code of "not yet found" (state None)
CLOSED = STATES.index("closed")
_OPEN = STATES.index("open")


@dataclass(frozen=True)
class HazardRecord:
    """One hazard as the reports see it: its fields, its history, where it is.

    ``closes``: close periods (first closed day, first day open again or None);
    ``steps``: (local date, state) of its events that are not closes, in order;
    ``reviews``: its submissions and decisions (events with ``at``, ``action``,
    ``actor``: geoapp.domain.review), in date order.
    """

    id: int
    level: str
    source: str
    found_on: dt.date
    deadline: dt.date
    listed: bool = False
    state: str = "open"  # today's state
    closes: tuple = ()
    steps: tuple = ()
    cell_code: str | None = None
    division: str = ""
    point_id: int | None = None
    reviews: tuple = ()
    info: dict = field(default_factory=dict, compare=False)  # code, description, people…


def local_day(at: dt.datetime, tz: str) -> dt.date:
    """The local date of an aware instant.

    Examples
    --------
    >>> local_day(dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC), "Asia/Shanghai")
    datetime.date(2026, 3, 31)
    >>> local_day(dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC), "Asia/Shanghai")
    datetime.date(2026, 4, 1)
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime: event instants are timezone-aware")
    return at.astimezone(ZoneInfo(tz)).date()


def history(events: Iterable, state: str, closed_on: dt.date | None, found_on: dt.date,
            tz: str) -> tuple[tuple, tuple]:
    """Close periods and other steps of one hazard from its events (``at``, ``to_state``).

    Examples
    --------
    >>> from types import SimpleNamespace as E
    >>> utc = lambda *a: dt.datetime(*a, tzinfo=dt.UTC)
    >>> evs = [E(at=utc(2026, 1, 5, 2), to_state="open"),
    ...        E(at=utc(2026, 1, 6, 2), to_state="rectifying"),
    ...        E(at=utc(2026, 3, 31, 15, 59), to_state="closed")]
    >>> closes, steps = history(evs, "closed", dt.date(2026, 3, 31), dt.date(2026, 1, 5),
    ...                         "Asia/Shanghai")
    >>> closes
    ((datetime.date(2026, 3, 31), None),)
    >>> [s for _, s in steps]
    ['open', 'rectifying']
    """
    closes, steps, start = [], [], None
    for e in events:
        day = local_day(e.at, tz)
        if e.to_state == "closed":
            start = start or day
            continue
        if start is not None:
            if day > start:  # closed and reopened within one day: open at its end
                closes.append((start, day))
            start = None
        steps.append((day, e.to_state))
    if state == "closed":
        closes.append((closed_on or start or found_on, None))
    return tuple(closes), tuple(steps)


def is_closed_on(record: HazardRecord, day: dt.date) -> bool:
    return any(s <= day and (e is None or day < e) for s, e in record.closes)


def state_on(record: HazardRecord, day: dt.date) -> str | None:
    """The state at the end of ``day``; None if not yet found.

    Examples
    --------
    >>> r = HazardRecord(1, "major", "inspection", dt.date(2026, 1, 5), dt.date(2026, 2, 28),
    ...                  closes=((dt.date(2026, 3, 31), None),),
    ...                  steps=((dt.date(2026, 1, 6), "rectifying"),))
    >>> [state_on(r, dt.date(2026, m, d)) for m, d in ((1, 4), (1, 5), (3, 30), (3, 31))]
    [None, 'open', 'rectifying', 'closed']
    """
    if day < record.found_on:
        return None
    if is_closed_on(record, day):
        return "closed"
    state = "open"
    for when, to_state in record.steps:
        if when > day:
            break
        state = to_state
    return "open" if state == "closed" else state


def close_day_in(record: HazardRecord, period: Period) -> dt.date | None:
    """The last day in ``period`` on which the hazard was closed (销号), if any."""
    days = [s for s, _e in record.closes if period.contains(s)]
    return max(days) if days else None


def snapshot(records: Iterable[HazardRecord], day: dt.date,
             items: Mapping[int, SimpleNamespace | None] | None = None) -> list[SimpleNamespace]:
    """The hazards that existed at the end of ``day``, each with its state then.

    The items carry ``state``, ``level``, ``deadline``, ``found_on``,
    ``listed`` and ``record``: what workflow.rollup reads. ``items``
    (record id → its item on ``day``, None before it was found) saves making
    them again for each group of records.
    """
    if items is not None:
        return [item for r in records if (item := items[r.id]) is not None]
    return [item for r in records if (item := snapshot_item(r, state_on(r, day))) is not None]


def snapshot_item(record: HazardRecord, state: str | None) -> SimpleNamespace | None:
    """A record with its state on a day (snapshot's item); None when not yet found."""
    if state is None:
        return None
    return SimpleNamespace(state=state, level=record.level, deadline=record.deadline,
                           found_on=record.found_on, listed=record.listed, record=record)



def _day(d: dt.date) -> int:
    return d.toordinal()


class Timeline:
    """The histories of ``records`` (statistics.HazardRecord), in their order.

    Examples
    --------
    >>> from geoapp.domain.timeline import HazardRecord
    >>> d = dt.date
    >>> r = HazardRecord(1, "major", "inspection", d(2026, 1, 5), d(2026, 2, 28),
    ...                  closes=((d(2026, 3, 31), None),), steps=((d(2026, 1, 6), "rectifying"),))
    >>> t = Timeline([r])
    >>> [t.states(d(2026, m, day))[0] for m, day in ((1, 4), (1, 5), (3, 30), (3, 31))]
    [None, 'open', 'rectifying', 'closed']
    """

    def __init__(self, records: Sequence):
        n = len(records)
        self.size = n
        self.found = np.fromiter((_day(r.found_on) for r in records), np.int64, n)
        self.deadline = np.fromiter((_day(r.deadline) for r in records), np.int64, n)
        self.irregular: list = []  # (index, record) computed by statistics.state_on
        close_rec, close_start, close_end = [], [], []
        step_rec, step_day, step_code = [], [], []
        for i, r in enumerate(records):
            for start, end in r.closes:
                close_rec.append(i)
                close_start.append(_day(start))
                close_end.append(_day(end) if end is not None else np.iinfo(np.int64).max)
            days = [_day(when) for when, _state in r.steps]
            if days != sorted(days):  # not in date order (never from the database)
                self.irregular.append((i, r))
                continue
            for day, (_when, state) in zip(days, r.steps, strict=True):
                step_rec.append(i)
                step_day.append(day)
                # a "closed" step reads as open (closes are the close periods)
                step_code.append(_OPEN if state == "closed" else STATES.index(state))
        self.close_rec = np.array(close_rec, np.int64)
        self.close_start = np.array(close_start, np.int64)
        self.close_end = np.array(close_end, np.int64)
        self.step_rec = np.array(step_rec, np.int64)
        self.step_day = np.array(step_day, np.int64)
        self.step_code = np.array(step_code, np.int64)
        # steps are grouped by record: where each record's steps start
        self.step_start = np.searchsorted(self.step_rec, np.arange(n))
        self._memo: dict[dt.date, np.ndarray] = {}
        # per-record arrays of other fields, made and read by the reports
        # (geoapp.reports.history.column); after ``replaced``, the kept records' values
        # in ``unfilled`` with the indices of the new records, whose values they fill
        self.fields: dict[str, np.ndarray] = {}
        self.unfilled: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def replaced(self, records: Sequence, old_index: np.ndarray) -> Timeline:
        """The timeline of ``records``, where record i is this timeline's record
        ``old_index[i]`` unchanged, or new (-1): only the new ones are laid out again.

        After a hazard move the reports' dataset is the old one with a few records
        replaced or added (geoapp.store.reads.report_data.patched); laying out every
        history again cost a tenth of a second at county scale. Equal to
        ``Timeline(records)`` (the tests check it); ``fields`` are carried to ``unfilled``
        (the kept records' values in their new places; the new records' left to fill).
        """
        n = len(records)
        kept = old_index >= 0
        fresh = np.flatnonzero(~kept)
        part = Timeline([records[i] for i in fresh.tolist()])
        new_of_old = np.full(self.size, -1, np.int64)  # old index → new (-1: replaced)
        new_of_old[old_index[kept]] = np.flatnonzero(kept)
        out = Timeline.__new__(Timeline)
        out.size = n
        for name in ("found", "deadline"):
            arr = np.empty(n, np.int64)
            arr[kept] = getattr(self, name)[old_index[kept]]
            arr[fresh] = getattr(part, name)
            setattr(out, name, arr)
        out.irregular = sorted(
            [(int(new_of_old[i]), r) for i, r in self.irregular if new_of_old[i] >= 0]
            + [(int(fresh[i]), r) for i, r in part.irregular], key=lambda ir: ir[0])
        for kind, columns in (("close", ("start", "end")), ("step", ("day", "code"))):
            rec = getattr(self, f"{kind}_rec")
            stay = new_of_old[rec] >= 0
            recs = np.concatenate([new_of_old[rec[stay]], fresh[getattr(part, f"{kind}_rec")]])
            # grouped by record again, each record's own order kept (a stable sort)
            order = np.argsort(recs, kind="stable")
            setattr(out, f"{kind}_rec", recs[order])
            for col in columns:
                values = np.concatenate([getattr(self, f"{kind}_{col}")[stay],
                                         getattr(part, f"{kind}_{col}")])
                setattr(out, f"{kind}_{col}", values[order])
        out.step_start = np.searchsorted(out.step_rec, np.arange(n))
        out._memo = {}
        out.fields, out.unfilled = {}, {}
        for name, values in self.fields.items():
            arr = np.empty(n, values.dtype)
            arr[kept] = values[old_index[kept]]
            out.unfilled[name] = (arr, fresh)
        return out

    def codes(self, day: dt.date) -> np.ndarray:
        """State codes (index in workflow.STATES, NOT_FOUND) at the end of ``day``."""
        got = self._memo.get(day)
        if got is not None:
            return got
        d = _day(day)
        out = np.full(self.size, _OPEN, np.int64)
        # the last step on or before the day (steps are in date order within a record)
        upto = self.step_day <= d
        count = np.bincount(self.step_rec[upto], minlength=self.size)
        has = count > 0
        out[has] = self.step_code[self.step_start[has] + count[has] - 1]
        covering = (self.close_start <= d) & (d < self.close_end)
        out[self.close_rec[covering]] = CLOSED
        out[self.found > d] = NOT_FOUND
        for i, r in self.irregular:
            state = state_on(r, day)
            out[i] = NOT_FOUND if state is None else STATES.index(state)
        if len(self._memo) > 48:
            self._memo.clear()
        out.setflags(write=False)
        self._memo[day] = out
        return out

    def states(self, day: dt.date) -> list[str | None]:
        """The state of each record at the end of ``day`` (None: not yet found)."""
        names = (*STATES, None)  # NOT_FOUND (-1) indexes None
        return [names[c] for c in self.codes(day).tolist()]

    def overdue(self, day: dt.date) -> np.ndarray:
        """Whether each record was overdue at the end of ``day`` (workflow.is_overdue)."""
        c = self.codes(day)
        return (c != NOT_FOUND) & (c != CLOSED) & (self.deadline < _day(day))
