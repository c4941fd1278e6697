"""Each reminder source on stored hazards, with hand-made dates (geoapp.store.reads.inbox
over geoapp.domain.reminders), on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

from geoapp.store import hazards
from geoapp.store.accounts import find_user
from geoapp.store.models import Hazard, Point
from geoapp.store.reads import inbox
from tests.support.apps import make_user, shop_with_hazard
from tests.support.constants import TODAY

DAY = dt.timedelta(days=1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A hand-made instant on a local (Shanghai) day: 10:00 local is 02:00 UTC."""
    return dt.datetime(day.year, day.month, day.day, hour - 8, tzinfo=dt.UTC)


@pytest.fixture
def world(database, rules):
    """Cells A and B; a shop in A with hazard H1 (open, found 20 days ago, due in 30 days
    from then); accounts grid (A), grid_b (B), two supervisors, a leader, a planner."""
    _, hid = shop_with_hazard(database, rules, found_on=TODAY - 20 * DAY, level="general")
    make_user(database, "grid", cells=["A"])
    make_user(database, "grid_b", "grid", cells=["B"])
    make_user(database, "supervisor")
    make_user(database, "supervisor2", "supervisor")
    make_user(database, "leader")
    make_user(database, "planner")
    return hid


def kinds(database, rules, username, today=TODAY):
    with database.sessions() as s:
        found = inbox.inbox(s, rules, find_user(s, username), today, None)
        return [(r.kind, r.hazard.code) for r in found]


def change(database, hid, **fields):
    with database.transaction() as s:
        h = s.get(Hazard, hid)
        for name, value in fields.items():
            setattr(h, name, value)


def step(database, hid, action, actor, day):
    with database.transaction() as s:
        hazards.transition(s.get(Hazard, hid), action, actor, at=at(day))


def test_a_deadline_seven_days_away_is_in_eight_is_out(database, rules, world):
    change(database, world, deadline=TODAY + 7 * DAY)
    assert kinds(database, rules, "grid") == [("deadline", "H1")]
    change(database, world, deadline=TODAY + 8 * DAY)
    assert kinds(database, rules, "grid") == []
    change(database, world, deadline=TODAY)  # the deadline day itself: due, not overdue
    assert kinds(database, rules, "grid") == [("deadline", "H1")]


def test_overdue_past_the_deadline_for_the_grid_member_supervisors_and_leaders(
        database, rules, world):
    change(database, world, deadline=TODAY - DAY)
    for who in ("grid", "supervisor", "leader"):
        assert kinds(database, rules, who) == [("overdue", "H1")], who
    assert kinds(database, rules, "planner") == []
    change(database, world, state="closed", closed_on=TODAY)  # closed: nothing is overdue
    assert kinds(database, rules, "grid") == kinds(database, rules, "leader") == []


def test_returned_for_rework_while_it_is_rectifying_again(database, rules, world):
    step(database, world, "start", "grid", TODAY - 10 * DAY)
    step(database, world, "submit", "grid", TODAY - 5 * DAY)
    assert kinds(database, rules, "grid") == []
    step(database, world, "reject", "supervisor", TODAY - 3 * DAY)
    assert kinds(database, rules, "grid") == [("returned", "H1")]
    with database.sessions() as s:
        [reminder] = inbox.inbox(s, rules, find_user(s, "grid"), TODAY, None)
        reject = s.get(Hazard, world).events[-1]
    assert reminder.key == f"returned:{world}:{reject.id}" and reminder.actor == "supervisor"
    step(database, world, "submit", "grid", TODAY - DAY)  # submitted again: no longer returned
    assert kinds(database, rules, "grid") == []


def test_awaiting_acceptance_leaves_out_the_accounts_own_submission(database, rules, world):
    step(database, world, "start", "supervisor", TODAY - 10 * DAY)
    step(database, world, "submit", "supervisor", TODAY - 2 * DAY)
    assert kinds(database, rules, "supervisor") == []
    assert kinds(database, rules, "supervisor2") == [("awaiting_acceptance", "H1")]
    assert kinds(database, rules, "grid") == kinds(database, rules, "leader") == []
    step(database, world, "reject", "supervisor2", TODAY - DAY)
    step(database, world, "submit", "grid", TODAY)  # the latest submission counts
    assert kinds(database, rules, "supervisor") == [("awaiting_acceptance", "H1")]
    assert kinds(database, rules, "supervisor2") == [("awaiting_acceptance", "H1")]


def test_extension_decided_and_listed_are_news_for_fourteen_days(database, rules, world):
    with database.transaction() as s:
        h = s.get(Hazard, world)
        hazards.record(h, "supervisor", "extension_request", at=at(TODAY - 20 * DAY))
        hazards.record(h, "supervisor", "extension_approve", at=at(TODAY - 14 * DAY))
        hazards.record(h, "supervisor", "extension_refuse", at=at(TODAY - 15 * DAY))
        hazards.record(h, "leader", "list", at=at(TODAY - 3 * DAY))
    assert kinds(database, rules, "grid") == [("extension", "H1"), ("listed", "H1")]
    assert kinds(database, rules, "leader") == [("listed", "H1")]
    assert kinds(database, rules, "supervisor") == [("listed", "H1")]
    # a day later the approval is 15 days old: no longer news
    assert kinds(database, rules, "grid", TODAY + DAY) == [("listed", "H1")]


def test_a_grid_member_sees_only_their_cells(database, rules, world):
    change(database, world, deadline=TODAY - DAY)
    assert kinds(database, rules, "grid_b") == []
    with database.transaction() as s:  # a second shop, in B, with an overdue hazard
        point = Point(layer="enterprise", key="K2", name="五金店（虚构）",
                      geom=shapely.Point(120.015, 31.005), cell_code="B")
        s.add(Hazard(point=point, code="H2", level="general", source="inspection",
                     description="灭火器过期", found_on=TODAY - 30 * DAY,
                     deadline=TODAY - 2 * DAY, state="open"))
    assert kinds(database, rules, "grid_b") == [("overdue", "H2")]
    assert kinds(database, rules, "grid") == [("overdue", "H1")]
    assert kinds(database, rules, "supervisor") == [("overdue", "H2"), ("overdue", "H1")]


def test_a_hazard_outside_every_cell_is_the_supervisors_shown_on_the_nearest_cell(
        database, rules, world):
    with database.transaction() as s:
        point = Point(layer="enterprise", key="K3", name="废品站（虚构）",
                      geom=shapely.Point(120.05, 31.005), outside=True, nearest_cell_code="B")
        s.add(Hazard(point=point, code="H3", level="major", source="inspection",
                     description="违规堆放", found_on=TODAY - 30 * DAY,
                     deadline=TODAY - DAY, state="open"))
    assert kinds(database, rules, "grid_b") == []
    with database.sessions() as s:
        [reminder] = inbox.inbox(s, rules, find_user(s, "supervisor"), TODAY, None)
    assert (reminder.kind, reminder.hazard.cell_code, reminder.hazard.cell_name,
            reminder.hazard.in_cell) == ("overdue", "B", "二网格", False)
