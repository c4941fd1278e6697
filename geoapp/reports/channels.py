"""By channel in the reports: hazards per channel, public reports handled, enterprise self-checks.

``report`` reads (geoapp.store.reads.channel_data) and calls ``channel_report``,
pure over what was read and the reports' ``Dataset``. The rules are
geoapp.domain.channels (stated in docs/domain.md "Reports" → "By channel");
hazards per channel are the figures' ``by_source`` (geoapp.domain.figures),
per town as in the area table. Villages are ranked by self-check coverage with
the ranking's one tie rule (geoapp.domain.ranks.SELF_CHECK_TIE_RULE).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from geoapp.domain import channels, periods, ranks
from geoapp.reports import tables
from geoapp.reports.pastlevels import cell_levels
from geoapp.store.reads import channel_data
from geoapp.store.reads.report_data import Dataset

OUTSIDE = "网格外"


def report(session, ds: Dataset, period: periods.Period, today: dt.date) -> dict:
    """Read the public reports and self-checks up to the end of the period, then
    ``channel_report``."""
    return channel_report(ds, period, today, *read(session, ds, period, today))


def read(session, ds: Dataset, period: periods.Period, today: dt.date) -> tuple:
    """What ``channel_report`` reads beside the dataset: the public reports, enterprises and
    self-checks up to the end of the period (of the dataset's area scope)."""
    day = period.as_of(today)
    until = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), ZoneInfo(ds.tz))
    reports, enterprises = channel_data.public_reports(session, until), \
        channel_data.enterprises(session)
    if ds.scoped:  # another area's reports and enterprises stay out
        reports = [r for r in reports if r.cell_code in ds.cells]
        enterprises = [e for e in enterprises if e["cell_code"] in ds.cells]
    return reports, enterprises, channel_data.self_checks(session, ds.tz, period.start, day)


def channel_report(ds: Dataset, period: periods.Period, today: dt.date,
                   reports: list[channels.ReportRecord], enterprises: list[dict],
                   checks: list[tuple[str, dt.date]]) -> dict:
    """The period's figures by channel (see the module's docstring)."""
    return {**beside_hazards(ds, period, today, reports, enterprises, checks),
            "hazards": by_source(ds, period, today)}


def by_source(ds: Dataset, period: periods.Period, today: dt.date) -> dict:
    """Hazards per channel: the area table's ``by_source``, of the territory and each town."""
    areas = tables.areas(ds, period, today)
    return {"total": areas["total"]["hazards"]["by_source"],
            "towns": [{"name": t["name"], "by_source": t["hazards"]["by_source"]}
                      for t in areas["towns"]]}


def beside_hazards(ds: Dataset, period: periods.Period, today: dt.date,
                   reports: list[channels.ReportRecord], enterprises: list[dict],
                   checks: list[tuple[str, dt.date]]) -> dict:
    """The rest of ``channel_report``: public reports and self-checks, which read the hazards
    only through the cells' levels at the period's end (the self-check ranking's red
    cells)."""
    day = period.as_of(today)
    window = channels.Window(period.start, day)
    figures = channels.report_figures(reports, window, ds.tz, _town_of(ds))
    towns = list(dict.fromkeys(v["town"] for v in ds.villages))  # the area table's order
    empty = channels.report_figures([], window, ds.tz)["total"]
    return {
        "period": period.to_dict(), "as_of": day.isoformat(), "timezone": ds.tz,
        "public_reports": {
            "total": figures["total"],
            "towns": [{"name": name, **figures["groups"].get(name, empty)}
                      for name in [*towns, None]
                      if name is not None or None in figures["groups"]],
            "rewards": channels.rewards(reports, window)},
        "self_checks": self_check_coverage(ds, day, enterprises,
                                           channels.self_checked(checks, window)),
        "tie_rule": ranks.SELF_CHECK_TIE_RULE,
    }


def _town_of(ds: Dataset) -> dict[str | None, str]:
    town = {v["id"]: v["town"] for v in ds.villages}
    return {code: town[c["village_id"]] for code, c in ds.cells.items()}


def self_check_coverage(ds: Dataset, day: dt.date, enterprises: list[dict],
                        checked: dict[str, int]) -> dict:
    """Enterprises that self-checked, in total and per village (ranked), and each
    enterprise's count (those without a self-check first, then by key)."""
    village_of = {code: c["village_id"] for code, c in ds.cells.items()}
    per_village: dict = defaultdict(lambda: {"enterprises": 0, "self_checked": 0})
    rows = []
    vmeta = {v["id"]: v for v in ds.villages}
    for e in enterprises:
        n = checked.get(e["key"], 0)
        vid = village_of.get(e["cell_code"])
        t = per_village[vid]
        t["enterprises"] += 1
        t["self_checked"] += n > 0
        rows.append({"key": e["key"], "name": e["name"], "cell_code": e["cell_code"],
                     "village": vmeta[vid]["name"] if vid in vmeta else OUTSIDE,
                     "self_checks": n})
    levels = cell_levels(ds, day)
    cells_of = defaultdict(list)
    for code, c in ds.cells.items():
        cells_of[c["village_id"]].append(code)
    villages = []
    for v in ds.villages:
        t = per_village.get(v["id"], {"enterprises": 0, "self_checked": 0})
        villages.append({
            "code": v["code"], "name": v["name"], "town": v["town"], "id": v["id"], **t,
            "not_checked": t["enterprises"] - t["self_checked"],
            "coverage": channels.coverage(t["self_checked"], t["enterprises"]),
            # the tie rule's fields (geoapp.domain.ranks.rank_key)
            "closed_total": t["self_checked"], "total": t["enterprises"],
            "overdue": t["enterprises"] - t["self_checked"],
            "red_cells": sum(levels[c] == "red" for c in cells_of[v["id"]])})
    # a village without enterprises has nothing to self-check: listed after, not ranked
    ranked = ranks.rank([v for v in villages if v["enterprises"]]) + [
        {**v, "rank": None} for v in villages if not v["enterprises"]]
    for row in ranked:
        del row["closed_total"], row["total"], row["overdue"]
    outside = per_village.get(None, {"enterprises": 0, "self_checked": 0})
    total = {"enterprises": len(enterprises),
             "self_checked": sum(r["self_checks"] > 0 for r in rows)}
    return {"total": {**total, "coverage": channels.coverage(total["self_checked"],
                                                             total["enterprises"])},
            "villages": ranked,
            "outside": {**outside, "coverage": channels.coverage(outside["self_checked"],
                                                                 outside["enterprises"])},
            "enterprises": sorted(rows, key=lambda r: (r["self_checks"] > 0, r["key"]))}
