"""A period's hazard figures for the leaders: found, closed, open, overdue, rate, listed, 动态清零.

Pure functions over plain records (no database, no Flask): periods are
geoapp.domain.periods, a hazard's state on a past day is geoapp.domain.timeline
(the rule, and its vectorised form for many hazards), the tie rule of the
ranking is geoapp.domain.ranks. geoapp.reports groups the figures by area,
industry and month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from geoapp.domain import workflow
from geoapp.domain.periods import Period
from geoapp.domain.timeline import HazardRecord, close_day_in, snapshot

LEVELS = tuple(workflow.LEVEL_LABELS)
SOURCES = tuple(workflow.SOURCE_LABELS)




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
    >>> from geoapp.domain.periods import parse_month
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
    open_ = [s.record for s in snap if workflow.is_open(s.state)]
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
