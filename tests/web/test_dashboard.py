"""The leader's dashboard over HTTP: /api/dashboard at a month's end, its charts, its page,
bad months, the cache. Both backends, on the hand-made township of tests/store/test_reports.py
(C11 turns red in March 2026, when its major hazard H8 is found; H3 is overdue at March's end).
"""

from __future__ import annotations

import re

import pytest

from geoapp.reports import dashboard as board
from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.apps import make_user

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def _cells(doc: dict) -> dict[str, dict]:
    c = doc["cells"]
    return {code: {"level": c["levels"][c["level"][i]],
                   **{k: c[k][i] for k in ("open", "overdue", "major_open")}}
            for i, code in enumerate(c["code"])}


def _shown(doc: dict, name: str, kpi: str = "all") -> list[str]:
    """The codes a list shows when the card ``kpi`` is pressed."""
    got = doc[name]
    return [got["items"][i]["code"] for i in got["lists"][kpi]]


def test_each_month_is_the_state_at_its_end(client, township):  # noqa: F811
    feb = client.get("/api/dashboard?month=2026-02").get_json()
    mar = client.get("/api/dashboard?month=2026-03").get_json()
    assert (feb["month"], feb["as_of"], mar["as_of"]) == ("2026-02", "2026-02-28", "2026-03-31")
    # C11's enterprise is yellow by itself, red while its major hazard H8 is open (from 25 Mar)
    assert _cells(feb)["C11"] == {"level": "yellow", "open": 0, "overdue": 0, "major_open": 0}
    assert _cells(mar)["C11"] == {"level": "red", "open": 1, "overdue": 0, "major_open": 1}
    assert _cells(mar)["C21"]["overdue"] == 1  # H3, due 28 Feb
    assert feb["kpis"]["red_cells"] == 0 and feb["red_cells"]["items"] == []
    assert _shown(mar, "red_cells") == ["C11"] and mar["red_cells"]["counts"]["all"] == 1
    red = mar["red_cells"]["items"][0]
    assert (red["town"], red["village"], red["major_open"]) == ("城关镇", "东村", 1)
    assert feb["overdue"]["items"] == [] and feb["overdue"]["counts"]["all"] == 0  # due 28 Feb
    assert [(h["code"], h["days_overdue"], h["cell_code"]) for h in mar["overdue"]["items"]] == [
        ("H3", 31, "C21")]
    # each card's lists: C11 has no overdue hazard; H3 is general, in a cell that is not red
    assert {kpi: _shown(mar, "red_cells", kpi) for kpi in board.FILTERS} == {
        "all": ["C11"], "red_cells": ["C11"], "open": ["C11"], "overdue": [],
        "major_open": ["C11"]}
    assert {kpi: _shown(mar, "overdue", kpi) for kpi in board.FILTERS} == {
        "all": ["H3"], "red_cells": [], "open": ["H3"], "overdue": ["H3"], "major_open": []}
    assert mar["series"]["trend"]["months"][-1] == "2026-03"
    assert mar["series"]["trend"]["major_open"][-2:] == [0, 1]
    assert {v["name"]: v["open"] for v in mar["series"]["villages"]} == {
        "东村": 1, "西村": 2, "南村": 1}  # H2 closed on 1 April
    # the KPIs are the reports' own figures at the same month's end
    areas = client.get("/api/reports/areas?month=2026-03").get_json()["total"]
    assert mar["kpis"] == {"cells": 3, "red_cells": areas["red_cells"],
                           **{k: areas["hazards"][k] for k in (
                               "open", "overdue", "major_open", "found", "closed",
                               "rectification_rate")}}
    # the slider reaches back to the month asked for and on to this month (TODAY: 2030-06)
    assert mar["months"][0] == "2026-03" and mar["months"][-1] == "2030-06"
    assert len(set(mar["months"])) == len(mar["months"]) == 52


def test_this_month_by_default_and_a_year_on_the_slider(client, township):  # noqa: F811
    doc = client.get("/api/dashboard").get_json()
    assert doc["month"] == "2030-06" and doc["to_date"] is True
    assert doc["months"][0] == "2029-07" and doc["months"][-1] == "2030-06"
    assert len(doc["months"]) == 12


