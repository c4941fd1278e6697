"""The accident register over HTTP and through the ledger import, on both backends: recorded
and edited by admin and supervisor accounts only (checked on the server, audited), placed in
its cell, graded by 条例第三条; a ledger with Chinese headers imported whole or refused with
row and reason (nothing stored); 双下降 in the reports and the bulletin.

The shop (an enterprise, key K1) is in cell A of 东湖村; the app's today is 2030-06-14.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import sqlalchemy as sa

from geoapp.store import accidents as stored
from geoapp.store.models import Accident, AuditEntry, Point
from tests.support.apps import shop_with_hazard
from tests.support.checks import rejected
from tests.support.constants import TODAY

HEADER = "事故编号,发生日期,发生时间,事故类别,死亡人数,重伤人数,轻伤人数,直接经济损失（万元）," \
         "调查状态,事故地点,经度,纬度,企业统一社会信用代码\n"


@pytest.fixture
def shop(database, rules):
    return shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))[0]


def body(**extra) -> dict:
    return {"code": "SG-1", "occurred_on": "2030-06-03", "occurred_time": "09:40",
            "type": "机械伤害", "deaths": 1, "serious_injuries": 0, "injuries": 1, "loss": 85,
            "address": "东湖村（虚构）", "lon": 120.004, "lat": 31.004, **extra}


def rows(database) -> list[tuple]:
    with database.sessions() as s:
        return s.execute(sa.select(Accident.code, Accident.occurred_on, Accident.type,
                                   Accident.deaths, Accident.grade, Accident.cell_code,
                                   Accident.point_id).order_by(Accident.code)).all()


def audits(database) -> list[tuple]:
    with database.sessions() as s:
        return s.execute(sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.target,
                                   AuditEntry.detail)
                         .where(AuditEntry.action.like("accident%"))
                         .order_by(AuditEntry.id)).all()


def test_recorded_edited_listed_and_audited(client, auth, database, shop):
    auth.login("supervisor")
    made = client.post("/api/accidents", json=body(enterprise_id=shop))
    assert made.status_code == 201, made.get_json()
    a = made.get_json()
    assert (a["grade"], a["grade_label"], a["type"], a["cell_code"], a["enterprise_id"]) == (
        "general", "一般", "03", "A", shop)
    edited = client.put(f"/api/accidents/{a['id']}", json=body(deaths=3, enterprise_id=shop))
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["grade"] == "larger"  # 3 deaths: 较大
    assert rows(database) == [("SG-1", dt.date(2030, 6, 3), "03", 3, "larger", "A", shop)]
    assert [(r[0], r[1], r[2]) for r in audits(database)] == [
        ("supervisor", "accident_create", "SG-1"), ("supervisor", "accident_change", "SG-1")]
    assert audits(database)[1][3]["changes"]["deaths"] == [1, 3]
    listed = client.get("/api/accidents").get_json()["accidents"]
    assert [(x["code"], x["enterprise_name"]) for x in listed] == [("SG-1", "商店（虚构）")]
    geo = client.get("/api/accidents.geojson").get_json()["features"]
    assert [f["geometry"]["coordinates"] for f in geo] == [[120.004, 31.004]]
    page = client.get("/accidents").get_data(as_text=True)
    assert 'id="accident-form"' in page and "SG-1" in page and "较大" in page
    # a code already taken is refused
    again = client.post("/api/accidents", json=body(lon=None, lat=None))
    assert again.status_code == 409 and again.get_json()["field"] == "code"


@pytest.mark.parametrize("role", ["leader", "grid", "planner"])
def test_other_roles_may_read_but_not_write(client, auth, database, shop, role):
    auth.login(role, role=role, cells=("A",) if role == "grid" else ())
    r = client.post("/api/accidents", json=body())
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    assert rows(database) == []
    if role == "leader":
        page = client.get("/accidents")
        assert page.status_code == 200 and 'id="accident-form"' not in page.get_data(as_text=True)


def test_nobody_logged_in_and_bad_fields(client, auth, database, shop):
    auth.login("admin")
    auth.logout()
    assert client.post("/api/accidents", json=body()).status_code == 401
    auth.login("admin")
    bad = client.post("/api/accidents", json=body(type="交通事故"))
    assert bad.status_code == 400 and bad.get_json()["field"] == "type"
    bad = client.post("/api/accidents", json=body(enterprise_id=99999))
    assert bad.status_code == 400 and bad.get_json()["field"] == "enterprise_id"
    assert client.put("/api/accidents/12345", json=body()).status_code == 404
    assert rows(database) == [] and audits(database) == []


def test_a_ledger_is_imported_whole_or_refused_with_row_and_reason(database, rules, shop,
                                                                   tmp_path):
    good = tmp_path / "accidents.csv"
    good.write_text(HEADER
                    + "SG-A,2030-06-02,08:30,其它伤害,0,1,0,12,调查中,东湖村,120.015,31.005,\n"
                    + "SG-B,2029/06/20,,中毒和窒息,3,0,0,400,已结案,商店仓库,,,K1\n",
                    encoding="utf-8")
    summary = stored.import_accidents(database, rules, good, TODAY)
    assert (summary.created, summary.updated) == (2, 0)
    assert rows(database) == [("SG-A", dt.date(2030, 6, 2), "20", 0, "general", "B", None),
                              ("SG-B", dt.date(2029, 6, 20), "19", 3, "larger", "A", shop)]
    again = stored.import_accidents(database, rules, good, TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER
                   + "SG-C,2030-06-05,,触电,0,0,1,1,调查中,东湖村,,,\n"
                   + "SG-D,2030-06-05,,交通事故,0,0,1,1,调查中,东湖村,,,\n"
                   + "SG-E,2030-06-05,,触电,0,0,1,1,调查中,,,,\n"
                   + "SG-F,2030-06-05,,触电,0,0,1,1,调查中,东湖村,,,K9\n"
                   + "SG-G,2030-07-05,,触电,一,0,1,1,调查中,东湖村,,,\n", encoding="utf-8")
    report = rejected(database, stored.import_accidents, rules, bad, TODAY)
    for row, reason in ((3, "事故类别"), (4, "事故地点"), (5, "K9"), (6, "死亡人数")):
        assert f"第 {row} 行" in report and reason in report, report


def test_double_decline_in_the_reports_and_the_bulletin(client, auth, database, rules, shop,
                                                        tmp_path):
    ledger = tmp_path / "accidents.csv"
    ledger.write_text(HEADER
                      + "S1,2029-06-03,,触电,2,0,0,10,已结案,东湖村,120.005,31.005,\n"
                      + "S2,2029-06-13,,火灾,1,0,0,10,已结案,东湖村,120.005,31.005,\n"
                      + "S3,2030-05-20,,坍塌,0,0,1,10,已结案,东湖村,120.015,31.005,\n"
                      + "S4,2030-06-02,,淹溺,1,0,0,10,调查中,东湖村,120.005,31.005,\n"
                      + "S5,2030-06-09,,灼烫,0,0,1,10,调查中,未知地点,,,\n", encoding="utf-8")
    stored.import_accidents(database, rules, ledger, TODAY)
    auth.login("leader")
    r = client.get("/api/reports/accidents?month=2030-06").get_json()
    total = r["total"]
    assert (total["yoy"]["count"], total["yoy"]["deaths"], total["yoy"]["count_before"],
            total["yoy"]["deaths_before"], total["yoy"]["double_decline"]) == (2, 1, 2, 3, False)
    assert (total["mom"]["count_before"], total["mom"]["deaths_before"]) == (1, 0)
    village = next(v for v in r["villages"] if v["name"] == "东湖村")
    assert (village["yoy"]["count"], village["yoy"]["deaths"], village["yoy"]["double_decline"]) \
        == (1, 1, True)  # S5 has no place: 未定位, in the total only
    unplaced = next(v for v in r["villages"] if v["name"] == "未定位")
    assert (unplaced["yoy"]["count"], unplaced["yoy"]["count_before"]) == (1, 0)
    page = client.get("/reports?month=2030-06").get_data(as_text=True)
    assert 'id="accident-figures"' in page and "双下降" in page
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/reports/bulletin.xlsx?month=2030-06").get_data()))
    sheet = book["事故"]
    values = list(sheet.iter_rows(values_only=True))
    total_row = next(row for row in values if row[0] == "合计")
    assert total_row[2:8] == (2, 1, 2, 3, 0, -2)
    book.close()


def test_double_decline_by_department(client, auth, database, rules, shop, tmp_path):
    """The shop (industry 5261, section F) is 商务's by layers/departments.toml: accidents
    linked to it count there whatever their 主管部门, an unlinked one by its 主管部门, the
    rest 未确定; every configured department is listed. A bad 主管部门 is refused."""
    with database.transaction() as s:  # the shop's industry as the enterprise ledger sets it
        s.get(Point, shop).industry = "5261"
    ledger = tmp_path / "accidents.csv"
    head = HEADER.rstrip("\n") + ",主管部门\n"
    ledger.write_text(head
                      + "D1,2029-06-03,,触电,2,0,0,10,已结案,东湖村,,,K1,\n"
                      + "D2,2029-06-13,,火灾,1,0,0,10,已结案,东湖村,,,K1,\n"
                      + "D3,2030-06-02,,淹溺,1,0,0,10,调查中,东湖村,,,K1,住建\n"
                      + "D4,2030-06-09,,灼烫,0,0,1,10,调查中,未知地点,,,,\n"
                      + "D5,2030-06-10,,坍塌,1,0,0,10,调查中,工地,,,,住建\n", encoding="utf-8")
    stored.import_accidents(database, rules, ledger, TODAY)
    bad = tmp_path / "bad.csv"
    bad.write_text(head + "D6,2030-06-10,,坍塌,1,0,0,10,调查中,工地,,,,公安\n", encoding="utf-8")
    report = rejected(database, stored.import_accidents, rules, bad, TODAY)
    assert "第 2 行" in report and "主管部门" in report and "公安" in report, report
    auth.login("supervisor")
    refused = client.post("/api/accidents", json=body(code="D7", authority="公安"))
    assert refused.status_code == 400 and refused.get_json()["field"] == "authority"
    assert [r[0] for r in rows(database)] == ["D1", "D2", "D3", "D4", "D5"]  # nothing more
    r = client.get("/api/reports/accidents?month=2030-06").get_json()
    got = {d["name"]: (d["yoy"]["count"], d["yoy"]["deaths"], d["yoy"]["count_before"],
                       d["yoy"]["deaths_before"], d["yoy"]["double_decline"])
           for d in r["departments"]}
    assert list(got)[:len(rules.departments.names)] == list(rules.departments.names)
    assert got["商务"] == (1, 1, 2, 3, True)
    assert got["住建"] == (1, 1, 0, 0, None)
    assert got["未确定"] == (1, 0, 0, 0, None)
    assert got["应急管理"] == (0, 0, 0, 0, None)
    page = client.get("/reports?month=2030-06").get_data(as_text=True)
    assert 'id="accident-departments"' in page and "未确定" in page
    printed = client.get("/reports/print?month=2030-06").get_data(as_text=True)
    assert 'id="print-accident-departments"' in printed
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/reports/bulletin.xlsx?month=2030-06").get_data()))
    values = list(book["事故"].iter_rows(values_only=True))
    book.close()
    assert next(row for row in values if row[0] == "商务")[1:7] == (1, 1, 2, 3, -1, -2)
    assert next(row for row in values if row[0] == "未确定")[1:3] == (1, 0)


def test_an_xlsx_ledger_through_the_admins_import_page(database, rules, shop, tmp_path):
    from tests.support.apps import AuthActions, make_app
    from tests.support.checks import snapshot
    from tests.web.test_admin_imports import _commit, _upload

    app = make_app(database, IMPORT_DIR=str(tmp_path / "uploads"))
    admin = app.test_client()
    AuthActions(admin).login("admin")

    def workbook(name, *rows):
        book = openpyxl.Workbook()
        book.active.append(HEADER.strip().split(","))
        for row in rows:
            book.active.append(list(row))
        book.save(tmp_path / name)
        return tmp_path / name

    before = snapshot(database)
    bad = workbook("坏.xlsx", ["X1", dt.date(2030, 6, 1), "", "触电", 0, 0, 1, 2, "调查中", "",
                              None, None, ""])
    refused = _upload(admin, bad, "accidents").get_json()
    assert refused["state"] == "rejected", refused
    assert [(p["row"], p["column"]) for p in refused["problems"]] == [(2, "事故地点")]
    assert snapshot(database) == before
    good = workbook("事故.xlsx", ["X1", dt.date(2030, 6, 1), "10:05", "灼烫", 0, 1, 1, 2.5,
                                 "已结案", "东湖村", 120.004, 31.004, "K1"])
    preview = _upload(admin, good, "accidents").get_json()
    assert preview["state"] == "previewed" and preview["preview"]["created"] == 1, preview
    assert rows(database) == []  # a dry run writes nothing
    assert _commit(admin, preview["id"]).get_json()["state"] == "committed"
    assert rows(database) == [("X1", dt.date(2030, 6, 1), "07", 0, "general", "A", shop)]
