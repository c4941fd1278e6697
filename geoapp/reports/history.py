"""The reports' history step: every hazard's state on a day, laid out once per dataset.

The pipeline's second step, after the load (geoapp.store.reads.report_data):
the records' histories as one ``Timeline`` (geoapp.domain.timeline), and from
it each day's states and snapshot items, each computed once per dataset and
day and kept in the dataset's ``memos`` (:func:`remember`).
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import timeline as rule
from geoapp.domain.timeline import Timeline


def remember(memos: dict, key, compute, limit: int = 96):
    """``memos[key]``, computed by ``compute()`` the first time (the dict is cleared when large)."""
    try:
        return memos[key]
    except KeyError:
        pass
    if len(memos) > limit:
        memos.clear()
    value = memos[key] = compute()
    return value


def timeline(ds) -> Timeline:
    """The dataset's hazard histories as arrays."""
    return remember(ds.memos, "timeline", lambda: Timeline(ds.records))


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
