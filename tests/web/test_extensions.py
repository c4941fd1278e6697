"""Extensions (延期) over HTTP, on both backends: request, approve, refuse, the limits,
overdue against the deadline in force, and who may do which step.

The apps' today is pinned (tests.support.constants.TODAY = 2030-06-14); every
date below is made by hand around it. Who may write the cell at all is the
matrix of tests/web/test_auth.py; bad input is tests/web/test_bad_input.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.support.apps import AuthActions, make_app, shop_with_hazard
from tests.support.checks import snapshot
from tests.support.constants import TODAY

D = dt.date
assert TODAY == D(2030, 6, 14)
FOUND = D(2030, 6, 1)  # 13 days before the deadline


def hazard(database, rules, found_on=FOUND, deadline=TODAY, **fields) -> int:
    """The shop's one hazard in cell A; by default found 13 days before its deadline, today."""
    return shop_with_hazard(database, rules, found_on=found_on, level="general",
                            deadline=deadline, **fields)[1]


def ask(client, hazard_id, until, reason="设备未到货，需等待厂家安装"):
    return client.post(f"/api/hazards/{hazard_id}/extensions",
                       json={"until": until.isoformat() if isinstance(until, D) else until,
                             "reason": reason})


def decide(client, extension_id, approve, note=""):
    return client.post(f"/api/extensions/{extension_id}/decision",
                       json={"approve": approve, "note": note})


def read(client, hazard_id) -> dict:
    r = client.get(f"/api/hazards/{hazard_id}")
    assert r.status_code == 200
    return r.get_json()


def records(database) -> dict:
    """The hazards, their history and their extensions, row by row (accounts log in and out)."""
    rows = snapshot(database)
    return {t: rows[t] for t in ("hazard", "hazard_event", "extension")}


def reader_on(database, day: D):
    """A leader's client of an app whose today is ``day``."""
    client = make_app(database, TODAY=day).test_client()
    assert AuthActions(client).login("leader").status_code == 302
    return client


def as_grid(auth):
    assert auth.login("网格员甲", role="grid", cells=["A"]).status_code == 302


def as_supervisor(auth):
    assert auth.login("安监站李", role="supervisor").status_code == 302


# ------------------------------------------------------------------ the flows

def test_request_then_approval_moves_the_deadline_and_keeps_the_original(
        client, auth, database, rules):
    hid = hazard(database, rules)
    as_grid(auth)
    r = ask(client, hid, D(2030, 6, 20))  # on the deadline day itself: in time
    assert r.status_code == 201, r.get_json()
    asked = r.get_json()
    assert asked["state"] == "requested" and asked["id"] > 0
    assert (asked["requested_by"], asked["old_deadline"], asked["until"]) == (
        "网格员甲", "2030-06-14", "2030-06-20")
    assert asked["requested_at"].startswith("2030-06-1")  # the pinned day (UTC of a local time)
    before = read(client, hid)
    assert (before["deadline"], before["original_deadline"]) == ("2030-06-14", "2030-06-14")
    assert [e["state"] for e in before["extensions"]] == ["requested"]
    request_event = before["events"][-1]
    assert (request_event["action"], request_event["kind"], request_event["actor"],
            request_event["note"], request_event["changes"]) == (
        "extension_request", "extension", "网格员甲", "设备未到货，需等待厂家安装", None)

    as_supervisor(auth)
    r = decide(client, asked["id"], True, "同意，请按期完成")
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["state"], r.get_json()["decided_by"], r.get_json()["decision_note"]) == (
        "approved", "安监站李", "同意，请按期完成")
    after = read(client, hid)
    assert (after["deadline"], after["original_deadline"]) == ("2030-06-20", "2030-06-14")
    assert after["version"] == before["version"] + 1  # a page holding the old ETag reloads
    approve = after["events"][-1]
    assert (approve["action"], approve["kind"], approve["actor"], approve["note"],
            approve["changes"]) == ("extension_approve", "extension", "安监站李",
                                    "同意，请按期完成", {"deadline": ["2030-06-14", "2030-06-20"]})
    assert [(e["state"], e["until"]) for e in after["extensions"]] == [("approved", "2030-06-20")]


