"""The window a hazard's dates must fall in: one rule for the web form and the ledger import.

A date like 0001-01-01 is a typo or a spreadsheet's empty-date placeholder,
and stored it would show in the bulletin as 739,950 days overdue. So:

- no date before 1949-10-01 (no ledger of this administration is older);
- found (发现日期) and closed (销号日期) not after today;
- the deadline (整改期限) not before the found date and at most ten years
  ahead (the longest treatment plans run a few years);
- closed not before found.
"""

from __future__ import annotations

import datetime as dt

EARLIEST = dt.date(1949, 10, 1)
DEADLINE_YEARS = 10
LABELS = {"found_on": "发现日期", "deadline": "整改期限", "closed_on": "销号日期"}


def latest_deadline(today: dt.date) -> dt.date:
    """Today plus ten years (29 February becomes 28 February in a common year)."""
    try:
        return today.replace(year=today.year + DEADLINE_YEARS)
    except ValueError:
        return today.replace(year=today.year + DEADLINE_YEARS, day=28)


def problems(found_on: dt.date | None, deadline: dt.date | None, closed_on: dt.date | None,
             today: dt.date) -> list[tuple[str, str]]:
    """(field, reason) for every date outside the window; a missing date is not judged here.

    Examples
    --------
    >>> problems(dt.date(1, 1, 1), dt.date(1, 1, 2), None, dt.date(2026, 4, 15))
    [('found_on', '不能早于 1949-10-01'), ('deadline', '不能早于 1949-10-01')]
    >>> problems(dt.date(2026, 4, 1), dt.date(2026, 3, 1), None, dt.date(2026, 4, 15))
    [('deadline', '不能早于发现日期')]
    """
    out = []
    for field, value in (("found_on", found_on), ("deadline", deadline), ("closed_on", closed_on)):
        if value is None:
            continue
        if value < EARLIEST:
            out.append((field, f"不能早于 {EARLIEST.isoformat()}"))
        elif field != "deadline" and value > today:
            out.append((field, f"不能晚于今天（{today.isoformat()}）"))
        elif field != "found_on" and found_on is not None and value < found_on:
            out.append((field, "不能早于发现日期"))
        elif field == "deadline" and value > latest_deadline(today):
            out.append((field, f"不能晚于 {latest_deadline(today).isoformat()}"
                               f"（今天起 {DEADLINE_YEARS} 年内）"))
    return out
