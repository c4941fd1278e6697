"""Extensions (延期) in the reports: requested, granted and refused in a period, by village.

``report`` reads (geoapp.store.reads.extension_data) and calls ``counts``,
which is pure over what was read. The rules, stated in docs/domain.md
"Extensions": a request counts in the period of its local date (the
territory's time zone), a decision in the period of the local date it was
taken; ``pending`` are the requests made by the end of the period (``as_of``)
and not decided by then.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from geoapp.domain import periods
from geoapp.store.reads import extension_data
from geoapp.store.reads.report_data import Dataset

OUTSIDE = "网格外"
FIGURES = ("requested", "granted", "refused", "pending")


def report(session, ds: Dataset, period: periods.Period, today: dt.date) -> dict:
    """Read the requests made up to the end of the period, then ``counts``."""
    day = period.as_of(today)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(ds.tz))
    return counts(ds, period, day, extension_data.requests_until(session, end))


def counts(ds: Dataset, period: periods.Period, end: dt.date, rows: list[dict]) -> dict:
    """The period's figures up to ``end`` (its last day, or today in a running period),
    in total and per village (in the territory's order).

    ``rows`` have ``requested_at``, ``state``, ``decided_at`` (UTC) and ``cell_code``.
    """
    zone, start = ZoneInfo(ds.tz), period.start

    def local(at: dt.datetime | None) -> dt.date | None:
        return at.astimezone(zone).date() if at is not None else None

    total = dict.fromkeys(FIGURES, 0)
    by_village = {v["id"]: dict.fromkeys(FIGURES, 0) for v in ds.villages}
    outside = dict.fromkeys(FIGURES, 0)
    for row in rows:
        asked, decided = local(row["requested_at"]), local(row["decided_at"])
        cell = ds.cells.get(row["cell_code"] or "")
        if cell is None and ds.scoped:
            continue  # another area's extension
        group = by_village.get(cell["village_id"]) if cell else None
        group = group if group is not None else outside
        figures = {
            "requested": start <= asked <= end,
            "granted": row["state"] == "approved" and start <= decided <= end,
            "refused": row["state"] == "refused" and start <= decided <= end,
            "pending": asked <= end and (decided is None or decided > end),
        }
        for name, counted in figures.items():
            total[name] += counted
            group[name] += counted
    villages = [{"id": v["id"], "name": v["name"], "code": v["code"], "town": v["town"],
                 **by_village[v["id"]]} for v in ds.villages]
    return {"period": period.to_dict(),
            "as_of": end.isoformat(), "total": total, "villages": villages,
            "outside": {"name": OUTSIDE, **outside}}
