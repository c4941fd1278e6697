"""statistics.hazard_figures for many groups of hazards at once (every cell, village…).

The reports show the same figures for 10⁴ cells, their villages and towns,
and every industry. Called once per group, hazard_figures spends most of its
time building the same small dicts; here every figure is one count per group
(``numpy.bincount`` over a mask of the hazards), then the dicts are built
from the counts. The figures and their definitions are hazard_figures' (its
docstring); ``tests/store/test_reports.py`` checks that both give the same dicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from geoapp.domain.figures import LEVELS, SOURCES
from geoapp.domain.periods import Period
from geoapp.domain.timeline import CLOSED, NOT_FOUND, STATES, Timeline
from geoapp.domain.workflow import rate
from geoapp.reports import history


def _index(names: Sequence[str], attr: str) -> Callable:
    """A record's ``attr``'s index in ``names`` (a KeyError for another, as hazard_figures
    gives)."""
    where = {name: i for i, name in enumerate(names)}
    return lambda r: where[getattr(r, attr)]


def grouped_figures(timeline: Timeline, records: Sequence, group: np.ndarray, n_groups: int,
                    period: Period, today: dt.date, cutoff: dt.date,
                    rows: Callable | None = None) -> list[dict]:
    """hazard_figures of each group: ``group[i]`` is record i's group (-1: in none).

    ``timeline`` is Timeline(records). Returns one dict per group 0…n_groups-1.
    ``rows(table, build)``: builds them, ``build(k)`` being group k's dict from the
    ``table``'s row k alone (history.reuse_rows, which builds only the rows that changed
    since the last call); default: every row built.
    """
    table, builder = figure_table(timeline, records, group, n_groups, period, today, cutoff)
    build = builder(table)
    if rows is None:
        return [build(k) for k in range(n_groups)]
    return rows(table, build)


def figure_table(timeline: Timeline, records: Sequence, group: np.ndarray, n_groups: int,
                 period: Period, today: dt.date, cutoff: dt.date) -> tuple[np.ndarray, Callable]:
    """grouped_figures' counts: (the table, one row of counts per group; ``builder``).
    ``builder(rows)(k)`` is the dict of the figures of row k of ``rows``, a table of the
    same columns: every column is a count or a sum, so the rows of groups made of groups
    (the villages of cells: geoapp.reports.rollup) are the sums of theirs."""
    as_of = period.as_of(today)
    day, start, end = as_of.toordinal(), period.start.toordinal(), period.end.toordinal()
    # (kept across a hazard move: history.timeline_column)
    level = history.timeline_column(timeline, "level", records, _index(LEVELS, "level"),
                                    np.int64)
    source = history.timeline_column(timeline, "source", records, _index(SOURCES, "source"),
                                     np.int64)
    listed = history.timeline_column(timeline, "listed", records, lambda r: bool(r.listed),
                                     bool)
    found_on, deadline = timeline.found, timeline.deadline
    codes = timeline.codes(as_of)
    in_group = group >= 0
    g = np.where(in_group, group, 0)
    columns: list[np.ndarray] = []  # every count per group, the table's columns in order

    def count(mask, weights=None) -> int:
        """The column of the count of ``mask`` per group (or of ``weights``' sum)."""
        keep = mask & in_group
        # (the days' sums are whole numbers of days: exact as integers)
        columns.append(np.bincount(g[keep], minlength=n_groups) if weights is None else
                       np.bincount(g[keep], weights=weights[keep],
                                   minlength=n_groups).astype(np.int64))
        return len(columns) - 1

    exists = codes != NOT_FOUND
    closed_now = codes == CLOSED
    open_ = exists & ~closed_now
    overdue = open_ & (deadline < day)
    found = (start <= found_on) & (found_on <= end)
    # the last close (销号) that starts in the period, per record (close_day_in)
    close_day = np.full(timeline.size, -1, np.int64)
    starts = (start <= timeline.close_start) & (timeline.close_start <= end)
    np.maximum.at(close_day, timeline.close_rec[starts], timeline.close_start[starts])
    closed = close_day >= 0
    days = count(closed, close_day - found_on)
    major = level == LEVELS.index("major")
    year_start = dt.date(as_of.year, 1, 1)
    this_year = found_on >= max(year_start, cutoff).toordinal()
    stock = found_on < cutoff.toordinal()

    n = {"found": count(found), "closed": count(closed), "open": count(open_),
         "overdue": count(overdue), "total": count(exists), "closed_total": count(closed_now),
         "major_open": count(open_ & major)}
    by_state = [count(codes == i) for i in range(len(STATES))]
    sets = {"found": found, "closed": closed, "open": open_, "overdue": overdue}
    by_level = {lv: {k: count(m & (level == i)) for k, m in sets.items()}
                for i, lv in enumerate(LEVELS)}
    by_source = {src: {k: count(m & (source == i)) for k, m in sets.items()}
                 for i, src in enumerate(SOURCES)}
    lists = {"listed": found, "delisted": closed, "open": open_}
    listed_n = {k: count(m & listed) for k, m in lists.items()}
    listed_level = {lv: {k: count(m & listed & (level == i)) for k, m in lists.items()}
                    for i, lv in enumerate(LEVELS)}
    zero = {}
    for name, scope in (("major", major), ("all", np.ones(timeline.size, bool))):
        zero[name] = (count(scope & exists & stock & ~closed_now),
                      count(scope & exists & this_year),
                      count(scope & exists & this_year & closed_now))
    # the columns laid one after the other, the table their transpose (stacked as columns
    # of a row-major table, 47 of 10⁴ groups took 2 ms)
    table = np.array(columns, np.int64).T if columns else np.zeros((n_groups, 0), np.int64)
    as_of_text = as_of.isoformat()

    def builder(table: np.ndarray) -> Callable:
        return lambda k: build(table[k].tolist())

    def build(c: list) -> dict:
        total, closed_total, n_closed = c[n["total"]], c[n["closed_total"]], c[n["closed"]]
        return {
            "as_of": as_of_text,
            "found": c[n["found"]], "closed": n_closed, "open": c[n["open"]],
            "overdue": c[n["overdue"]], "total": total, "closed_total": closed_total,
            "rectification_rate": rate(closed_total, total),
            "avg_days_to_close": round(c[days] / n_closed, 1) if n_closed else None,
            "major_open": c[n["major_open"]],
            "by_state": {s: c[by_state[i]] for i, s in enumerate(STATES)},
            "by_level": {lv: {key: c[j] for key, j in b.items()} for lv, b in by_level.items()},
            "by_source": {s: {key: c[j] for key, j in b.items()} for s, b in by_source.items()},
            "listed": {**{key: c[j] for key, j in listed_n.items()},
                       "by_level": {lv: {key: c[j] for key, j in b.items()}
                                    for lv, b in listed_level.items()}},
            "zeroing": {name: {"stock_open": c[z[0]],
                               "increment_year": {"found": c[z[1]], "closed": c[z[2]]}}
                        for name, z in zero.items()},
        }

    return table, builder
