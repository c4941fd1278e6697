"""Enterprise accounts (issue 15, item 1), on both backends: an enterprise sees and writes
only its own points (its point, and the confined spaces and major hazard installations
it owns by USCC), through an allow-list of endpoints; everything else is 403, another
enterprise's point, hazard or photo 403/404. Its self-checks, hazards, their start and
submission work; acceptance, listing, extensions' decisions and measures do not.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import shapely
import sqlalchemy as sa

from geoapp.domain.identifiers import uscc_check_char
from geoapp.ingest.photos import prepare
from geoapp.store import hazards
from geoapp.store import photos as stored_photos
from geoapp.store.models import (
    Cell,
    Extension,
    Hazard,
    Inspection,
    Measure,
    Photo,
    Point,
    Town,
    User,
    Village,
)
from geoapp.web.auth import ENTERPRISE_ENDPOINTS, OPEN_ENDPOINTS
from tests.support.apps import csrf_token_from
from tests.support.checks import snapshot
from tests.support.constants import PASSWORD, TODAY
from tests.support.images import jpeg

OWN = "91330100MA2B3C4D5" + uscc_check_char("91330100MA2B3C4D5")
OTHER = "91330100MA2B3C4D6" + uscc_check_char("91330100MA2B3C4D6")


def _company(s, uscc: str, tag: str, x: float) -> dict:
    """An enterprise (synthetic) with a confined space it owns and an open hazard at each."""
    firm = Point(layer="enterprise", key=uscc, name=f"企业{tag}（虚构）", cell_code="A",
                 geom=shapely.Point(x, 31.005), attrs={"uscc": uscc, "industry": "1711"})
    space = Point(layer="confined_space", key=f"CS-{tag}", name=f"污水池{tag}（虚构）",
                  cell_code="A", geom=shapely.Point(x + 0.001, 31.005),
                  attrs={"enterprise_uscc": uscc})
    out = {"point": firm, "space": space}
    for name, point in (("hazard", firm), ("space_hazard", space)):
        hazard = Hazard(code=f"H-{tag}-{name}", point=point, level="general",
                        source="inspection", description="消防通道堵塞", found_on=TODAY,
                        deadline=TODAY + dt.timedelta(days=20), state="open")
        s.add(hazard)
        hazards.record(hazard, "测试", "create")
        out[name] = hazard
    s.flush()
    tz = ZoneInfo("Asia/Shanghai")
    out["photo"] = stored_photos.attach(s, prepare("现场.jpg", jpeg(), tz), "测试",
                                        hazard_id=out["hazard"].id)
    visit = Inspection(point_id=firm.id, inspected_at=dt.datetime(2030, 6, 1, 2, tzinfo=dt.UTC),
                       inspector="测试", inspector_name="测试", checklist={}, note="")
    s.add(visit)
    s.flush()
    out["visit_photo"] = stored_photos.attach(s, prepare("巡查.jpg", jpeg(), tz), "测试",
                                              inspection_id=visit.id)
    out["extension"] = Extension(hazard_id=out["hazard"].id, requested_by="测试",
                                 requested_at=dt.datetime(2030, 6, 13, 2, tzinfo=dt.UTC),
                                 reason="设备未到货", old_deadline=out["hazard"].deadline,
                                 until=out["hazard"].deadline + dt.timedelta(days=5))
    s.add(out["extension"])
    out["measure"] = Measure(kind="interview", taken_on=TODAY, unit="示范镇安监站",
                             recipient=f"企业{tag}负责人（虚构）", hazard_id=out["hazard"].id,
                             recorded_by="测试", recorded_at=dt.datetime.now(dt.UTC))
    s.add(out["measure"])
    s.flush()
    return {k: v.id for k, v in out.items()}


@pytest.fixture
def firms(database):
    """Two enterprises in cell A, OWN and OTHER, each with its objects' ids."""
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        s.add(Cell(code="A", name="A网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120.0, 31, 120.1, 31.01)])))
        s.flush()
        return {"own": _company(s, OWN, "甲", 120.005), "other": _company(s, OTHER, "乙", 120.05)}


@pytest.fixture
def firm(auth, firms):
    """The client logged in as OWN's enterprise account."""
    assert auth.login("qiye", role="enterprise", enterprise=OWN).status_code == 302
    return firms


# ------------------------------------------------------------------ every route

_PARAMS = {"point_id": "point", "hazard_id": "hazard", "photo_id": "photo",
           "extension_id": "extension", "measure_id": "measure"}


def _url(rule, ids: dict) -> str:
    values = {}
    for arg in rule.arguments:
        if arg in _PARAMS:
            values[arg] = ids[_PARAMS[arg]]
        elif arg == "upload_id":
            values[arg] = "0" * 32
        elif arg in ("z", "x", "y") or arg.endswith("_id"):
            values[arg] = 1
        else:  # code, filename, name, path: any text
            values[arg] = {"filename": "hazard.geojson", "name": "leaflet",
                           "code": "A", "kind": "cells"}.get(arg, "x.js")
    return rule.build(values)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "assets.vendor", "assets.favicon", "auth.login",
                             "auth.logout"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_not_on_the_allow_list_is_403(client, app, firm):
    seen = 0
    for rule, method in _routes(app):
        if rule.endpoint in ENTERPRISE_ENDPOINTS | OPEN_ENDPOINTS:  # the public's pages: anyone's
            continue
        r = client.open(_url(rule, firm["own"]), method=method, json={})
        assert r.status_code == 403, (rule.endpoint, method, r.status_code)
        seen += 1
    assert seen > 50  # the map, the reports, the cell pages, the admin pages, their APIs…


def test_the_allow_list_is_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert ENTERPRISE_ENDPOINTS <= endpoints


def test_another_enterprises_objects_are_refused_on_every_allowed_route(client, app, firm,
                                                                         database):
    before = snapshot(database)
    checked = set()
    for target in ("other", "other-space", "other-visit-photo"):
        ids = dict(firm["other"])
        if target == "other-space":
            ids.update(point=ids["space"], hazard=ids["space_hazard"])
        if target == "other-visit-photo":
            ids["photo"] = ids["visit_photo"]
        for rule, method in _routes(app):
            if rule.endpoint not in ENTERPRISE_ENDPOINTS or not set(rule.arguments) & set(_PARAMS):
                continue
            r = client.open(_url(rule, ids), method=method, json={})
            assert r.status_code in (403, 404), (rule.endpoint, method, r.status_code)
            checked.add(rule.endpoint)
    assert snapshot(database) == before
    assert checked == {"hazards.hazard", "hazards.new_hazard", "hazards.move_hazard",
                       "photos.photo", "photos.thumb", "photos.add_hazard_photo",
                       "inspections.checklist", "inspections.point_inspections",
                       "inspections.new_inspection"}


def test_the_allowed_reads_of_its_own_points_answer(client, firm):
    own = firm["own"]
    for url in (f"/api/hazards/{own['hazard']}", f"/api/hazards/{own['space_hazard']}",
                f"/api/photos/{own['photo']}", f"/api/photos/{own['photo']}/thumb",
                f"/api/photos/{own['visit_photo']}",
                f"/api/points/{own['point']}/checklist", f"/api/points/{own['space']}/checklist",
                f"/api/points/{own['point']}/inspections", "/api/me", "/account", "/enterprise",
                "/api/enterprise"):
        assert client.get(url).status_code == 200, url
    assert client.get("/api/me").get_json()["scope"] == {
        "all": False, "level": "enterprise", "areas": [], "cells": [], "enterprise": OWN}
    assert client.get(f"/api/hazards/{own['hazard']}").get_json()["my_actions"] == ["start"]


def test_it_lands_on_its_page_and_the_top_bar_shows_nothing_else(client, auth, firms):
    r = auth.login("qiye", role="enterprise", enterprise=OWN)
    assert r.status_code == 302 and r.headers["Location"] == "/enterprise"
    auth.logout()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login?next=/reports", data={"username": "qiye", "password": PASSWORD,
                                                  "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/enterprise"
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    html = client.get("/enterprise").get_data(as_text=True)
    nav = re.search(r'<nav class="pages">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="([^"]+)"', nav) == ["/enterprise"]
    assert '<a class="brand" href="/enterprise">' in html


def test_its_page_is_for_enterprise_accounts_only(client, auth, firms):
    auth.login("leader")
    assert client.get("/enterprise").status_code == 403
    assert client.get("/api/enterprise").status_code == 403


# ------------------------------------------------------------------ what it shows

def test_the_page_data_holds_its_own_points_hazards_checks_and_measures(client, firm):
    own = firm["own"]
    body = client.get("/api/enterprise").get_json()
    assert body["uscc"] == OWN and body["enterprise"]["id"] == own["point"]
    assert [p["id"] for p in body["points"]] == [own["point"], own["space"]]
    assert {h["id"] for h in body["hazards"]} == {own["hazard"], own["space_hazard"]}
    assert all(h["deadline"] and h["state"] == "open" for h in body["hazards"])
    assert [m["id"] for m in body["measures"]] == [own["measure"]]
    assert body["self_checks"] == []  # a supervisory visit is no self-check
    html = client.get("/enterprise").get_data(as_text=True)
    assert "企业甲（虚构）" in html and "污水池甲（虚构）" in html and "企业乙" not in html
    assert "企业甲负责人（虚构）" in html and "企业乙负责人" not in html


# ------------------------------------------------------------------ what it does

def _checklist(client, point_id):
    items = client.get(f"/api/points/{point_id}/checklist").get_json()
    return {i["key"]: "ok" for i in items}


@pytest.mark.parametrize("where", ["point", "space"])
def test_a_self_check_is_stored_as_such_and_moves_no_visit_status(client, firm, database, where):
    point_id = firm["own"][where]
    answers = _checklist(client, point_id)
    answers[next(iter(answers))] = "fail"
    r = client.post(f"/api/points/{point_id}/inspections", data={
        "checklist": json.dumps(answers), "note": "消防器材自查",
        "photos": (BytesIO(jpeg()), "自查.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert body["source"] == "self_check" and len(body["photos"]) == 1
    assert body["inspector"]["username"] == "qiye"
    assert client.get(body["photos"][0]["url"]).status_code == 200
    with database.sessions() as s:
        assert s.get(Inspection, body["id"]).source == "self_check"
        assert s.get(Point, point_id).last_visit_on is None
    page = client.get("/api/enterprise").get_json()
    assert [c["id"] for c in page["self_checks"]] == [body["id"]]
    assert page["self_checks"][0]["failed"] == [next(iter(answers))]


def test_it_registers_starts_and_submits_a_hazard_with_an_after_photo(client, firm, database):
    point_id = firm["own"]["space"]
    r = client.post(f"/api/points/{point_id}/hazards", data={
        "level": "major", "source": "inspection", "description": "有限空间未设警示标志",
        "found_on": TODAY.isoformat(), "deadline": (TODAY + dt.timedelta(days=10)).isoformat(),
        "photos": (BytesIO(jpeg()), "发现.jpg")}, content_type="multipart/form-data")
    assert r.status_code == 201, r.get_data(as_text=True)
    hazard = r.get_json()
    # what an enterprise registers it found itself, whatever the form said
    assert hazard["source"] == "self_check" and hazard["source_label"] == "企业自查"
    assert hazard["events"][-1]["actor"] == "qiye" and len(hazard["photos"]) == 1
    assert hazard["my_actions"] == ["start"]
    r = client.post(f"/api/hazards/{hazard['id']}/transitions",
                    json={"action": "start", "note": "已安排整改"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200 and r.get_json()["state"] == "rectifying"
    # a major hazard is submitted with an after-photo (layers/hazard.toml [evidence])
    r = client.post(f"/api/hazards/{hazard['id']}/transitions", data={"action": "submit"},
                    headers={"If-Match": '"2"'})
    assert r.status_code == 400 and r.get_json()["field"] == "photos"
    r = client.post(f"/api/hazards/{hazard['id']}/transitions", data={
        "action": "submit", "note": "已设置警示标志", "photos": (BytesIO(jpeg()), "整改后.jpg")},
        headers={"If-Match": '"2"'}, content_type="multipart/form-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    done = r.get_json()
    assert done["state"] == "awaiting_acceptance" and done["submitted_by"] == "qiye"
    assert done["my_actions"] == []  # it never accepts
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Photo)
                        .where(Photo.hazard_id == hazard["id"])) == 2
    r = client.post(f"/api/hazards/{hazard['id']}/transitions",
                    json={"action": "accept", "note": "同意"}, headers={"If-Match": '"3"'})
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden_step"


def test_it_adds_photos_to_its_own_hazards_only(client, firm):
    own, other = firm["own"], firm["other"]
    for hazard_id, status in ((own["hazard"], 201), (other["hazard"], 403)):
        r = client.post(f"/api/hazards/{hazard_id}/photos",
                        data={"photo": (BytesIO(jpeg()), "现场.jpg")},
                        content_type="multipart/form-data")
        assert r.status_code == status


@pytest.mark.parametrize("request_", [
    lambda c, ids: c.post(f"/api/hazards/{ids['hazard']}/listing", json={
        "level": "town", "unit": "示范镇", "deadline": TODAY.isoformat()}),
    lambda c, ids: c.post(f"/api/extensions/{ids['extension']}/decision",
                          json={"approve": True, "note": "同意"}),
    lambda c, ids: c.post(f"/api/hazards/{ids['hazard']}/extensions",
                          json={"until": TODAY.isoformat(), "reason": "设备未到货"}),
    lambda c, ids: c.post("/api/measures", json={
        "kind": "interview", "hazard_id": ids["hazard"], "date": TODAY.isoformat(),
        "unit": "示范镇安监站", "recipient": "企业负责人"}),
    lambda c, ids: c.patch(f"/api/hazards/{ids['hazard']}", json={"level": "major"},
                           headers={"If-Match": '"1"'}),
    lambda c, ids: c.post(f"/api/points/{ids['point']}/hazards", json={
        "level": "general", "source": "self_check", "description": "x", "listed": True,
        "found_on": TODAY.isoformat(), "deadline": TODAY.isoformat()}),
], ids=["list", "decide-extension", "request-extension", "measure", "edit", "list-on-create"])
def test_supervisory_steps_on_its_own_hazards_are_refused(client, firm, database, request_):
    before = snapshot(database)
    r = request_(client, firm["own"])
    assert r.status_code == 403 and r.get_json()["error"] in ("forbidden", "forbidden_step")
    assert snapshot(database) == before


def test_an_account_without_a_bound_enterprise_owns_nothing(client, auth, firms):
    auth.login("qiye0", role="enterprise")
    assert client.get(f"/api/hazards/{firms['own']['hazard']}").status_code == 403
    assert client.get("/api/enterprise").get_json()["points"] == []


# ------------------------------------------------------------------ made by an admin

@pytest.mark.parametrize("fields, status, field", [
    ({"role": "enterprise", "enterprise": OWN.lower()}, 201, None),
    ({"role": "enterprise"}, 400, "enterprise"),
    ({"role": "enterprise", "enterprise": OWN[:-1] + ("0" if OWN[-1] != "0" else "1")}, 400,
     "enterprise"),
    ({"role": "enterprise", "enterprise": "91350100M000100Y43"}, 400, "enterprise"),  # no ledger
    ({"role": "leader", "enterprise": OWN}, 400, "enterprise"),
])
def test_an_admin_makes_an_enterprise_account_for_a_ledger_enterprise(client, auth, firms,
                                                                      database, fields, status,
                                                                      field):
    auth.login("admin")
    r = client.post("/api/admin/accounts", json={"username": "qiye2", **fields})
    assert r.status_code == status, r.get_data(as_text=True)
    if status == 201:
        assert r.get_json()["account"]["enterprise_uscc"] == OWN
        auth.login("qiye2", r.get_json()["password"])
        assert client.get("/api/enterprise").get_json()["uscc"] == OWN
    else:
        assert r.get_json()["field"] == field
        with database.sessions() as s:
            assert s.scalar(sa.select(User).where(User.username == "qiye2")) is None
