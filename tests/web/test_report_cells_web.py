"""/reports' per-cell visits table at scale: past REPORT_PAGE_CELLS cells the page lists
only those needing attention and says how many it hides; a village lists all its own; the
JSON twin and the XLSX keep every cell. Uses test_visits.py's territory (both backends):

    cell  village  points  overdue for a visit at 2030-06's end  coverage
    A     东村     2       1 (I1)                                0.5
    B     东村     2       1 (E1)                                0.5
    C     西村     2       0                                     1.0
    D     南村     2       1 (I4)                                0.5
    网格外          1       1 (C3)
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from geoapp.domain.inspection import VISIT_STATUSES
from geoapp.reports.visits import page_cells
from tests.support.apps import make_app
from tests.web.test_visits import leader, territory  # noqa: F401  (the fixtures)


def _cell_rows(html: str) -> list[str]:
    table = html.split('id="visit-cells"')[1].split("</table>")[0]
    return re.findall(r'<tr data-code="([^"]*)"', table)


def _page(client, app, limit: int, query: str = "") -> str:
    app.config["REPORT_PAGE_CELLS"] = limit
    response = client.get(f"/reports?month=2030-06{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_up_to_the_limit_every_cell_is_listed(app, leader):  # noqa: F811
    html = _page(leader, app, 4)
    assert _cell_rows(html) == ["A", "B", "C", "D", ""]  # "": 网格外
    assert 'id="visit-cells-trimmed"' not in html


def test_past_the_limit_the_cells_needing_attention_and_what_is_hidden(app, leader):  # noqa: F811
    html = _page(leader, app, 3)
    assert _cell_rows(html) == ["A", "B", "D", ""]  # C has no point overdue for a visit
    note = html.split('id="visit-cells-trimmed">')[1].split("</p>")[0]
    assert "共 4 个网格，显示需关注的 3 个" in note
    assert 'href="#village-form"' in note and 'id="village-form"' in html
    assert "/reports/bulletin.xlsx?month=2030-06" in note
    # the footer is still the whole territory's
    foot = html.split('id="visit-cells"')[1].split("<tfoot>")[1].split("</tfoot>")[0]
    assert re.findall(r"<td>([^<]*)</td>", foot)[:6] == ["9", "9", "4", "3", "3", "4"]


def test_more_cells_needing_attention_than_the_limit(app, leader):  # noqa: F811
    html = _page(leader, app, 2)
    assert _cell_rows(html) == ["A", "B", ""]
    note = html.split('id="visit-cells-trimmed">')[1].split("</p>")[0]
    assert "共 4 个网格，其中 3 个需关注" in note and "最多的 2 个" in note


def test_a_village_lists_all_its_cells(app, leader):  # noqa: F811
    html = _page(leader, app, 1, "&village=V1")
    assert _cell_rows(html) == ["A", "B"]  # 东村's, and no 网格外
    assert 'id="visit-cells-trimmed"' not in html
    assert "东村 各网格巡查" in html
    foot = html.split('id="visit-cells"')[1].split("<tfoot>")[1].split("</tfoot>")[0]
    # 东村's sums: points, due, visits, points visited, due visited, overdue, coverage
    assert re.findall(r"<td>([^<]*)</td>", foot) == ["4", "4", "2", "1", "1", "2", "50.0%"]


def test_the_json_twin_and_the_xlsx_keep_every_cell(app, leader):  # noqa: F811
    app.config["REPORT_PAGE_CELLS"] = 1
    data = leader.get("/api/reports/visits?month=2030-06").get_json()
    assert [c["code"] for c in data["cells"]] == ["A", "B", "C", "D"]
    ws = openpyxl.load_workbook(io.BytesIO(
        leader.get("/reports/bulletin.xlsx?month=2030-06").data))["巡查"]
    values = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    cells = values.index(["各网格巡查（2030-06-01 至 2030-06-30）"])
    assert [r[0] for r in values[cells + 2:cells + 6]] == ["A", "B", "C", "D"]
    html = leader.get("/reports/print?month=2030-06").get_data(as_text=True)
    table = html.split('id="print-visit-cells"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-code="([^"]*)"', table) == ["A", "B", "C", "D", ""]


def _cell(code, overdue, points, visits=0, village_id=1):
    return {**dict.fromkeys(("points_due", "points_visited", "due_visited", *VISIT_STATUSES), 0),
            "code": code, "village_id": village_id, "points": points, "visits": visits,
            "overdue": overdue,
            "coverage": round((points - overdue) / points, 4) if points else None}


def test_attention_order_most_overdue_then_lowest_coverage_then_code():
    report = {"cells": [_cell("A", 1, 4), _cell("B", 2, 10), _cell("C", 1, 2),
                        _cell("D", 0, 3), _cell("E", 0, 0, visits=1), _cell("F", 0, 0),
                        _cell("G", 1, 2), _cell("H", 2, 2, village_id=2)],
              "outside": _cell(None, 0, 0), "total": {}}
    shown = page_cells(report, None, 3)
    assert [c["code"] for c in shown["rows"]] == ["H", "B", "C"]
    assert (shown["count"], shown["attention"], shown["trimmed"], shown["outside"]) == \
        (7, 5, True, None)  # F has neither points nor visits; 网格外 neither
    shown = page_cells(report, None, 7)
    assert [c["code"] for c in shown["rows"]] == ["A", "B", "C", "D", "E", "G", "H"]
    assert not shown["trimmed"]
    village = page_cells(report, 2, 1)
    assert [c["code"] for c in village["rows"]] == ["H"]
    assert (village["total"]["points"], village["total"]["overdue"]) == (2, 2)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_bad_limit_stops_start_up_naming_the_setting(database, value):
    with pytest.raises(ValueError, match="GEOAPP_REPORT_PAGE_CELLS"):
        make_app(database, REPORT_PAGE_CELLS=value)
