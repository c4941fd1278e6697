"""审核 by reviewer in the reports: per account, acceptances, rejections, median wait.

``report`` takes the submissions and decisions from the reports' dataset (each
hazard's ``reviews``, read and patched with the rest: geoapp.store.reads.report_data)
and the account names (geoapp.store.reads.review_data), and calls
``reviewer_report``, pure over them; the rules are geoapp.domain.review's.
Decisions count in the period of their local date (the configured time zone), up
to its ``as_of`` day (the period-end rule: today while the period runs).
"""

from __future__ import annotations

import datetime as dt
import functools

from geoapp.domain import periods, review
from geoapp.domain.timeline import local_day
from geoapp.reports import history
from geoapp.store.reads import review_data
from geoapp.store.reads.report_data import Dataset


def report(session, ds: Dataset, period: periods.Period, today: dt.date) -> dict:
    """The period's decisions on the dataset's hazards (an area scope's, when cut to one),
    with the accounts' names read."""
    return reviewer_report(_decisions(ds), review_data.display_names(session), ds.tz, period,
                           today)


def _decisions(ds: Dataset) -> list[review.Decision]:
    """Every decision on the dataset's hazards. A hazard's are kept with the places while
    its record is the same object: after a hazard move (a patched dataset keeps the other
    records) only the moved hazards' are found again."""
    kept = history.remember_places(ds, ("review_decisions", ds.tz), dict)
    to_day = functools.partial(local_day, tz=ds.tz)
    out = []
    for r in ds.records:
        if not r.reviews:
            continue
        got = kept.get(r.id)
        if got is None or got[0] is not r:
            got = kept[r.id] = (r, review.decisions(r.reviews, to_day))
        out += got[1]
    return out


def reviewer_report(found: list[review.Decision], names: dict[str, str | None], tz: str,
                    period: periods.Period, today: dt.date) -> dict:
    """The period's decisions (of ``found``) per reviewer (most first) and in total."""
    day = period.as_of(today)

    def contains(d: dt.date) -> bool:
        return period.start <= d <= day

    return {"period": period.to_dict(), "as_of": day.isoformat(), "timezone": tz,
            "reviewers": review.by_reviewer(found, contains, names),
            "total": review.overall(found, contains)}
