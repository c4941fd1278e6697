"""Editing a hazard over HTTP (PATCH /api/hazards/<id>), its history with kinds and changes,
and a point's history (GET /api/points/<id>/events), on both backends.

The grid member of cell A may change the descriptive fields; level and listing
are the supervising authority's decision (admins); the deadline is not edited.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geoapp.domain.layers import STORED_LENGTHS
from geoapp.store import hazards
from geoapp.store.models import Cell, Hazard, HazardEvent, Point, PointEvent
from tests.support.apps import shop_with_hazard


@pytest.fixture
def hazard_id(database, rules):
    return shop_with_hazard(
        database, rules, found_on=dt.date(2026, 3, 1), level="general", source="inspection",
        description="灭火器过期", deadline=dt.date(2026, 3, 31), responsible_unit="商店（虚构）",
        responsible_person="王五", created_at=dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC))[1]


def patch(client, hazard_id, body, etag="1"):
    headers = {"If-Match": f'"{etag}"'} if etag is not None else {}
    return client.patch(f"/api/hazards/{hazard_id}", json=body, headers=headers)


def stored(database, hazard_id):
    with database.sessions() as s:
        h = s.get(Hazard, hazard_id)
        return {"version": h.version, "level": h.level, "listed": h.listed,
                "description": h.description, "deadline": h.deadline,
                "events": [e.action for e in h.events],
                "levels": (h.point.risk_level,
                           s.scalar(sa.select(Cell.risk_level).where(Cell.code == "A")))}


BEFORE = {"version": 1, "level": "general", "listed": False, "description": "灭火器过期",
          "deadline": dt.date(2026, 3, 31), "events": ["create"], "levels": ("blue", "blue")}


def test_grid_member_edits_descriptive_fields_one_event(client, database, auth, hazard_id):
    auth.login("网格员甲", role="grid", cells=["A"])
    r = patch(client, hazard_id, {"description": "灭火器过期两具", "responsible_person": "赵六",
                                  "responsible_unit": "商店（虚构）", "level": "general",
                                  "listed": False})  # unchanged values are not changes
    assert r.status_code == 200, r.get_json()
    assert r.headers["ETag"] == '"2"'
    body = r.get_json()
    assert (body["description"], body["responsible_person"], body["version"]) == (
        "灭火器过期两具", "赵六", 2)
    edit = body["events"][-1]
    assert edit.pop("at").endswith("+00:00") and edit.pop("id") > 0
    assert edit == {"kind": "edit", "action": "edit", "actor": "网格员甲", "from_state": "open",
                    "to_state": "open", "note": "",
                    "changes": {"description": ["灭火器过期", "灭火器过期两具"],
                                "responsible_person": ["王五", "赵六"]}}
    # the history as GET shows it: kinds and changes, oldest first
    events = client.get(f"/api/hazards/{hazard_id}").get_json()["events"]
    assert [(e["kind"], e["action"], e["changes"]) for e in events] == [
        ("create", "create", None), ("edit", "edit", edit["changes"])]
    assert client.post(f"/api/hazards/{hazard_id}/transitions", json={"action": "start"},
                       headers={"If-Match": '"2"'}).status_code == 200
    events = client.get(f"/api/hazards/{hazard_id}").get_json()["events"]
    assert [(e["kind"], e["action"]) for e in events] == [
        ("create", "create"), ("edit", "edit"), ("transition", "start")]


def test_no_change_is_200_without_event_or_new_version(client, database, auth, hazard_id):
    auth.login("网格员甲", role="grid", cells=["A"])
    r = patch(client, hazard_id, {"description": " 灭火器过期 ", "responsible_person": "王五"})
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    assert stored(database, hazard_id) == BEFORE


def test_admin_changes_level_and_the_point_escalates(client, database, auth, hazard_id):
    auth.login("admin")
    r = patch(client, hazard_id, {"level": "major"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["events"][-1]["changes"] == {"level": ["general", "major"]}
    assert stored(database, hazard_id) == {
        **BEFORE, "version": 2, "level": "major", "events": ["create", "edit"],
        "levels": ("red", "red")}  # an open major hazard escalates its shop and cell


def test_listing_is_a_step_not_an_edit(client, database, auth, hazard_id):
    """挂牌督办 has its own steps (tests/web/test_listing.py): an edit that would change
    it is 400 naming ``listed``, also with another field, and changes nothing."""
    auth.login("admin")
    for body in ({"listed": True}, {"level": "major", "listed": True}):
        r = patch(client, hazard_id, body)
        assert (r.status_code, r.get_json()["field"]) == (400, "listed")
        assert "/listing" in r.get_json()["message"]
    assert stored(database, hazard_id) == BEFORE


@pytest.mark.parametrize("body, field", [
    ({"deadline": "2026-05-01"}, "deadline"),          # only through an extension
    ({"description": "x", "deadline": "2026-05-01"}, "deadline"),
    ({"found_on": "2026-03-02"}, "found_on"),
    ({"level": "serious"}, "level"),
    ({"listed": "是"}, "listed"),
    ({"description": "  "}, "description"),
    ({"responsible_person": 5}, "responsible_person"),
    ({"responsible_unit": "单" * (STORED_LENGTHS["hazard", "responsible_unit"] + 1)},
     "responsible_unit"),
    ({"colour": "red"}, "colour"),
    (["description"], "body"),
])
def test_bad_edit_is_400_naming_the_field(client, database, auth, hazard_id, body, field):
    auth.login("admin")
    r = patch(client, hazard_id, body)
    assert r.status_code == 400
    assert (r.get_json()["error"], r.get_json()["field"]) == ("bad_request", field)
    assert stored(database, hazard_id) == BEFORE


def test_who_may_edit(client, database, auth, hazard_id):
    auth.login("admin")  # an admin may write every cell
    assert patch(client, hazard_id, {"description": "管理员"}).status_code == 200
    auth.login("网格员乙", role="grid", cells=["B"])
    assert patch(client, hazard_id, {"description": "别的网格"}, "2").status_code == 403
    auth.login("leader")
    assert patch(client, hazard_id, {"description": "领导"}, "2").status_code == 403
    auth.login("网格员甲", role="grid", cells=["A"])
    for body, field in (({"level": "major"}, "level"), ({"listed": True}, "listed")):
        r = patch(client, hazard_id, {"description": "改等级", **body}, "2")
        assert (r.status_code, r.get_json()["field"]) == (403, field)
    auth.logout()
    assert patch(client, hazard_id, {"description": "匿名"}, "2").status_code == 401
    assert stored(database, hazard_id)["events"] == ["create", "edit"]


def test_stale_or_missing_if_match(client, database, auth, hazard_id):
    auth.login("网格员甲", role="grid", cells=["A"])
    assert patch(client, hazard_id, {"description": "第一次"}).status_code == 200
    r = patch(client, hazard_id, {"description": "第二次"}, "1")
    assert (r.status_code, r.get_json()["current_version"]) == (412, 2)
    assert patch(client, hazard_id, {"description": "第二次"}, None).status_code == 428
    assert patch(client, 999, {"description": "无"}).status_code == 404
    with database.sessions() as s:
        assert s.scalar(sa.select(Hazard.description)) == "第一次"
        assert s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)) == 2


def test_point_events_newest_first(client, database, auth, hazard_id):
    with database.transaction() as s:
        point_id = s.scalar(sa.select(Point.id))
        for day, changes in ((2, {"name": ["商店", "商店（虚构）"]}),
                             (3, {"coordinates": [[120.004, 31.005], [120.005, 31.005]]})):
            s.add(PointEvent(point_id=point_id, at=dt.datetime(2026, 3, day, 2, tzinfo=dt.UTC),
                             actor="import: ent.csv", action="edit", changes=changes))
    r = client.get(f"/api/points/{point_id}/events")
    assert r.status_code == 200
    assert [(e["at"], e["kind"], e["actor"], e["changes"]) for e in r.get_json()] == [
        ("2026-03-03T02:00:00+00:00", "edit", "import: ent.csv",
         {"coordinates": [[120.004, 31.005], [120.005, 31.005]]}),
        ("2026-03-02T02:00:00+00:00", "edit", "import: ent.csv",
         {"name": ["商店", "商店（虚构）"]}),
    ]
    assert client.get("/api/points/999/events").status_code == 404
    auth.login("leader")  # once accounts exist: any logged-in reader, nobody else
    assert client.get(f"/api/points/{point_id}/events").status_code == 200
    auth.logout()
    assert client.get(f"/api/points/{point_id}/events").status_code == 401


def test_two_editors_who_both_read_the_same_version(database, rules, hazard_id):
    # both pass the If-Match check; the database-level version guard stops the second
    from geoapp.store import edits

    first, second = database.sessions(), database.sessions()
    assert first.get(Hazard, hazard_id).version == second.get(Hazard, hazard_id).version == 1
    second.commit()  # each read was its own request (a GET); the write comes in a new one
    edits.edit_hazard(first, rules, hazard_id, {"responsible_person": "甲"}, "甲",
                      expected_version=1)
    first.commit()
    with pytest.raises(hazards.VersionConflict) as info:
        edits.edit_hazard(second, rules, hazard_id, {"responsible_person": "乙"}, "乙",
                          expected_version=1)
    assert info.value.current_version == 2
    first.close()
    second.close()
    with database.sessions() as s:
        h = s.get(Hazard, hazard_id)
        assert h.responsible_person == "甲"
        assert [(e.actor, e.changes) for e in h.events] == [
            ("测试", None), ("甲", {"responsible_person": ["王五", "甲"]})]

