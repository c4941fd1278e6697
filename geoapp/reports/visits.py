"""Visits (巡查) in the reports: per cell, per grid member, and coverage per village, ranked.

``report`` reads (geoapp.store.reads.visit_data) and calls ``visit_report``,
which is pure over what was read (the period's visits, each
point's last visit at two moments) and the reports' ``Dataset`` (territory,
points, cells' levels for the tie rule). The rules, stated in docs/domain.md
"Inspections" → "Visits in the reports":

* a visit counts in the period of its local date;
* a point is **due in the period** when its next visit, as it stood at the end
  of the day before the period starts, falls due on or before the period's
  last day (a point never visited by then is due);
* **coverage** of an area = points not overdue for a visit at the end of the
  period (``as_of``: the last day, or today for a running period) ÷ its
  points, exact for the ranking and rounded to four decimals for display; no
  coverage (empty) for an area without points, ranked as 100 %;
* villages are ranked by coverage with the ranking's one tie rule
  (geoapp.domain.ranks: then fewer points overdue, fewer red cells, code).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from geoapp.domain import periods, ranks
from geoapp.domain.inspection import VISIT_STATUSES, next_due, visit_status
from geoapp.domain.workflow import rate
from geoapp.reports.pastlevels import cell_levels
from geoapp.reports.rollup import OUTSIDE
from geoapp.store.reads import visit_data
from geoapp.store.reads.report_data import Dataset


def _spec(ds: Dataset, layer: str):
    table = ds.rules.layers.get(layer)
    return table.inspection if table is not None else None


def _tally() -> dict:
    return {"points": 0, "visits": 0, "points_visited": 0, "points_due": 0, "due_visited": 0,
            **{status: 0 for status in VISIT_STATUSES}}


def _coverage(t: dict) -> float | None:
    return rate(t["points"] - t["overdue"], t["points"])


def report(session, ds: Dataset, period: periods.Period, today: dt.date) -> dict:
    """Read the period's visits and last visits, then ``visit_report``."""
    rules, day = ds.rules, period.as_of(today)
    return visit_report(
        ds, period, today, _mine(ds, visit_data.visits_between(session, ds.tz, period.start,
                                                              day)),
        visit_data.last_visits(session, rules, period.start - dt.timedelta(days=1)),
        visit_data.last_visits(session, rules, day), _members(ds, visit_data.grid_members(session)))


def _mine(ds: Dataset, visits: list[dict]) -> list[dict]:
    """Visits to the dataset's points (of its area scope, when cut to one)."""
    if not ds.scoped:
        return visits
    ids = {p.id for p in ds.points}
    return [v for v in visits if v["point_id"] in ids]


def _members(ds: Dataset, members: list[dict]) -> list[dict]:
    """Grid members (of a scoped dataset: those working one of its cells)."""
    if not ds.scoped:
        return members
    return [m for m in members if set(m.get("cells") or ()) & ds.cells.keys()]


def visit_report(ds: Dataset, period: periods.Period, today: dt.date, visits: list[dict],
                 last_before: dict[int, tuple], last_at_end: dict[int, tuple],
                 members: list[dict]) -> dict:
    """The period's visits per cell and per member, and coverage per village, ranked.

    ``visits``: visit_data.visits_between over the period; ``last_before`` and
    ``last_at_end``: visit_data.last_visits on the day before the period and on
    its ``as_of`` day; ``members``: visit_data.grid_members.
    """
    day = period.as_of(today)
    cell_of = {p.id: p.cell_code for p in ds.points}
    by_point = defaultdict(list)
    for v in visits:
        by_point[v["point_id"]].append(v)
    per_cell: dict[str | None, dict] = {code: _tally() for code in ds.cells}
    per_cell[None] = _tally()  # points outside every cell
    for p in ds.points:
        spec = _spec(ds, p.layer)
        if spec is None:
            continue
        t = per_cell[p.cell_code if p.cell_code in ds.cells else None]
        t["points"] += 1
        t[visit_status(last_at_end.get(p.id, (p.layer, None))[1], spec, day)] += 1
        due = next_due(last_before.get(p.id, (p.layer, None))[1], spec.every_days)
        is_due = due is None or due <= period.end
        t["points_due"] += is_due
        if by_point.get(p.id):
            t["visits"] += len(by_point[p.id])
            t["points_visited"] += 1
            t["due_visited"] += is_due
    vnames = {v["id"]: v for v in ds.villages}
    cells = [{"code": code, "name": c["name"], "village": vnames[c["village_id"]]["name"],
              "village_id": c["village_id"], **per_cell[code],
              "coverage": _coverage(per_cell[code])}
             for code, c in ds.cells.items()]
    outside = {"code": None, "name": OUTSIDE, **per_cell[None],
               "coverage": _coverage(per_cell[None])}
    total = _tally()
    for t in per_cell.values():
        for k in total:
            total[k] += t[k]
    return {"period": period.to_dict(), "as_of": day.isoformat(), "timezone": ds.tz,
            "tie_rule": ranks.COVERAGE_TIE_RULE,
            "total": {**total, "coverage": _coverage(total)},
            "cells": cells, "outside": outside,
            "villages": village_coverage(ds, day, per_cell),
            "members": member_rows(visits, cell_of, members)}


