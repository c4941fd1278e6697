"""Quarters, years and ranges and 审核 by reviewer over HTTP (both backends): the page and
its period switcher, the JSON, the print page, the XLSX (and LibreOffice), bad parameters.

The township of test_reports.py and the reviewers of test_report_periods.py; the app's
today is pinned (tests.support.constants.TODAY, 14 June 2030).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import openpyxl
import pytest

from tests.store.test_report_periods import reviewed  # noqa: F401  (the fixture)
from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.browser import watched_page
from tests.support.constants import TODAY


def test_quarter_year_and_period_parameters(client, township):  # noqa: F811
    q1 = client.get("/api/reports?quarter=2026Q1").get_json()
    assert (q1["period"]["from"], q1["period"]["to"], q1["period"]["kind"]) == \
        ("2026-01-01", "2026-03-31", "quarter")
    assert (q1["total"]["hazards"]["found"], q1["total"]["hazards"]["closed"]) == (8, 3)
    assert q1["previous"]["quarter"] == "2025Q4" and q1["previous_total"]["hazards"]["found"] == 0
    assert q1["ranking"]["previous"]["label"] == "2025年第四季度"
    assert client.get("/api/reports?period=2026Q1").get_json() == q1
    assert client.get("/api/reports?quarter=2026q1").get_json()["period"] == q1["period"]
    year = client.get("/api/reports?year=2026").get_json()
    assert (year["total"]["hazards"]["found"], year["total"]["hazards"]["closed"]) == (8, 4)
    assert year["previous"]["label"] == "2025年" and not year["to_date"]
    assert client.get("/api/reports?period=2026").get_json()["period"]["kind"] == "year"
    ranking = client.get("/api/reports/ranking?quarter=2026Q2").get_json()
    assert [(r["name"], r["rank_change"]) for r in ranking["rows"]] == \
        [("南村", 0), ("东村", 0), ("西村", 0)]
    assert ranking["previous_as_of"] == "2026-03-31"
    ranking = client.get("/api/reports/ranking?from=2026-03-11&to=2026-03-20").get_json()
    assert ranking["previous"]["to"] == "2026-03-10"                  # no more a 400
    assert [r["rate_change"] for r in ranking["rows"]] == [-33.33, 0.0, 0.0]
    trend = client.get("/api/reports/trend?quarter=2026Q1&months=3").get_json()
    assert trend["months"] == ["2026-01", "2026-02", "2026-03"]
    b = client.get("/api/reports/bulletin?quarter=2026Q1").get_json()
    assert b["words"]["bulletin"] == "季度通报" and b["overdue"][0]["code"] == "H3"


def test_the_running_quarter_and_year_are_to_date(client, township):  # noqa: F811
    quarter = f"{TODAY.year}Q{(TODAY.month + 2) // 3}"
    data = client.get(f"/api/reports?quarter={quarter}").get_json()
    assert data["as_of"] == TODAY.isoformat() and data["to_date"]
    assert data["trend"]["months"][-1] == f"{TODAY:%Y-%m}"           # not the quarter's end
    html = client.get(f"/reports/print?year={TODAY.year}").get_data(as_text=True)
    assert "年度总结" in html and "期间尚未结束" in html


@pytest.mark.parametrize("query,field", [
    ("quarter=2026Q5", "quarter"), ("quarter=2026-Q1", "quarter"), ("quarter=", "quarter"),
    ("quarter=1899Q4", "quarter"), ("quarter=2030Q3", "quarter"), ("year=abc", "year"),
    ("year=2031", "year"), ("year=", "year"), ("year=20266", "year"), ("period=2026-W10", "period"),
    ("period=2026Q0", "period"), ("month=2026-03&quarter=2026Q1", "month"),
    ("quarter=2026Q1&year=2026", "quarter"), ("year=2026&from=2026-01-01&to=2026-01-02", "year"),
    ("period=2026&quarter=2026Q1", "quarter"),
])
def test_bad_periods_are_400_naming_the_parameter(client, township, query, field):  # noqa: F811
    for url in ("/api/reports", "/api/reports/ranking", "/api/reports/bulletin",
                "/api/reports/reviewers", "/api/reports/trend"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert response.get_json()["field"] == field, (url, query, response.get_json())
    for url in ("/reports", "/reports/print", "/reports/bulletin.xlsx"):
        page = client.get(f"{url}?{query}")
        assert page.status_code == 400 and f"参数 {field}" in page.get_data(as_text=True), url


def test_page_speaks_of_the_quarter_and_keeps_it(client, township):  # noqa: F811
    html = client.get("/reports?quarter=2026Q1").get_data(as_text=True)
    assert "统计期间 2026年第一季度（2026-01-01 至 2026-03-31）" in html
    assert "村/社区排名（2026年第一季度）" in html
    assert "名次变化与上季度（2025年第四季度，截至 2025-12-31）比较。" in html
    for link in ("/reports/print?quarter=2026Q1", "/reports/bulletin.xlsx?quarter=2026Q1",
                 "/api/reports?quarter=2026Q1"):
        assert f'href="{link}"' in html, link
    assert "打印版季度通报" in html and "下载季度通报（XLSX）" in html
    switch = html.split('id="period-switch"')[1].split("</div>")[0]
    assert '<option value="2026Q1" selected>2026年第一季度</option>' in switch
    assert '<option value="2030Q2">' in switch and "2030Q3" not in switch      # not future
    assert '<option value="2026" selected>2026</option>' in switch
    assert 'name="month" value="2026-03"' in switch
    ranking_form = html.split('id="ranking"')[1].split("</form>")[0]
    assert '<input type="hidden" name="quarter" value="2026Q1">' in ranking_form
    year = client.get("/reports?year=2026").get_data(as_text=True)
    assert "统计期间 2026年（2026-01-01 至 2026-12-31）" in year and "上年度" in year


def test_print_page_and_xlsx_of_a_year(client, township):  # noqa: F811
    html = client.get("/reports/print?year=2026").get_data(as_text=True)
    assert "城关镇安全生产隐患排查治理年度总结" in html and "本年度共发现隐患 8 条" in html
    assert "<th>上年度排名</th>" in html and 'href="/reports/bulletin.xlsx?year=2026"' in html
    quarter = client.get("/reports/print?quarter=2026Q2").get_data(as_text=True)
    assert "季度通报" in quarter and "季末逾期" in quarter and "本月" not in quarter
    response = client.get("/reports/bulletin.xlsx?year=2026")
    assert response.status_code == 200
    assert 'filename="bulletin-2026.xlsx"' in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[:9] == ["概况", "排名", "逾期清单", "分行业", "分部门", "巡查", "延期",
                                 "督办措施", "审核"]
    # the title and under it the 文号 (numbered by the period's last month)
    assert wb["概况"]["A1"].value == ("城关镇安全生产隐患排查治理年度总结（2026年）\n"
                                     "安委办通报〔2026〕12号")
    assert wb["概况"]["C2"].value == "上年度（2025年）"
    response = client.get("/reports/bulletin.xlsx?from=2026-03-01&to=2026-03-20")
    assert 'filename="bulletin-2026-03-01_2026-03-20.xlsx"' in \
        response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb["概况"]["A1"].value == ("城关镇安全生产隐患排查治理通报（2026-03-01 至 2026-03-20）\n"
                                     "安委办通报〔2026〕3号")
    assert wb["概况"]["C2"].value == "上期（2026-02-09 至 2026-02-28）"


def test_reviewers_json_page_and_print(client, auth, reviewed):  # noqa: F811
    auth.login("leader")  # the fixture's account "shen" switched the read policy on
    data = client.get("/api/reports/reviewers?quarter=2026Q2").get_json()
    assert [(r["username"], r["name"], r["accepted"], r["rejected"], r["median_days"])
            for r in data["reviewers"]] == [("shen", "沈审核", 2, 1, 3), ("lu", None, 1, 0, 0),
                                            ("tester", None, 1, 0, 1)]
    assert data["total"]["median_days"] == 1 and data["as_of"] == "2026-06-30"
    html = client.get("/reports?quarter=2026Q2").get_data(as_text=True)
    table = html.split('id="reviewer-table"')[1].split("</table>")[0]
    assert re.search(r'data-username="shen"><td class="t">沈审核</td><td class="t">shen</td>\s*'
                     r"<td>2</td><td>1</td><td>3</td><td>3</td>", table), table
    assert "<td>4</td>" in table.split("<tfoot>")[1]
    printed = client.get("/reports/print?quarter=2026Q2").get_data(as_text=True)
    assert 'id="print-reviewers"' in printed and "沈审核" in printed
    empty = client.get("/reports?month=2026-01").get_data(as_text=True)
    assert "期内无验收审核记录。" in empty


def test_quarterly_bulletin_opens_in_libreoffice(client, auth, reviewed, tmp_path):  # noqa: F811
    auth.login("supervisor")
    path = tmp_path / "bulletin.xlsx"
    path.write_bytes(client.get("/reports/bulletin.xlsx?quarter=2026Q2").data)
    office = shutil.which("libreoffice") or shutil.which("soffice")
    # a skipped check is not a passing one: scripts/test.sh installs LibreOffice
    assert office, "LibreOffice is missing: scripts/ensure-test-packages.sh installs it"
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,"
                    "false,false,false,-1", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=240)
    # -1: every sheet to its own CSV, named after the sheet
    reviewers_csv = (tmp_path / "bulletin-审核.csv").read_text(encoding="utf-8")
    assert reviewers_csv.splitlines()[0].startswith("隐患验收审核情况（2026年第二季度")
    assert "沈审核,shen,2,1,3,3" in reviewers_csv
    summary = (tmp_path / "bulletin-概况.csv").read_text(encoding="utf-8")
    assert "季度通报（2026年第二季度）" in summary and "本季度销号" in summary


def test_period_switcher_works_without_script_on_a_phone_and_a_desktop(
        township, live_url, browser):  # noqa: F811
    for width, height in ((390, 844), (1440, 900)):
        with watched_page(browser, width, height, java_script_enabled=False,
                          is_mobile=width < 500) as (page, requests, errors):
            page.goto(f"{live_url}/reports?month=2026-03")
            page.select_option('#period-switch select[name="quarter"]', "2026Q1")
            page.click('#period-switch select[name="quarter"] >> xpath=../../button')
            page.wait_for_url("**/reports?quarter=2026Q1")
            assert "2026年第一季度" in page.locator("#ranking h2").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.select_option('#period-switch select[name="year"]', "2026")
            page.click('#period-switch select[name="year"] >> xpath=../../button')
            page.wait_for_url("**/reports?year=2026")
            assert page.locator("#reviewer-table").count() == 1
            page.goto(f"{live_url}/reports/print?quarter=2026Q1")
            assert "季度通报" in page.locator("h1").inner_text()
        assert not errors, errors
        assert all(u.startswith(live_url) for u in requests), requests
