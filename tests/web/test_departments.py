"""行业主管部门 (三管三必须), on both backends: each point's and hazard's department derived
from layers/departments.toml (or its ledger's 主管部门, checked), the reports by department,
and department accounts: a supervisor given a department reads its sector's points and
hazards and records measures on them; every other page, API, point and hazard is 403.

The sector (synthetic, cell A, June 2030, TODAY the 14th):
  建筑 (enterprise, class 4710 → 住建): H-B closed on the 9th;
  闲置 (idle premises → 住建 by the layer): H-I found 15 May, due 12 Jun, open → overdue;
  化工 (enterprise, class 2614 → 应急管理): H-C open; its confined space (no code of its own:
    its owner's → 应急管理): H-S open;
  商店 (enterprise, class 5211 → 商务, but its ledger says 市场监管): no hazard.
So in June 住建: 2 points, 1 found (H-I in May), 1 closed, 1 open, 1 overdue, 50 % (1 of
its 2); 应急管理: 2 points, 2 found,
0 closed, 0 %; 市场监管: 1 point, unranked (no hazards).
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import shapely
import sqlalchemy as sa

from geoapp.domain.identifiers import uscc_check_char
from geoapp.store import departments, importer
from geoapp.store.models import Cell, Measure, Point, Town, User, Village
from geoapp.web.auth import DEPARTMENT_ENDPOINTS, OPEN_ENDPOINTS
from tests.store.test_reports import _closed_at, _hazard
from tests.support.checks import snapshot
from tests.support.constants import TODAY
from tests.support.files import write_csv

CHEM = "91330100MA2B3C4D7" + uscc_check_char("91330100MA2B3C4D7")
JUNE = dt.datetime(2030, 6, 1, 2, tzinfo=dt.UTC)


@pytest.fixture
def sector(database):
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇（虚构）"), name="东湖村（虚构）")
        s.add(Cell(code="A", name="A网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120.0, 31, 120.1, 31.01)])))

        def point(layer, key, name, x, **attrs):
            p = Point(layer=layer, key=key, name=name, cell_code="A", attrs=attrs,
                      industry=attrs.get("industry"), geom=shapely.Point(x, 31.005))
            s.add(p)
            return p

        build = point("enterprise", "K-B", "建筑公司（虚构）", 120.01, industry="4710")
        idle = point("idle_site", "X-1", "闲置厂房（虚构）", 120.02)
        chem = point("enterprise", CHEM, "化工公司（虚构）", 120.03, industry="2614")
        space = point("confined_space", "CS-1", "污水池（虚构）", 120.04, enterprise_uscc=CHEM)
        shop = point("enterprise", "K-S", "商店（虚构）", 120.05, industry="5211",
                     authority="市场监管")
        d = dt.date
        ids = {"build": build, "idle": idle, "chem": chem, "space": space, "shop": shop}
        ids["h_build"] = _hazard(s, build, "H-B", "general", "inspection", d(2030, 6, 2),
                                 d(2030, 6, 20), JUNE,
                                 _closed_at(dt.datetime(2030, 6, 9, 2, tzinfo=dt.UTC)))
        ids["h_idle"] = _hazard(s, idle, "H-I", "general", "inspection", d(2030, 5, 15),
                                d(2030, 6, 12), JUNE)
        ids["h_chem"] = _hazard(s, chem, "H-C", "general", "inspection", d(2030, 6, 3),
                                d(2030, 6, 30), JUNE)
        ids["h_space"] = _hazard(s, space, "H-S", "major", "inspection", d(2030, 6, 4),
                                 d(2030, 6, 30), JUNE)
        s.flush()
        return {k: v.id for k, v in ids.items()}


def _department_account(auth, database, name="zhujian", department="住建"):
    assert auth.login(name, role="supervisor").status_code == 302
    with database.transaction() as s:
        s.scalar(sa.select(User).where(User.username == name)).department = department


# ------------------------------------------------------------------ derivation and display


def test_each_point_and_hazard_carries_its_department(client, auth, sector):
    auth.login("admin")
    cell = client.get("/api/cells/A").get_json()
    by_name = {f["properties"]["name"]: f["properties"]["authority"]
               for f in cell["points"]["features"]}
    assert by_name == {"建筑公司（虚构）": "住建", "闲置厂房（虚构）": "住建",
                       "化工公司（虚构）": "应急管理", "污水池（虚构）": "应急管理",
                       "商店（虚构）": "市场监管"}
    assert {h["code"]: h["authority"] for h in cell["hazard_list"]} == {
        "H-B": "住建", "H-I": "住建", "H-C": "应急管理", "H-S": "应急管理"}
    assert client.get(f"/api/hazards/{sector['h_space']}").get_json()["authority"] == "应急管理"
    popup = client.get(f"/api/map/points/{sector['shop']}").get_json()["properties"]
    assert popup["authority"] == "市场监管"
    assert "authority" not in {f["name"] for f in popup["fields"]}  # shown once


def test_a_ledgers_department_column_is_checked_then_wins(database, rules, tmp_path):
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇（虚构）"), name="东湖村（虚构）")
        s.add(Cell(code="A", name="A网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120.0, 31, 120.1, 31.01)])))
    header = ["编号", "企业名称", "行业代码", "主管部门", "经度", "纬度"]
    bad = write_csv(tmp_path / "bad.csv", header, [
        ["E1", "甲（虚构）", "4710", "", 120.01, 31.005],
        ["E2", "乙（虚构）", "4710", "建设局", 120.02, 31.005]])
    with pytest.raises(Exception) as refused:
        importer.import_points(database, rules, bad, "enterprise")
    assert "第 3 行，列“主管部门”：'建设局' 不在可选值中" in str(refused.value)
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count(Point.id))) == 0  # nothing half-written
    good = write_csv(tmp_path / "good.csv", header, [
        ["E1", "甲（虚构）", "4710", "", 120.01, 31.005],
        ["E2", "乙（虚构）", "4710", "交通运输", 120.02, 31.005]])
    importer.import_points(database, rules, good, "enterprise")
    with database.sessions() as s:
        points = s.scalars(sa.select(Point).order_by(Point.name)).all()
        assert {p.name: a for p, a in zip(points, departments.authorities(
            s, rules, points).values(), strict=True)} == {"甲（虚构）": "住建",
                                                          "乙（虚构）": "交通运输"}


# ------------------------------------------------------------------ reports


def test_reports_rank_the_departments(client, auth, sector):
    auth.login("admin")
    deps = client.get("/api/reports?month=2030-06").get_json()["departments"]
    rows = {r["name"]: r for r in deps["rows"]}
    assert [r["name"] for r in deps["rows"]] == ["住建", "应急管理"]
    assert [r["rank"] for r in deps["rows"]] == [1, 2]
    built = rows["住建"]
    assert (built["points"]["total"], built["hazards"]["found"], built["hazards"]["closed"],
            built["hazards"]["open"], built["hazards"]["overdue"],
            built["rectification_rate"]) == (2, 1, 1, 1, 1, 0.5)  # H-I was found in May
    safety = rows["应急管理"]
    assert (safety["points"]["total"], safety["hazards"]["found"], safety["hazards"]["closed"],
            safety["hazards"]["open"]) == (2, 2, 0, 2)
    apart = {r["name"]: r["points"]["total"] for r in deps["no_hazards"]}
    assert apart["市场监管"] == 1 and apart["教育"] == 0
    html = client.get("/reports?month=2030-06").get_data(as_text=True)
    assert 'id="departments-table"' in html
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/reports/bulletin.xlsx?month=2030-06").data))
    sheet = book["分部门"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [1, "住建", 2, 1, 1, 1, 1] in [v[:7] for v in values]


# ------------------------------------------------------------------ department accounts


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "assets.vendor", "assets.favicon", "auth.login",
                             "auth.logout") or rule.endpoint in OPEN_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, point: int, hazard: int) -> str:
    values = {}
    for arg in rule.arguments:
        values[arg] = {"point_id": point, "hazard_id": hazard, "code": "A", "z": 1, "x": 1,
                       "y": 1, "upload_id": "0" * 32, "filename": "hazard.geojson",
                       "name": "leaflet", "kind": "cells"}.get(
                           arg, 1 if arg.endswith("_id") else "x.js")
    return rule.build(values)[1]


def test_every_route_off_its_list_is_403(client, app, auth, database, sector):
    _department_account(auth, database)
    before = snapshot(database)
    seen = 0
    for rule, method in _routes(app):
        if rule.endpoint in DEPARTMENT_ENDPOINTS:
            continue
        r = client.open(_url(rule, sector["build"], sector["h_build"]), method=method, json={})
        assert r.status_code == 403, (rule.endpoint, method, r.status_code)
        seen += 1
    assert seen > 50 and snapshot(database) == before
    assert DEPARTMENT_ENDPOINTS <= {rule.endpoint for rule in app.url_map.iter_rules()}


def test_it_reads_its_sector_only(client, auth, database, sector):
    _department_account(auth, database)
    data = client.get("/api/department").get_json()
    assert data["department"] == "住建"
    assert client.get("/api/me").get_json()["scope"]["department"] == "住建"
    assert {p["name"] for p in data["points"]} == {"建筑公司（虚构）", "闲置厂房（虚构）"}
    assert [h["code"] for h in data["hazards"]] == ["H-I", "H-B"]  # open first
    assert client.get(f"/api/hazards/{sector['h_idle']}").status_code == 200
    assert client.get(f"/api/hazards/{sector['h_idle']}").get_json()["my_actions"] == []
    for other in ("h_chem", "h_space"):
        r = client.get(f"/api/hazards/{sector[other]}")
        assert r.status_code == 403 and r.get_json()["error"] == "out_of_sector"
    html = client.get("/department").get_data(as_text=True)
    assert "H-I" in html and "H-C" not in html and 'href="/department"' in html


def test_it_records_measures_on_its_sector_only(client, auth, database, sector):
    _department_account(auth, database)
    body = {"kind": "interview", "date": TODAY.isoformat(), "unit": "县住建局（虚构）",
            "recipient": "王某（虚构）"}
    r = client.post("/api/measures", json={**body, "hazard_id": sector["h_idle"]})
    assert r.status_code == 201, r.get_json()
    before = snapshot(database)
    for target in ({"hazard_id": sector["h_chem"]}, {"enterprise_id": sector["chem"]}):
        r = client.post("/api/measures", json={**body, **target})
        assert r.status_code == 403 and r.get_json()["error"] == "out_of_sector"
    assert snapshot(database) == before
    with database.transaction() as s:  # one the 应急管理 side recorded
        s.add(Measure(kind="letter", taken_on=TODAY, unit="应急管理局（虚构）", recipient="化工",
                      hazard_id=sector["h_chem"], recorded_by="x",
                      recorded_at=dt.datetime.now(dt.UTC)))
    listed = client.get("/api/measures").get_json()
    assert [m["hazard_id"] for m in listed] == [sector["h_idle"]]
    # the other roles keep their rights: a supervisor without a department reads everything
    _department_account(auth, database, "anjian", None)
    assert client.get(f"/api/hazards/{sector['h_chem']}").status_code == 200
    assert client.get("/department").status_code == 403


def test_admins_give_and_take_a_department(client, auth, database):
    auth.login("admin")
    made = client.post("/api/admin/accounts", json={
        "username": "jiaotong", "role": "supervisor", "department": "交通运输"})
    assert made.status_code == 201 and made.get_json()["account"]["department"] == "交通运输"
    auth.created.append("jiaotong")
    uid = made.get_json()["account"]["id"]
    for change, field in (({"department": "交通局"}, "department"),
                          ({"role": "leader", "department": "交通运输"}, "department")):
        r = client.patch(f"/api/admin/accounts/{uid}", json=change)
        assert r.status_code == 400 and r.get_json()["field"] == field, r.get_json()
    r = client.patch(f"/api/admin/accounts/{uid}", json={"department": "住建"})
    assert r.get_json()["changed"] == {"department": ["交通运输", "住建"]}
    r = client.patch(f"/api/admin/accounts/{uid}", json={"role": "leader"})
    assert r.get_json()["account"]["department"] is None  # a leader is no department's
    page = client.get("/admin/accounts").get_data(as_text=True)
    assert '<select name="department"' in page


def test_no_mailed_reminders_for_a_department(database, rules, sector):
    """A department's account has no inbox: `geoapp notify` queues it nothing, while a plain
    supervisor is told of the overdue H-I (the same hazard is in the department's sector)."""
    from geoapp.notify.run import Summary, queue_all
    from tests.support.apps import make_user

    for name, department in (("zhujian", "住建"), ("anjian", None)):
        make_user(database, name, "supervisor")
        with database.transaction() as s:
            user = s.scalar(sa.select(User).where(User.username == name))
            user.department, user.email = department, f"{name}@ajz.example.cn"
    summary = Summary()
    queue_all(database, rules, TODAY, dt.datetime(2030, 6, 14, 1, tzinfo=dt.UTC), summary)
    with database.sessions() as s:
        queued = dict(s.execute(sa.text(
            "SELECT u.username, count(*) FROM outbox o JOIN app_user u ON u.id = o.user_id "
            "GROUP BY u.username")).all())
    assert queued.get("anjian", 0) > 0 and "zhujian" not in queued
