"""The reports' history step: every hazard's state on a day, laid out once per dataset.

The pipeline's second step, after the load (geoapp.store.reads.report_data):
the records' histories as one ``Timeline`` (geoapp.domain.timeline), and from
it each day's states and snapshot items, each computed once per dataset and
day and kept in the dataset's ``memos`` (:func:`remember`).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Sequence
from itertools import compress

import numpy as np

from geoapp.domain import timeline as rule
from geoapp.domain.timeline import Timeline

LIMIT = 96  # entries a memo holds before it is cleared
# the last tables of reuse_rows kept (a grouping and period each; a page has about twenty)
ROW_TABLES = 64


def remember(memos: dict, key, compute, limit: int = LIMIT):
    """``memos[key]``, computed by ``compute()`` the first time (the dict is cleared when large)."""
    try:
        return memos[key]
    except KeyError:
        pass
    if len(memos) > limit:
        memos.clear()
    value = memos[key] = compute()
    return value


def remember_places(ds, key, compute):
    """``remember`` in the memos of the dataset's places when it has them: for what the
    points and territory alone decide, kept across hazard moves (the places are)."""
    places = getattr(ds, "places", None)
    return remember((places if places is not None else ds).memos, key, compute)


def reuse_rows(ds, key, table: np.ndarray, build) -> list:
    """``build(i)`` for each row ``i`` of ``table`` (one row of counts per group), except
    where the row equals the one of the table last given under ``key``: that row's built
    value is returned again. ``build(i)`` must depend on ``table[i]`` alone (with what
    ``key`` names: the day, the period).

    Why: after a hazard move the reports are computed afresh, and building 10⁴ cells'
    dicts was most of it; the counts are a few numpy sums, and only the groups whose
    counts changed (the moved hazard's cell, village, town, industry) are built again.
    Kept with the places (remember_places), which a hazard move does not change. The
    rows are shared between reports: never change them.
    """
    def same(old: np.ndarray) -> np.ndarray | None:
        return (old == table).all(axis=1) if old.shape == table.shape else None
    return _reuse(ds, key, table, len(table), same, build)


def reuse_built(ds, key, columns: Sequence[Sequence], build) -> list:
    """``build(i)`` for each row ``i``, built of ``column[i]`` of each of ``columns``, except
    where each of them is the same object as in the row ``i`` last given under ``key``:
    that row's built value is returned again (an equal but other object, say a large
    int, only builds its row again). As ``reuse_rows``, for rows built of its rows (which
    stay the same objects while their counts do): the areas report's cells and villages.
    The columns are compared a column at a time, in C (10⁴ cells' tuples compared one by
    one took 8 ms a report); the last ones are kept, so no object's id is another's."""
    n = len(columns[0]) if columns else 0

    def same(old: Sequence[Sequence]) -> np.ndarray | None:
        if len(old) != len(columns) or any(len(column) != n for column in old):
            return None
        unchanged = np.ones(n, bool)
        for was, now in zip(old, columns, strict=True):
            unchanged[list(compress(range(n), map(operator.is_not, was, now)))] = False
        return unchanged
    return _reuse(ds, ("built", key), columns, n, same, build)


def _reuse(ds, key, made_of, n: int, same, build) -> list:
    """reuse_rows' and reuse_built's: ``same(old made_of)`` says which of the ``n`` rows
    are unchanged (None: none)."""
    kept = remember_places(ds, "row tables", dict)  # its own bound: see ROW_TABLES
    old = kept.pop(key, None)  # (put back last: the dict's order is the use's)
    unchanged = None if old is None else same(old[0])
    if unchanged is not None:
        rows = list(old[1])
        for i in np.flatnonzero(~unchanged).tolist():
            rows[i] = build(i)
    else:
        rows = [build(i) for i in range(n)]
    kept[key] = (made_of, rows)
    while len(kept) > ROW_TABLES:  # (one step at a time: requests may share it)
        kept.pop(next(iter(kept)), None)
    return rows


def timeline(ds) -> Timeline:
    """The dataset's hazard histories as arrays."""
    return remember(ds.memos, "timeline", lambda: Timeline(ds.records))


def column(ds, name: str, value, dtype) -> np.ndarray:
    """``value(record)`` of each of the dataset's records as an array, made once per dataset
    and kept across a hazard move for the records not read again (``timeline_column``: so
    ``value`` reads the record alone, or the places)."""
    return timeline_column(timeline(ds), name, ds.records, value, dtype)


def record_points(ds) -> np.ndarray:
    """Each hazard's point's index in ``ds.points`` (load reads every hazard's point)."""
    at = remember_places(ds, "point_at", lambda: {p.id: i for i, p in enumerate(ds.points)})
    # (the places outlive a hazard move: ``column`` may keep it)
    return column(ds, "record_points", lambda r: at[r.point_id], np.int64)


def timeline_column(laid: Timeline, name: str, records, value, dtype) -> np.ndarray:
    """``laid.fields[name]``: ``value(record)`` of each of ``records`` (the timeline's),
    made the first time; after a hazard move (Timeline.replaced, ``carry``) only for the
    new records. Here, not in the domain's Timeline: ``value`` is the reports' own, and
    the domain does not call back into the layers above it."""
    got = laid.fields.get(name)
    if got is not None:
        return got
    carried = laid.unfilled.pop(name, None)  # (another thread may take it: then all anew)
    if carried is not None:
        got, fresh = carried
        got[fresh] = np.fromiter((value(records[i]) for i in fresh.tolist()), dtype, len(fresh))
    else:
        got = np.fromiter((value(r) for r in records), dtype, len(records))
    laid.fields[name] = got
    return got


def carry(old, new) -> None:
    """Give ``new``, ``old`` patched (geoapp.store.reads.report_data.patched: the records
    of the hazards not read again are ``old``'s own, at ``new.origin``), the timeline laid
    out from ``old``'s: only the replaced and added records' histories are laid out again
    (and their ``timeline_column`` values computed)."""
    laid = old.memos.get("timeline")
    if laid is None or "timeline" in new.memos or new.origin is None:
        return
    new.memos["timeline"] = laid.replaced(new.records, new.origin)


def states(ds, day: dt.date) -> dict[int, str | None]:
    """Every hazard's state at the end of ``day``: record id → state (None: not yet found)."""
    return remember(ds.memos, ("states", day), lambda: dict(zip(
        (r.id for r in ds.records), timeline(ds).states(day), strict=True)))


def snapshot(ds, day: dt.date) -> dict:
    """Every hazard's snapshot item on ``day``: record id → item, or None."""
    def compute():
        on_day = states(ds, day)
        return {r.id: rule.snapshot_item(r, on_day[r.id]) for r in ds.records}
    return remember(ds.memos, ("snapshot", day), compute)
