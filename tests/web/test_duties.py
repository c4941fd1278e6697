"""Separation of duties (审核把关销号) over HTTP, on both backends: every rule of the
hazard file's ``[steps]``, each refusal a 403 ``forbidden_step`` naming its rule that
changes nothing (state, version, events); what the cell page is offered follows.

The pure rules are tests/domain/test_duties.py; role × endpoint is tests/web/test_auth.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geoapp.store import hazards
from geoapp.store.models import Hazard, HazardEvent
from tests.support.apps import shop_with_hazard
from tests.support.checks import snapshot
from tests.support.constants import TODAY

GRID = {"username": "网格员甲", "role": "grid", "cells": ["A"]}
SUPERVISOR = {"username": "监管员乙", "role": "supervisor"}
OTHER_SUPERVISOR = {"username": "监管员丙", "role": "supervisor"}
ADMIN = {"username": "admin"}


def awaiting(database, rules, level: str, submitter: str = "网格员甲") -> int:
    """A hazard of ``level`` in cell A, submitted for acceptance by ``submitter``."""
    _point, hazard_id = shop_with_hazard(database, rules, level=level, cells="A",
                                         found_on=dt.date(2030, 6, 1))
    with database.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        hazards.transition(hazard, "start", submitter)
        hazards.transition(hazard, "submit", submitter, "已整改")
    return hazard_id


def stored(database, hazard_id) -> tuple:
    with database.sessions() as s:
        h = s.get(Hazard, hazard_id)
        events = s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)
                          .where(HazardEvent.hazard_id == hazard_id))
        return h.state, h.version, events


def step(client, hazard_id, action, note="现场复查合格"):
    version = client.get(f"/api/hazards/{hazard_id}").headers["ETag"]
    return client.post(f"/api/hazards/{hazard_id}/transitions",
                       json={"action": action, "note": note}, headers={"If-Match": version})


def refused(client, database, hazard_id, action, rule, note="现场复查合格"):
    """The step is 403 forbidden_step naming ``rule`` and nothing in the database changed."""
    before, rows = stored(database, hazard_id), snapshot(database)
    r = step(client, hazard_id, action, note)
    assert r.status_code == 403, r.get_json()
    body = r.get_json()
    assert (body["error"], body["rule"], body["field"]) == ("forbidden_step", rule, "action")
    assert body["message"].startswith("审核把关销号：")
    assert stored(database, hazard_id) == before
    assert snapshot(database) == rows
    return body["message"]


@pytest.mark.parametrize("level", ["general", "major"])
@pytest.mark.parametrize("action", ["accept", "reject"])
def test_a_grid_member_neither_accepts_nor_rejects(client, auth, database, rules, level, action):
    hazard_id = awaiting(database, rules, level, submitter="别人")
    auth.login(**GRID)
    message = refused(client, database, hazard_id, action, "step_role")
    assert "网格员账号不能办理" in message and "监管审核、管理员" in message


@pytest.mark.parametrize("level", ["general", "major"])
def test_the_submitter_cannot_accept_even_a_supervisor(client, auth, database, rules, level):
    hazard_id = awaiting(database, rules, level, submitter=SUPERVISOR["username"])
    auth.login(**SUPERVISOR)
    message = refused(client, database, hazard_id, "accept", "submitter_accepts")
    assert "不能验收自己提请的隐患" in message
    # returning it for rework is not accepting it: the submitter may withdraw it that way
    assert step(client, hazard_id, "reject", "补充照片").status_code == 200
    assert stored(database, hazard_id)[0] == "rectifying"


def test_the_latest_submit_names_the_submitter(client, auth, database, rules):
    # submitted by the supervisor once, returned, submitted again by the grid member
    hazard_id = awaiting(database, rules, "general", submitter=SUPERVISOR["username"])
    with database.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        hazards.transition(hazard, "reject", OTHER_SUPERVISOR["username"], "未到位")
        hazards.transition(hazard, "submit", GRID["username"], "再次提请")
    auth.login(**SUPERVISOR)
    r = step(client, hazard_id, "accept")
    assert r.status_code == 200 and r.get_json()["state"] == "closed"
    assert r.get_json()["events"][-1]["actor"] == SUPERVISOR["username"]


@pytest.mark.parametrize("level", ["general", "major"])
@pytest.mark.parametrize("action, state", [("accept", "closed"), ("reject", "rectifying")])
def test_a_supervisor_accepts_and_rejects(client, auth, database, rules, level, action, state):
    hazard_id = awaiting(database, rules, level)
    auth.login(**SUPERVISOR)
    _state, version, _events = stored(database, hazard_id)
    r = step(client, hazard_id, action, "现场复查")
    assert r.status_code == 200, r.get_json()
    # one version on, four events: create, start, submit, this step
    assert stored(database, hazard_id) == (state, version + 1, 4)
    event = r.get_json()["events"][-1]
    assert (event["action"], event["actor"], event["note"]) == (
        action, SUPERVISOR["username"], "现场复查")


@pytest.mark.parametrize("action, state", [("accept", "closed"), ("reject", "rectifying")])
def test_the_admin_reviews_a_general_hazard(client, auth, database, rules, action, state):
    hazard_id = awaiting(database, rules, "general")
    auth.login(**ADMIN)
    assert step(client, hazard_id, action).status_code == 200
    assert stored(database, hazard_id)[0] == state


@pytest.mark.parametrize("action", ["accept", "reject"])
def test_a_major_hazard_needs_a_supervisor(client, auth, database, rules, action):
    hazard_id = awaiting(database, rules, "major")
    auth.login(**ADMIN)
    message = refused(client, database, hazard_id, action, "major_needs_supervisor")
    assert "重大隐患" in message and "管理员账号不能办理" in message


@pytest.mark.parametrize("action", ["accept", "reject"])
@pytest.mark.parametrize("note", ["", "   "])
def test_a_review_needs_a_note(client, auth, database, rules, action, note):
    hazard_id = awaiting(database, rules, "general")
    auth.login(**SUPERVISOR)
    before = stored(database, hazard_id)
    r = step(client, hazard_id, action, note)
    assert r.status_code == 400 and r.get_json()["field"] == "note"
    assert "请填写意见" in r.get_json()["message"]
    assert stored(database, hazard_id) == before


def test_the_rule_comes_before_the_note(client, auth, database, rules):
    # a grid member sending an empty acceptance is told the rule, not to write a note
    hazard_id = awaiting(database, rules, "general", submitter="别人")
    auth.login(**GRID)
    refused(client, database, hazard_id, "accept", "step_role", note="")


def test_steps_offered_follow_the_rules(client, auth, database, rules):
    """``my_actions`` on the hazard and in the cell's JSON: what the page shows as buttons."""
    general = awaiting(database, rules, "general", submitter=GRID["username"])

    def offered():
        cell = client.get("/api/cells/A").get_json()
        in_cell = {h["id"]: h["my_actions"] for h in cell["hazard_list"]}
        one = client.get(f"/api/hazards/{general}").get_json()
        assert one["my_actions"] == in_cell[general]
        assert one["submitted_by"] == GRID["username"]
        return in_cell[general]

    auth.login(**GRID)
    assert offered() == []
    auth.login(**SUPERVISOR)
    assert offered() == ["accept", "reject"]
    auth.login(**ADMIN)
    assert offered() == ["accept", "reject"]
    auth.login("leader")
    assert offered() == []
    auth.login(**GRID)
    assert step(client, general, "accept").status_code == 403  # the server checks regardless


