"""The bulletin (月通报, 季度通报, 年度总结) as an XLSX workbook, with openpyxl.

Sheets: 概况 (this period against the one before), 排名 (villages, with the
tie rule), 逾期清单 (overdue hazards and the people responsible), 分行业 (one
row per GB/T 4754 division, then the hazards open at the period's end or
closed in it, under a heading per division), 巡查, 延期, 督办措施, 审核 (by
reviewer), 渠道 (by channel) and 红黑榜 when given. The sheet names are the same for
every kind of period (a script reading the workbook finds them); titles and
headings name the period and its kind (本季度, 季末, 上年度…:
geoapp.domain.periods.WORDS). Every sheet has a title row and a frozen header
row, sized columns, and prints on A4 landscape, one page wide, its page breaks
placed (geoapp.reports.workbook.paginate: no near-empty page, no row split, a
title never alone at a page's foot).

Cells are written through geoapp.reports.workbook (strings stay text, never a
formula; control characters replaced).
"""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from geoapp.domain import periods, workflow
from geoapp.domain.ranks import TIE_RULE
from geoapp.reports import bulletin_sheets
from geoapp.reports import zones as zone_figures
from geoapp.reports.issue import chinese_date
from geoapp.reports.standing import sheet as standing_sheet
from geoapp.reports.workbook import (
    BORDER,
    HEAD_FILL,
    finish,
    literal,
    note,
    paginate,
    pct,
    put,
    section,
    sheet_title,
    table,
    table_rows,
)

_STATE = {**workflow.STATE_LABELS, None: ""}

RULES_NOTE = (
    "口径：日期均为 {tz} 当地日期；“{this}销号”按销号日期计（23:59 验收的算当天）；"
    "“{end}”指{this}最后一天24 时的状态（{this}未结束的为今天），"
    "由每条隐患的记录和整改日志还原，不是存档快照。整改率 = "
    "{end}已销号 / {end}已发现。挂牌督办：新挂牌按发现日期计，摘牌 = 挂牌督办隐患在{this}销号。"
    "存量为 {cutoff} 前发现的隐患。"
)


def file_key(period: periods.Period) -> str:
    """The period in the workbook's file name: 2026-03, 2026Q3, 2026, 2026-03-01_2026-03-20.

    Examples
    --------
    >>> file_key(periods.parse_quarter("2026Q3")), file_key(periods.parse_range(
    ...     "2026-03-01", "2026-03-20"))
    ('2026Q3', '2026-03-01_2026-03-20')
    """
    return "_".join(period.query().values())