def test_a_refusal_needs_a_note_and_leaves_the_deadline(client, auth, database, rules):
    hid = hazard(database, rules)
    as_grid(auth)
    eid = ask(client, hid, D(2030, 6, 18)).get_json()["id"]
    as_supervisor(auth)
    before = records(database)
    for note in ("", "   "):
        r = decide(client, eid, False, note)
        assert r.status_code == 400 and r.get_json()["field"] == "note", r.get_json()
    assert records(database) == before
    r = decide(client, eid, False, "理由不充分，按原期限整改")
    assert r.status_code == 200 and r.get_json()["state"] == "refused"
    after = read(client, hid)
    assert (after["deadline"], after["original_deadline"]) == ("2030-06-14", "2030-06-14")
    assert (after["events"][-1]["action"], after["events"][-1]["changes"]) == (
        "extension_refuse", None)
    # decided once: a second decision either way is 409 and changes nothing
    before = records(database)
    for approve in (True, False):
        r = decide(client, eid, approve, "再次审批")
        assert r.status_code == 409 and r.get_json()["rule"] == "decided", r.get_json()
    assert records(database) == before
    # refused: the responsible side may ask again (nothing was granted)
    as_grid(auth)
    assert ask(client, hid, D(2030, 6, 16), "再次申请").status_code == 201


def test_only_a_supervisor_or_admin_decides_and_only_the_responsible_side_asks(
        client, auth, database, rules):
    hid = hazard(database, rules)
    as_grid(auth)
    eid = ask(client, hid, D(2030, 6, 20)).get_json()["id"]
    before = records(database)
    for approve in (True, False):  # the grid member who asked cannot grant it
        r = decide(client, eid, approve, "自己批准")
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["error"] == "forbidden_step" and r.get_json()["message"]
    for role in ("leader", "planner"):
        auth.login(role)
        assert decide(client, eid, True, "").get_json()["error"] == "forbidden_step"
    as_supervisor(auth)  # the decider does not ask
    r = ask(client, hid, D(2030, 6, 21))
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden_step"
    assert records(database) == before
    auth.login("admin")
    assert decide(client, eid, True, "同意").status_code == 200
    assert read(client, hid)["deadline"] == "2030-06-20"


def test_unknown_ids_are_404_and_a_grid_member_of_another_cell_cannot_ask(
        client, auth, database, rules):
    hid = hazard(database, rules)
    auth.login("网格员乙", role="grid", cells=["B"])
    r = ask(client, hid, D(2030, 6, 20))
    assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
    assert ask(client, hid + 1000, D(2030, 6, 20)).status_code == 404
    as_supervisor(auth)
    assert decide(client, 4242, True).status_code == 404


# ------------------------------------------------------------------ the limits

@pytest.mark.parametrize("found_on, deadline, until, status, rule, field", [
    # the deadline in force has passed (yesterday): too late
    (D(2030, 6, 1), D(2030, 6, 13), D(2030, 6, 20), 409, "deadline_passed", None),
    # the new date must be after the deadline in force
    (D(2030, 6, 1), TODAY, TODAY, 400, "until_not_later", "until"),
    (D(2030, 6, 1), TODAY, D(2030, 6, 10), 400, "until_not_later", "until"),
    # the original period is 13 days (06-01 → 06-14): 14 days more is one too many
    (D(2030, 6, 1), TODAY, D(2030, 6, 28), 400, "max_total", "until"),
    # a deadline on the day found leaves no period to extend by
    (TODAY, TODAY, D(2030, 6, 15), 400, "max_total", "until"),
])
def test_a_request_outside_the_rules_is_refused_and_writes_nothing(
        client, auth, database, rules, found_on, deadline, until, status, rule, field):
    hid = hazard(database, rules, found_on=found_on, deadline=deadline)
    as_grid(auth)
    before = records(database)
    r = ask(client, hid, until)
    assert r.status_code == status, r.get_json()
    assert (r.get_json()["rule"], r.get_json()["field"]) == (rule, field)
    assert r.get_json()["message"]
    assert records(database) == before


def test_the_total_limit_is_cumulative_and_its_last_day_is_allowed(client, auth, database, rules):
    hid = hazard(database, rules)  # original period 13 days: at most until 06-27 in all
    as_grid(auth)
    first = ask(client, hid, D(2030, 6, 20)).get_json()["id"]
    as_supervisor(auth)
    decide(client, first, True, "同意")
    as_grid(auth)
    r = ask(client, hid, D(2030, 6, 28))  # 14 days past the original deadline
    assert r.status_code == 400 and r.get_json()["rule"] == "max_total", r.get_json()
    assert "2030-06-27" in r.get_json()["message"]
    r = ask(client, hid, D(2030, 6, 27))  # exactly 13: the edge is in
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["old_deadline"] == "2030-06-20"  # asked while the extension held


