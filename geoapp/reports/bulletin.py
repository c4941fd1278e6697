"""The bulletin (月通报, 季度通报, 年度总结) as an XLSX workbook, with openpyxl.

Sheets: 概况 (this period against the one before), 排名 (villages, with the
tie rule), 逾期清单 (overdue hazards and the people responsible), 分行业 (one
row per GB/T 4754 division), 巡查 and 审核 (by reviewer) when given, then one
sheet per division that had hazards open at the period's end or closed in
it. The sheet names are the same for every kind of period (a script reading
the workbook finds them); titles and headings name the period and its kind
(本季度, 季末, 上年度…: geoapp.domain.periods.WORDS). Every sheet has a title
row and a frozen header row, sized columns, and prints on A4 landscape, one
page wide.

Every string from the data is written as a literal string: a name such as
``=HYPERLINK(...)`` or ``+1`` would otherwise become a formula (OWASP "CSV
injection"). The cell is typed as a string and, when it starts like a
formula, given the quote prefix, so it stays text in the workbook, also when
someone edits it in Excel or LibreOffice. Neither survives a CSV: CSV holds no
types and no prefix, so saving a sheet as CSV (LibreOffice's export, say)
writes the bare ``=HYPERLINK(...)``, and a spreadsheet opening that CSV may
treat it as a formula again. The bulletin is an XLSX to be read as one;
whoever converts it to CSV must import that CSV with its columns as text.

XML 1.0 cannot hold most control characters, and openpyxl refuses them
(IllegalCharacterError): one "\x0b" pasted into a hazard description would
lose the whole bulletin. Every string written is cleaned of them first, each
replaced by U+FFFD so that the reader sees something was there.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from geoapp.domain import periods, workflow
from geoapp.domain.ranks import COVERAGE_TIE_RULE, TIE_RULE
from geoapp.reports.measures import line

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_STATE = {**workflow.STATE_LABELS, None: ""}
_REPLACEMENT = "\ufffd"

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


def literal(value):
    """A value as openpyxl should store it: None as "", strings without illegal characters.

    (put() keeps strings from becoming formulas.)

    Examples
    --------
    >>> literal("=1+1"), literal(3), literal(None), literal("管道\x0b锈蚀\x07")
    ('=1+1', 3, '', '管道\ufffd锈蚀\ufffd')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(_REPLACEMENT, value)
    return value