def village_coverage(ds: Dataset, day: dt.date, per_cell: dict) -> list[dict]:
    """Villages with their coverage at the end of ``day``, ranked (ranks.rank's tie rule)."""
    levels = cell_levels(ds, day)
    cells_of = defaultdict(list)  # one pass: counties have 10⁴ cells
    for code, c in ds.cells.items():
        cells_of[c["village_id"]].append(code)
    rows = []
    for v in ds.villages:
        codes = cells_of[v["id"]]
        t = _tally()
        for code in codes:
            for k in t:
                t[k] += per_cell[code][k]
        # the tie rule's fields: coverage is on-time points ÷ points
        rows.append({"code": v["code"], "name": v["name"], "town": v["town"], "id": v["id"],
                     **t, "on_time": t["points"] - t["overdue"], "coverage": _coverage(t),
                     "red_cells": sum(levels[c] == "red" for c in codes),
                     "closed_total": t["points"] - t["overdue"], "total": t["points"]})
    ranked = ranks.rank(rows)
    for row in ranked:
        del row["closed_total"], row["total"]
    return ranked


def member_rows(visits: list[dict], cell_of: dict[int, str | None],
                members: list[dict]) -> list[dict]:
    """Visits per account: name, username, visits, points and cells visited; grid members
    without a visit in the period too (0). Most visits first, then by username."""
    rows: dict[str, dict] = {}
    for m in members:
        rows[m["username"]] = {"username": m["username"], "name": m["name"], "visits": 0,
                               "_points": set(), "_cells": set()}
    for v in visits:  # oldest first: the latest name recorded wins
        row = rows.setdefault(v["inspector"], {"username": v["inspector"], "name": "",
                                               "visits": 0, "_points": set(), "_cells": set()})
        row["name"] = v["inspector_name"] or row["name"]
        row["visits"] += 1
        row["_points"].add(v["point_id"])
        if cell_of.get(v["point_id"]):
            row["_cells"].add(cell_of[v["point_id"]])
    out = [{"username": r["username"], "name": r["name"], "visits": r["visits"],
            "points": len(r["_points"]), "cells": sorted(r["_cells"])} for r in rows.values()]
    return sorted(out, key=lambda r: (-r["visits"], r["username"]))


def page_cells(visits: dict, village_id: int | None, limit: int) -> dict:
    """The rows of /reports' per-cell visits table (the JSON twin and the XLSX keep all).

    With a village: all its cells. Without one (the territory, or a town's scope), every
    cell when there are at most ``limit``; past that — a county's 10⁴ rows, unreadable and
    most of the page's rendering — only the cells that need attention: those with points
    overdue for a visit at the period's end, most overdue first, then lowest coverage,
    then code, at most ``limit``. Cells without points or visits are never listed.

    {"rows", "outside" (the 网格外 row, or None), "count": cells listable,
    "attention": cells needing attention, "trimmed": whether rows are a selection,
    "total": the footer's sums (the village's with one, else the report's)}
    """
    listable = [c for c in visits["cells"] if c["points"] or c["visits"]]
    if village_id is not None:
        rows = [c for c in listable if c["village_id"] == village_id]
        total = _tally()
        for c in rows:
            for k in total:
                total[k] += c[k]
        return {"rows": rows, "outside": None, "count": len(rows),
                "attention": sum(1 for c in rows if c["overdue"]), "trimmed": False,
                "total": {**total, "coverage": _coverage(total)}}
    outside = visits["outside"]
    outside = outside if outside["points"] or outside["visits"] else None
    attention = [c for c in listable if c["overdue"]]
    shown = {"outside": outside, "count": len(listable), "attention": len(attention),
             "total": visits["total"]}
    if len(listable) <= limit:
        return {**shown, "rows": listable, "trimmed": False}
    attention.sort(key=lambda c: (-c["overdue"], c["coverage"] if c["coverage"] is not None
                                  else 1.0, c["code"] or ""))
    return {**shown, "rows": attention[:limit], "trimmed": True}
