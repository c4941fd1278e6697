"""审核 by reviewer in the reports: per account, acceptances, rejections, median wait.

``report`` reads (geoapp.store.reads.review_data) and calls ``reviewer_report``,
pure over what was read; the rules are geoapp.domain.review's. Decisions
count in the period of their local date (the configured time zone), up to
its ``as_of`` day (the period-end rule: today while the period runs).
"""

from __future__ import annotations

import datetime as dt
import functools

from geoapp.domain import periods, review
from geoapp.domain.timeline import local_day
from geoapp.store.reads import review_data


def report(session, tz: str, period: periods.Period, today: dt.date,
           hazards: set[int] | None = None) -> dict:
    """Read the submissions, decisions and account names, then ``reviewer_report``; of the
    hazards ``hazards`` only when given (an area scope's)."""
    events = review_data.review_events(session)
    if hazards is not None:
        events = {h: evs for h, evs in events.items() if h in hazards}
    return reviewer_report(events, review_data.display_names(session), tz, period, today)


def reviewer_report(events: dict[int, list], names: dict[str, str | None], tz: str,
                    period: periods.Period, today: dt.date) -> dict:
    """The period's decisions per reviewer (most first) and in total."""
    day = period.as_of(today)
    to_day = functools.partial(local_day, tz=tz)
    found = [dec for evs in events.values() for dec in review.decisions(evs, to_day)]

    def contains(d: dt.date) -> bool:
        return period.start <= d <= day

    return {"period": period.to_dict(), "as_of": day.isoformat(), "timezone": tz,
            "reviewers": review.by_reviewer(found, contains, names),
            "total": review.overall(found, contains)}
