"""Visits stored (geoapp.store.inspections), on both backends: the record itself, the
point's last visit moved forward only, a client id stored once, photos found."""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import pytest
import shapely
import sqlalchemy as sa
from PIL import Image

from geoapp.domain.inspection_input import InspectionInputError
from geoapp.ingest.photos import prepare
from geoapp.store import inspections, photos
from geoapp.store.models import Inspection, Point, User

UUID = "0b8e2a2c-6f0e-4d51-9a57-3c1f4a7e9d10"
ALL_OK = {"warning_sign": "ok", "locked": "ok", "coded": "ok", "gas_detector": "ok",
          "rescue_gear": "ok"}
# 17:30 UTC is 01:30 the next day in Shanghai: the visit's local date is the 6th
EVENING_UTC = dt.datetime(2026, 12, 5, 17, 30, tzinfo=dt.UTC)


@pytest.fixture
def points(database):
    """Two confined spaces (synthetic) in cell A; the first at (120.005, 31.005)."""
    with database.transaction() as s:
        rows = [Point(layer="confined_space", key=f"YX{n}", name=f"污水井{n}（虚构）",
                      geom=shapely.Point(120.005, 31.005 + n / 1000), cell_code="A")
                for n in (0, 1)]
        s.add_all(rows)
        s.flush()
        return [p.id for p in rows]


def member(display_name="王小明"):
    return User(username="grid1", role="grid", password_hash="x", display_name=display_name)


def record(database, rules, point_id, fields, now=EVENING_UTC, user=None):
    with database.transaction() as s:
        done = inspections.record(s, rules, s.get(Point, point_id), fields, user or member(),
                                  now)
        return done.inspection.id, done.created


def stored(database, point_id=None):
    with database.sessions() as s:
        q = sa.select(Inspection).order_by(Inspection.id)
        if point_id is not None:
            q = q.where(Inspection.point_id == point_id)
        return s.scalars(q).all()


def last_visit(database, point_id):
    with database.sessions() as s:
        return s.get(Point, point_id).last_visit_on


def test_a_visit_is_stored_with_its_distance_and_moves_the_last_visit(database, rules, points):
    fields = {"checklist": {**ALL_OK, "locked": "fail", "notes": {"locked": "锁具损坏"}},
              "note": "井盖完好", "lon": 120.005, "lat": 31.004, "accuracy_m": 8,
              "client_id": UUID}
    _id, created = record(database, rules, points[0], fields)
    assert created
    [row] = stored(database)
    assert (row.point_id, row.client_id, row.inspected_at, row.inspector,
            row.inspector_name) == (points[0], UUID, EVENING_UTC, "grid1", "王小明")
    # 0.001° of latitude at 31° N is 110.9 m (tests/domain/test_inspection_input.py)
    assert (row.lon, row.lat, row.accuracy_m, row.distance_m) == (120.005, 31.004, 8.0, 111.0)
    assert row.note == "井盖完好"
    assert row.checklist["locked"] == {"result": "fail", "label": "出入口上锁或封闭管理",
                                       "note": "锁具损坏"}
    assert row.checklist["rescue_gear"] == {"result": "ok", "label": "配备应急救援装备",
                                            "note": ""}
    assert last_visit(database, points[0]) == dt.date(2026, 12, 6)  # Shanghai's date
    assert last_visit(database, points[1]) is None


def test_without_a_position_there_is_no_distance_and_the_username_stands_for_a_name(
        database, rules, points):
    record(database, rules, points[0], {"checklist": ALL_OK}, user=member(display_name=None))
    [row] = stored(database)
    assert (row.lon, row.lat, row.accuracy_m, row.distance_m) == (None, None, None, None)
    assert (row.inspector, row.inspector_name, row.client_id) == ("grid1", "grid1", None)


