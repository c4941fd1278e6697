"""Functional zones' assessments over HTTP, and the grade in force wherever zones show:
the map's zone layer, /api/zones, the zone pages, the admission check, the reports. Both
backends.

The territory: cells A and B of one village, a shop in A with an open major hazard found
on 2030-06-01, due 2030-06-10 (tests.support.apps.shop_with_hazard); zone Z1 (a chemical
park, ledger score 72 → grade C) over A with the shop in it; zone Z2 over B, empty and
never graded.
The app's today is 2030-06-14.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import assignment
from geoapp.store.models import AuditEntry, Zone, ZoneAssessment
from geoapp.store.reads import admission_data
from tests.support.apps import shop_with_hazard
from tests.support.checks import snapshot

FOUND = dt.date(2030, 6, 1)


@pytest.fixture
def zones(database, rules):
    shop_with_hazard(database, rules, found_on=FOUND, deadline=dt.date(2030, 6, 10))
    with database.transaction() as s:
        s.add(Zone(code="Z1", name="示范化工园区（虚构）", kind="化工园区", park_score=72.0,
                   geom=shapely.MultiPolygon([shapely.box(120.0, 31.0, 120.01, 31.01)])))
        s.add(Zone(code="Z2", name="示范工业园区（虚构）", kind="工业园区",
                   geom=shapely.MultiPolygon([shapely.box(120.011, 31.001, 120.019, 31.009)])))
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    return database


def assess(**extra) -> dict:
    return {"assessed_on": "2030-05-20", "score": 55, "body": "示范省应急管理厅（虚构）",
            "note": "年度评估", **extra}


def written(database) -> dict:
    """The zones and their assessments (accounts made by logging in aside)."""
    rows = snapshot(database)
    return {"zone": rows["zone"], "zone_assessment": rows["zone_assessment"]}


def zone_level(database, code: str) -> str:
    with database.sessions() as s:
        return s.scalar(sa.select(Zone.risk_level).where(Zone.code == code))


def test_only_admins_and_supervisors_record_and_a_refusal_writes_nothing(client, auth, zones):
    before = written(zones)
    for role in ("leader", "grid", "planner"):
        auth.login(role, cells=["A"] if role == "grid" else ())
        r = client.post("/api/zones/Z2/assessments", json=assess())
        assert r.status_code == 403 and r.get_json()["error"] == "forbidden", (role, r.data)
        auth.logout()
    assert written(zones) == before
    for role in ("supervisor", "admin"):
        auth.login(role)
        day = "2030-05-01" if role == "admin" else "2030-04-01"
        r = client.post("/api/zones/Z2/assessments", json=assess(assessed_on=day))
        assert r.status_code == 201, r.data
        assert r.get_json()["recorded_by"] == role
        auth.logout()
    with zones.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ZoneAssessment)) == 2
        audit = s.execute(sa.select(AuditEntry.actor, AuditEntry.target, AuditEntry.detail)
                          .where(AuditEntry.action == "zone_assessment")
                          .order_by(AuditEntry.id)).all()
    assert [(a, t) for a, t, _d in audit] == [("supervisor", "Z2"), ("admin", "Z2")]
    assert audit[1][2]["grade"] == "A" and audit[1][2]["score"] == 55


@pytest.mark.parametrize(("field", "value"), [
    ("assessed_on", "2030-6-1"), ("assessed_on", "2030-06-15"),  # not a date; after today
    ("score", 100.5), ("score", "高"), ("grade", "E"), ("body", "  "), ("note", "长" * 2001),
    ("colour", "red"),  # an unknown field
])
def test_a_bad_field_is_refused_naming_it_and_nothing_is_written(client, auth, zones, field,
                                                                 value):
    auth.login("admin")
    before = written(zones)
    r = client.post("/api/zones/Z1/assessments", json=assess(**{field: value}))
    assert r.status_code == 400, r.data
    assert r.get_json()["field"] == field
    assert written(zones) == before
    # neither grade nor score: the grade is named
    r = client.post("/api/zones/Z1/assessments", json=assess(score=None))
    assert (r.status_code, r.get_json()["field"]) == (400, "grade")
    assert client.post("/api/zones/NOPE/assessments", json=assess()).status_code == 404


def test_the_latest_assessment_is_the_grade_everywhere(client, auth, zones):
    assert zone_level(zones, "Z2") == "blue"  # empty, never graded
    auth.login("admin")
    # Z2 graded A in May → red; an assessment dated earlier but entered later changes nothing
    assert client.post("/api/zones/Z2/assessments", json=assess()).status_code == 201
    assert client.post("/api/zones/Z2/assessments", json=assess(
        assessed_on="2029-01-10", score=90, body="旧评估（虚构）")).status_code == 201
    assert zone_level(zones, "Z2") == "red"
    got = client.get("/api/zones/Z2/assessments").get_json()
    assert got["zone"]["grade"] == "A" and got["zone"]["grade_source"] == "assessment"
    assert [a["assessed_on"] for a in got["assessments"]] == ["2030-05-20", "2029-01-10"]
    # the grade as given wins over the score's band (the body graded otherwise)
    assert client.post("/api/zones/Z2/assessments", json=assess(
        assessed_on="2030-06-10", score=58, grade="d")).status_code == 201
    assert zone_level(zones, "Z2") == "blue"
    # the map's layer, /api/zones, the admission check and the reports follow
    layer = {f["id"]: f["properties"] for f in
             client.get("/api/map/zones").get_json()["zones"]["features"]}
    assert layer["Z2"]["grade"] == "D" and layer["Z2"]["colour"] == "#0068b7"
    assert layer["Z1"]["grade"] == "C" and layer["Z1"]["grade_source"] == "ledger"
    assert layer["Z1"]["colour"] == "#ffe100"
    assert shapely.box(120.011, 31.001, 120.019, 31.009).contains(
        shapely.Point(layer["Z2"]["label_at"]))
    api = {f["id"]: f["properties"] for f in client.get("/api/zones").get_json()["features"]}
    assert (api["Z2"]["grade"], api["Z2"]["park_grade"]) == ("D", "D")
    # Z2 assessed A again: the admission check's territory (what its verdict names) has it red
    assert client.post("/api/zones/Z2/assessments", json=assess(assessed_on="2030-06-12"))\
        .status_code == 201
    with zones.sessions() as s:
        frame = admission_data.territory(s).zones
    assert dict(zip(frame["code"], frame["risk_level"], strict=True))["Z2"] == "red"
    rows = {z["code"]: z
            for z in client.get("/api/reports/zones?month=2030-06").get_json()["zones"]}
    assert (rows["Z1"]["grade"], rows["Z2"]["grade"]) == ("C", "A")


def test_figures_by_zone_in_the_reports_and_their_downloads(client, auth, zones):
    auth.login("leader")
    rows = {z["code"]: z for z in
            client.get("/api/reports/zones?month=2030-06").get_json()["zones"]}
    z1, z2 = rows["Z1"], rows["Z2"]
    # the shop, red with its open major hazard, lies in Z1; nothing in Z2
    assert z1["points"]["enterprise"]["red"] == 1 and z1["points"]["total"] == 1
    assert z1["points_by_level"] == {"red": 1, "orange": 0, "yellow": 0, "blue": 0}
    h = z1["hazards"]
    assert (h["found"], h["closed"], h["open"], h["overdue"]) == (1, 0, 1, 1)
    assert z2["points"]["total"] == 0 and z2["hazards"]["found"] == 0
    # the month before: not found yet, so nothing found or open in Z1 then
    before = {z["code"]: z for z in
              client.get("/api/reports/zones?month=2030-05").get_json()["zones"]}
    assert (before["Z1"]["hazards"]["found"], before["Z1"]["hazards"]["open"]) == (0, 0)
    page = client.get("/reports?month=2030-06").get_data(as_text=True)
    assert 'id="zones-table"' in page and 'data-zone="Z1"' in page and "/zones/Z1" in page
    printed = client.get("/reports/print?month=2030-06").get_data(as_text=True)
    assert 'id="print-zones"' in printed and "示范化工园区（虚构）" in printed
    csv_rows = list(csv.reader(io.StringIO(
        client.get("/reports/zones.csv?month=2030-06").get_data(as_text=True).lstrip("\ufeff"))))
    head, z1_row = csv_rows[0], next(r for r in csv_rows if r[0] == "Z1")
    assert z1_row[head.index("期内发现")] == "1" and z1_row[head.index("企业·红")] == "1"
    assert z1_row[head.index("安全风险等级")] == "C 级（一般风险）"
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/reports/bulletin.xlsx?month=2030-06").data))
    assert "功能区" in book.sheetnames
    sheet = [[c for c in row] for row in book["功能区"].iter_rows(values_only=True)]
    assert any(row[0] == "Z1" for row in sheet)


def test_the_zone_pages(client, auth, zones):
    auth.login("leader")
    page = client.get("/zones/Z1").get_data(as_text=True)
    assert "示范化工园区（虚构）" in page and "台账中的园区安全风险评分" in page
    assert 'id="assessment-form"' not in page  # a leader reads, does not assess
    assert client.get("/zones/NOPE").status_code == 404
    listing = client.get("/zones").get_data(as_text=True)
    assert "/zones/Z1" in listing and "/zones/Z2" in listing
    auth.logout()
    auth.login("supervisor")
    assert client.post("/api/zones/Z1/assessments", json=assess(note="<b>x</b>")).status_code == 201
    page = client.get("/zones/Z1").get_data(as_text=True)
    assert 'id="assessment-form"' in page and "示范省应急管理厅（虚构）" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_the_downloads_and_the_ogc_items_carry_the_grade_in_force(client, auth, zones):
    """The zones' XLSX (安全风险等级), GeoJSON and OGC items (``grade``) say the grade in
    force: Z1's ledger score's until an assessment grades it otherwise; Z2 none until graded."""
    auth.login("admin")

    def said() -> tuple[dict, dict, dict]:
        book = openpyxl.load_workbook(io.BytesIO(client.get("/api/export/zones.xlsx").data))
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        at = next(i for i, r in enumerate(rows) if r and "安全风险等级" in r)
        head = rows[at]
        xlsx = {r[head.index("功能区编码")]: r[head.index("安全风险等级")]
                for r in rows[at + 1:] if r and r[0] in ("Z1", "Z2")}
        geojson = {f["properties"]["功能区编码"]: f["properties"]["grade"]
                   for f in client.get("/api/export/zones.geojson").get_json()["features"]}
        ogc = {f["id"]: f["properties"]["grade"]
               for f in client.get("/ogc/collections/zones/items").get_json()["features"]}
        return xlsx, geojson, ogc

    assert said() == ({"Z1": "C", "Z2": None},) * 3
    for code, grade in (("Z1", "A"), ("Z2", "B")):
        r = client.post(f"/api/zones/{code}/assessments", json=assess(grade=grade, score=None))
        assert r.status_code == 201, r.data
    assert said() == ({"Z1": "A", "Z2": "B"},) * 3
    one = client.get("/ogc/collections/zones/items/Z2").get_json()
    assert one["properties"]["grade"] == "B" and one["properties"]["园区安全风险评分"] is None