def _summary(ws: Worksheet, data: dict, place: str, issued: dict | None) -> None:
    now, prev = data["total"]["hazards"], data["previous_total"]["hazards"]
    zm, pzm = now["zeroing"]["major"], prev["zeroing"]["major"]
    w = data["words"]
    this, end = w["this"], w["end"]

    def line(label, a, b, fmt=None):
        change = (a - b) if isinstance(a, int | float) and isinstance(b, int | float) else "—"
        return [label, pct(a), pct(b), change], fmt

    lines = [
        line(f"{this}发现隐患", now["found"], prev["found"]),
        line("  其中重大事故隐患", now["by_level"]["major"]["found"],
             prev["by_level"]["major"]["found"]),
        line(f"{this}销号", now["closed"], prev["closed"]),
        line(f"{end}未销号", now["open"], prev["open"]),
        line("  其中重大事故隐患", now["major_open"], prev["major_open"]),
        line(f"{end}逾期", now["overdue"], prev["overdue"]),
        line(f"累计发现（截至{end}）", now["total"], prev["total"]),
        line(f"累计销号（截至{end}）", now["closed_total"], prev["closed_total"]),
        line("整改率", now["rectification_rate"], prev["rectification_rate"], "0.0%"),
        line(f"{this}销号平均整改天数", now["avg_days_to_close"], prev["avg_days_to_close"],
             "0.0"),
        *(row for key, label in (("listed", f"{this}新挂牌"), ("delisted", f"{this}摘牌销号"),
                                 ("open", f"{end}在督"))
          for row in (line(f"挂牌督办：{label}", now["listed"][key], prev["listed"][key]),
                      line("  其中重大事故隐患", now["listed"]["by_level"]["major"][key],
                           prev["listed"]["by_level"]["major"][key]))),
        line("动态清零：重大隐患存量未清", zm["stock_open"], pzm["stock_open"]),
        line("动态清零：本年新增重大隐患", zm["increment_year"]["found"],
             pzm["increment_year"]["found"]),
        line("动态清零：本年新增重大隐患已销号", zm["increment_year"]["closed"],
             pzm["increment_year"]["closed"]),
        line("红色（重大风险）网格", data["total"]["red_cells"],
             data["previous_total"]["red_cells"]),
    ]
    label, prev_label = data["period"]["label"], data["previous"]["label"]
    title = f"{place}安全生产隐患排查治理{w['bulletin']}（{label}）"
    if issued:  # the 文号 under the title, as on the printed page
        title += f"\n{issued['number']}"
    head = ["指标", f"{this}（{label}）", f"{w['previous']}（{prev_label}）", "增减"]
    end_row = table(ws, title, head, [v for v, _ in lines])
    for i, (_v, fmt) in enumerate(lines, 3):
        if fmt:
            for col in (2, 3):
                ws.cell(row=i, column=col).number_format = fmt
            ws.cell(row=i, column=4).number_format = "+0.0%;-0.0%;0" if fmt == "0.0%" else "0.0"
    end_row += 1
    section(ws, end_row, f"分等级、分来源（{this}）", 5)
    head = ["类别", f"{this}发现", f"{this}销号", f"{end}未销号", f"{end}逾期"]
    for c, h in enumerate(head, 1):
        cell = put(ws, end_row + 1, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
    r = end_row + 2
    for key, label in workflow.LEVEL_LABELS.items():
        b = now["by_level"][key]
        for c, v in enumerate([f"{label}事故隐患", b["found"], b["closed"], b["open"],
                               b["overdue"]], 1):
            put(ws, r, c, v).border = BORDER
        r += 1
    for key, label in workflow.SOURCE_LABELS.items():
        b = now["by_source"][key]
        for c, v in enumerate([label, b["found"], b["closed"], b["open"], b["overdue"]], 1):
            put(ws, r, c, v).border = BORDER
        r += 1
    r = _layers(ws, data, r + 1)
    finish(ws, max_width=34)
    r += 1
    as_of = f"数据截至 {data['as_of']} 24 时（{data['timezone']}）" + \
        ("，期间尚未结束。" if data["to_date"] else "。")
    for text in (as_of, "排名规则：" + TIE_RULE,
                 RULES_NOTE.format(tz=data["timezone"], cutoff=data["stock_cutoff"],
                                   this=this, end=end)):
        note(ws, r, text, 5)
        r += 1
    if issued:  # the issuing unit and the date, at the foot on the right (落款)
        for text in (issued["issuer"], chinese_date(issued["date"])):
            r += 1
            note(ws, r, text, 5)
            ws.cell(row=r, column=1).alignment = Alignment(horizontal="right")


def _layers(ws: Worksheet, data: dict, r: int) -> int:
    """Points by layer (every layer of layers/) and level at the period's end, from row ``r``;
    returns the row after the table."""
    section(ws, r, f"分图层点位（{data['words']['end']}风险等级）", 6)
    levels = data.get("level_labels", {})
    head = ["图层", *levels.values(), "合计"]
    for c, h in enumerate(head, 1):
        cell = put(ws, r + 1, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
    r += 2
    for code, label in data.get("layers", {}).items():
        counts = data["total"]["points"].get(code, {})
        for c, v in enumerate([label, *(counts.get(lv, 0) for lv in levels),
                               counts.get("total", 0)], 1):
            put(ws, r, c, v).border = BORDER
        r += 1
    return r


def _ranking(ws: Worksheet, data: dict) -> None:
    rank, previous = data["ranking"], data["words"]["previous"]
    rows = [[r["rank"], r["prev_rank"] if r["prev_rank"] is not None else "—",
             r["rank_change"] if r["rank_change"] is not None else "—", r["name"], r["code"],
             r["town"], r["total"], r["closed_total"], pct(r["rectification_rate"]),
             pct(r["prev_rate"]), r["overdue"], r["red_cells"], r["major_open"]]
            for r in rank["rows"]]
    unit = "镇街" if rank.get("unit") == "town" else "村/社区"
    end = table(ws, f"{'镇（街道）' if unit == '镇街' else '村（社区）'}排名"
                     f"（{rank['period']['label']}，与 {rank['previous']['label']} 比较）",
                 ["排名", f"{previous}排名", "名次变化", unit, "代码", "镇/街道", "累计隐患",
                  "已销号", "整改率", f"{previous}整改率", "逾期", "红色网格", "重大未销号"],
                 rows, {9: "0.0%", 10: "0.0%", 3: "+0;-0;0"})
    finish(ws)
    note(ws, end + 1, "排名规则：" + TIE_RULE + "名次变化为正表示上升。", 13)
    apart = "、".join(r["name"] for r in rank.get("no_hazards", []))
    if data.get("empty"):
        note(ws, end + 2, f"{data['period']['label']}没有发现或销号的隐患，排名与上期相同。", 13)
    if apart:
        note(ws, end + 3, f"本期无隐患（不参加排名）：{apart}", 13)


def _overdue(ws: Worksheet, data: dict) -> None:
    rows = [[h["code"], h["village"], h["cell"], h["point"], h["description"],
             workflow.LEVEL_LABELS[h["level"]], workflow.SOURCE_LABELS[h["source"]],
             "是" if h["listed"] else "", h["found_on"], h["deadline"], h["days_overdue"],
             _STATE[h["state"]], h["responsible_unit"], h["responsible_person"], h["members"],
             h["supervisor"]] for h in data["overdue"]]
    table(ws, f"逾期未整改隐患清单（截至 {data['as_of']}）",
           ["隐患编号", "村/社区", "网格", "点位", "隐患描述", "等级", "来源", "挂牌督办",
            "发现日期", "整改期限", "逾期天数", "状态", "责任单位", "责任人", "网格员",
            "监管责任人"], rows)
    finish(ws, text_columns={5: 24})


def _industries(ws: Worksheet, data: dict) -> None:
    """分行业: the figures per division, then one list of the hazards open at the period's
    end or closed in it, a heading row per division (one sheet, not one per division: a
    division with two hazards made a page of its own)."""
    rows = []
    for row in data["industries"]:
        h = row["hazards"]
        rows.append([row["name"], row["points"]["total"], h["found"], h["closed"], h["open"],
                     h["overdue"], h["major_open"], pct(h["rectification_rate"]),
                     h["avg_days_to_close"] if h["avg_days_to_close"] is not None else "—"])
    this, end = data["words"]["this"], data["words"]["end"]
    top = table(ws, f"分行业统计（{data['period']['label']}，"
                    "国民经济行业分类 GB/T 4754-2017 大类）",
                ["行业", "点位数", f"{this}发现", f"{this}销号", f"{end}未销号", f"{end}逾期",
                 "重大未销号", "整改率", "平均整改天数"], rows, {8: "0.0%"})
    heads = ["隐患编号", "点位", "隐患描述", "等级", "来源", "发现日期", "整改期限", f"{end}状态",
             f"{this}销号日期", "逾期", "责任单位", "责任人"]
    listed = [row for row in data["industries"] if row["hazard_list"]]
    row_no = table(ws, f"{end}未销号及{this}销号隐患（{data['period']['label']}）", heads, [],
                   top=top + 1)
    for row in listed:
        section(ws, row_no, f"{row['name']}（{len(row['hazard_list'])} 条）", len(heads))
        row_no = table_rows(ws, row_no + 1, [
            [h["code"], h["point"], h["description"], workflow.LEVEL_LABELS[h["level"]],
             workflow.SOURCE_LABELS[h["source"]], h["found_on"], h["deadline"],
             _STATE[h["state"]], h["closed_in_month"] or "", "是" if h["overdue"] else "",
             h["responsible_unit"], h["responsible_person"]] for h in row["hazard_list"]])
    finish(ws, text_columns={3: 24})


def write(data: dict, out: str | IO[bytes], visits: dict | None = None,
          extensions: dict | None = None, measures: dict | None = None,
          reviewers: dict | None = None, channels: dict | None = None,
          issue: dict | None = None, standing: dict | None = None,
          zones: tuple | None = None, accidents: dict | None = None) -> None:
    """Write the bulletin of ``geoapp.reports.tables.bulletin`` to a path or binary stream.

    ``visits`` (geoapp.reports.visits.report for the same month) adds the 巡查 sheet,
    ``extensions`` (geoapp.reports.extensions.report) the 延期 sheet, ``measures``
    (geoapp.reports.measures.report) the 督办措施 sheet, ``reviewers``
    (geoapp.reports.reviewers.report) the 审核 sheet, ``channels``
    (geoapp.reports.channels.report) the 渠道 sheet, ``standing``
    (geoapp.store.reads.standing_data.lists at the period's end) the 红黑榜 sheet;
    ``issue`` (geoapp.reports.issue.block) the 文号 under the title and the issuing unit
    and date at the foot of 概况; ``zones`` (geoapp.reports.zones.report, the layers' and
    grades' labels) the 功能区 sheet; ``accidents`` (geoapp.reports.accidents.report) the
    事故 sheet (双下降).
    """
    place = data.get("place") or ""
    wb = Workbook()
    sheets = [("概况", lambda ws: _summary(ws, data, place, issue)),
              ("排名", lambda ws: _ranking(ws, data)),
              ("逾期清单", lambda ws: _overdue(ws, data)),
              ("分行业", lambda ws: _industries(ws, data))]
    if "departments" in data:  # 三管三必须
        sheets.append(("分部门", lambda ws: bulletin_sheets.departments(ws, data)))
    if visits is not None:
        sheets.append(("巡查", lambda ws: bulletin_sheets.visits(ws, visits)))
    if extensions is not None:
        sheets.append(("延期", lambda ws: bulletin_sheets.extensions(ws, extensions)))
    if measures is not None:
        sheets.append(("督办措施", lambda ws: bulletin_sheets.measures(ws, data, measures)))
    if reviewers is not None:
        sheets.append(("审核", lambda ws: bulletin_sheets.reviewers(ws, reviewers)))
    if channels is not None:
        sheets.append(("渠道", lambda ws: bulletin_sheets.channels(ws, channels)))
    if standing is not None:
        sheets.append(("红黑榜", lambda ws: standing_sheet(ws, standing, standing["as_of"], place)))
    if zones is not None and zones[0]["zones"]:
        sheets.append(("功能区", lambda ws: zone_figures.sheet(ws, *zones)))
    if accidents is not None:
        sheets.append(("事故", lambda ws: bulletin_sheets.accidents(ws, accidents)))
    taken: set[str] = set()
    for i, (name, fill) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet_title(name, taken)
        fill(ws)
    for ws in wb.worksheets:
        paginate(ws, one_page=ws.title == "概况")  # the summary is one page
    wb.properties.title = literal(f"{place}{data['words']['bulletin']} {data['period']['label']}")
    wb.properties.creator = "geoapp"
    wb.save(out)
