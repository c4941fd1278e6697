"""What /reports shows, assembled in the pipeline's order from one place.

load (geoapp.store.reads.report_data) → history (geoapp.domain.timeline, laid
out once per dataset) → figures per area and industry (geoapp.reports.tables
over groupfigures and pastlevels) → ranking → trend and the overdue list. The
outputs (the page, its JSON twin, the bulletin, the charts) take this dict.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import periods
from geoapp.reports import tables, zones


def page_data(ds: tables.Dataset, period: periods.Period, village: dict | None,
              today: dt.date) -> dict:
    """Everything /reports shows (and /api/reports returns), as on ``today``."""
    # a range's flow figures are compared with nothing (its "period before" is arbitrary);
    # its ranking, like every period's, with the standings the day before it began
    previous = periods.previous(period) if period.kind != "range" else None
    areas = tables.areas(ds, period, today)
    hazards = areas["total"]["hazards"]
    return {
        # nothing found or closed in the period: the page says so instead of zeros and a
        # ranking that the period did not change
        "empty": not (hazards["found"] or hazards["closed"]),
        "period": period.to_dict(), "as_of": period.as_of(today).isoformat(),
        "to_date": period.to_date(today),
        "previous": previous.to_dict() if previous else None,
        "timezone": ds.tz, "stock_cutoff": ds.cutoff.isoformat(),
        "total": areas["total"],  # tables.areas_total's
        "previous_total": tables.areas_total(ds, previous, today) if previous else None,
        "areas": areas,
        "industries": tables.industries(ds, period, today)["industries"],
        "departments": tables.departments(ds, period, today),  # 三管三必须
        "ranking": tables.ranking(ds, period, today, village),
        "trend": tables.trend(ds, period, today),
        "overdue": tables.overdue_list(ds, period.as_of(today)),
        "zones": zones.report(ds, period, today)["zones"],  # by functional zone
    }
