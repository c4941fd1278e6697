"""The leaders' reports: reads the rows once, then groups them by area, industry and month.

``load`` is the one query layer (territory, points, hazards with their event
logs); the other functions are pure over its ``Dataset`` and return plain
dicts for the pages, the JSON API, the bulletin workbook and the CLI. The
hazard figures are geoapp.statistics (history) and geoapp.ranks (tie rule)
over geoapp.rectification (overdue, rate, stock/increment); the four-colour
levels of points and cells on a past day are the risk engine's
(geoapp.risk) over that history.

A hazard's area is its point's cell (then village, town); hazards at points
outside every cell are counted in the territory's totals and shown as their
own row, never dropped. Its industry is the GB/T 4754 division of its
point's code, or of the enterprise the point belongs to (``enterprise_uscc``
of confined spaces and major hazard installations); idle premises and the
like are 未分类.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp import ranks, rectification, risk
from geoapp import statistics as st
from geoapp.divisions import division_label, division_of
from geoapp.layers import Rules
from geoapp.models import Cell, Hazard, HazardEvent, Point, Town, Village

OUTSIDE = "网格外"  # the row of hazards at points outside every cell


@dataclass
class Dataset:
    """Everything the reports read, loaded once per request or bulletin."""

    villages: list[dict]  # id, name, code, town
    cells: dict[str, dict]  # code → code, name, village_id, members, supervisor, …
    points: list[SimpleNamespace]  # id, layer, name, cell_code, inherent_level, division
    records: list[st.HazardRecord]
    rules: Rules

    @property
    def tz(self) -> str:
        return self.rules.risk.hazards.timezone

    @property
    def cutoff(self) -> dt.date:
        return self.rules.risk.hazards.stock_cutoff

    def today(self) -> dt.date:
        return rectification.today_in(self.tz)


def load(session: Session, rules: Rules) -> Dataset:
    """Read territory, points and hazards (with their events) for the reports."""
    tz = rules.risk.hazards.timezone
    villages = [
        {"id": vid, "name": name, "code": code, "town": town}
        for vid, name, code, town in session.execute(
            sa.select(Village.id, Village.name, Village.code, Town.name)
            .join(Town, Village.town_id == Town.id).order_by(Village.code, Village.name))
    ]
    cells = {
        r.code: {"code": r.code, "name": r.name, "village_id": r.village_id,
                 "members": r.members or [], "supervisor": r.supervisor,
                 "supervising_unit": r.supervising_unit}
        for r in session.execute(
            sa.select(Cell.code, Cell.name, Cell.village_id, Cell.members, Cell.supervisor,
                      Cell.supervising_unit).order_by(Cell.code))
    }
    rows = session.execute(
        sa.select(Point.id, Point.layer, Point.key, Point.name, Point.cell_code,
                  Point.inherent_level, Point.industry, Point.attrs)
    ).all()
    # an enterprise's USCC (its key) → its industry, for the points it owns
    owner_industry = {r.key: r.industry for r in rows if r.layer == "enterprise"}
    points = [
        SimpleNamespace(
            id=r.id, layer=r.layer, name=r.name, cell_code=r.cell_code,
            inherent_level=r.inherent_level,
            division=division_of(r.industry or owner_industry.get(
                (r.attrs or {}).get("enterprise_uscc") or "")))
        for r in rows
    ]
    by_id = {p.id: p for p in points}
    events = defaultdict(list)
    # date order (statistics.history reads it so): a backdated event has a later id
    for e in session.execute(sa.select(HazardEvent.hazard_id, HazardEvent.at,
                                       HazardEvent.to_state)
                             .order_by(HazardEvent.at, HazardEvent.id)):
        events[e.hazard_id].append(e)
    records = []
    for h in session.scalars(sa.select(Hazard).order_by(Hazard.code)):
        closes, steps = st.history(events[h.id], h.state, h.closed_on, h.found_on, tz)
        point = by_id[h.point_id]
        records.append(st.HazardRecord(
            id=h.id, level=h.level, source=h.source, found_on=h.found_on, deadline=h.deadline,
            listed=bool(h.listed), state=h.state, closes=closes, steps=steps,
            cell_code=point.cell_code, division=point.division, point_id=point.id,
            info={"code": h.code, "description": h.description, "point": point.name,
                  "responsible_unit": h.responsible_unit,
                  "responsible_person": h.responsible_person}))
    return Dataset(villages, cells, points, records, rules)


# ---- grouping ------------------------------------------------------------------------


def _village_of(ds: Dataset) -> dict[str | None, int | None]:
    return {code: c["village_id"] for code, c in ds.cells.items()}


def _cells_of(ds: Dataset) -> dict[int, list[str]]:
    """Village id → its cell codes (one pass: counties have 10⁴ cells)."""
    out = defaultdict(list)
    for code, c in ds.cells.items():
        out[c["village_id"]].append(code)
    return out


# ---- points and cells at the end of a day -------------------------------------------


def _open_major_points(ds: Dataset, day: dt.date) -> set[int]:
    return {r.point_id for r in ds.records
            if r.level == "major" and st.state_on(r, day) not in (None, "closed")}


def point_levels(ds: Dataset, day: dt.date) -> dict[int, str]:
    """Every point's four-colour level at the end of ``day``: point id → level.

    The risk engine's escalation of the point's inherent level by whether it
    had an open 重大事故隐患 then, not the level stored today. Point
    inventories and inherent levels are today's: they have no history.
    """
    open_major = _open_major_points(ds, day)
    return {p.id: risk.escalated_level(p.inherent_level, p.id in open_major, ds.rules.risk)
            for p in ds.points}


def cell_levels(ds: Dataset, day: dt.date, levels: Mapping[int, str] | None = None
                ) -> dict[str, str]:
    """Every cell's level at the end of ``day``: the area rule over its points' ``levels``.

    ``levels`` are point_levels(ds, day), computed here when not given.
    """
    levels = point_levels(ds, day) if levels is None else levels
    per_cell: dict[str, Counter] = {code: Counter() for code in ds.cells}
    for p in ds.points:
        if p.cell_code in per_cell:
            per_cell[p.cell_code][levels[p.id]] += 1
    return {code: risk.area_level(c, ds.rules.risk.area) for code, c in per_cell.items()}


def point_counts(points: Iterable, levels: Mapping[int, str], layers: Iterable[str]) -> dict:
    """Points per layer and level: {layer: {red, orange, yellow, blue, total}}.

    ``points`` have ``id`` and ``layer``; ``levels`` are point_levels' (at
    the end of the period).

    Examples
    --------
    >>> c = point_counts([SimpleNamespace(id=1, layer="enterprise")], {1: "red"}, ["enterprise"])
    >>> c["enterprise"]["red"], c["enterprise"]["total"], c["total"]
    (1, 1, 1)
    """
    out = {layer: {**dict.fromkeys(risk.LEVEL_ORDER, 0), "total": 0} for layer in layers}
    for p in points:
        row = out.setdefault(p.layer, {**dict.fromkeys(risk.LEVEL_ORDER, 0), "total": 0})
        row[levels[p.id]] += 1
        row["total"] += 1
    out["total"] = sum(row["total"] for row in out.values())
    return out


def _row(ds: Dataset, records, points, period: st.Period, today: dt.date,
         levels: Mapping[int, str], **head) -> dict:
    return {**head, "points": point_counts(points, levels, ds.rules.layers),
            "hazards": st.hazard_figures(records, period, today, ds.cutoff)}


def areas(ds: Dataset, period: st.Period, today: dt.date | None = None) -> dict:
    """Figures for the territory, each town, each village (and 网格外), each cell."""
    today = today or ds.today()
    village_of = _village_of(ds)
    by_village, by_cell = defaultdict(list), defaultdict(list)
    for r in ds.records:
        by_cell[r.cell_code].append(r)
        by_village[village_of.get(r.cell_code)].append(r)
    pts_village, pts_cell = defaultdict(list), defaultdict(list)
    for p in ds.points:
        pts_cell[p.cell_code].append(p)
        pts_village[village_of.get(p.cell_code)].append(p)
    plevels = point_levels(ds, period.as_of(today))
    levels = cell_levels(ds, period.as_of(today), plevels)
    cells_of = _cells_of(ds)
    vmeta = {v["id"]: v for v in ds.villages}
    villages = []
    for v in ds.villages:
        codes = cells_of[v["id"]]
        villages.append(_row(ds, by_village[v["id"]], pts_village[v["id"]], period, today,
                             plevels, code=v["code"], name=v["name"], town=v["town"],
                             id=v["id"], cells=len(codes),
                             red_cells=sum(levels[c] == "red" for c in codes)))
    outside = _row(ds, by_village[None], pts_village[None], period, today, plevels,
                   code=None, name=OUTSIDE, town=None, cells=0, red_cells=0)
    towns = []
    for town in dict.fromkeys(v["town"] for v in ds.villages):
        ids = {v["id"] for v in ds.villages if v["town"] == town}
        towns.append(_row(ds, [r for i in ids for r in by_village[i]],
                          [p for i in ids for p in pts_village[i]], period, today, plevels,
                          name=town,
                          red_cells=sum(levels[c] == "red" for i in ids for c in cells_of[i])))
    # village_id: two villages of one name (in different towns) keep their cells apart
    cells = [_row(ds, by_cell[code], pts_cell[code], period, today, plevels, code=code,
                  name=cell["name"], village=vmeta[cell["village_id"]]["name"],
                  village_id=cell["village_id"], risk_level=levels[code])
             for code, cell in ds.cells.items()]
    total = _row(ds, ds.records, ds.points, period, today, plevels, name="合计",
                 red_cells=sum(lv == "red" for lv in levels.values()))
    return {"period": period.to_dict(), "as_of": period.as_of(today).isoformat(),
            "total": total, "towns": towns, "villages": villages, "outside": outside,
            "cells": cells}


def industries(ds: Dataset, period: st.Period, today: dt.date | None = None) -> dict:
    """Figures per GB/T 4754 division (those with points or hazards), 未分类 last."""
    today = today or ds.today()
    recs, pts = defaultdict(list), defaultdict(list)
    for r in ds.records:
        recs[r.division].append(r)
    for p in ds.points:
        pts[p.division].append(p)
    divisions = sorted(set(recs) | set(pts), key=lambda d: (d == "", d))
    plevels = point_levels(ds, period.as_of(today))
    rows = [_row(ds, recs[d], pts[d], period, today, plevels, division=d,
                 name=division_label(d))
            for d in divisions]
    return {"period": period.to_dict(), "as_of": period.as_of(today).isoformat(),
            "industries": rows}


# ---- ranking and trend --------------------------------------------------------------


def _rank_rows(ds: Dataset, month: st.Period, today: dt.date, village: dict | None) -> list:
    day = month.as_of(today)
    levels = cell_levels(ds, day)
    village_of, cells_of = _village_of(ds), _cells_of(ds)
    groups = defaultdict(list)
    for r in ds.records:
        key = r.cell_code if village else village_of.get(r.cell_code)
        groups[key].append(r)
    if village:
        units = [{"code": code, "name": c["name"], "red_cells": int(levels[code] == "red"),
                  "risk_level": levels[code]}
                 for code, c in ((k, ds.cells[k]) for k in cells_of[village["id"]])]
    else:
        units = [{"code": v["code"], "name": v["name"], "town": v["town"], "id": v["id"],
                  "red_cells": sum(levels[c] == "red" for c in cells_of[v["id"]])}
                 for v in ds.villages]
    rows = []
    for unit in units:
        snap = st.snapshot(groups[unit["code"] if village else unit["id"]], day)
        roll = rectification.rollup(snap, day, ds.cutoff)
        rows.append({**unit, "total": roll["total"], "closed_total": roll["closed"],
                     "open": roll["open"], "overdue": roll["overdue"],
                     "major_open": roll["major_open"],
                     "rectification_rate": roll["rectification_rate"]})
    return ranks.rank(rows)


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


def ranking(ds: Dataset, month: st.Period, today: dt.date | None = None,
            village: dict | None = None) -> dict:
    """Villages (or the cells of ``village``) ranked for a month, with last month's ranks."""
    today = today or ds.today()
    previous = st.previous_month(month)
    key = "code" if village else "id"
    rows = ranks.compare(_rank_rows(ds, month, today, village),
                      _rank_rows(ds, previous, today, village), key=key)
    return {"month": month.month, "previous_month": previous.month,
            "as_of": month.as_of(today).isoformat(), "unit": "cell" if village else "village",
            "village": village["name"] if village else None, "tie_rule": ranks.TIE_RULE,
            "rows": rows}


