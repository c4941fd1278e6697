"""The reports over HTTP: /reports and its JSON twins, the print page, the XLSX, bad input.

Uses the hand-made township of test_reports.py (both backends) and the demo.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess

import openpyxl
import pytest

from geoapp.domain import periods, ranks
from geoapp.reports import bulletin, tables
from tests.store.test_reports import EVIL_NAME, township  # noqa: F401  (the fixture)
from tests.support.browser import watched_page
from tests.support.constants import TODAY
from tests.support.demo_files import demo_hazards


def test_page_shows_every_section_and_the_tie_rule(client, township):  # noqa: F811
    html = client.get("/reports?month=2026-03").get_data(as_text=True)
    for marker in ('id="ranking"', 'id="tie-rule"', 'id="chart-trend"', 'id="chart-villages"',
                   'id="chart-industries"', 'id="areas"', 'id="industries"', 'id="overdue"',
                   'id="c-rate"', "bulletin.xlsx?month=2026-03", "/reports/print?month=2026-03"):
        assert marker in html, marker
    assert ranks.TIE_RULE in html
    assert html.count("<svg") == 3 and "<script" not in html.split("<main>")[1]
    assert re.search(r"南村.*东村.*西村", html.split('id="ranking"')[1], re.S)


def test_default_period_is_this_month(client, township):  # noqa: F811
    assert client.get("/reports").status_code == 200
    data = client.get("/api/reports").get_json()
    assert data["period"]["month"] == "2030-06" and data["tie_rule"] == ranks.TIE_RULE  # TODAY


def test_json_twins(client, township):  # noqa: F811
    page = client.get("/api/reports?month=2026-03").get_json()
    assert page["total"]["hazards"]["found"] == 5
    assert [r["name"] for r in page["ranking"]["rows"]] == ["南村", "东村", "西村"]
    assert page["previous_total"]["hazards"]["found"] == 3       # H3, H6, H6b in February
    areas = client.get("/api/reports/areas?from=2026-03-10&to=2026-03-31").get_json()
    assert areas["total"]["hazards"]["found"] == 4               # H1 (2 March) left out
    inds = client.get("/api/reports/industries?month=2026-03").get_json()["industries"]
    assert inds[0]["name"].startswith("C26")
    cells = client.get("/api/reports/ranking?month=2026-03&village=东村").get_json()
    assert cells["unit"] == "cell" and cells["rows"][0]["code"] == "C11"
    trend = client.get("/api/reports/trend?month=2026-03&months=2").get_json()
    assert trend["major_open"] == [0, 1]
    overdue = client.get("/api/reports/overdue?month=2026-03").get_json()
    assert [h["code"] for h in overdue["hazards"]] == ["H3"]
    b = client.get("/api/reports/bulletin?month=2026-03").get_json()
    assert b["month"] == "2026-03" and b["overdue"][0]["days_overdue"] == 31


@pytest.mark.parametrize("query,field", [
    ("month=2026-13", "month"), ("month=", "month"), ("month=2999-01", "month"),
    ("from=", "from"), ("from=2026-03-01", "to"), ("from=2026-03-31&to=2026-03-01", "to"),
    ("month=2026-03&from=2026-03-01&to=2026-03-02", "month"), ("village=无此村", "village"),
    ("from=2026-03-01&to=9999-12-31", "to"), ("from=0001-01-01&to=0001-01-31", "from"),
    ("from=2026-03-01&to=0001-01-31", "to"), ("month=9999-12", "month"),
])
def test_bad_parameters_are_400_naming_them(client, township, query, field):  # noqa: F811
    response = client.get(f"/api/reports?{query}")
    assert response.status_code == 400
    assert response.get_json()["field"] == field and response.get_json()["error"] == "bad_request"
    page = client.get(f"/reports?{query}")
    assert page.status_code == 400
    assert f"参数 {field}" in page.get_data(as_text=True)


def test_a_range_ending_after_today_is_refused(client, township):  # noqa: F811
    today = TODAY  # the app's pinned date (tests.support.constants)
    tomorrow = today + dt.timedelta(days=1)
    query = f"from={today.replace(day=1)}&to={tomorrow}"
    response = client.get(f"/api/reports?{query}")
    assert response.status_code == 400 and response.get_json()["field"] == "to"
    page = client.get(f"/reports?{query}")
    assert page.status_code == 400 and "参数 to" in page.get_data(as_text=True)
    assert client.get(f"/api/reports/areas?from={today.replace(day=1)}&to={today}"
                      ).status_code == 200
    # the range form's default end is the period's last day so far, never a future one
    html = client.get("/reports").get_data(as_text=True)
    assert f'name="to" value="{today}"' in html


@pytest.mark.parametrize("months", ["²", "١٢", "0", "37", "+5", " 5", "5.0", "005"])
def test_months_is_ascii_digits_1_to_36(client, township, months):  # noqa: F811
    response = client.get("/api/reports/trend", query_string={"month": "2026-03",
                                                               "months": months})
    assert response.status_code == 400 and response.get_json()["field"] == "months"


def test_village_selector_keeps_a_range_and_tells_namesakes_apart(client, township):  # noqa: F811
    import shapely

    from geoapp.store.models import Cell, Town, Village

    html = client.get("/reports?from=2026-03-01&to=2026-03-20").get_data(as_text=True)
    form = html.split('id="ranking"')[1].split("</form>")[0]
    assert 'name="from" value="2026-03-01"' in form and 'name="to" value="2026-03-20"' in form
    assert 'name="month"' not in form
    with township.transaction() as s:
        s.add(Cell(code="C41", name="新镇东村网格", geom=shapely.MultiPolygon(
            [shapely.box(5, 0, 6, 1)]), village=Village(town=Town(name="新镇"), name="东村")))
    html = client.get("/reports?month=2026-03&village=V01").get_data(as_text=True)
    cells = html.split('id="areas"')[1].split("</section>")[0].split("<h3>")[1]
    assert "C11" in cells and "C41" not in cells
    assert client.get("/api/reports?month=2026-03&village=东村").get_json()["field"] == \
        "village"                                          # ambiguous: refused, not guessed
    assert re.search(r'<option value="id:\d+">新镇 东村</option>', html)


@pytest.mark.parametrize("url", ["/api/reports/trend?month=2026-03&months=99",
                                 "/api/reports/trend?month=2026-03&months=x"])
def test_bounded_parameters(client, township, url):  # noqa: F811
    assert client.get(url).status_code == 400


def test_print_page_and_xlsx_download(client, township):  # noqa: F811
    html = client.get("/reports/print?month=2026-03").get_data(as_text=True)
    assert "城关镇安全生产隐患排查治理月通报" in html and 'id="print-ranking"' in html
    with client.get("/static/reports.css") as css:  # a static file: closing it closes the file
        assert "@page" in css.get_data(as_text=True)
    response = client.get("/reports/bulletin.xlsx?month=2026-03")
    assert response.status_code == 200 and response.mimetype == bulletin_mimetype()
    assert "bulletin-2026-03.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb.sheetnames[:4] == ["概况", "排名", "逾期清单", "分行业"]
    assert client.get("/reports/bulletin.xlsx?month=2026-3").status_code == 400


def test_xlsx_with_a_control_character_in_a_description(client, township):  # noqa: F811
    from geoapp.store.models import Hazard

    with township.transaction() as s:
        s.query(Hazard).filter_by(code="H3").one().description = "管道\x0b锈蚀"
    response = client.get("/reports/bulletin.xlsx?month=2026-03")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.data))
    assert wb["逾期清单"]["E3"].value == "管道\ufffd锈蚀"


@pytest.mark.parametrize("lang,members,none_word", [("zh", "王五、钱七", "无"),
                                                     ("en", "王五, 钱七", "None")])
def test_overdue_row_names_members_links_its_cell_and_says_no_measure(
        client, township, lang, members, none_word):  # noqa: F811
    html = client.get(f"/reports?month=2026-03&lang={lang}").get_data(as_text=True)
    row = html.split('id="overdue-table"')[1].split("<tbody>")[1].split("</tr>")[0]
    assert re.search(r'<a class="hazard-link" href="/cells/C21#hazard-\d+">H3</a>', row), row
    assert f'<td class="names">{members}</td>' in row
    assert f'<td class="measures-cell"><span class="none">{none_word}</span></td>' in row


def test_points_table_is_labelled_as_the_period_end(client, township):  # noqa: F811
    html = client.get("/reports?month=2026-02").get_data(as_text=True)
    assert "点位（按图层、期末风险等级）" in html and "当前）" not in html


def bulletin_mimetype():
    from geoapp.web.reports import XLSX

    return XLSX


def test_data_strings_are_escaped_in_pages_and_charts(client, township):  # noqa: F811
    from geoapp.store.models import Hazard, Village

    hostile = '"><b>甲</b>'  # on the page as the overdue hazard H3's place
    with township.transaction() as s:
        s.query(Village).filter_by(code="V02").one().name = "<img src=x onerror=alert(1)>"
        s.query(Hazard).filter_by(code="H3").one().point.name = hostile
    for url in ("/reports?month=2026-03", "/reports/print?month=2026-03"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html, url
        assert hostile not in html and "&#34;&gt;&lt;b&gt;甲&lt;/b&gt;" in html, url


def test_every_role_reads_reports_and_anonymous_cannot(client, auth, township):  # noqa: F811
    auth.login("leader")
    assert client.get("/reports?month=2026-03").status_code == 200
    auth.logout()
    assert client.get("/api/reports?month=2026-03").status_code == 401
    assert client.get("/reports").status_code == 302
    assert client.get("/reports/bulletin.xlsx").status_code == 302
    for role in ("grid", "planner", "admin"):
        auth.login(role, cells=["C21"] if role == "grid" else ())
        assert client.get("/api/reports/ranking?month=2026-03").status_code == 200, role
        assert client.get("/reports/print?month=2026-03").status_code == 200, role


# ---- the per-process cache ---------------------------------------------------------------


def _count_loads(monkeypatch) -> dict:
    from geoapp.store.reads import report_data

    calls = {"places": 0, "hazards": 0}
    for name in ("places", "hazards"):
        real = getattr(report_data, f"load_{name}")

        def counted(*args, _real=real, _name=name):
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(report_data, f"load_{name}", counted)
    return calls


def test_a_hazard_move_shows_in_the_reports_at_once(client, township, rules, monkeypatch):  # noqa: F811
    from geoapp.store import hazards
    from geoapp.store.models import Hazard

    calls = _count_loads(monkeypatch)
    before = client.get("/api/reports").get_json()
    assert client.get("/api/reports").get_json() == before          # kept: not read again
    assert client.get("/reports").status_code == 200
    assert calls == {"places": 1, "hazards": 1}
    with township.transaction() as s:
        h7 = s.query(Hazard).filter_by(code="H7").one()               # open
        hazards.move(s, rules, h7.id, "start", actor="test", role="grid")
    after = client.get("/api/reports").get_json()
    by_state, was = after["total"]["hazards"]["by_state"], before["total"]["hazards"]["by_state"]
    assert (by_state["open"], by_state["rectifying"]) == (was["open"] - 1, was["rectifying"] + 1)
    assert after["areas"]["cells"] != before["areas"]["cells"]
    assert calls == {"places": 1, "hazards": 2}                       # points and cells kept
    march = client.get("/api/reports/areas?month=2026-03").get_json()
    assert march["total"]["hazards"]["found"] == 5                    # other periods: own keys


def test_the_area_table_is_sent_once_encoded_gzipped_and_revalidated(client, township, rules):  # noqa: F811
    """A county's /api/reports/areas is 16.7 MB of JSON: kept encoded per dataset and period,
    gzipped for a client that takes it, answered 304 to a matching ETag, and a move shows."""
    import gzip
    import json

    from geoapp.store import hazards
    from geoapp.store.models import Hazard

    url = "/api/reports/areas?month=2030-06"
    plain = client.get(url)
    data = plain.get_json()
    assert data["total"]["hazards"]["open"] == 4 and len(data["cells"]) == 3
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.vary
    assert json.loads(gzip.decompress(zipped.data)) == data
    etag = plain.headers["ETag"]
    assert zipped.headers["ETag"] == etag and plain.headers["Cache-Control"] == "private, no-cache"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    with township.transaction() as s:
        h7 = s.query(Hazard).filter_by(code="H7").one()               # open
        hazards.move(s, rules, h7.id, "start", actor="test", role="grid")
    moved = client.get(url, headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    state = moved.get_json()["total"]["hazards"]["by_state"]
    assert state["rectifying"] == data["total"]["hazards"]["by_state"]["rectifying"] + 1
    for other in ("industries", "ranking", "trend", "measures"):  # the other reports too
        response = client.get(f"/api/reports/{other}?month=2030-06")
        assert response.status_code == 200 and response.headers.get("ETag"), other


def test_reports_of_an_empty_database(client):
    for url in ("/api/reports", "/api/reports/areas", "/api/reports/industries",
                "/api/reports/ranking", "/api/reports/trend", "/api/reports/bulletin",
                "/reports", "/reports/print", "/reports/bulletin.xlsx"):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/reports").get_json()["total"]["hazards"]["total"] == 0


def test_an_import_reads_points_again_and_old_data_expire(app, client, township,  # noqa: F811
                                                          monkeypatch):
    import shapely

    from geoapp.store.models import Point

    calls = _count_loads(monkeypatch)
    client.get("/api/reports/ranking?month=2026-03")
    with township.transaction() as s:
        s.add(Point(layer="idle_site", key="IDLE-NEW", name="新闲置厂房", attrs={},
                    geom=shapely.Point(0.5, 0.5), zone_codes=[], source_crs="wgs84"))
    client.get("/api/reports/ranking?month=2026-03")
    assert calls == {"places": 2, "hazards": 2}
    app.extensions["geoapp.reportcache"].max_age = 0                  # changes made elsewhere
    client.get("/api/reports/ranking?month=2026-03")
    assert calls == {"places": 3, "hazards": 3}


# ---- the demo ------------------------------------------------------------------------------


def test_demo_history_today_matches_the_stored_cell_levels(demo_database, rules):
    import sqlalchemy as sa

    from geoapp.store.models import Cell

    with demo_database.sessions() as s:
        ds = tables.load(s, rules)
        stored = dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all())
    assert tables.cell_levels(ds, ds.today()) == stored
    ranked = tables.ranking(ds, periods.parse_month("2026-10"))
    # every unit ranked: the demo is a county, so its towns (or its villages, by village)
    units = {"town": {v["town"] for v in ds.villages}, "village": ds.villages}[ranked["unit"]]
    assert len(ranked["rows"]) == len(units) > 1


def test_demo_bulletin_opens_in_openpyxl_and_libreoffice(demo_database, rules, tmp_path):
    with demo_database.sessions() as s:
        ds = tables.load(s, rules)
    path = tmp_path / "bulletin.xlsx"
    bulletin.write(tables.bulletin(ds, periods.parse_month("2026-10")), path)
    wb = openpyxl.load_workbook(path)
    # the industries' hazards are listed on 分行业 under a heading each, not a sheet each;
    # 分部门 (三管三必须) ranks the departments
    assert wb.sheetnames == ["概况", "排名", "逾期清单", "分行业", "分部门"]
    listed = [r for r in tables.bulletin(ds, periods.parse_month("2026-10"))["industries"]
              if r["hazard_list"]]
    column_a = [c.value for c in wb["分行业"]["A"]]
    assert len(listed) > 2 and all(f"{r['name']}（{len(r['hazard_list'])} 条）" in column_a
                                   for r in listed)
    october = dt.date(2026, 10, 31)  # overdue at October's end: open, deadline passed
    overdue = [h for h in demo_hazards() if h["整改状态"] != "已销号" and h["整改期限"] <= october]
    assert len(overdue) > 20 and wb["逾期清单"].max_row == 2 + len(overdue)
    office = shutil.which("libreoffice") or shutil.which("soffice")
    # a skipped check is not a passing one: scripts/test.sh installs LibreOffice
    assert office, "LibreOffice is missing: scripts/ensure-test-packages.sh installs it"
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=240)
    pdf = (tmp_path / "bulletin.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") > 2


def test_reports_in_chromium_load_nothing_from_elsewhere_and_fit_a_phone(
        township, live_url, browser):  # noqa: F811
    with watched_page(browser, 360, 740, is_mobile=True) as (page, requests, errors):
        page.goto(f"{live_url}/reports?month=2026-03")
        assert page.locator("#chart-trend svg").count() == 1
        assert page.locator("#ranking tbody tr").count() == 3
        # the page itself never scrolls sideways: wide tables and charts scroll in their box
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.goto(f"{live_url}/reports/print?month=2026-03")
        page.emulate_media(media="print")
        assert page.locator(".topbar").is_hidden() and page.locator(".print-bar").is_hidden()
    assert not errors, errors
    assert requests and all(u.startswith(live_url) for u in requests), requests
