"""The leader's dashboard (驾驶舱): one month's end at a glance, from the reports' pipeline.

Everything here is read off what the reports already compute for a month
(geoapp.reports.tables: figures per area, the trend, the overdue list; the
cells' four-colour levels on a past day by geoapp.reports.pastlevels), so the
dashboard and /reports never disagree and a past month is the state at its
end, rebuilt from the hazards' histories. Plain dicts for the JSON API.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import periods
from geoapp.reports import tables

# the KPI cards, in their order on the screen; each selects cells (see ``cells``)
KPIS = ("red_cells", "open", "overdue", "major_open")
SLIDER_MONTHS = 12  # how far back the month slider reaches (unless a month further back is asked)
TREND_MONTHS = 12


def data(ds: tables.Dataset, month: periods.Period, today: dt.date) -> dict:
    """The dashboard of ``month`` (its end, or today while it runs).

    ``cells`` is columnar (a county has 10⁴ cells): code, level, open,
    overdue and major_open at the month's end, in the dataset's cell order.
    """
    day = month.as_of(today)
    areas = tables.areas(ds, month, today)
    total = areas["total"]["hazards"]
    cells = areas["cells"]
    red = [c for c in cells if c["risk_level"] == "red"]
    red.sort(key=lambda c: (-c["hazards"]["overdue"], -c["hazards"]["major_open"],
                            -c["hazards"]["open"], c["code"]))
    village_town = {v["id"]: v["town"] for v in ds.villages}
    return {
        "month": month.month, "as_of": day.isoformat(), "to_date": month.to_date(today),
        "timezone": ds.tz,
        "months": slider_months(month, today),
        "kpis": {"cells": len(cells), "red_cells": areas["total"]["red_cells"],
                 "open": total["open"], "overdue": total["overdue"],
                 "major_open": total["major_open"], "found": total["found"],
                 "closed": total["closed"], "rectification_rate": total["rectification_rate"]},
        "series": {
            "villages": [{"name": v["name"], "town": v["town"], "red_cells": v["red_cells"],
                          **{k: v["hazards"][k] for k in ("open", "overdue", "major_open")}}
                         for v in areas["villages"]],
            "trend": tables.trend(ds, month, today, TREND_MONTHS),
        },
        "red_cells": [{"code": c["code"], "name": c["name"], "village": c["village"],
                       "town": village_town.get(c["village_id"]),
                       **{k: c["hazards"][k] for k in ("open", "overdue", "major_open")}}
                      for c in red],
        "overdue": [{k: h[k] for k in ("code", "description", "point", "level", "state",
                                       "cell_code", "cell", "village", "deadline",
                                       "days_overdue", "listed")}
                    for h in tables.overdue_list(ds, day)],
        "cells": {"code": [c["code"] for c in cells],
                  "level": [c["risk_level"] for c in cells],
                  **{k: [c["hazards"][k] for c in cells] for k in ("open", "overdue",
                                                                   "major_open")}},
    }


def slider_months(month: periods.Period, today: dt.date) -> list[str]:
    """The slider's months, oldest first, to this month: SLIDER_MONTHS of them, or from
    ``month`` when it is older (the month shown is always on the slider)."""
    this = periods.month_of(today)
    start = min(periods.months_ending(this, SLIDER_MONTHS)[0].start, month.start)
    count = (this.start.year - start.year) * 12 + this.start.month - start.month + 1
    return [m.month for m in periods.months_ending(this, count)]