def trend(ds: Dataset, month: st.Period, today: dt.date | None = None, count: int = 12) -> dict:
    """Open and overdue major hazards (and all open) at the end of each of ``count`` months."""
    today = today or ds.today()
    out = {"months": [], "major_open": [], "major_overdue": [], "open": []}
    for m in st.months_ending(month, count):
        day = m.as_of(today)
        snap = st.snapshot(ds.records, day)
        out["months"].append(m.month)
        out["major_open"].append(sum(s.level == "major" and s.state != "closed" for s in snap))
        out["major_overdue"].append(sum(
            s.level == "major" and rectification.is_overdue(s.state, s.deadline, day)
            for s in snap))
        out["open"].append(sum(s.state != "closed" for s in snap))
    return out


def overdue_list(ds: Dataset, day: dt.date) -> list[dict]:
    """Hazards overdue at the end of ``day``, longest overdue first, with the people on them."""
    vnames = {v["id"]: v for v in ds.villages}
    out = []
    for r in ds.records:
        state = st.state_on(r, day)
        if state is None or not rectification.is_overdue(state, r.deadline, day):
            continue
        cell = ds.cells.get(r.cell_code)
        village = vnames[cell["village_id"]] if cell else None
        out.append({
            **r.info, "level": r.level, "source": r.source, "state": state,
            "found_on": r.found_on.isoformat(), "deadline": r.deadline.isoformat(),
            "days_overdue": (day - r.deadline).days, "listed": r.listed,
            "cell_code": r.cell_code, "cell": cell["name"] if cell else OUTSIDE,
            "village": village["name"] if village else OUTSIDE,
            "members": "、".join(m.get("name", "") for m in cell["members"]) if cell else "",
            "supervisor": cell["supervisor"] if cell else None,
        })
    return sorted(out, key=lambda h: (-h["days_overdue"], h["code"]))