def test_at_most_two_extensions_and_one_pending_request(client, auth, database, rules):
    hid = hazard(database, rules, found_on=D(2030, 5, 1))  # 44 days: the count limits first
    as_grid(auth)
    first = ask(client, hid, D(2030, 6, 20)).get_json()["id"]
    r = ask(client, hid, D(2030, 6, 22))  # the first still waits
    assert r.status_code == 409 and r.get_json()["rule"] == "pending_request"
    as_supervisor(auth)
    decide(client, first, True, "同意")
    as_grid(auth)
    second = ask(client, hid, D(2030, 6, 25)).get_json()["id"]
    as_supervisor(auth)
    decide(client, second, True, "同意")
    as_grid(auth)
    before = records(database)
    r = ask(client, hid, D(2030, 6, 30))
    assert r.status_code == 409 and r.get_json()["rule"] == "max_count", r.get_json()
    assert records(database) == before
    body = read(client, hid)
    assert (body["deadline"], body["original_deadline"]) == ("2030-06-25", "2030-06-14")
    assert [e["action"] for e in body["events"]] == [
        "create", "extension_request", "extension_approve", "extension_request",
        "extension_approve"]


def test_a_closed_hazard_is_not_extended(client, auth, database, rules):
    hid = hazard(database, rules, state="closed", closed_on=D(2030, 6, 10))
    as_grid(auth)
    r = ask(client, hid, D(2030, 6, 20))
    assert r.status_code == 409 and r.get_json()["rule"] == "hazard_closed"


def test_a_reason_is_required(client, auth, database, rules):
    hid = hazard(database, rules)
    as_grid(auth)
    for body in ({"until": "2030-06-20"}, {"until": "2030-06-20", "reason": "  "},
                 {"until": "2030-06-20", "reason": "长" * 2001}):
        r = client.post(f"/api/hazards/{hid}/extensions", json=body)
        assert r.status_code == 400 and r.get_json()["field"] == "reason", r.get_json()
    for until in (None, "", "2030/06/20", "2030-06-31", "2030-W26-1"):
        r = client.post(f"/api/hazards/{hid}/extensions", json={"until": until, "reason": "x"})
        assert r.status_code == 400 and r.get_json()["field"] == "until", (until, r.get_json())
    r = client.post(f"/api/hazards/{hid}/extensions", json={"until": "2030-06-20",
                                                            "reason": "x"}, headers={
        "X-CSRFToken": "wrong"})
    assert r.status_code == 400 and r.get_json()["error"] == "csrf_failed"
    assert read(client, hid)["extensions"] == []


def test_a_decision_needs_approve_as_a_boolean(client, auth, database, rules):
    hid = hazard(database, rules)
    as_grid(auth)
    eid = ask(client, hid, D(2030, 6, 20)).get_json()["id"]
    as_supervisor(auth)
    for body in ({"note": "同意"}, {"approve": "yes"}, {"approve": 1}):
        r = client.post(f"/api/extensions/{eid}/decision", json=body)
        assert r.status_code == 400 and r.get_json()["field"] == "approve", r.get_json()
    assert [e["state"] for e in read(client, hid)["extensions"]] == ["requested"]


# ------------------------------------------------------------------ overdue in force

def test_overdue_is_judged_against_the_extended_deadline(client, auth, database, rules):
    hid = hazard(database, rules)  # deadline today, 2030-06-14
    later = reader_on(database, D(2030, 6, 17))  # three days on
    assert later.get(f"/api/hazards/{hid}").get_json()["overdue"] is True
    assert later.get("/api/cells/A").get_json()["properties"]["hazards"]["overdue"] == 1

    as_grid(auth)
    eid = ask(client, hid, D(2030, 6, 20)).get_json()["id"]
    as_supervisor(auth)
    decide(client, eid, True, "同意")

    body = later.get(f"/api/hazards/{hid}").get_json()
    assert (body["overdue"], body["deadline"], body["original_deadline"]) == (
        False, "2030-06-20", "2030-06-14")
    assert later.get("/api/cells/A").get_json()["properties"]["hazards"]["overdue"] == 0
    assert later.get("/api/reports/overdue").get_json()["hazards"] == []
    # past the extended deadline it is overdue again
    last = reader_on(database, D(2030, 6, 21))
    assert last.get(f"/api/hazards/{hid}").get_json()["overdue"] is True
    assert [h["deadline"] for h in last.get("/api/reports/overdue").get_json()["hazards"]] == [
        "2030-06-20"]
