"""挂牌督办 over HTTP on both backends, with hand-made dates: list, publish in time and
late, 摘牌 only after close-out, who may take the steps, the list of what is due.

The apps' today is pinned per step (``make_app(…, TODAY=…)``) over one database;
the calendar is the bundled 2026 one (National Day: 1–7 Oct off, Saturday 10 Oct
worked), so a listing on Tuesday 29 Sep 2026 is due for publication on Monday 12 Oct.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geoapp.store import hazards
from geoapp.store.models import Hazard, Listing
from tests.support.apps import AuthActions, make_app, shop_with_hazard
from tests.support.checks import snapshot

d = dt.date
LISTED_ON = d(2026, 9, 29)  # a Tuesday
DUE = d(2026, 10, 12)       # its fifth working day
BODY = {"level": "county", "unit": "县应急管理局", "deadline": "2026-12-31"}


@pytest.fixture
def hazard_id(database, rules):
    return shop_with_hazard(database, rules, found_on=d(2026, 9, 1), level="major",
                            created_at=dt.datetime(2026, 9, 1, 2, tzinfo=dt.UTC))[1]


class Desk:
    """A logged-in client on an app whose today is ``day``; ``at(day)`` moves it on."""

    def __init__(self, database, username="supervisor", role=None, day=LISTED_ON, **login):
        self.database, self.username, self.role, self.login = database, username, role, login
        self.actions = []
        self.at(day)

    def at(self, day: dt.date):
        self.client = make_app(self.database, TODAY=day).test_client()
        actions = AuthActions(self.client)
        assert actions.login(self.username, role=self.role, **self.login).status_code == 302
        self.actions.append(actions)
        return self

    def post(self, url, body):
        return self.client.post(url, json=body)

    def get(self, url):
        return self.client.get(url)

    def close(self):
        for actions in self.actions:
            actions.logout()
        self.actions[0].created = [u for a in self.actions for u in a.created]
        self.actions[0].cleanup()


@pytest.fixture
def desk(database):
    made = []

    def open_desk(*args, **kwargs):
        made.append(Desk(database, *args, **kwargs))
        return made[-1]

    yield open_desk
    for one in made:
        one.close()


def _close(database, hazard_id, day: dt.date):
    """Start, submit and accept the hazard in the store, accepted at 10:00 on ``day``."""
    with database.transaction() as s:
        h = s.get(Hazard, hazard_id)
        for action in ("start", "submit", "accept"):
            hazards.transition(h, action, "测试", at=dt.datetime.combine(
                day, dt.time(2), tzinfo=dt.UTC))
    with database.sessions() as s:
        assert s.get(Hazard, hazard_id).closed_on == day


def test_list_then_publish_in_time(database, hazard_id, desk):
    sup = desk()
    r = sup.post(f"/api/hazards/{hazard_id}/listing", {**BODY, "note": "重大事故隐患"})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["listed"] is True
    assert body["listing"] == {
        "level": "county", "level_label": "县级", "unit": "县应急管理局",
        "listed_on": "2026-09-29", "listed_on_known": True, "listed_on_label": None,
        "deadline": "2026-12-31", "listed_by": "supervisor", "published_on": None,
        "publish_due_on": DUE.isoformat(), "publish_late": False, "delisted_on": None,
        "delisted_by": None, "delisting_published_on": None, "delisting_publish_due_on": None,
        "delisting_publish_late": None, "active": True}
    event = body["events"][-1]
    assert (event["action"], event["kind"], event["actor"], event["changes"]) == (
        "list", "listing", "supervisor", {"listed": [False, True]})
    assert "县级" in event["note"] and "重大事故隐患" in event["note"]

    # on its due day the listing is on the list, not late
    sup.at(DUE)
    due = sup.get("/api/listings/due").get_json()
    assert (due["late"], due["undated"]) == (0, 0)
    assert [(i["code"], i["kind"], i["done_on"], i["due_on"], i["late"]) for i in due["items"]] \
        == [("H1", "listed", "2026-09-29", "2026-10-12", False)]
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "listed", "date": "2026-10-12"})
    assert r.status_code == 200, r.get_json()
    listing = r.get_json()["listing"]
    assert (listing["published_on"], listing["publish_late"]) == ("2026-10-12", False)
    assert r.get_json()["events"][-1]["action"] == "publish"
    assert sup.get("/api/listings/due").get_json()["items"] == []
    # published once: again is 409, and changes nothing
    before = snapshot(database)
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "listed", "date": "2026-10-12"})
    assert r.status_code == 409 and snapshot(database) == before


def test_a_late_publication_shows_on_the_list_and_stays_late(database, hazard_id, desk):
    sup = desk()
    assert sup.post(f"/api/hazards/{hazard_id}/listing", BODY).status_code == 201
    sup.at(d(2026, 10, 15))
    due = sup.get("/api/listings/due").get_json()
    [item] = due["items"]
    assert (item["late"], item["days_late"], due["late"]) == (True, 3, 1)
    page = sup.get("/reports/listings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "H1" in html and "已逾期 3 天" in html and "2026-10-12" in html
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "listed", "date": "2026-10-14"})
    assert r.status_code == 200
    assert (r.get_json()["listing"]["publish_late"], r.get_json()["listing"]["published_on"]) \
        == (True, "2026-10-14")
    assert sup.get("/api/listings/due").get_json()["items"] == []


def test_delisting_follows_close_out_and_is_published_too(database, hazard_id, desk):
    sup = desk()
    assert sup.post(f"/api/hazards/{hazard_id}/listing", BODY).status_code == 201
    before = snapshot(database)
    r = sup.post(f"/api/hazards/{hazard_id}/delisting", {})
    assert r.status_code == 409 and "销号" in r.get_json()["message"]
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "delisted", "date": "2026-09-29"})
    assert r.status_code == 409  # nothing to publish yet
    assert snapshot(database) == before

    _close(database, hazard_id, d(2026, 11, 5))
    sup.at(d(2026, 11, 6))  # a Friday
    r = sup.post(f"/api/hazards/{hazard_id}/delisting", {"date": "2026-11-04"})
    assert (r.status_code, r.get_json()["field"]) == (400, "date")  # before the close-out
    r = sup.post(f"/api/hazards/{hazard_id}/delisting", {"note": "验收合格"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["listed"] is True  # the flag the reports count 摘牌 by stays
    listing = body["listing"]
    assert (listing["delisted_on"], listing["delisted_by"], listing["active"],
            listing["delisting_publish_due_on"]) == ("2026-11-06", "supervisor", False,
                                                     "2026-11-13")
    assert [e["action"] for e in body["events"]][-2:] == ["accept", "delist"]
    assert sup.post(f"/api/hazards/{hazard_id}/delisting", {}).status_code == 409

    sup.at(d(2026, 11, 16))
    due = sup.get("/api/listings/due").get_json()["items"]
    # the listing itself was never published: both are due, the listing first
    assert [(i["kind"], i["due_on"], i["late"]) for i in due] == [
        ("listed", "2026-10-12", True), ("delisted", "2026-11-13", True)]
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "delisted", "date": "2026-11-05"})
    assert (r.status_code, r.get_json()["field"]) == (400, "date")  # before the 摘牌
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "delisted", "date": "2026-11-12"})
    assert r.status_code == 200
    assert r.get_json()["listing"]["delisting_publish_late"] is False
    assert [i["kind"] for i in sup.get("/api/listings/due").get_json()["items"]] == ["listed"]


@pytest.mark.parametrize("who, role, login", [
    ("grid", "grid", {"cells": ["A"]}), ("planner", "planner", {})])
def test_a_grid_member_or_planner_cannot_list_publish_or_delist(database, hazard_id, desk,
                                                               who, role, login):
    desk()  # a supervisor lists it first, so publish and 摘牌 reach their role check
    with database.transaction() as s:
        s.get(Hazard, hazard_id).listing = Listing(listed_on=LISTED_ON, level="town",
                                                   unit="示范镇", listed_by="supervisor")
    other = desk(who, role=role, **login)
    before = snapshot(database)
    for url, body in ((f"/api/hazards/{hazard_id}/listing", BODY),
                      (f"/api/hazards/{hazard_id}/listing/publish",
                       {"kind": "listed", "date": "2026-09-29"}),
                      (f"/api/hazards/{hazard_id}/delisting", {})):
        r = other.post(url, body)
        assert r.status_code == 403, (url, r.get_json())
        assert r.get_json()["error"] == "forbidden_step" and r.get_json()["message"]
    assert snapshot(database) == before
    assert other.get("/api/listings/due").status_code == 403
    assert other.get("/reports/listings").status_code == 403


@pytest.mark.parametrize("who", ["leader", "admin"])
def test_a_leader_or_admin_lists(database, hazard_id, desk, who):
    r = desk(who).post(f"/api/hazards/{hazard_id}/listing", BODY)
    assert r.status_code == 201 and r.get_json()["listing"]["listed_by"] == who


def test_listing_twice_or_a_closed_hazard_is_409(database, hazard_id, desk, rules):
    sup = desk()
    assert sup.post(f"/api/hazards/{hazard_id}/listing", BODY).status_code == 201
    before = snapshot(database)
    assert sup.post(f"/api/hazards/{hazard_id}/listing", BODY).status_code == 409
    assert snapshot(database) == before
    with database.transaction() as s:
        s.execute(sa.delete(Listing))  # a fresh, unlisted hazard, closed
        s.get(Hazard, hazard_id).listed = False
    _close(database, hazard_id, d(2026, 9, 29))
    before = snapshot(database)
    r = sup.post(f"/api/hazards/{hazard_id}/listing", BODY)
    assert r.status_code == 409 and snapshot(database) == before


@pytest.mark.parametrize("url, body, field", [
    ("listing", {**BODY, "level": "province"}, "level"),
    ("listing", {**BODY, "unit": ""}, "unit"),
    ("listing", {**BODY, "deadline": "2027-10-01"}, "deadline"),
    ("listing", {**BODY, "deadline": "2026-09-28"}, "deadline"),
    ("listing/publish", {"kind": "listed", "date": "2026-09-30"}, "date"),  # the future
    ("listing/publish", {"kind": "listed", "date": "2026-09-28"}, "date"),  # before listing
    ("listing/publish", {"kind": "listed"}, "date"),
    ("listing/publish", {"kind": "yes", "date": "2026-09-29"}, "kind"),
    ("delisting", {"date": "2026-09-30"}, "date"),
])
def test_bad_input_is_400_naming_the_field_and_changes_nothing(database, hazard_id, desk,
                                                               url, body, field):
    sup = desk()
    if url != "listing":
        assert sup.post(f"/api/hazards/{hazard_id}/listing", BODY).status_code == 201
    before = snapshot(database)
    r = sup.post(f"/api/hazards/{hazard_id}/{url}", body)
    assert (r.status_code, r.get_json()["error"], r.get_json()["field"]) == (
        400, "bad_request", field), r.get_json()
    assert snapshot(database) == before


def test_listed_is_no_longer_a_field_of_a_new_or_edited_hazard(database, hazard_id, desk):
    with database.sessions() as s:
        point_id = s.get(Hazard, hazard_id).point_id
    new = {"level": "general", "source": "inspection", "description": "灭火器过期",
           "found_on": "2026-09-29", "deadline": "2026-10-29", "listed": True}
    grid, sup = desk("grid", role="grid", cells=["A"]), desk()
    before = snapshot(database)
    r = grid.post(f"/api/points/{point_id}/hazards", new)  # the role first: 403
    assert (r.status_code, r.get_json()["error"]) == (403, "forbidden_step")
    r = sup.post(f"/api/points/{point_id}/hazards", new)  # may list: 400, use the step
    assert (r.status_code, r.get_json()["field"]) == (400, "listed")
    assert "/listing" in r.get_json()["message"]
    r = sup.client.patch(f"/api/hazards/{hazard_id}", json={"listed": True},
                         headers={"If-Match": '"1"'})
    assert (r.status_code, r.get_json()["field"]) == (400, "listed")
    assert snapshot(database) == before
    # false is what a new hazard is anyway: accepted
    r = grid.post(f"/api/points/{point_id}/hazards", {**new, "listed": False})
    assert r.status_code == 201 and r.get_json()["listing"] is None


def test_the_cell_data_and_the_hazard_show_the_listing(database, hazard_id, desk):
    sup = desk()
    assert sup.get(f"/api/hazards/{hazard_id}").get_json()["listing"] is None
    assert sup.post(f"/api/hazards/{hazard_id}/listing", BODY).status_code == 201
    [h] = sup.get("/api/cells/A").get_json()["hazard_list"]
    assert (h["listing"]["level"], h["listing"]["listed_on"]) == ("county", "2026-09-29")


def test_a_listing_of_unknown_date_says_so_and_is_not_on_the_due_list(database, hazard_id,
                                                                       desk):
    with database.transaction() as s:  # as migration 0009 or a ledger's 挂牌督办=是 leave it
        h = s.get(Hazard, hazard_id)
        h.listed, h.listing = True, Listing()
    sup = desk()
    listing = sup.get(f"/api/hazards/{hazard_id}").get_json()["listing"]
    assert (listing["listed_on"], listing["listed_on_known"], listing["listed_on_label"],
            listing["publish_due_on"], listing["publish_late"], listing["level"]) == (
        None, False, "日期不详（迁移数据）", None, None, None)
    due = sup.get("/api/listings/due").get_json()
    assert (due["items"], due["undated"]) == ([], 1)
    assert "挂牌日期不详" in sup.get("/reports/listings").get_data(as_text=True)
    # it can be published with any past date, and 摘牌 after close-out
    r = sup.post(f"/api/hazards/{hazard_id}/listing/publish",
                 {"kind": "listed", "date": "2025-01-10"})
    assert r.status_code == 200 and r.get_json()["listing"]["publish_late"] is None
