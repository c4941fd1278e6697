"""/api/inbox, /inbox and the top bar's count, over HTTP on both backends.

The selection rules are tests/store/test_inbox.py; here: who gets what, the
links to the cell page, 401 without a session, and the count in the top bar.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from geoapp.store import hazards
from geoapp.store.models import Hazard
from tests.support.apps import make_user, shop_with_hazard
from tests.support.constants import TODAY

DAY = dt.timedelta(days=1)


@pytest.fixture
def submitted(database, rules):
    """H1 in cell A, submitted for acceptance by the grid member; H1 is due in 5 days."""
    _, hid = shop_with_hazard(database, rules, found_on=TODAY - 20 * DAY, level="general",
                              deadline=TODAY + 5 * DAY)
    make_user(database, "grid", cells=["A"])
    with database.transaction() as s:
        h = s.get(Hazard, hid)
        hazards.transition(h, "start", "grid")
        hazards.transition(h, "submit", "grid")
    return hid


def topbar_count(html: str) -> str | None:
    found = re.search(r'class="inbox-count">(\d+)<', html)
    return found.group(1) if found else None


def test_without_a_session_the_inbox_is_401_and_the_page_asks_to_log_in(client, database,
                                                                        submitted):
    r = client.get("/api/inbox")
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    page = client.get("/inbox")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_the_supervisor_gets_the_hazard_awaiting_acceptance_with_its_link(client, auth,
                                                                         submitted):
    auth.login("supervisor")
    body = client.get("/api/inbox").get_json()
    assert body["today"] == TODAY.isoformat() and body["count"] == 1
    assert body["counts"]["awaiting_acceptance"] == 1 and body["counts"]["overdue"] == 0
    [item] = body["items"]
    assert (item["kind"], item["hazard_id"], item["hazard_code"], item["point_name"],
            item["cell_code"], item["cell_name"], item["due"], item["actor"]) == (
        "awaiting_acceptance", submitted, "H1", "商店（虚构）", "A", "一网格",
        (TODAY + 5 * DAY).isoformat(), "grid")
    assert item["url"] == f"/cells/A#hazard-{submitted}" and item["label"] == "待我验收"
    html = client.get("/inbox").get_data(as_text=True)
    assert topbar_count(html) == "1"
    assert 'id="inbox-awaiting_acceptance"' in html
    assert f'href="/cells/A#hazard-{submitted}"' in html


def test_the_grid_member_who_submitted_sees_only_the_near_deadline(client, auth, submitted):
    auth.login("grid")
    body = client.get("/api/inbox").get_json()
    assert [(i["kind"], i["days_left"]) for i in body["items"]] == [("deadline", 5)]
    page = client.get("/reports").get_data(as_text=True)  # the count is on every page
    assert topbar_count(page) == "1"


def test_a_planner_has_no_reminders_and_no_count(client, auth, submitted):
    auth.login("planner")
    body = client.get("/api/inbox").get_json()
    assert body["count"] == 0 and body["items"] == []
    assert topbar_count(client.get("/inbox").get_data(as_text=True)) is None
    assert "您的角色没有提醒" in client.get("/inbox").get_data(as_text=True)


def test_an_empty_inbox_says_so_and_shows_zero(client, auth, submitted):
    auth.login("leader")
    html = client.get("/inbox").get_data(as_text=True)
    assert topbar_count(html) == "0" and "暂无需要您处理的事项" in html
    assert "未设置邮箱" in html  # reminders are not mailed to an account without an address


def test_the_count_follows_a_step_taken_meanwhile(client, auth, database, submitted):
    auth.login("grid")
    assert topbar_count(client.get("/reports").get_data(as_text=True)) == "1"
    assert topbar_count(client.get("/reports").get_data(as_text=True)) == "1"  # kept
    with database.transaction() as s:  # returned for rework by a supervisor elsewhere
        hazards.transition(s.get(Hazard, submitted), "reject", "supervisor")
    assert topbar_count(client.get("/reports").get_data(as_text=True)) == "2"
    kinds = [i["kind"] for i in client.get("/api/inbox").get_json()["items"]]
    assert kinds == ["returned", "deadline"]
