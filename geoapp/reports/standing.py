"""红黑榜 as XLSX: the export of /standing (one sheet) and the bulletin's short 红黑榜 sheet.

The lists come from geoapp.store.reads.standing_data.lists (rules in
layers/standing.toml, evaluated by geoapp.domain.standing); the cells are
written through geoapp.reports.workbook (text stays text, never a formula).
"""

from __future__ import annotations

from typing import IO

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from geoapp.reports.workbook import finish, literal, note, paginate, table

HEADS = ["序号", "企业", "信用代码/编号", "镇/街道", "村/社区", "网格", "经营状态",
         "标准化等级", "安责险", "依据"]
RULE_NOTE = ("依据 layers/standing.toml 的规则自动生成：任一黑榜规则成立即列入黑榜；"
             "全部红榜规则成立且不在黑榜的列入红榜。")


def _rows(entries: list[dict]) -> list[list]:
    def insured(a):
        if a.get("insured") is None:
            return ""
        return ("是" if a["insured"] else "否") + (
            f"（至 {a['insured_until']}）" if a.get("insured") and a.get("insured_until") else "")

    return [[i, e["name"], e["key"], e["town"] or "", e["village"] or "", e["cell"] or "网格外",
             e["attrs"].get("status") or "正常生产", e["attrs"].get("standardisation") or "",
             insured(e["attrs"]),
             "\n".join(f"{r['label']}：{r['detail']}" if r["detail"] else r["label"]
                       for r in e["reasons"])]
            for i, e in enumerate(entries, 1)]


def sheet(ws: Worksheet, lists: dict, as_of: str, place: str = "") -> None:
    """Both lists on one sheet: the black list first (it asks for action), then the red."""
    end = table(ws, f"{place}安全生产黑榜（截至 {as_of}，{len(lists['black'])} 家）", HEADS,
                _rows(lists["black"]))
    end = table(ws, f"{place}安全生产红榜（截至 {as_of}，{len(lists['red'])} 家）", HEADS,
                _rows(lists["red"]), top=end + 1)
    note(ws, end, RULE_NOTE + f"参评企业 {lists['enterprises']} 家。", len(HEADS))
    finish(ws, text_columns={10: 40})


def workbook(lists: dict, out: str | IO[bytes], as_of: str, place: str = "") -> None:
    """The export: one sheet 红黑榜, printable on A4 landscape."""
    wb = Workbook()
    ws = wb.active
    ws.title = "红黑榜"
    sheet(ws, lists, as_of, place)
    paginate(ws)
    wb.properties.title = literal(f"{place}红黑榜 {as_of}")
    wb.properties.creator = "geoapp"
    wb.save(out)
