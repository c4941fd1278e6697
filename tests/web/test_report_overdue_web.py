"""/reports' overdue list at scale: past REPORT_PAGE_OVERDUE hazards the page lists the most
overdue, says how many there are and links to /reports/overdue, which lists every one (as
the JSON twin, the print view and the XLSX do). Uses test_reports.py's township (both
backends); at June 2030's end (TODAY) four hazards are overdue:

    H3 1567 days (西村, due 2026-02-28), H5 1506 (网格外, 2026-04-30),
    H7 1506 (南村, 2026-04-30), H8 1505 (东村, major, 2026-05-01)
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.apps import make_app

ALL = ["H3", "H5", "H7", "H8"]  # most overdue first; H5 and H7 tie, by code


def _rows(html: str) -> list[tuple[str, str]]:
    """(code, days overdue) of each row of the overdue table."""
    table = html.split('id="overdue-table"')[1].split("</table>")[0]
    return re.findall(r'<td class="nw">(?:<a [^>]*>)?(H\w+)(?:</a>)?</td>'
                      r'<td class="n overdue">(\d+)</td>', table)


def _page(client, app, limit: int, query: str = "?month=2030-06") -> str:
    app.config["REPORT_PAGE_OVERDUE"] = limit
    response = client.get(f"/reports{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_past_the_limit_the_most_overdue_the_count_and_a_link_to_all(client, app, township):  # noqa: F811
    html = _page(client, app, 2)
    assert _rows(html) == [("H3", "1567"), ("H5", "1506")]
    note = html.split('id="overdue-count">')[1].split("</p>")[0]
    assert "共 4 条，显示逾期最久的 2 条" in note
    link = re.search(r'<a id="overdue-all" href="([^"]+)">([^<]*)</a>', note)
    assert link and link.group(1) == "/reports/overdue?month=2030-06" and "全部 4 条" in link[2]
    # the link's page lists every one, most overdue first, and says how many
    page = client.get(link.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    full = page.get_data(as_text=True)
    assert [code for code, _ in _rows(full)] == ALL
    assert "共 4 条" in full.split('id="overdue-count">')[1].split("</span>")[0]
    assert re.search(r'<a class="hazard-link" href="/cells/C21#hazard-\d+">H3</a>', full)


def test_up_to_the_limit_every_one_with_the_count(client, app, township):  # noqa: F811
    html = _page(client, app, 4)
    assert [code for code, _ in _rows(html)] == ALL
    assert "共 4 条，逾期天数多者在前" in html.split('id="overdue-count">')[1].split("</p>")[0]
    assert 'id="overdue-all"' not in html


def test_the_default_limit_is_a_hundred(client, app, township):  # noqa: F811
    assert app.config["REPORT_PAGE_OVERDUE"] == 100
    html = client.get("/reports?month=2030-06").get_data(as_text=True)
    assert 'id="overdue-count">共 4 条' in html and len(_rows(html)) == 4


def test_the_full_list_of_another_period_and_in_english(client, app, township):  # noqa: F811
    html = _page(client, app, 1, "?quarter=2026Q1&lang=en")
    assert _rows(html) == [("H3", "31")]  # the only one at March 2026's end
    assert 'id="overdue-all"' not in html
    html = _page(client, app, 1, "?month=2030-06&lang=en")
    note = html.split('id="overdue-count">')[1].split("</p>")[0]
    assert "4" in note and "共" not in note and 'href="/reports/overdue?month=2030-06"' in note
    full = client.get("/reports/overdue?month=2030-06&lang=en").get_data(as_text=True)
    assert [code for code, _ in _rows(full)] == ALL and "逾期" not in full


def test_the_json_print_view_and_xlsx_keep_every_one(client, app, township):  # noqa: F811
    app.config["REPORT_PAGE_OVERDUE"] = 1
    assert len(_rows(client.get("/reports?month=2030-06").get_data(as_text=True))) == 1
    page = client.get("/api/reports?month=2030-06").get_json()
    assert [h["code"] for h in page["overdue"]] == ALL
    twin = client.get("/api/reports/overdue?month=2030-06").get_json()
    assert [h["code"] for h in twin["hazards"]] == ALL
    html = client.get("/reports/print?month=2030-06").get_data(as_text=True)
    table = html.split('id="print-overdue"')[1].split("</table>")[0]
    assert re.findall(r'<td class="nw">(H\w+)', table) == ALL
    ws = openpyxl.load_workbook(io.BytesIO(
        client.get("/reports/bulletin.xlsx?month=2030-06").data))["逾期清单"]
    assert [c for c in (r[0] for r in ws.iter_rows(min_row=3, values_only=True)) if c] == ALL


def test_a_bad_period_on_the_full_list_is_a_400_naming_it(client, township):  # noqa: F811
    response = client.get("/reports/overdue?month=2030-13")
    assert response.status_code == 400 and "month" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5"])
def test_a_bad_limit_stops_start_up_naming_the_setting(database, value):
    with pytest.raises(ValueError, match="GEOAPP_REPORT_PAGE_OVERDUE"):
        make_app(database, REPORT_PAGE_OVERDUE=value)