def test_the_submitter_is_offered_no_acceptance(client, auth, database, rules):
    hazard_id = awaiting(database, rules, "major", submitter=SUPERVISOR["username"])
    auth.login(**SUPERVISOR)
    assert client.get(f"/api/hazards/{hazard_id}").get_json()["my_actions"] == ["reject"]
    auth.login(**ADMIN)  # a major hazard: not the admin's either
    assert client.get(f"/api/hazards/{hazard_id}").get_json()["my_actions"] == []
    auth.login(**OTHER_SUPERVISOR)
    assert client.get(f"/api/hazards/{hazard_id}").get_json()["my_actions"] == [
        "accept", "reject"]


# ------------------------------------------------------------------ 挂牌督办 at registration

def new_hazard(client, point_id, listed):
    return client.post(f"/api/points/{point_id}/hazards", json={
        "level": "general", "source": "inspection", "description": "灭火器过期",
        "found_on": TODAY.isoformat(), "deadline": (TODAY + dt.timedelta(days=7)).isoformat(),
        "listed": listed})


def test_a_grid_member_cannot_list_when_registering(client, auth, database, rules):
    point_id, _hazard_id = shop_with_hazard(database, rules, cells="A",
                                            found_on=dt.date(2030, 6, 1))
    auth.login(**GRID)
    before = snapshot(database)
    r = new_hazard(client, point_id, True)
    body = r.get_json()
    assert r.status_code == 403, body
    assert (body["error"], body["rule"], body["field"]) == ("forbidden_step", "step_role",
                                                            "listed")
    assert "挂牌督办" in body["message"] and "无权挂牌" in body["message"]
    assert snapshot(database) == before
    r = new_hazard(client, point_id, False)  # not listed: registered as usual
    assert r.status_code == 201 and r.get_json()["listed"] is False


@pytest.mark.parametrize("who", [SUPERVISOR, ADMIN])
def test_a_supervisor_or_admin_lists_by_the_listing_step(client, auth, database, rules, who):
    """Those who may list are told to use the listing step (its level, unit and
    deadline are the record), and nothing is stored."""
    point_id, _hazard_id = shop_with_hazard(database, rules, cells="A",
                                            found_on=dt.date(2030, 6, 1))
    auth.login(**who)
    before = snapshot(database)
    r = new_hazard(client, point_id, True)
    assert (r.status_code, r.get_json()["field"]) == (400, "listed")
    assert snapshot(database) == before


def test_the_cell_page_offers_listing_to_those_who_may(client, auth, database, rules):
    shop_with_hazard(database, rules, cells="A", found_on=dt.date(2030, 6, 1))
    auth.login(**GRID)
    page = client.get("/cells/A").get_data(as_text=True)
    assert '"can_list": false' in page and '"needs_note": ["accept", "reject"]' in page
    auth.login(**SUPERVISOR)
    assert '"can_list": true' in client.get("/cells/A").get_data(as_text=True)
