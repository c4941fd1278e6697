"""Figures by functional zone (功能区): points by layer and level at the period's end,
hazards found, closed, open and overdue in the period, and the zone's grade in force.

A point lies in every zone it falls in (``Point.zone_codes``: zones may overlap), so a
zone's figures are computed one zone at a time over the same history as the areas'
(geoapp.reports.tables): a point or hazard in two zones counts in both, and the rows
are not summed into a total (they would double-count). Points outside every zone are
in no row. The grade is the latest assessment's, else the ledger score's
(geoapp.domain.zone_grades); it is the grade *now*, not on the period's last day.

Outputs: the /reports section (its dict), the bulletin's 功能区 sheet and
/reports/zones.csv, from the one ``report``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl.worksheet.worksheet import Worksheet

from geoapp.domain import periods
from geoapp.domain.layers import LEVEL_ORDER
from geoapp.reports.pastlevels import empty as empty_counts
from geoapp.reports.pastlevels import point_tables
from geoapp.reports.tables import Dataset, group_figures
from geoapp.reports.workbook import finish, literal, note, pct, table

FIGURES = ("found", "closed", "open", "overdue")


def report(ds: Dataset, period: periods.Period, today: dt.date | None = None) -> dict:
    """{period, as_of, zones: [{code, name, kind, grade, grade_source, assessed_on,
    points: {layer: {red…blue, total}, total}, points_by_level: {red…blue},
    hazards: hazard figures}]}."""
    today = today or ds.today()
    day = period.as_of(today)
    none = empty_counts(ds)
    rows = []
    for z in (ds.places.zones if ds.places else []):
        code = z["code"]
        points = point_tables(ds, day, f"zone:{code}", lambda p, c=code: c in p.zone_codes)
        hazards = group_figures(ds, period, today, f"zone:{code}",
                                lambda p, c=code: c in p.zone_codes, [True])[True]
        counts = points.get(True, none)
        by_level = {lv: sum(c[lv] for c in counts.values() if isinstance(c, dict))
                    for lv in LEVEL_ORDER}
        rows.append({**z, "points": counts, "points_by_level": by_level, "hazards": hazards})
    return {"period": period.to_dict(), "as_of": day.isoformat(), "zones": rows}


def _rows(rep: dict, layers: dict[str, str], grade_labels: dict[str, str]) -> tuple[list, list]:
    """The one flat table of the sheet and the CSV: headers and rows."""
    heads = ["功能区编码", "功能区", "类型", "安全风险等级", "评估日期"]
    for label in layers.values():
        heads += [f"{label}·{lv}" for lv in ("红", "橙", "黄", "蓝")] + [f"{label}·合计"]
    heads += ["点位合计", "期内发现", "期内销号", "期末未销号", "期末逾期", "整改率"]
    rows = []
    for z in rep["zones"]:
        row = [z["code"], z["name"], z["kind"], grade_labels.get(z["grade"], "未评级"),
               z["assessed_on"] or ("台账评分" if z["grade_source"] == "ledger" else "")]
        for layer in layers:
            counts = z["points"].get(layer) or dict.fromkeys((*LEVEL_ORDER, "total"), 0)
            row += [counts[lv] for lv in LEVEL_ORDER] + [counts["total"]]
        h = z["hazards"]
        row += [z["points"]["total"], *(h[k] for k in FIGURES), pct(h["rectification_rate"])]
        rows.append(row)
    return heads, rows


def sheet(ws: Worksheet, rep: dict, layers: dict[str, str], grade_labels: dict[str, str]) -> None:
    """The bulletin's 功能区 sheet: hazards per zone, then points per zone and layer (two
    narrow tables that print on A4, where the CSV's one row per zone would not)."""
    span = f"{rep['period']['from']} 至 {rep['as_of']}"
    rows = [[z["code"], z["name"], z["kind"], grade_labels.get(z["grade"], "未评级"),
             z["points"]["total"], *(z["hazards"][k] for k in FIGURES),
             pct(z["hazards"]["rectification_rate"])] for z in rep["zones"]]
    end = table(ws, f"分功能区统计（{span}）",
                ["功能区编码", "功能区", "类型", "安全风险等级", "点位", "期内发现", "期内销号",
                 "期末未销号", "期末逾期", "整改率"], rows, {10: "0.0%"})
    rows = [[z["code"], z["name"], label, *(z["points"][code][lv] for lv in LEVEL_ORDER),
             z["points"][code]["total"]]
            for z in rep["zones"] for code, label in layers.items()
            if z["points"].get(code, {}).get("total")]
    end = table(ws, f"各功能区点位（截至 {rep['as_of']}，按期末风险等级）",
                ["功能区编码", "功能区", "图层", "红", "橙", "黄", "蓝", "合计"], rows, top=end + 1)
    note(ws, end, "一个点位位于多个功能区时在每个功能区各计一次，各行不相加。等级为最近一次评估的"
         "等级，未评估的按台账评分；A 级风险最高。", 10)
    finish(ws)


def as_csv(rep: dict, layers: dict[str, str], grade_labels: dict[str, str]) -> bytes:
    """The same table as CSV: UTF-8 with a BOM (Excel reads it so), no cell read as a
    formula (a leading =, +, -, @ gets a quote, as in the workbooks)."""
    heads, rows = _rows(rep, layers, grade_labels)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(heads)
    for row in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else literal(v)
                         for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
