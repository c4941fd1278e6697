"""The leaders' reports: reads the rows once, then groups them by area, industry and month.

``load`` is the one query (territory, points, hazards with their event logs:
geoapp.store.reads.report_data); the other functions are pure over its
``Dataset`` and return plain dicts for the pages, the JSON API, the bulletin
workbook and the CLI. The hazard figures are geoapp.domain.figures over the
history (geoapp.domain.timeline), the tie rule geoapp.domain.ranks, overdue,
rate and stock/increment geoapp.domain.workflow; the four-colour levels of
points and cells on a past day are the risk engine's (geoapp.domain.risk) over
that history (geoapp.reports.pastlevels). Each state, snapshot and level on a
day is computed once per dataset (``Dataset.memo``).

A hazard's area is its point's cell (then village, town); hazards at points
outside every cell are counted in the territory's totals and shown as their
own row, never dropped. Its industry is the GB/T 4754 division of its
point's code, or of the enterprise the point belongs to (``enterprise_uscc``
of confined spaces and major hazard installations); idle premises and the
like are 未分类.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from geoapp.domain import periods, ranks, timeline, workflow
from geoapp.domain.divisions import division_label
from geoapp.domain.timeline import CLOSED, NOT_FOUND
from geoapp.reports import history, rollup
from geoapp.reports.groupfigures import grouped_figures
from geoapp.reports.pastlevels import cell_levels, point_counts, point_levels, point_tables
from geoapp.reports.pastlevels import empty as empty_counts
from geoapp.reports.rollup import OUTSIDE
from geoapp.store.reads.report_data import (
    Dataset,
    Places,
    load,
    load_hazards,
    load_places,
)

__all__ = ["Dataset", "Places", "load", "load_places", "load_hazards", "areas", "industries",
           "areas_total", "departments", "ranking", "trend", "overdue_list", "bulletin",
           "find_village", "village_key", "cell_levels", "point_levels", "point_counts",
           "group_figures"]


# ---- grouping ------------------------------------------------------------------------


def _village_of(ds: Dataset) -> dict[str | None, int | None]:
    return {code: c["village_id"] for code, c in ds.cells.items()}


def _cells_of(ds: Dataset) -> dict[int, list[str]]:
    """Village id → its cell codes (one pass: counties have 10⁴ cells; once per places)."""
    def compute():
        out = defaultdict(list)
        for code, c in ds.cells.items():
            out[c["village_id"]].append(code)
        return out
    return history.remember_places(ds, "cells_of", compute)


# ---- areas and industries -----------------------------------------------------------


def group_figures(ds: Dataset, period: periods.Period, today: dt.date, name: str, key,
                  groups: list) -> dict:
    """The hazard figures of each group of ``groups``, at once: the one grouping the areas,
    the industries and the zones (geoapp.reports.zones) share. ``key(point)`` is the group
    of the hazards at that point (a hazard's cell, village, industry, department and zones
    are its point's); ``name`` names the grouping."""
    return _figures(ds, period, today, name, key, groups)


def _figures(ds: Dataset, period: periods.Period, today: dt.date, name: str, key,
             groups: list) -> dict:
    """statistics.hazard_figures of the hazards of each group (``key(point)``), at once.

    Each point's group is found once per set of places (kept across hazard moves), each
    hazard's is its point's; only the groups whose counts changed since the last call
    for this grouping and period are built again (history.reuse_rows).
    """
    def compute():
        index = {group: i for i, group in enumerate(groups)}
        return np.fromiter((index.get(key(p), -1) for p in ds.points), np.int64,
                           len(ds.points))

    of_point = history.remember_places(ds, ("point_figure_groups", name, tuple(groups)),
                                       compute)
    tl = history.timeline(ds)
    rows_key = ("figure_rows", name, period.start, period.end, period.as_of(today), ds.cutoff)
    return dict(zip(groups, grouped_figures(
        tl, ds.records, of_point[history.record_points(ds)], len(groups), period, today, ds.cutoff,
        rows=lambda table, build: history.reuse_rows(ds, rows_key, table, build)),
        strict=True))


def areas(ds: Dataset, period: periods.Period, today: dt.date | None = None) -> dict:
    """Figures for the territory, each town, each village (and 网格外), each cell.

    Computed once per dataset, period and day (the page and the channels both show it):
    do not change the result."""
    today = today or ds.today()
    # (the cells' figures summed into the villages', towns' and the total's)
    return history.remember(ds.memos, ("areas", period, today),
                            lambda: rollup.areas(ds, period, today))


def industries(ds: Dataset, period: periods.Period, today: dt.date | None = None) -> dict:
    """Figures per GB/T 4754 division (those with points or hazards), 未分类 last."""
    today = today or ds.today()
    day = period.as_of(today)
    pts = point_tables(ds, day, "division", lambda p: p.division)
    divisions = sorted({r.division for r in ds.records} | set(pts), key=lambda d: (d == "", d))
    by_division = _figures(ds, period, today, "division", lambda p: p.division, divisions)
    none = empty_counts(ds)
    rows = [{"division": d, "name": division_label(d), "points": pts.get(d, none),
             "hazards": by_division[d]}
            for d in divisions]
    return {"period": period.to_dict(), "as_of": day.isoformat(), "industries": rows}


def department_of_points(ds: Dataset) -> dict[int, str]:
    """Point id → its 行业主管部门 (layers/departments.toml; geoapp.domain.departments)."""
    def compute():
        of = ds.rules.departments.department_of
        return {p.id: of(p.layer, p.industry, p.layer_authority) for p in ds.points}
    return history.remember_places(ds, "departments", compute)


def departments(ds: Dataset, period: periods.Period, today: dt.date | None = None) -> dict:
    """By department (三管三必须): each configured department's points and hazard figures,
    ranked by the one tie rule (rate, overdue, then name); those without hazards apart."""
    today = today or ds.today()
    day = period.as_of(today)
    dept = department_of_points(ds)
    names = list(ds.rules.departments.names)
    pts = point_tables(ds, day, "department", lambda p: dept[p.id])
    figs = _figures(ds, period, today, "department", lambda p: dept[p.id], names)
    none = empty_counts(ds)
    rows = [{"code": name, "name": name, "red_cells": 0, "points": pts.get(name, none),
             "hazards": figs[name], "total": figs[name]["total"],
             "closed_total": figs[name]["closed_total"], "overdue": figs[name]["overdue"],
             "rectification_rate": figs[name]["rectification_rate"]}
            for name in names]
    ranked, apart = ranks.rank_apart(rows)
    return {"period": period.to_dict(), "as_of": day.isoformat(), "tie_rule": ranks.TIE_RULE,
            "rows": ranked, "no_hazards": apart}


def areas_total(ds: Dataset, period: periods.Period, today: dt.date) -> dict:
    """The territory's figures alone (hazards and points)."""
    return rollup.total(ds, period, today)


# ---- ranking and trend --------------------------------------------------------------


def _rank_rows(ds: Dataset, period: periods.Period, today: dt.date,
               village: dict | None) -> tuple[list, list]:
    """The units ranked at the end of the period, and those with no hazards (ranks.rank_apart).

    A unit's figures at the period's end are its hazard figures' (workflow.rollup's at
    that day: total, closed, open, overdue, major open, rate), counted for every unit at
    once as the area table's."""
    day = period.as_of(today)
    levels = cell_levels(ds, day)
    village_of, cells_of = _village_of(ds), _cells_of(ds)
    unit_kind = rank_unit(ds, village)
    vmeta = {v["id"]: v for v in ds.villages}
    if unit_kind == "cell":
        units = [{"code": code, "name": c["name"], "red_cells": int(levels[code] == "red"),
                  "risk_level": levels[code]}
                 for code, c in ((k, ds.cells[k]) for k in cells_of[village["id"]])]
        figs = _figures(ds, period, today, f"cells of {village['id']}", lambda p: p.cell_code,
                        [u["code"] for u in units])
        of_unit = [figs[u["code"]] for u in units]
    elif unit_kind == "town":
        units = [{"code": town, "name": town, "town": town, "id": town,
                  "red_cells": sum(levels[c] == "red" for v in ds.villages if v["town"] == town
                                   for c in cells_of[v["id"]])}
                 for town in dict.fromkeys(v["town"] for v in ds.villages)]
        figs = _figures(ds, period, today, "town",
                        lambda p: vmeta[village_of[p.cell_code]]["town"]
                        if p.cell_code in village_of else None, [u["id"] for u in units])
        of_unit = [figs[u["id"]] for u in units]
    else:
        units = [{"code": v["code"], "name": v["name"], "town": v["town"], "id": v["id"],
                  "red_cells": sum(levels[c] == "red" for c in cells_of[v["id"]])}
                 for v in ds.villages]
        figs = _figures(ds, period, today, "village", lambda p: village_of.get(p.cell_code),
                        [v["id"] for v in ds.villages] + [None])
        of_unit = [figs[u["id"]] for u in units]
    rows = [{**unit, "total": f["total"], "closed_total": f["closed_total"], "open": f["open"],
             "overdue": f["overdue"], "major_open": f["major_open"],
             "rectification_rate": f["rectification_rate"]}
            for unit, f in zip(units, of_unit, strict=True)]
    return ranks.rank_apart(rows)


def rank_unit(ds: Dataset, village: dict | None = None) -> str:
    """What a ranking ranks: the cells of ``village`` when one is given, else the towns when
    the dataset holds more than one (a county's leader), else the villages (a town's)."""
    if village:
        return "cell"
    return "town" if len({v["town"] for v in ds.villages}) > 1 else "village"


def village_key(village: dict) -> str:
    """What names one village in a URL: its code, or ``id:N`` for one without a code."""
    return village["code"] or f"id:{village['id']}"


def find_village(ds: Dataset, text: str) -> dict | None:
    """A village by its code, ``id:N`` or a name no other village has (else None).

    Names repeat across towns (东村 in two towns): a shared name finds none,
    rather than the first, so two villages' figures are never mixed.
    """
    for matches in (lambda v: v["code"] == text, lambda v: f"id:{v['id']}" == text,
                    lambda v: v["name"] == text):
        found = [v for v in ds.villages if matches(v)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def ranking(ds: Dataset, period: periods.Period, today: dt.date | None = None,
            village: dict | None = None) -> dict:
    """Towns, villages or the cells of ``village`` (rank_unit) ranked at the end of a period
    (month, quarter, year or range), with their ranks at the end of the period before
    (periods.previous); ``no_hazards``: the units with none, not ranked (ranks.rank_apart)."""
    today = today or ds.today()
    previous = periods.previous(period)
    key = "code" if village else "id"
    ranked, apart = _rank_rows(ds, period, today, village)
    rows = ranks.compare(ranked, _rank_rows(ds, previous, today, village)[0], key=key)
    return {"month": period.month, "previous_month": previous.month,
            "period": period.to_dict(), "previous": previous.to_dict(),
            "as_of": period.as_of(today).isoformat(),
            "previous_as_of": previous.as_of(today).isoformat(),
            "unit": rank_unit(ds, village),
            "village": village["name"] if village else None, "tie_rule": ranks.TIE_RULE,
            "rows": rows, "no_hazards": apart}


def trend(ds: Dataset, period: periods.Period, today: dt.date | None = None,
          count: int = 12) -> dict:
    """Open and overdue major hazards (and all open) at the end of each of ``count`` months,
    the last one the month of the period's end (of today, while the period runs)."""
    today = today or ds.today()
    out = {"months": [], "major_open": [], "major_overdue": [], "open": []}
    tl = history.timeline(ds)
    major = history.column(ds, "major", lambda r: r.level == "major", bool)
    for m in periods.months_ending(periods.month_of(period.as_of(today)), count):
        day = m.as_of(today)
        codes = tl.codes(day)
        open_ = (codes != NOT_FOUND) & (codes != CLOSED)
        out["months"].append(m.month)
        out["major_open"].append(int((open_ & major).sum()))
        out["major_overdue"].append(int((tl.overdue(day) & major).sum()))
        out["open"].append(int(open_.sum()))
    return out


def overdue_list(ds: Dataset, day: dt.date) -> list[dict]:
    """Hazards overdue at the end of ``day``, longest overdue first, with the people on them.

    Computed once per dataset and day (the page, /reports/overdue, the JSON twin and the
    bulletin all list it; a county's is thousands of rows): do not change the result."""
    return history.remember(ds.memos, ("overdue", day), lambda: _overdue_list(ds, day))


def _overdue_list(ds: Dataset, day: dt.date) -> list[dict]:
    vnames = {v["id"]: v for v in ds.villages}
    out = []
    states = history.states(ds, day)
    for i in np.flatnonzero(history.timeline(ds).overdue(day)).tolist():
        r = ds.records[i]
        state = states[r.id]
        cell = ds.cells.get(r.cell_code)
        village = vnames[cell["village_id"]] if cell else None
        out.append({
            **r.info, "id": r.id, "level": r.level, "source": r.source, "state": state,
            "found_on": r.found_on.isoformat(), "deadline": r.deadline.isoformat(),
            "days_overdue": (day - r.deadline).days, "listed": r.listed,
            "cell_code": r.cell_code, "cell": cell["name"] if cell else OUTSIDE,
            "village": village["name"] if village else OUTSIDE,
            "members": "、".join(m.get("name", "") for m in cell["members"]) if cell else "",
            "supervisor": cell["supervisor"] if cell else None,
        })
    return sorted(out, key=lambda h: (-h["days_overdue"], h["code"]))


def bulletin(ds: Dataset, period: periods.Period, today: dt.date | None = None) -> dict:
    """The bulletin of a period: 月通报, 季度通报 or 年度总结 (or a range's 通报).

    Totals for the period and the one before (periods.previous), ranking,
    overdue, industries; every "at the end" figure as of the period's last day,
    or today while it runs (periods.Period.as_of).
    """
    today = today or ds.today()
    previous = periods.previous(period)
    inds = industries(ds, period, today)["industries"]
    day = period.as_of(today)
    per_division = defaultdict(list)
    states = history.states(ds, day)
    for r in ds.records:
        state = states[r.id]
        closed_day = timeline.close_day_in(r, period)
        if state not in (None, "closed") or closed_day is not None:
            per_division[r.division].append(
                {**r.info, "id": r.id, "cell_code": r.cell_code, "level": r.level,
                 "source": r.source, "state": state, "found_on": r.found_on.isoformat(),
                 "deadline": r.deadline.isoformat(),
                 # the key keeps its name for every kind: closed in the period
                 "closed_in_month": closed_day.isoformat() if closed_day else None,
                 "overdue": workflow.is_overdue(state, r.deadline, day)})
    for row in inds:
        row["hazard_list"] = per_division[row["division"]]
    total = areas_total(ds, period, today)
    return {
        "place": "、".join(dict.fromkeys(v["town"] for v in ds.villages)),
        # every point layer of layers/ by its Chinese label (the bulletin's 分图层 table)
        "layers": {code: spec.label for code, spec in ds.rules.layers.items()},
        "level_labels": {lv.code: lv.label for lv in ds.rules.risk.levels},
        # nothing found or closed in the period (the pages say so instead of a ranking)
        "empty": not (total["hazards"]["found"] or total["hazards"]["closed"]),
        "month": period.month, "previous_month": previous.month,
        "period": period.to_dict(), "previous": previous.to_dict(),
        "words": periods.words(period), "to_date": period.to_date(today),
        "as_of": day.isoformat(),
        "timezone": ds.tz, "stock_cutoff": ds.cutoff.isoformat(),
        "total": total,
        "previous_total": areas_total(ds, previous, today),
        "ranking": ranking(ds, period, today),
        "overdue": overdue_list(ds, day),
        "industries": inds,
        "departments": departments(ds, period, today),
        "trend": trend(ds, period, today),
    }
