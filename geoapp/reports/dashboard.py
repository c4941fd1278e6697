"""The leader's dashboard (驾驶舱): one month's end at a glance, from the reports' pipeline.

Everything here is read off what the reports already compute for a month
(geoapp.reports.tables: the hazard figures per group, the trend, the overdue
list; the cells' four-colour levels on a past day by geoapp.reports.pastlevels),
with the same grouping names, so the dashboard and /reports share their work
and never disagree, and a past month is the state at its end, rebuilt from
the hazards' histories. Plain dicts for the JSON API.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import periods
from geoapp.domain.risk import LEVEL_ORDER
from geoapp.reports import tables

# the KPI cards, in their order on the screen; each is also a filter of the map and lists
KPIS = ("red_cells", "open", "overdue", "major_open")
FILTERS = ("all", *KPIS)
SLIDER_MONTHS = 12  # how far back the month slider reaches (unless a month further back is asked)
TREND_MONTHS = 12
LIST_LIMIT = 100  # rows a list shows per filter (a county has thousands of overdue hazards)
FIGURES = ("open", "overdue", "major_open")


def _cell_in(kpi: str, level: str, figures: dict) -> bool:
    """Whether a card selects a cell (at the month's end): the red ones, or those with
    open, overdue or open major hazards; "all" every cell."""
    if kpi == "all":
        return True
    if kpi == "red_cells":
        return level == "red"
    return figures[kpi] > 0


def _hazard_in(kpi: str, hazard: dict, level: str | None) -> bool:
    """Whether a card keeps an overdue hazard: those in red cells for the red card, the major
    ones for the major card; every one for the others (an overdue hazard is open)."""
    if kpi == "red_cells":
        return level == "red"
    if kpi == "major_open":
        return hazard["level"] == "major"
    return True


def _per_filter(rows: list[dict], keep) -> dict:
    """A list for every card: ``items`` (the rows some card shows), ``lists`` (card → the
    indices in ``items`` it shows, at most LIST_LIMIT, in order) and ``counts`` (card →
    how many rows it selects in all)."""
    chosen = {kpi: [i for i, row in enumerate(rows) if keep(kpi, row)] for kpi in FILTERS}
    shown = sorted({i for picks in chosen.values() for i in picks[:LIST_LIMIT]})
    at = {i: n for n, i in enumerate(shown)}
    return {"items": [rows[i] for i in shown],
            "lists": {kpi: [at[i] for i in picks[:LIST_LIMIT]] for kpi, picks in chosen.items()},
            "counts": {kpi: len(picks) for kpi, picks in chosen.items()}}


def data(ds: tables.Dataset, month: periods.Period, today: dt.date) -> dict:
    """The dashboard of ``month`` (its end, or today while it runs).

    ``cells`` is columnar (a county has 10⁴ cells): each cell's code, level
    (an index into ``levels``), open, overdue and major_open at the month's end.
    """
    day = month.as_of(today)
    levels = tables.cell_levels(ds, day)
    village_of = {code: c["village_id"] for code, c in ds.cells.items()}
    # the groupings of tables.areas, by the same names: /reports reuses what is computed here
    by_cell = tables._figures(ds, month, today, "cell", lambda p: p.cell_code, list(ds.cells))
    by_village = tables._figures(ds, month, today, "village",
                                 lambda p: village_of.get(p.cell_code),
                                 [v["id"] for v in ds.villages] + [None])
    total = tables._figures(ds, month, today, "all", lambda p: None, [None])[None]
    vmeta = {v["id"]: v for v in ds.villages}
    red = [{"code": code, "name": c["name"], "village": vmeta[c["village_id"]]["name"],
            "town": vmeta[c["village_id"]]["town"],
            **{k: by_cell[code][k] for k in FIGURES}}
           for code, c in ds.cells.items() if levels[code] == "red"]
    red.sort(key=lambda c: (-c["overdue"], -c["major_open"], -c["open"], c["code"]))
    overdue = [{k: h[k] for k in ("code", "description", "point", "level", "state",
                                  "cell_code", "cell", "village", "deadline", "days_overdue",
                                  "listed")}
               for h in tables.overdue_list(ds, day)]
    red_count = {}
    for code, level in levels.items():
        red_count[village_of[code]] = red_count.get(village_of[code], 0) + (level == "red")
    names = list(dict.fromkeys([*LEVEL_ORDER, *levels.values()]))
    level_at = {name: i for i, name in enumerate(names)}
    return {
        "month": month.month, "as_of": day.isoformat(), "to_date": month.to_date(today),
        "timezone": ds.tz, "months": slider_months(month, today),
        "kpis": {"cells": len(ds.cells), "red_cells": sum(lv == "red" for lv in levels.values()),
                 **{k: total[k] for k in ("open", "overdue", "major_open", "found", "closed",
                                           "rectification_rate")}},
        "series": {
            "villages": [{"name": v["name"], "town": v["town"],
                          "red_cells": red_count.get(v["id"], 0),
                          **{k: by_village[v["id"]][k] for k in FIGURES}}
                         for v in ds.villages],
            "trend": tables.trend(ds, month, today, TREND_MONTHS),
        },
        "red_cells": _per_filter(red, lambda kpi, c: _cell_in(kpi, "red", c)),
        "overdue": _per_filter(overdue, lambda kpi, h: _hazard_in(
            kpi, h, levels.get(h["cell_code"]))),
        "cells": {"levels": names, "code": list(ds.cells),
                  "level": [level_at[levels[code]] for code in ds.cells],
                  **{k: [by_cell[code][k] for code in ds.cells] for k in FIGURES}},
    }


def slider_months(month: periods.Period, today: dt.date) -> list[str]:
    """The slider's months, oldest first, to this month: SLIDER_MONTHS of them, or from
    ``month`` when it is older (the month shown is always on the slider)."""
    this = periods.month_of(today)
    start = min(periods.months_ending(this, SLIDER_MONTHS)[0].start, month.start)
    count = (this.start.year - start.year) * 12 + this.start.month - start.month + 1
    return [m.month for m in periods.months_ending(this, count)]
