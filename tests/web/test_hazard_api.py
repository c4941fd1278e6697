"""Moving a hazard over HTTP: optimistic locking with ETag / If-Match, on both backends.

Writes are made by a logged-in grid member of the hazard's cell (CSRF token
sent as X-CSRFToken by the ``auth`` fixture); who may write what is
tests/web/test_auth.py.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from geoapp.store import hazards
from geoapp.store.models import Cell, Hazard, HazardEvent, Point
from tests.support.apps import shop_with_hazard
from tests.support.images import jpeg


@pytest.fixture
def hazard_id(database, rules):
    return shop_with_hazard(database, rules, found_on=dt.date(2026, 3, 1), cells="A",
                            deadline=dt.date(2026, 3, 31))[1]


@pytest.fixture
def writer(auth, hazard_id):
    """The grid member of cell A, logged in: the actor of every change below."""
    response = auth.login("网格员甲", role="grid", cells=["A"])
    assert response.status_code == 302
    return "网格员甲"


def post(client, hazard_id, body, etag=None, photos=()):
    """A step as JSON, or with ``photos`` [(name, bytes)] as the multipart form."""
    headers = {"If-Match": f'"{etag}"'} if etag is not None else {}
    url = f"/api/hazards/{hazard_id}/transitions"
    if photos:
        data = {**body, "photos": [(io.BytesIO(raw), name) for name, raw in photos]}
        return client.post(url, data=data, headers=headers, content_type="multipart/form-data")
    return client.post(url, json=body, headers=headers)


def levels(database):
    with database.sessions() as s:
        return (s.scalar(sa.select(Point.risk_level)),
                s.scalar(sa.select(Cell.risk_level)))


def test_get_gives_version_as_etag(client, hazard_id):
    r = client.get(f"/api/hazards/{hazard_id}")
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'
    assert r.get_json()["state"] == "open" and r.get_json()["actions"] == ["start"]


def test_full_path_with_etags_and_deescalation(client, database, hazard_id, writer, auth):
    assert levels(database) == ("red", "red")  # open major hazard escalates a blue shop
    etag = "1"
    # the grid member rectifies and submits; a supervisor reviews (审核把关销号)
    for who, action, state in [(writer, "start", "rectifying"),
                               (writer, "submit", "awaiting_acceptance"),
                               ("监管员", "reject", "rectifying"),
                               (writer, "submit", "awaiting_acceptance"),
                               ("监管员", "accept", "closed")]:
        if who == writer:
            auth.login(writer)
        else:
            auth.login(who, role="supervisor")
        # a major hazard is submitted with a photo of the work done (layers/hazard.toml),
        # again after it was returned for rework
        photos = [("整改后.jpg", jpeg())] if action == "submit" else []
        r = post(client, hazard_id, {"action": action, "note": action}, etag, photos)
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["state"] == state
        assert r.headers["ETag"] == f'"{int(etag) + 1}"'
        etag = str(int(etag) + 1)
    events = client.get(f"/api/hazards/{hazard_id}").get_json()["events"]
    assert [(e["from_state"], e["to_state"]) for e in events][1:] == [
        ("open", "rectifying"), ("rectifying", "awaiting_acceptance"),
        ("awaiting_acceptance", "rectifying"), ("rectifying", "awaiting_acceptance"),
        ("awaiting_acceptance", "closed")]
    assert [e["actor"] for e in events[1:]] == [writer, writer, "监管员", writer, "监管员"]
    with database.sessions() as s:
        submit_events = list(s.scalars(sa.select(HazardEvent.id)
                                       .where(HazardEvent.action == "submit")
                                       .order_by(HazardEvent.id)))
    photos = client.get(f"/api/hazards/{hazard_id}").get_json()["photos"]
    assert [p["event_id"] for p in photos] == submit_events and len(submit_events) == 2
    assert levels(database) == ("blue", "blue")  # closed: back to the shop's own level


def test_stale_etag_is_412_and_changes_nothing(client, database, hazard_id, writer):
    assert post(client, hazard_id, {"action": "start"}, "1").status_code == 200
    r = post(client, hazard_id, {"action": "submit"}, "1")
    assert r.status_code == 412
    assert r.get_json()["current_version"] == 2
    with database.sessions() as s:
        assert s.scalar(sa.select(Hazard.state)) == "rectifying"
        assert s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)) == 2


def test_missing_if_match_is_428(client, hazard_id, writer):
    r = post(client, hazard_id, {"action": "start"})
    assert r.status_code == 428 and "If-Match" in r.get_json()["message"]


@pytest.mark.parametrize("body, status, field", [
    ({"action": "submit"}, 409, None),      # not allowed from 待整改
    ({"action": "delete"}, 400, "action"),
    ({"action": "start", "note": 5}, 400, "note"),
    (["start"], 400, "body"),
])
def test_bad_requests(client, database, hazard_id, writer, body, status, field):
    r = post(client, hazard_id, body, "1")
    assert r.status_code == status
    assert r.get_json().get("field") == field
    with database.sessions() as s:
        assert s.scalar(sa.select(Hazard.version)) == 1


def test_actor_is_the_logged_in_user_whatever_the_body_says(client, database, hazard_id,
                                                            writer):
    # the body's "actor" was required before accounts existed; now it is ignored
    r = post(client, hazard_id, {"action": "start", "actor": "冒名者"}, "1")
    assert r.status_code == 200
    assert r.get_json()["events"][-1]["actor"] == writer
    with database.sessions() as s:
        actors = s.scalars(sa.select(HazardEvent.actor).order_by(HazardEvent.id)).all()
    assert actors == ["测试", writer]


def test_unknown_hazard_is_404(client, auth):
    auth.login("admin")
    assert client.get("/api/hazards/999").status_code == 404
    assert post(client, 999, {"action": "start"}, "1").status_code == 404


def test_two_writers_who_both_read_the_same_version(database, rules, hazard_id):
    # both pass the If-Match check; the database-level version guard stops the second
    first, second = database.sessions(), database.sessions()
    assert first.get(Hazard, hazard_id).version == second.get(Hazard, hazard_id).version == 1
    second.commit()  # each read was its own request (a GET); the write comes in a new one
    hazards.move(first, rules, hazard_id, "start", "甲", "", expected_version=1, role="grid")
    first.commit()
    with pytest.raises(hazards.VersionConflict) as info:
        hazards.move(second, rules, hazard_id, "start", "乙", "", expected_version=1, role="grid")
    assert info.value.current_version == 2
    first.close()
    second.close()
    with database.sessions() as s:
        assert [e.actor for e in s.get(Hazard, hazard_id).events] == ["测试", "甲"]