def bulletin(ds: Dataset, month: st.Period, today: dt.date | None = None) -> dict:
    """The monthly bulletin (月通报): totals this and last month, ranking, overdue, industries."""
    today = today or ds.today()
    previous = st.previous_month(month)
    inds = industries(ds, month, today)["industries"]
    day = month.as_of(today)
    per_division = defaultdict(list)
    for r in ds.records:
        state = st.state_on(r, day)
        closed_day = st.close_day_in(r, month)
        if state not in (None, "closed") or closed_day is not None:
            per_division[r.division].append(
                {**r.info, "level": r.level, "source": r.source, "state": state,
                 "found_on": r.found_on.isoformat(), "deadline": r.deadline.isoformat(),
                 "closed_in_month": closed_day.isoformat() if closed_day else None,
                 "overdue": rectification.is_overdue(state, r.deadline, day)})
    for row in inds:
        row["hazard_list"] = per_division[row["division"]]
    return {
        "place": "、".join(dict.fromkeys(v["town"] for v in ds.villages)),
        "month": month.month, "previous_month": previous.month, "as_of": day.isoformat(),
        "timezone": ds.tz, "stock_cutoff": ds.cutoff.isoformat(),
        "total": areas_total(ds, month, today),
        "previous_total": areas_total(ds, previous, today),
        "ranking": ranking(ds, month, today),
        "overdue": overdue_list(ds, day),
        "industries": inds,
        "trend": trend(ds, month, today),
    }


def areas_total(ds: Dataset, period: st.Period, today: dt.date) -> dict:
    """The territory's figures alone (hazards and points)."""
    plevels = point_levels(ds, period.as_of(today))
    levels = cell_levels(ds, period.as_of(today), plevels)
    return _row(ds, ds.records, ds.points, period, today, plevels, name="合计",
                red_cells=sum(lv == "red" for lv in levels.values()))
