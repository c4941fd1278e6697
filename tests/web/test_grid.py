"""The grid member's cell page and recording a hazard, on both backends.

Hand-drawn territory: two unit-ish squares side by side, cell A (west) and
cell B (east), one shop in each. The shop's own level is blue (retail, see
layers/enterprise.toml), so any red below comes from an open 重大 hazard.

    31.01 +---------+---------+
          |  A   K1 |  B   K2 |
    31.00 +---------+---------+
        120.00    120.01    120.02
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import shapely
import sqlalchemy as sa

from geoapp.domain.hazard_input import HazardInputError
from geoapp.store import assignment
from geoapp.store.hazards import create_hazard
from geoapp.store.models import Cell, Hazard, HazardEvent, Point, Town, Village
from tests.support.constants import TODAY as APP_TODAY

TODAY = dt.date(2026, 4, 15)
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def territory(database, rules):
    """Cells A and B with one blue shop each; returns {"K1": id, "K2": id}."""
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        s.add_all([
            Cell(code="A", name="东湖村一网格", village=village,
                 geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)]),
                 members=[{"name": XSS, "phone": "138-0000-0001<script>"}]),
            Cell(code="B", name="东湖村二网格", village=village,
                 geom=shapely.MultiPolygon([shapely.box(120.01, 31, 120.02, 31.01)])),
        ])
        points = {key: Point(layer="enterprise", key=key, name=f"商店{key}（虚构）",
                             geom=shapely.Point(x, 31.005), attrs={"industry": "5261"})
                  for key, x in (("K1", 120.005), ("K2", 120.015))}
        s.add_all(points.values())
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        return {key: p.id for key, p in points.items()}


def valid(**changes) -> dict:
    fields = {"level": "general", "source": "inspection", "description": "消防通道堵塞",
              "found_on": "2026-04-10", "deadline": "2026-05-10",
              "responsible_unit": "商店K1（虚构）", "responsible_person": "王五", "listed": False}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not ...}


def levels(database) -> dict:
    with database.sessions() as s:
        points = dict(s.execute(sa.select(Point.key, Point.risk_level)).all())
        cells = dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all())
    return {**points, **cells}


def counts(database) -> tuple[int, int]:
    with database.sessions() as s:
        return (s.scalar(sa.select(sa.func.count()).select_from(Hazard)),
                s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)))


# ------------------------------------------------------------------ core: create_hazard

def test_create_records_an_open_hazard_with_a_create_event(database, rules, territory):
    with database.transaction() as s:
        h = create_hazard(s, rules, territory["K1"], valid(), "网格员甲", TODAY)
        hazard_id = h.id
    with database.sessions() as s:
        h = s.get(Hazard, hazard_id)
        assert (h.code, h.state, h.version, h.level, h.source) == (
            "YH20260415-001", "open", 1, "general", "inspection")
        assert (h.found_on, h.deadline, h.listed) == (dt.date(2026, 4, 10),
                                                     dt.date(2026, 5, 10), False)
        assert (h.responsible_unit, h.responsible_person) == ("商店K1（虚构）", "王五")
        assert [(e.action, e.from_state, e.to_state, e.actor, e.note) for e in h.events] == [
            ("create", None, "open", "网格员甲", "")]
    # a general hazard changes no level
    assert levels(database) == {"K1": "blue", "K2": "blue", "A": "blue", "B": "blue"}


def test_open_major_hazard_escalates_its_point_and_cell_only(database, rules, territory):
    with database.transaction() as s:
        create_hazard(s, rules, territory["K1"], valid(level="major"), "网格员甲", TODAY)
    assert levels(database) == {"K1": "red", "K2": "blue", "A": "red", "B": "blue"}


def test_codes_number_each_day_from_one(database, rules, territory):
    with database.transaction() as s:
        codes = [create_hazard(s, rules, territory["K1"], valid(), "甲", TODAY).code
                 for _ in range(2)]
        codes.append(create_hazard(s, rules, territory["K2"], valid(found_on="2026-04-16"),
                                   "甲", dt.date(2026, 4, 16)).code)
    assert codes == ["YH20260415-001", "YH20260415-002", "YH20260416-001"]


def test_major_hazard_plan_is_kept_in_the_create_event(database, rules, territory):
    plan = {"goal": "一个月内更换报警器", "measures": "停用储罐区，更换并检定",
            "funds": "5万元，企业自筹", "emergency_plan": ""}
    with database.transaction() as s:
        h = create_hazard(s, rules, territory["K1"], valid(level="major", plan=plan), "甲", TODAY)
        note = h.events[0].note
    assert note == ("治理方案（五到位）\n治理目标和任务：一个月内更换报警器\n"
                    "治理方法和措施：停用储罐区，更换并检定\n经费和物资落实：5万元，企业自筹")


@pytest.mark.parametrize(("changes", "field"), [
    ({"level": ...}, "level"),
    ({"level": "serious"}, "level"),
    ({"level": "重大"}, "level"),  # codes, not labels
    ({"source": "rumour"}, "source"),
    ({"source": None}, "source"),
    ({"description": ""}, "description"),
    ({"description": "   "}, "description"),
    ({"description": "长" * 2001}, "description"),
    ({"description": 42}, "description"),
    ({"found_on": ...}, "found_on"),
    ({"found_on": "2026/04/10"}, "found_on"),
    ({"found_on": "20260410"}, "found_on"),
    ({"found_on": "2026-02-30"}, "found_on"),
    ({"found_on": "2026-04-16"}, "found_on"),  # tomorrow
    ({"deadline": ...}, "deadline"),
    ({"deadline": "2026-04-09"}, "deadline"),  # before it was found
    ({"listed": "yes"}, "listed"),
    ({"listed": 1}, "listed"),
    ({"responsible_unit": "单" * 201}, "responsible_unit"),
    ({"responsible_person": ["王五"]}, "responsible_person"),
    ({"responsible_person": "人" * 101}, "responsible_person"),
    ({"plan": {"goal": "更换"}}, "plan"),  # a general hazard has no plan
    ({"level": "major", "plan": "更换"}, "plan"),
    ({"level": "major", "plan": {"goal": 5}}, "plan.goal"),
    ({"level": "major", "plan": {"budget": "5万"}}, "plan.budget"),
    ({"level": "major", "plan": {"funds": "元" * 2001}}, "plan.funds"),
    ({"colour": "red"}, "colour"),
])
def test_each_bad_field_is_named_and_nothing_is_written(database, rules, territory,
                                                        changes, field):
    with database.sessions() as s, pytest.raises(HazardInputError) as exc:
        create_hazard(s, rules, territory["K1"], valid(**changes), "甲", TODAY)
    assert exc.value.field == field
    assert exc.value.message
    assert counts(database) == (0, 0)


def test_edges_that_are_allowed(database, rules, territory):
    fields = valid(description="长" * 2000, found_on="2026-04-15", deadline="2026-04-15",
                   responsible_unit="  ", responsible_person=None, listed=None)
    with database.transaction() as s:
        h = create_hazard(s, rules, territory["K1"], fields, "甲", TODAY)
        assert (h.found_on, h.deadline, h.listed) == (TODAY, TODAY, False)
        assert (h.responsible_unit, h.responsible_person) == (None, None)


def test_unknown_point_and_missing_actor(database, rules, territory):
    with database.sessions() as s:
        with pytest.raises(LookupError):
            create_hazard(s, rules, 999_999, valid(), "甲", TODAY)
        with pytest.raises(ValueError, match="actor"):
            create_hazard(s, rules, territory["K1"], valid(), "", TODAY)
    assert counts(database) == (0, 0)


# ------------------------------------------------------------------ the page

def test_demo_cell_page_renders(demo_client):
    r = demo_client.get("/cells/SF-05-01")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    for needle in ('id="cell-map"', 'id="hazard-table"', "北庄村第1网格", "北庄村",
                   'href="tel:13800004779"', "/vendor/leaflet/leaflet.js",
                   "/static/cell.js", 'id="page-config"'):
        assert needle in html, needle
    # nothing loads from another host
    assert not re.search(r'(src|href)="(https?:)?//', html)
    # nobody logged in: no way to write
    assert 'id="new-hazard"' not in html and "data-action" not in html


def test_unknown_cell_page_is_404(demo_client):
    r = demo_client.get("/cells/NO-SUCH-CELL")
    assert r.status_code == 404
    assert "未找到网格" in r.get_data(as_text=True)


def test_the_form_is_shown_to_those_who_may_write_the_cell(demo_client, demo_auth):
    demo_auth.login("grid", role="grid", cells=["SF-05-01"])
    assert 'id="new-hazard"' in demo_client.get("/cells/SF-05-01").get_data(as_text=True)
    assert 'id="new-hazard"' not in demo_client.get("/cells/SF-06-03").get_data(as_text=True)
    demo_auth.login("leader")
    assert 'id="new-hazard"' not in demo_client.get("/cells/SF-05-01").get_data(as_text=True)


def test_page_escapes_members_and_cleans_phone_links(client, territory):
    html = client.get("/cells/A").get_data(as_text=True)
    assert XSS not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="tel:13800000001"' in html


# ------------------------------------------------------------------ POST /api/points/<id>/hazards

def today() -> dt.date:
    return APP_TODAY  # the apps' pinned date (tests.support.constants)


def body(**changes) -> dict:
    return valid(**{"found_on": today().isoformat(),
                    "deadline": (today() + dt.timedelta(days=30)).isoformat(), **changes})


@pytest.fixture
def grid_a(auth, territory):
    """The grid member of cell A, logged in (CSRF header sent by the fixture)."""
    assert auth.login("网格员甲", role="grid", cells=["A"]).status_code == 302
    return "网格员甲"


def test_post_creates_major_hazard_that_escalates_and_shows_in_the_cell(
        client, database, territory, grid_a):
    r = client.post(f"/api/points/{territory['K1']}/hazards",
                    json=body(level="major", actor="冒名者", description=XSS))
    assert r.status_code == 201, r.get_json()
    h = r.get_json()
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"].endswith(f"/api/hazards/{h['id']}")
    assert h["code"] == f"YH{today():%Y%m%d}-001"
    assert (h["state"], h["level"], h["description"], h["actions"]) == (
        "open", "major", XSS, ["start"])
    # the actor is the logged-in user, whatever the body says
    assert [(e["action"], e["actor"], e["to_state"]) for e in h["events"]] == [
        ("create", grid_a, "open")]
    assert levels(database) == {"K1": "red", "K2": "blue", "A": "red", "B": "blue"}

    cell = client.get("/api/cells/A").get_json()
    assert cell["properties"]["risk_level"] == "red"
    assert cell["properties"]["hazards"]["major_open"] == 1
    [listed] = [x for x in cell["hazard_list"] if x["id"] == h["id"]]
    assert [e["action"] for e in listed["events"]] == ["create"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"description": ""}, "description"),
    ({"level": "critical"}, "level"),
    ({"deadline": "2000-01-01"}, "deadline"),
    ({"listed": "否"}, "listed"),
    # the date window shared with the ledger import (geoapp.domain.hazarddates)
    ({"found_on": "0001-01-01", "deadline": "0001-01-02"}, "found_on"),
    ({"deadline": (today() + dt.timedelta(days=366 * 10 + 3)).isoformat()}, "deadline"),
])
def test_post_bad_field_is_400_naming_it(client, database, territory, grid_a, changes, field):
    r = client.post(f"/api/points/{territory['K1']}/hazards", json=body(**changes))
    assert r.status_code == 400
    j = r.get_json()
    assert j["error"] == "bad_request" and j["field"] == field and j["message"]
    assert counts(database) == (0, 0)


def test_post_needs_a_json_object_or_a_whole_form(client, database, territory, grid_a):
    # a form is read like JSON (the phone sends multipart with photos): what it lacks is named
    r = client.post(f"/api/points/{territory['K1']}/hazards", data="level=general",
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r.get_json()["field"] == "source"
    r = client.post(f"/api/points/{territory['K1']}/hazards", json=["level"])
    assert r.status_code == 400 and r.get_json()["field"] == "body"
    assert counts(database) == (0, 0)


def test_post_unknown_point_is_404(client, grid_a):
    r = client.post("/api/points/999999/hazards", json=body())
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"


def test_post_permissions(client, auth, database, territory):
    url = f"/api/points/{territory['K1']}/hazards"
    auth.login("admin")  # an account exists from here on
    auth.logout()
    assert client.post(url, json=body()).status_code == 401
    auth.login("网格员乙", role="grid", cells=["B"])
    assert client.post(url, json=body()).status_code == 403  # K1 is in A, not B
    assert client.post(f"/api/points/{territory['K2']}/hazards", json=body()).status_code == 201
    auth.login("leader")
    assert client.post(url, json=body()).status_code == 403
    auth.login("admin")
    assert client.post(url, json=body()).status_code == 201
    assert counts(database) == (2, 2)


def test_post_without_csrf_token_is_refused(client, database, territory, grid_a):
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    r = client.post(f"/api/points/{territory['K1']}/hazards", json=body())
    assert r.status_code == 400 and r.get_json()["error"] == "csrf_failed"
    assert counts(database) == (0, 0)


def test_post_codes_follow_each_other_and_skip_a_code_stored_meanwhile(
        client, database, territory, grid_a):
    # another writer (an import, an older version of geoapp) stored YH…-002 without the counter
    first = client.post(f"/api/points/{territory['K1']}/hazards", json=body())
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["code"] == f"YH{today():%Y%m%d}-001"
    with database.transaction() as s:
        s.add(Hazard(code=f"YH{today():%Y%m%d}-002", point_id=territory["K1"],
                     level="general", source="inspection", description="另一写入者",
                     found_on=today(), deadline=today(), state="open"))
    r = client.post(f"/api/points/{territory['K1']}/hazards", json=body())
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["code"] == f"YH{today():%Y%m%d}-003"
    assert counts(database) == (3, 2)
