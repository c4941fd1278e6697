"""Reports by measure: counts per kind in the period per town and village, the measures
on the overdue list, in the bulletin (JSON, print view, XLSX). On both backends.

The shop (an enterprise) in cell A of 东湖村 has a hazard found on 2030-05-01, due
2030-05-31: overdue on the app's today, 2030-06-14.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.support.apps import shop_with_hazard


@pytest.fixture
def site(database, rules, client, auth):
    point_id, hazard_id = shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1),
                                           deadline=dt.date(2030, 5, 31))
    auth.login("supervisor")
    for kind, target, day, extra in (
            ("referral", {"hazard_id": hazard_id}, "2030-05-20",
             {"referred_to": "县应急管理局执法大队"}),
            ("letter", {"enterprise_id": point_id}, "2030-06-02", {}),
            ("interview", {"hazard_id": hazard_id}, "2030-06-05", {})):
        r = client.post("/api/measures", json={"kind": kind, "date": day, "unit": "示范镇安监站",
                                               "recipient": "王某（虚构）", **target, **extra})
        assert r.status_code == 201, r.get_json()
    auth.login("leader")
    return point_id, hazard_id


def counts_of(block: dict) -> dict:
    return {k: v for k, v in block.items() if v}


def test_counts_per_kind_and_place_follow_the_period(client, site):
    june = client.get("/api/reports/measures?month=2030-06").get_json()
    assert [k["code"] for k in june["kinds"]] == [
        "letter", "notice", "interview", "exposure", "three_letters_one_meeting", "referral"]
    assert [k["label"] for k in june["kinds"]][-1] == "移送执法"
    assert counts_of(june["total"]) == {"letter": 1, "interview": 1, "total": 2}
    assert [(v["town"], v["name"], counts_of(v["counts"])) for v in june["villages"]] == [
        ("示范镇", "东湖村", {"letter": 1, "interview": 1, "total": 2})]
    assert [(t["name"], t["counts"]["total"]) for t in june["towns"]] == [("示范镇", 2)]
    both = client.get("/api/reports/measures?from=2030-05-01&to=2030-06-14").get_json()
    assert counts_of(both["total"]) == {"letter": 1, "interview": 1, "referral": 1, "total": 3}
    may = client.get("/api/reports/measures?month=2030-05").get_json()
    assert counts_of(may["total"]) == {"referral": 1, "total": 1}


def test_a_new_measure_shows_in_the_next_report(client, auth, site):
    point_id, _ = site
    before = client.get("/api/reports/measures?month=2030-06").get_json()["total"]["total"]
    auth.login("supervisor")
    assert client.post("/api/measures", json={
        "kind": "exposure", "date": "2030-06-13", "unit": "县融媒体中心",
        "recipient": "商店（虚构）", "enterprise_id": point_id}).status_code == 201
    after = client.get("/api/reports/measures?month=2030-06").get_json()["total"]
    assert (before, after["total"], after["exposure"]) == (2, 3, 1)


def test_the_overdue_list_names_the_measures_taken_up_to_its_day(client, site):
    june = client.get("/api/reports/overdue?month=2030-06").get_json()
    (hazard,) = june["hazards"]
    assert [(m["kind"], m["date"]) for m in hazard["measures"]] == [
        ("referral", "2030-05-20"), ("interview", "2030-06-05")]
    assert hazard["measures"][0]["referred_to"] == "县应急管理局执法大队"
    # at the end of May only the referral had been taken
    may = client.get("/api/reports/overdue?from=2030-06-01&to=2030-06-03").get_json()
    assert [m["kind"] for m in may["hazards"][0]["measures"]] == ["referral"]


def test_the_reports_page_shows_measures_on_the_overdue_list_and_the_counts(client, site):
    page = client.get("/reports?month=2030-06").get_data(as_text=True)
    overdue = page[page.index('<section id="overdue">'):page.index('<section id="measures">')]
    assert ("2030-05-20</span> 移送执法（示范镇安监站 → 王某（虚构），"
            "移送 县应急管理局执法大队）") in overdue
    assert "约谈（示范镇安监站 → 王某（虚构））" in overdue
    counts = page[page.index('<section id="measures">'):page.index('<section id="notes"')]
    assert "督办措施（2030-06-01 至 2030-06-30）" in counts
    assert "<td class=\"t\">东湖村</td>" in counts
    api = client.get("/api/reports?month=2030-06").get_json()
    assert api["measures"]["total"]["total"] == 2
    assert [m["kind"] for m in api["measures"]["overdue"]["H1"]] == ["referral", "interview"]


def test_the_bulletin_names_measures_on_overdue_hazards(client, site):
    data = client.get("/api/reports/bulletin?month=2030-06").get_json()
    assert [m["kind"] for m in data["measures"]["overdue"]["H1"]] == ["referral", "interview"]
    printed = client.get("/reports/print?month=2030-06").get_data(as_text=True)
    assert "约谈（示范镇安监站 → 王某（虚构））" in printed
    assert 'id="print-measure-counts"' in printed
    xlsx = client.get("/reports/bulletin.xlsx?month=2030-06")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    sheet = book["督办措施"]
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "逾期隐患已采取的督办措施（截至 2030-06-14）"
    assert rows[2][0] == "H1" and rows[2][4] == 14
    assert rows[2][5] == ("2030-05-20 移送执法（示范镇安监站 → 王某（虚构），"
                          "移送 县应急管理局执法大队）\n"
                          "2030-06-05 约谈（示范镇安监站 → 王某（虚构））")
    start = next(i for i, r in enumerate(rows) if r[0] == "镇/街道")
    assert rows[start - 1][0] == "本期督办措施（2030-06-01 至 2030-06-30）"
    assert list(rows[start][2:9]) == [
        "函告", "通报", "约谈", "曝光", "三函一会", "移送执法", "合计"]
    assert list(rows[start + 1][:9]) == ["示范镇", "东湖村", 1, 0, 1, 0, 0, 0, 2]
    total = next(r for r in rows if r[0] == "合计")
    assert total[-1] == 2


def test_an_overdue_hazard_without_measures_says_none(client, database, rules, auth):
    shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1),
                     deadline=dt.date(2030, 5, 31))
    auth.login("leader")
    book = load_workbook(io.BytesIO(client.get("/reports/bulletin.xlsx?month=2030-06").data))
    rows = list(book["督办措施"].iter_rows(values_only=True))
    assert rows[2][0] == "H1" and rows[2][5] == "无"
    assert client.get("/api/reports/overdue?month=2030-06").get_json()["hazards"][0][
        "measures"] == []
