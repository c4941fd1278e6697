"""Reports by channel: hazards per channel, public reports received / verified / rejected with
the median hours to a first response, rewards, enterprise self-check coverage ranked; in the
page, its JSON twin, the print view and the bulletin's 渠道 sheet. On both backends.

The shop (an enterprise, key K1) in cell A of 东湖村 has a hazard from a public report found
on 2030-06-02; a second enterprise (K2) in cell B never self-checks. The app's today is
2030-06-14 (Asia/Shanghai). Reports and visits are written as the store keeps them (their
own tests cover how they are filed).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import shapely
from openpyxl import load_workbook

from geoapp.store import assignment
from geoapp.store.models import (
    Cell,
    Inspection,
    Point,
    PublicReport,
    PublicReportEvent,
    Town,
    Village,
)
from tests.support.apps import shop_with_hazard


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _report(s, code: str, cell: str | None, filed: dt.datetime, steps=(), **fields) -> None:
    state = {"verify": "verified", "reject": "rejected"}.get(steps[-1][1] if steps else "",
                                                             "received")
    report = PublicReport(code=code, created_at=filed, updated_at=filed, lon=120.005,
                          lat=31.005, cell_code=cell, outside=cell is None, category="other",
                          description="（虚构）举报", state=state, reply="", **fields)
    s.add(report)
    s.flush()
    s.add(PublicReportEvent(report_id=report.id, at=filed, actor="public", action="receive",
                            to_state="received"))
    for at, action in steps:
        s.add(PublicReportEvent(report_id=report.id, at=at, actor="supervisor", action=action,
                                to_state=state))


def _self_check(s, point_id: int, at: dt.datetime) -> None:
    s.add(Inspection(point_id=point_id, inspected_at=at, inspector="ent", source="self_check",
                     inspector_name="企业安全员（虚构）", checklist={}))


@pytest.fixture
def site(database, rules, auth):
    shop, _ = shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 2))
    with database.transaction() as s:
        other = Point(layer="enterprise", key="K2", name="二号厂（虚构）",
                      geom=shapely.Point(120.015, 31.005), attrs={"industry": "2614"})
        tank = Point(layer="confined_space", key="C1", name="一号污水池（虚构）",
                     geom=shapely.Point(120.006, 31.006), attrs={"enterprise_uscc": "K1"})
        # a village without enterprises: nothing to self-check, so not ranked
        empty = Village(town=s.query(Town).one(), name="西山村")
        s.add_all([other, tank, Cell(code="C", name="三网格", village=empty, geom=shapely.
                                     MultiPolygon([shapely.box(121, 31, 121.01, 31.01)]))])
        s.flush()
        assignment.reassign(s)
        # 2 h to the first step, verified in June, rewarded and paid
        _report(s, "R1", "A", utc(2030, 6, 2, 0), [(utc(2030, 6, 2, 2), "start"),
                                                   (utc(2030, 6, 5, 2), "verify")],
                reward_amount=200.0, reward_on=dt.date(2030, 6, 6), reward_paid=True)
        # rejected a day after filing
        _report(s, "R2", "B", utc(2030, 6, 3, 0), [(utc(2030, 6, 4, 0), "reject")])
        # filed in June, no answer yet: pending and unanswered
        _report(s, "R3", "A", utc(2030, 6, 10, 0))
        # filed in May, verified in June: verified in June, received in May; reward unpaid
        _report(s, "R4", None, utc(2030, 5, 20, 0), [(utc(2030, 6, 1, 2), "verify")],
                reward_amount=50.5, reward_on=dt.date(2030, 6, 1))
        # K1 self-checks twice in June (once on its confined space), once in May; a grid
        # member's visit to K2 is an inspection, not a self-check
        _self_check(s, shop, utc(2030, 6, 3, 1))
        _self_check(s, tank.id, utc(2030, 6, 9, 1))
        _self_check(s, other.id, utc(2030, 5, 9, 1))
        s.add(Inspection(point_id=other.id, inspected_at=utc(2030, 6, 9, 1), inspector="grid",
                         inspector_name="网格员（虚构）", checklist={}))
    auth.login("leader")
    return shop


def test_public_reports_received_verified_rejected_and_the_median(client, site):
    june = client.get("/api/reports/channels?month=2030-06").get_json()
    total = june["public_reports"]["total"]
    assert {k: total[k] for k in ("received", "verified", "rejected", "pending", "answered",
                                  "unanswered")} == {
        "received": 3, "verified": 2, "rejected": 1, "pending": 1, "answered": 2,
        "unanswered": 1}
    # R1 2 h, R2 24 h: the middle of two is their mean
    assert total["median_hours_to_first_response"] == 13.0
    towns = {t["name"]: t for t in june["public_reports"]["towns"]}
    assert (towns["示范镇"]["received"], towns[None]["verified"]) == (3, 1)
    assert june["public_reports"]["rewards"] == {
        "count": 2, "amount": "250.50", "paid": "200.00", "unpaid_count": 1}
    may = client.get("/api/reports/channels?month=2030-05").get_json()["public_reports"]
    assert (may["total"]["received"], may["total"]["verified"], may["total"]["pending"],
            may["total"]["median_hours_to_first_response"]) == (1, 0, 1, None)


def test_hazards_per_channel_come_from_the_hazards_source(client, site):
    june = client.get("/api/reports/channels?month=2030-06").get_json()["hazards"]
    assert june["total"]["public_report"]["found"] == 1
    assert june["total"]["self_check"]["found"] == 0
    assert [t["name"] for t in june["towns"]] == ["示范镇"]


def test_self_check_coverage_counts_an_enterprise_once_over_its_points(client, site):
    sc = client.get("/api/reports/channels?month=2030-06").get_json()["self_checks"]
    assert sc["total"] == {"enterprises": 2, "self_checked": 1, "coverage": 0.5}
    assert [(v["rank"], v["name"], v["enterprises"], v["self_checked"], v["coverage"])
            for v in sc["villages"]] == [(1, "东湖村", 2, 1, 0.5), (None, "西山村", 0, 0, None)]
    # those without a self-check first, then by key; the grid member's visit is not one
    assert [(e["key"], e["self_checks"]) for e in sc["enterprises"]] == [("K2", 0), ("K1", 2)]
    may = client.get("/api/reports/channels?month=2030-05").get_json()["self_checks"]
    assert [(e["key"], e["self_checks"]) for e in may["enterprises"]] == [("K1", 0), ("K2", 1)]


def test_the_page_print_view_and_bulletin_show_the_channels(client, site):
    page = client.get("/reports?month=2030-06").get_data(as_text=True)
    section = page[page.index('<section id="channels">'):]
    section = section[:section.index("</section>")]
    assert "群众举报受理、核查" in section and "企业自查覆盖率排名" in section
    assert "查实即奖：期内奖励 2 笔，金额 250.50 元，其中已发放 200.00 元，未发放 1 笔。" in section
    assert "<td>13.0</td>" in section
    printed = client.get("/reports/print?month=2030-06").get_data(as_text=True)
    assert "九、分渠道情况" in printed and 'id="print-self-check-coverage"' in printed
    book = load_workbook(io.BytesIO(client.get("/reports/bulletin.xlsx?month=2030-06").data))
    ws = book["渠道"]
    rows = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert ["示范镇", 0, 0, 1] in rows  # 企业自查, 督导检查, 群众举报
    assert ["合计", 3, 2, 1, 1, 1, 13] in rows and ["网格外", 0, 1, 0, 0, 0, "—"] in rows
    # rank, village, town, enterprises, self-checked, not, coverage, red cells (code empty)
    assert [1, "东湖村", "示范镇", 2, 1, 1, 0.5, 1] in rows
    assert ["二号厂（虚构）", "K2", "东湖村", 0] in rows


def test_a_new_step_shows_in_the_next_report(client, database, site):
    before = client.get("/api/reports/channels?month=2030-06").get_json()
    with database.transaction() as s:
        r3 = s.query(PublicReport).filter_by(code="R3").one()
        s.add(PublicReportEvent(report_id=r3.id, at=utc(2030, 6, 12, 0), actor="supervisor",
                                action="start", from_state="received", to_state="checking"))
    after = client.get("/api/reports/channels?month=2030-06").get_json()
    assert (before["public_reports"]["total"]["unanswered"],
            after["public_reports"]["total"]["unanswered"]) == (1, 0)
    # 2 h, 24 h, 48 h
    assert after["public_reports"]["total"]["median_hours_to_first_response"] == 24.0


def test_a_self_check_is_no_supervisory_visit(client, site):
    visits = client.get("/api/reports/visits?month=2030-06").get_json()
    assert visits["total"]["visits"] == 1  # the grid member's, not the enterprise's two
    assert [m["username"] for m in visits["members"]] == ["grid"]