@pytest.mark.parametrize("month", ["2026-13", "26-03", "abc", "2031-01", "2026-3"])
def test_a_bad_month_is_a_400_naming_it(client, township, month):  # noqa: F811
    r = client.get(f"/api/dashboard?month={month}")
    assert r.status_code == 400 and r.get_json()["field"] == "month", r.data
    page = client.get(f"/dashboard?month={month}")
    assert page.status_code == 400 and "month" in page.get_data(as_text=True)
    chart = client.get(f"/api/dashboard/charts/trend.svg?month={month}")
    assert chart.status_code == 400 and chart.get_json()["field"] == "month"


def test_charts_are_svg_images_without_script(client, township):  # noqa: F811
    r = client.get("/api/dashboard/charts/villages.svg?month=2026-03")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    svg = r.get_data(as_text=True)
    assert svg.startswith("<svg") and "<script" not in svg and "东村" in svg
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    trend = client.get("/api/dashboard/charts/trend.svg?month=2026-03").get_data(as_text=True)
    assert "2026-03" in trend and "<script" not in trend
    again = client.get("/api/dashboard/charts/villages.svg?month=2026-03",
                       headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    english = client.get("/api/dashboard/charts/villages.svg?month=2026-03&lang=en",
                         headers={"If-None-Match": r.headers["ETag"]})
    assert english.status_code == 200 and english.headers["ETag"] != r.headers["ETag"]
    bad = client.get("/api/dashboard/charts/pie.svg")
    assert bad.status_code == 400 and bad.get_json()["field"] == "name"


def test_the_page_and_its_english(client, township):  # noqa: F811
    html = client.get("/dashboard?month=2026-03").get_data(as_text=True)
    for marker in ('id="kpi-red_cells"', 'id="kpi-overdue"', 'id="db-slider"', 'id="db-map"',
                   'id="db-red"', 'id="db-overdue"',
                   "/api/dashboard/charts/villages.svg?month=2026-03", "dashboard.js"):
        assert marker in html, marker
    assert "<script>" not in html.split("<main>")[1]  # no inline script (CSP)
    english = client.get("/dashboard?month=2026-03&lang=en").get_data(as_text=True)
    main = english.split("<main>")[1].split("</main>")[0]
    assert not CJK.search(main), CJK.findall(main)[:10]
    for name in ("villages", "trend"):
        svg = client.get(f"/api/dashboard/charts/{name}.svg?month=2026-03&lang=en")
        text = re.sub(r"<[^>]+>", " ", svg.get_data(as_text=True))
        for village in ("东村", "西村", "南村"):  # the data stays as stored
            text = text.replace(village, "")
        assert not CJK.search(text), (name, CJK.findall(text)[:10])


def test_a_warm_request_is_served_from_the_reports_cache(app, client, township):  # noqa: F811
    first = client.get("/api/dashboard?month=2026-03").get_json()
    kept = app.extensions["geoapp.reportcache"]
    keys = [k for k in kept._reports if "dashboard" in k]
    assert len(keys) == 1
    found, value = kept.lookup(keys[0])
    assert found and value[0]["month"] == "2026-03"
    assert client.get("/api/dashboard?month=2026-03").get_json() == first
    assert [k for k in kept._reports if "dashboard" in k] == keys  # not computed again


def test_who_sees_it(client, auth, township):  # noqa: F811
    make_user(township, "ent", role="enterprise", enterprise="91320205MA00000010")
    auth.login("leader")
    page = client.get("/reports").get_data(as_text=True)
    assert 'href="/dashboard"' in page  # in the top bar beside the reports
    assert client.get("/dashboard").status_code == 200
    auth.login("ent")
    assert client.get("/api/dashboard").status_code == 403
    auth.logout()
    assert client.get("/api/dashboard").status_code == 401
    assert 'href="/dashboard"' not in client.get("/enterprise").get_data(as_text=True)


def test_a_long_list_keeps_each_cards_first_rows_and_counts_them_all(monkeypatch):
    monkeypatch.setattr(board, "LIST_LIMIT", 2)
    rows = [{"code": f"H{i}", "level": "major" if i % 3 == 0 else "general"}
            for i in range(10)]
    got = board._per_filter(rows, lambda kpi, h: board._hazard_in(kpi, h, "blue"))
    assert [got["items"][i]["code"] for i in got["lists"]["all"]] == ["H0", "H1"]
    assert [got["items"][i]["code"] for i in got["lists"]["major_open"]] == ["H0", "H3"]
    assert got["lists"]["red_cells"] == [] and got["counts"]["red_cells"] == 0
    assert got["counts"] == {"all": 10, "red_cells": 0, "open": 10, "overdue": 10,
                             "major_open": 4}
    assert [r["code"] for r in got["items"]] == ["H0", "H1", "H3"]  # no row twice
