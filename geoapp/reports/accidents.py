"""双下降: accidents and deaths of a period against the same period a year before (同比)
and against the period before (环比), for the territory, each town and each village.

Accidents are few (a handful a year in a county) and are read from the store for
each report (geoapp.store.accidents.figures_rows); every write bumps the data
version, so a cached report changes when one is recorded. An accident's place is
its cell → village → town; one placed nowhere (an address only, no enterprise of
the ledger) counts in the total and in its own row (未定位).

By department (三管三必须) too: an accident's department is its linked enterprise
point's (geoapp.reports.tables.department_of_points: layers/departments.toml, or the
point's own 主管部门); one with no linked enterprise takes its own recorded 主管部门,
else it is 未确定. The same verdict rule as by area.
"""

from __future__ import annotations

from geoapp.domain import accidents as rules
from geoapp.domain import periods
from geoapp.domain.texts import N_
from geoapp.reports.tables import OUTSIDE, Dataset, department_of_points
from geoapp.store import accidents as stored

UNPLACED = "未定位"  # the row of accidents with no cell (an address only)
UNDETERMINED = N_("未确定")  # the department of an accident with no linked enterprise


def report(session, ds: Dataset, period: periods.Period) -> dict:
    """{"period", "year_before", "previous", "total", "towns", "villages", "departments"}:
    each row holds ``yoy`` and ``mom`` (geoapp.domain.accidents.change: count, deaths, the
    figures before, the changes, ``double_decline``). Every town, village and configured
    department is listed (未确定 after them when an accident has no linked enterprise)."""
    year_before = rules.year_before(period.start, period.end)
    previous = periods.previous(period)
    start = min(year_before[0], previous.start)
    rows = stored.figures_rows(session, start, period.end)
    spans = {"now": (period.start, period.end), "yoy": year_before,
             "mom": (previous.start, previous.end)}
    village_of = {code: c["village_id"] for code, c in ds.cells.items()}
    vnames = {v["id"]: v for v in ds.villages}
    groups: dict[tuple, list] = {("total", None): []}
    dept = department_of_points(ds)
    for name in ds.rules.departments.names:
        groups[("department", name)] = []
    for v in ds.villages:
        groups[("village", v["id"])] = []
        groups[("town", v["town"])] = []
    for day, deaths, cell_code, point_id, authority in rows:
        if cell_code is None or cell_code not in village_of:
            if ds.scoped:
                continue  # another area's accident, or the territory's unplaced ones
            key = UNPLACED if cell_code is None else OUTSIDE
            groups.setdefault(("village", key), []).append((day, deaths))
            groups.setdefault(("town", key), []).append((day, deaths))
        else:
            village = vnames[village_of[cell_code]]
            groups[("village", village["id"])].append((day, deaths))
            groups[("town", village["town"])].append((day, deaths))
        groups[("total", None)].append((day, deaths))
        # the linked point's department, else the recorded 主管部门; a linked point the
        # dataset does not hold (another area's) falls to the same
        name = dept.get(point_id) or authority or UNDETERMINED
        groups.setdefault(("department", name), []).append((day, deaths))

    def figures(items: list) -> dict:
        now = rules.tally(items, *spans["now"])
        return {"yoy": rules.change(now, rules.tally(items, *spans["yoy"])),
                "mom": rules.change(now, rules.tally(items, *spans["mom"]))}

    villages = [{"id": v["id"], "name": v["name"], "town": v["town"],
                 **figures(groups[("village", v["id"])])} for v in ds.villages]
    towns = [{"name": name, **figures(items)} for (kind, name), items in groups.items()
             if kind == "town" and name not in (UNPLACED, OUTSIDE)]
    for extra in (OUTSIDE, UNPLACED):
        if ("village", extra) in groups:
            villages.append({"id": None, "name": extra, "town": extra,
                             **figures(groups[("village", extra)])})
            towns.append({"name": extra, **figures(groups[("town", extra)])})
    return {"period": period.to_dict(),
            "year_before": {"from": year_before[0].isoformat(),
                            "to": year_before[1].isoformat()},
            "previous": previous.to_dict(),
            "total": figures(groups[("total", None)]), "towns": towns, "villages": villages,
            "departments": [{"name": name, **figures(items)} for (kind, name), items
                            in groups.items() if kind == "department"]}


def verdict(change: dict) -> str:
    """The verdict's words in a cell: 双下降, 未实现, or — (nothing before to compare).

    >>> [verdict({"double_decline": v}) for v in (True, False, None)]
    ['双下降', '未实现', '—']
    """
    return {True: "双下降", False: "未实现", None: "—"}[change["double_decline"]]

