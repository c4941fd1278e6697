"""Extensions (延期) in the reports, on both backends: requested, granted and refused per
period (the page, its JSON twin, the bulletin's 延期 sheet), with hand-made days.

Each step is made through an app pinned to its day (geoapp.web.clock), so the
request and the decision fall on the dates given here; the month-end rule in
the territory's time zone is checked on ``counts`` with hand-made instants.
"""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import openpyxl

from geoapp.domain import periods
from geoapp.reports.extensions import counts
from tests.support.apps import AuthActions, make_app, shop_with_hazard
from tests.support.constants import TODAY

D = dt.date


def client_on(database, day: D, username: str, role: str, cells=()):
    client = make_app(database, TODAY=day).test_client()
    assert AuthActions(client).login(username, role=role, cells=cells).status_code == 302
    return client


def test_requests_and_decisions_count_in_the_period_of_their_day(database, rules):
    _, hid = shop_with_hazard(database, rules, found_on=D(2030, 5, 1), level="general",
                              deadline=D(2030, 6, 14))
    grid_may = client_on(database, D(2030, 5, 31), "网格员甲", "grid", ["A"])
    first = grid_may.post(f"/api/hazards/{hid}/extensions",
                          json={"until": "2030-06-20", "reason": "设备未到货"}).get_json()["id"]
    sup_june = client_on(database, D(2030, 6, 1), "安监站李", "supervisor")
    assert sup_june.post(f"/api/extensions/{first}/decision",
                         json={"approve": True, "note": "同意"}).status_code == 200
    grid_now = client_on(database, TODAY, "网格员甲", "grid", ["A"])
    second = grid_now.post(f"/api/hazards/{hid}/extensions",
                           json={"until": "2030-06-25", "reason": "仍需时间"}).get_json()["id"]
    sup_now = client_on(database, TODAY, "安监站李", "supervisor")
    assert sup_now.post(f"/api/extensions/{second}/decision",
                        json={"approve": False, "note": "理由不充分"}).status_code == 200

    def figures(query):
        r = sup_now.get(f"/api/reports/extensions?{query}")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    may = figures("month=2030-05")
    assert may["total"] == {"requested": 1, "granted": 0, "refused": 0, "pending": 1}
    assert may["as_of"] == "2030-05-31"
    june = figures("month=2030-06")  # running: as of today, 06-14
    assert june["total"] == {"requested": 1, "granted": 1, "refused": 1, "pending": 0}
    assert june["as_of"] == "2030-06-14"
    assert [(v["name"], v["requested"], v["granted"], v["refused"]) for v in june["villages"]] == [
        ("东湖村", 1, 1, 1)]
    both = figures("from=2030-05-01&to=2030-06-14")
    assert both["total"] == {"requested": 2, "granted": 1, "refused": 1, "pending": 0}
    assert figures("from=2030-06-02&to=2030-06-13")["total"] == {
        "requested": 0, "granted": 0, "refused": 0, "pending": 0}
    assert sup_now.get("/api/reports?month=2030-06").get_json()["extensions"]["total"] == \
        june["total"]

    page = sup_now.get("/reports?month=2030-06").get_data(as_text=True)
    row = page.split('id="extension-total"')[1].split("</tr>")[0]
    assert [c.split(">")[-1] for c in row.split("</td>")[:4]] == ["1", "1", "1", "0"]

    r = sup_now.get("/reports/bulletin.xlsx?month=2030-06")
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.data))["延期"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "隐患整改延期（2030-06-01 至 2030-06-14）"
    assert rows[1] == ["村/社区", "代码", "镇/街道", "申请延期", "批准", "不批准", "期末待审批"]
    assert ["东湖村", 1, 1, 1, 0] == [rows[2][0], *rows[2][3:]]
    assert ["合计", 1, 1, 1, 0] == [rows[4][0], *rows[4][3:]]


def test_the_month_end_is_the_territorys_midnight():
    """23:30 on 31 May in Shanghai is May's, 00:30 on 1 June is June's (both 31 May in UTC)."""
    ds = SimpleNamespace(tz="Asia/Shanghai", villages=[
        {"id": 1, "name": "东湖村", "code": "V1", "town": "示范镇"}],
        cells={"A": {"village_id": 1}}, scoped=False)
    utc = dt.UTC
    rows = [
        {"requested_at": dt.datetime(2030, 5, 31, 15, 30, tzinfo=utc), "state": "approved",
         "decided_at": dt.datetime(2030, 5, 31, 16, 30, tzinfo=utc), "cell_code": "A"},
        {"requested_at": dt.datetime(2030, 5, 31, 16, 30, tzinfo=utc), "state": "requested",
         "decided_at": None, "cell_code": None},
    ]
    may = counts(ds, periods.parse_month("2030-05"), D(2030, 5, 31), rows)
    assert may["total"] == {"requested": 1, "granted": 0, "refused": 0, "pending": 1}
    june = counts(ds, periods.parse_month("2030-06"), D(2030, 6, 30), rows)
    assert june["total"] == {"requested": 1, "granted": 1, "refused": 0, "pending": 1}
    assert june["outside"] == {"name": "网格外", "requested": 1, "granted": 0, "refused": 0,
                               "pending": 1}
    assert june["villages"][0]["granted"] == 1