def put(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    """Write one cell; a string is stored as text whatever it starts with."""
    cell = ws.cell(row=row, column=col)
    value = literal(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made it "f" if it starts with "="
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    if fmt:
        cell.number_format = fmt
    return cell


def _width(value) -> int:
    text = str(literal(value))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(ws: Worksheet, title: str, headers: list[str], rows: list[list],
           formats: dict[int, str] | None = None, top: int = 1) -> int:
    """Title, header and rows from ``top``; returns the next free row."""
    formats = formats or {}
    put(ws, top, 1, title).font = Font(bold=True, size=14)
    for c, h in enumerate(headers, 1):
        cell = put(ws, top + 1, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, top + 2):
        for c, v in enumerate(values, 1):
            cell = put(ws, r, c, v, formats.get(c))
            cell.border = _BORDER
            # "—" (no value) lines up with the numbers it stands for
            cell.alignment = Alignment(vertical="top", wrap_text=True,
                                       horizontal="right" if v == "—" else None)
    return top + 2 + len(rows)


def _finish(ws: Worksheet, header_row: int = 2, max_width: int = 40) -> None:
    """Column widths from the content, frozen header, A4 landscape one page wide."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(w + 2, 6), max_width)
    # spreadsheet programs do not grow rows for wrapped text on opening: size them here
    for row in ws.iter_rows(min_row=header_row):
        lines = max((-(-_width(c.value) // max(int(ws.column_dimensions[c.column_letter].width
                                                        or 8) - 2, 1))
                     for c in row if c.value is not None and c.alignment.wrap_text), default=1)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _note(ws: Worksheet, row: int, text: str, ncols: int) -> None:
    """A wrapped note across the table's columns (so that it does not widen the print area)."""
    cell = put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    room = sum(ws.column_dimensions[get_column_letter(c)].width or 8
               for c in range(1, ncols + 1))
    ws.row_dimensions[row].height = 16 * (1 + int(_width(text) / max(room - 2, 10)))


def _pct(rate):
    return rate if rate is not None else "—"


def _summary(ws: Worksheet, data: dict, place: str) -> None:
    now, prev = data["total"]["hazards"], data["previous_total"]["hazards"]
    zm, pzm = now["zeroing"]["major"], prev["zeroing"]["major"]
    w = data["words"]
    this, end = w["this"], w["end"]

    def line(label, a, b, fmt=None):
        change = (a - b) if isinstance(a, int | float) and isinstance(b, int | float) else "—"
        return [label, _pct(a), _pct(b), change], fmt

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
    head = ["指标", f"{this}（{label}）", f"{w['previous']}（{prev_label}）", "增减"]
    end_row = _table(ws, title, head, [v for v, _ in lines])
    for i, (_v, fmt) in enumerate(lines, 3):
        if fmt:
            for col in (2, 3):
                ws.cell(row=i, column=col).number_format = fmt
            ws.cell(row=i, column=4).number_format = "+0.0%;-0.0%;0" if fmt == "0.0%" else "0.0"
    end_row += 1
    put(ws, end_row, 1, f"分等级、分来源（{this}）").font = Font(bold=True)
    head = ["类别", f"{this}发现", f"{this}销号", f"{end}未销号", f"{end}逾期"]
    for c, h in enumerate(head, 1):
        cell = put(ws, end_row + 1, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEAD_FILL, _BORDER
    r = end_row + 2
    for key, label in workflow.LEVEL_LABELS.items():
        b = now["by_level"][key]
        for c, v in enumerate([f"{label}事故隐患", b["found"], b["closed"], b["open"],
                               b["overdue"]], 1):
            put(ws, r, c, v).border = _BORDER
        r += 1
    for key, label in workflow.SOURCE_LABELS.items():
        b = now["by_source"][key]
        for c, v in enumerate([label, b["found"], b["closed"], b["open"], b["overdue"]], 1):
            put(ws, r, c, v).border = _BORDER
        r += 1
    _finish(ws, max_width=34)
    ws.column_dimensions["A"].width = 34
    ws.page_setup.fitToHeight = 1  # the summary is one page
    r += 1
    as_of = f"数据截至 {data['as_of']} 24 时（{data['timezone']}）" + \
        ("，期间尚未结束。" if data["to_date"] else "。")
    for note in (as_of, "排名规则：" + TIE_RULE,
                 RULES_NOTE.format(tz=data["timezone"], cutoff=data["stock_cutoff"],
                                   this=this, end=end)):
        _note(ws, r, note, 5)
        r += 1


def _ranking(ws: Worksheet, data: dict) -> None:
    rank, previous = data["ranking"], data["words"]["previous"]
    rows = [[r["rank"], r["prev_rank"] if r["prev_rank"] is not None else "—",
             r["rank_change"] if r["rank_change"] is not None else "—", r["name"], r["code"],
             r["town"], r["total"], r["closed_total"], _pct(r["rectification_rate"]),
             _pct(r["prev_rate"]), r["overdue"], r["red_cells"], r["major_open"]]
            for r in rank["rows"]]
    end = _table(ws, f"村（社区）排名（{rank['period']['label']}，"
                     f"与 {rank['previous']['label']} 比较）",
                 ["排名", f"{previous}排名", "名次变化", "村/社区", "代码", "镇/街道", "累计隐患",
                  "已销号", "整改率", f"{previous}整改率", "逾期", "红色网格", "重大未销号"],
                 rows, {9: "0.0%", 10: "0.0%", 3: "+0;-0;0"})
    _finish(ws)
    _note(ws, end + 1, "排名规则：" + TIE_RULE + "名次变化为正表示上升。", 13)


def _overdue(ws: Worksheet, data: dict) -> None:
    rows = [[h["code"], h["village"], h["cell"], h["point"], h["description"],
             workflow.LEVEL_LABELS[h["level"]], workflow.SOURCE_LABELS[h["source"]],
             "是" if h["listed"] else "", h["found_on"], h["deadline"], h["days_overdue"],
             _STATE[h["state"]], h["responsible_unit"], h["responsible_person"], h["members"],
             h["supervisor"]] for h in data["overdue"]]
    _table(ws, f"逾期未整改隐患清单（截至 {data['as_of']}）",
           ["隐患编号", "村/社区", "网格", "点位", "隐患描述", "等级", "来源", "挂牌督办",
            "发现日期", "整改期限", "逾期天数", "状态", "责任单位", "责任人", "网格员",
            "监管责任人"], rows)
    _finish(ws, max_width=18)


def _industries(ws: Worksheet, data: dict) -> None:
    rows = []
    for row in data["industries"]:
        h = row["hazards"]
        rows.append([row["name"], row["points"]["total"], h["found"], h["closed"], h["open"],
                     h["overdue"], h["major_open"], _pct(h["rectification_rate"]),
                     h["avg_days_to_close"] if h["avg_days_to_close"] is not None else "—"])
    this, end = data["words"]["this"], data["words"]["end"]
    _table(ws, f"分行业统计（{data['period']['label']}，国民经济行业分类 GB/T 4754-2017 大类）",
           ["行业", "点位数", f"{this}发现", f"{this}销号", f"{end}未销号", f"{end}逾期",
            "重大未销号", "整改率", "平均整改天数"], rows, {8: "0.0%"})
    _finish(ws)


def _industry_sheet(ws: Worksheet, row: dict, data: dict) -> None:
    rows = [[h["code"], h["point"], h["description"], workflow.LEVEL_LABELS[h["level"]],
             workflow.SOURCE_LABELS[h["source"]], h["found_on"], h["deadline"],
             _STATE[h["state"]], h["closed_in_month"] or "", "是" if h["overdue"] else "",
             h["responsible_unit"], h["responsible_person"]] for h in row["hazard_list"]]
    this, end = data["words"]["this"], data["words"]["end"]
    _table(ws, f"{row['name']}：{end}未销号及{this}销号隐患（{data['period']['label']}）",
           ["隐患编号", "点位", "隐患描述", "等级", "来源", "发现日期", "整改期限", f"{end}状态",
            f"{this}销号日期", "逾期", "责任单位", "责任人"], rows)
    _finish(ws, max_width=30)


def _visits(ws: Worksheet, visits: dict) -> None:
    """Visits (巡查): coverage per village ranked, then per grid member, then per cell."""
    period = visits["period"]
    span = f"{period['from']} 至 {period['to']}"
    rows = [[v["rank"], v["name"], v["code"] or "", v["town"], v["points"], v["on_time"],
             v["overdue"], _pct(v["coverage"]), v["red_cells"], v["visits"],
             v["points_visited"]] for v in visits["villages"]]
    end = _table(ws, f"村（社区）巡查覆盖率排名（{span}）",
                 ["排名", "村/社区", "代码", "镇/街道", "点位", "未逾期", "逾期未巡查",
                  "巡查覆盖率", "红色网格", "期内巡查次数", "期内巡查点位"],
                 rows, {8: "0.0%"})
    _note(ws, end, "排名规则：" + COVERAGE_TIE_RULE
          + f"巡查覆盖率 = 截至 {visits['as_of']} 未逾期巡查的点位 ÷ 点位。", 11)
    rows = [[m["name"] or m["username"], m["username"], m["visits"], m["points"],
             "、".join(m["cells"])] for m in visits["members"]]
    end = _table(ws, f"各网格员巡查（{span}）",
                 ["网格员", "账号", "巡查次数", "巡查点位", "所到网格"], rows, top=end + 2)
    rows = [[c["code"] or "", c["name"], c.get("village", ""), c["points"], c["points_due"],
             c["visits"], c["points_visited"], c["due_visited"], c["overdue"],
             _pct(c["coverage"])] for c in [*visits["cells"], visits["outside"]]]
    _table(ws, f"各网格巡查（{span}）",
           ["网格代码", "网格", "村/社区", "点位", "期内应巡查", "巡查次数", "巡查点位",
            "应巡查中已巡查", "期末逾期未巡查", "巡查覆盖率"], rows, {10: "0.0%"}, top=end + 1)
    _finish(ws)


def _measures(ws: Worksheet, data: dict, measures: dict) -> None:
    """督办措施: those taken on the overdue hazards (named, one line each), then the
    month's count per kind and village."""
    rows = [[h["code"], h["village"], h["point"], h["description"], h["days_overdue"],
             "\n".join(line(m) for m in measures["overdue"].get(h["code"], [])) or "无"]
            for h in data["overdue"]]
    top = _table(ws, f"逾期隐患已采取的督办措施（截至 {data['as_of']}）",
                 ["隐患编号", "村/社区", "点位", "隐患描述", "逾期天数", "督办措施"], rows)
    kinds = measures["kinds"]
    counts = [[v["town"], v["name"], *(v["counts"][k["code"]] for k in kinds),
               v["counts"]["total"]] for v in measures["villages"]]
    counts.append(["合计", "", *(measures["total"][k["code"]] for k in kinds),
                   measures["total"]["total"]])
    _table(ws, f"本期督办措施（{measures['period']['from']} 至 {measures['period']['to']}）",
           ["镇/街道", "村/社区", *(k["label"] for k in kinds), "合计"], counts, top=top + 1)
    _finish(ws, max_width=40)


def _reviewers(ws: Worksheet, report: dict) -> None:
    """审核: per account, acceptances, rejections, median days from 提请验收 to the decision."""
    period = report["period"]
    rows = [[r["name"] or r["username"], r["username"], r["accepted"], r["rejected"],
             r["decisions"], r["median_days"] if r["median_days"] is not None else "—"]
            for r in report["reviewers"]]
    t = report["total"]
    rows.append(["合计", "", t["accepted"], t["rejected"], t["decisions"],
                 t["median_days"] if t["median_days"] is not None else "—"])
    end = _table(ws, f"隐患验收审核情况（{period['label']}，截至 {report['as_of']}）",
                 ["审核人", "账号", "验收通过（销号）", "退回", "合计",
                  "提请验收至审核天数（中位数）"], rows, {6: "0.0"})
    _finish(ws)
    _note(ws, end + 1, "口径：按审核（验收通过或退回）的当地日期计入期间；天数 = 隐患最近一次"
                       "提请验收至审核的日历天数（当天审核为 0），无提请验收记录的不计天数；"
                       "中位数为期内各次审核天数的中位数。", 6)


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\).

    Examples
    --------
    >>> sheet_title("C26 化学原料/制品", set())
    'C26 化学原料 制品'
    """
    name = re.sub(r"[\[\]:*?/\\]", " ", text).strip("' ")[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    taken.add(name)
    return name


def _extensions(ws: Worksheet, ext: dict) -> None:
    """Extensions (延期): requested, granted, refused in the month, pending at its end."""
    period = ext["period"]
    heads = ["村/社区", "代码", "镇/街道", "申请延期", "批准", "不批准", "期末待审批"]
    rows = [[v["name"], v["code"] or "", v["town"], v["requested"], v["granted"], v["refused"],
             v["pending"]] for v in ext["villages"]]
    rows.append([ext["outside"]["name"], "", "", *(ext["outside"][k] for k in (
        "requested", "granted", "refused", "pending"))])
    rows.append(["合计", "", "", *(ext["total"][k] for k in (
        "requested", "granted", "refused", "pending"))])
    end = _table(ws, f"隐患整改延期（{period['from']} 至 {ext['as_of']}）", heads, rows)
    _note(ws, end, "申请按提出之日、批准与不批准按审批之日计入；期末待审批 = 截至 "
          f"{ext['as_of']} 已申请而未审批。", len(heads))
    _finish(ws)


def write(data: dict, out: str | IO[bytes], visits: dict | None = None,
          extensions: dict | None = None, measures: dict | None = None,
          reviewers: dict | None = None) -> None:
    """Write the bulletin of ``geoapp.reports.tables.bulletin`` to a path or binary stream.

    ``visits`` (geoapp.reports.visits.report for the same month) adds the 巡查 sheet,
    ``extensions`` (geoapp.reports.extensions.report) the 延期 sheet, ``measures``
    (geoapp.reports.measures.report) the 督办措施 sheet, ``reviewers``
    (geoapp.reports.reviewers.report) the 审核 sheet.
    """
    place = data.get("place") or ""
    wb = Workbook()
    sheets = [("概况", lambda ws: _summary(ws, data, place)),
              ("排名", lambda ws: _ranking(ws, data)),
              ("逾期清单", lambda ws: _overdue(ws, data)),
              ("分行业", lambda ws: _industries(ws, data))]
    if visits is not None:
        sheets.append(("巡查", lambda ws: _visits(ws, visits)))
    if extensions is not None:
        sheets.append(("延期", lambda ws: _extensions(ws, extensions)))
    if measures is not None:
        sheets.append(("督办措施", lambda ws: _measures(ws, data, measures)))
    if reviewers is not None:
        sheets.append(("审核", lambda ws: _reviewers(ws, reviewers)))
    taken: set[str] = set()
    for i, (name, fill) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet_title(name, taken)
        fill(ws)
    for row in data["industries"]:
        if row["hazard_list"]:
            ws = wb.create_sheet(sheet_title(row["name"], taken))
            _industry_sheet(ws, row, data)
    wb.properties.title = literal(f"{place}{data['words']['bulletin']} {data['period']['label']}")
    wb.properties.creator = "geoapp"
    wb.save(out)