def test_the_last_visit_moves_forward_only(database, rules, points):
    with database.transaction() as s:
        s.get(Point, points[0]).last_visit_on = dt.date(2026, 12, 10)  # the ledger's later date
    record(database, rules, points[0], {"checklist": ALL_OK})
    assert last_visit(database, points[0]) == dt.date(2026, 12, 10)
    record(database, rules, points[0], {"checklist": ALL_OK},
           now=dt.datetime(2026, 12, 20, 2, 0, tzinfo=dt.UTC))
    assert last_visit(database, points[0]) == dt.date(2026, 12, 20)
    record(database, rules, points[0], {"checklist": ALL_OK},
           now=dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC))  # a slow clock, an old save
    assert last_visit(database, points[0]) == dt.date(2026, 12, 20)
    assert len(stored(database)) == 3


def test_the_same_client_id_is_stored_once(database, rules, points):
    first = record(database, rules, points[0], {"checklist": ALL_OK, "client_id": UUID})
    # the retry comes back later, even with a body that would no longer pass: the stored visit
    again = record(database, rules, points[0], {"checklist": {}, "client_id": UUID.upper()},
                   now=EVENING_UTC + dt.timedelta(hours=3))
    assert first == (again[0], True) and again[1] is False
    [row] = stored(database)
    assert row.inspected_at == EVENING_UTC


def test_a_client_id_of_another_point_is_refused(database, rules, points):
    record(database, rules, points[0], {"checklist": ALL_OK, "client_id": UUID})
    with pytest.raises(inspections.ClientIdTaken) as caught:
        record(database, rules, points[1], {"checklist": ALL_OK, "client_id": UUID})
    assert caught.value.point_id == points[0]
    assert [r.point_id for r in stored(database)] == [points[0]]
    assert last_visit(database, points[1]) is None


def test_bad_input_writes_nothing(database, rules, points):
    with pytest.raises(InspectionInputError) as caught:
        record(database, rules, points[0], {"checklist": {**ALL_OK, "locked": "maybe"}})
    assert caught.value.field == "checklist.locked"
    assert stored(database) == [] and last_visit(database, points[0]) is None


def test_concurrent_saves_of_one_client_id_store_one_visit(database, rules, points):
    """The second save starts while the first is written but not committed: PostgreSQL
    holds its insert on the unique client id, SQLite its write lock; either way it then
    answers with the first one's visit."""
    fields = {"checklist": ALL_OK, "client_id": UUID}
    answers = []
    with database.transaction() as s:
        first = inspections.record(s, rules, s.get(Point, points[0]), fields, member(),
                                   EVENING_UTC)
        s.flush()
        second = threading.Thread(target=lambda: answers.append(
            record(database, rules, points[0], fields)))
        second.start()
        time.sleep(0.5)  # the second is waiting on the first's transaction
        assert answers == []
        first_id = first.inspection.id
    second.join(timeout=30)
    assert answers == [(first_id, False)]
    assert [r.id for r in stored(database)] == [first_id]


def test_visits_newest_first_with_their_photos(database, rules, points):
    older = record(database, rules, points[0], {"checklist": ALL_OK})[0]
    newer = record(database, rules, points[0], {"checklist": ALL_OK},
                   now=EVENING_UTC + dt.timedelta(days=7))[0]
    record(database, rules, points[1], {"checklist": ALL_OK})
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buffer, "JPEG")
    with database.transaction() as s:
        photo = photos.attach(s, prepare("井口.jpg", buffer.getvalue()), "grid1",
                              inspection_id=newer)
        photo_id = photo.id
    with database.sessions() as s:
        found = inspections.for_point(s, points[0])
        assert [i.id for i in found] == [newer, older]
        by_visit = inspections.photos_by_inspection(s, [i.id for i in found])
        assert {k: [p.id for p in v] for k, v in by_visit.items()} == {newer: [photo_id],
                                                                       older: []}
        [photo] = inspections.photos_of(s, found[0])
        assert (photo.filename, photo.width, photo.height) == ("井口.jpg", 64, 48)
        assert inspections.photos_of(s, found[1]) == []
