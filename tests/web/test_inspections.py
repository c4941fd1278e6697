"""Visits over the API (geoapp.web.inspections), on both backends.

Hand-made places: a confined space in cell A at (120.005, 31.005), a second
one in A, and one outside every cell. The grid member 网格员甲 (real name 王小明)
works cell A; 网格员乙 works cell B.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store.models import Cell, Inspection, Photo, Point, Town, User, Village
from tests.support import images
from tests.support.apps import make_user
from tests.support.constants import TODAY as APP_TODAY

UUID = "0b8e2a2c-6f0e-4d51-9a57-3c1f4a7e9d10"
ALL_OK = {"warning_sign": "ok", "locked": "ok", "coded": "ok", "gas_detector": "ok",
          "rescue_gear": "ok"}
CONFINED_SPACE_ITEMS = [
    {"key": "warning_sign", "label": "设置安全警示标识"},
    {"key": "locked", "label": "出入口上锁或封闭管理"},
    {"key": "coded", "label": "赋码登记"},
    {"key": "gas_detector", "label": "配备通风、气体检测设备"},
    {"key": "rescue_gear", "label": "配备应急救援装备"},
]


@pytest.fixture
def places(database):
    """{"in_a": id, "also_a": id, "outside": id, "plant": id (an enterprise, industry 2614)}."""
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        s.add(Cell(code="A", name="东湖村一网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)])))
        rows = {
            "in_a": Point(layer="confined_space", key="YX1", name="污水井一（虚构）",
                          geom=shapely.Point(120.005, 31.005), cell_code="A"),
            "also_a": Point(layer="confined_space", key="YX2", name="污水井二（虚构）",
                            geom=shapely.Point(120.006, 31.005), cell_code="A"),
            "outside": Point(layer="confined_space", key="YX3", name="化粪池（虚构）",
                             geom=shapely.Point(120.1, 31.1), cell_code=None, outside=True),
            "plant": Point(layer="enterprise", key="QY1", name="化工厂（虚构）",
                           geom=shapely.Point(120.007, 31.005), cell_code="A",
                           industry="2614", attrs={"industry": "2614"}),
        }
        s.add_all(rows.values())
        s.flush()
        return {k: p.id for k, p in rows.items()}


@pytest.fixture
def member(auth, database, places):
    """网格员甲 of cell A, real name 王小明, logged in."""
    auth.created.append(make_user(database, "网格员甲", "grid", cells=["A"]))
    with database.transaction() as s:
        s.scalar(sa.select(User).where(User.username == "网格员甲")).display_name = "王小明"
    assert auth.login("网格员甲").status_code == 302
    return "网格员甲"


def rows(database):
    with database.sessions() as s:
        return s.scalars(sa.select(Inspection).order_by(Inspection.id)).all()


def post(client, point_id, body):
    return client.post(f"/api/points/{point_id}/inspections", json=body)


def test_the_checklist_of_a_point(client, places):
    r = client.get(f"/api/points/{places['in_a']}/checklist")
    assert r.status_code == 200 and r.get_json() == CONFINED_SPACE_ITEMS
    # an enterprise: the four common items and its industry's (2614: chemicals, 25–28)
    plant = client.get(f"/api/points/{places['plant']}/checklist").get_json()
    assert [i["key"] for i in plant] == ["responsibility", "exits", "fire_equipment",
                                         "training", "hazmat_storage"]
    english = client.get(f"/api/points/{places['in_a']}/checklist?lang=en").get_json()
    assert english[0] == {"key": "warning_sign", "label": "Warning sign in place"}
    assert client.get("/api/points/999999/checklist").status_code == 404


def test_a_visit_is_recorded(client, database, places, member):
    r = post(client, places["in_a"], {
        "checklist": {**ALL_OK, "locked": "fail", "coded": "na",
                      "notes": {"locked": "锁具损坏，井盖可直接打开"}},
        "note": "已告知物业", "lon": 120.005, "lat": 31.004, "accuracy_m": 8,
        "client_id": UUID})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    # the apps' pinned today (tests.support.constants), at the real time of day in Shanghai
    inspected_at = dt.datetime.fromisoformat(body.pop("inspected_at"))
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert inspected_at.tzinfo is not None and inspected_at.utcoffset() == dt.timedelta(0)
    assert inspected_at.astimezone(shanghai).date() == APP_TODAY
    assert abs(inspected_at.astimezone(shanghai).time().hour
               - dt.datetime.now(shanghai).hour) in (0, 1, 23)
    [row] = rows(database)
    assert body == {
        "id": row.id, "point_id": places["in_a"], "client_id": UUID,
        "inspector": {"username": "网格员甲", "name": "王小明"},
        # 0.001° of latitude south of the point at 31° N: 110.9 m
        "lon": 120.005, "lat": 31.004, "accuracy_m": 8.0, "distance_m": 111,
        "checklist": {
            "warning_sign": {"result": "ok", "label": "设置安全警示标识", "note": ""},
            "locked": {"result": "fail", "label": "出入口上锁或封闭管理",
                       "note": "锁具损坏，井盖可直接打开"},
            "coded": {"result": "na", "label": "赋码登记", "note": ""},
            "gas_detector": {"result": "ok", "label": "配备通风、气体检测设备", "note": ""},
            "rescue_gear": {"result": "ok", "label": "配备应急救援装备", "note": ""},
        },
        "note": "已告知物业", "photos": [],
        "source": "inspection",  # a grid member's visit; an enterprise's is self_check
    }
    with database.sessions() as s:
        assert s.get(Point, places["in_a"]).last_visit_on == APP_TODAY


def test_without_a_position_the_distance_is_null(client, places, member):
    body = post(client, places["in_a"], {"checklist": ALL_OK}).get_json()
    assert (body["lon"], body["lat"], body["accuracy_m"], body["distance_m"]) == (
        None, None, None, None)
    assert (body["client_id"], body["note"]) == (None, "")


def test_a_retried_save_answers_200_with_the_stored_visit(client, database, places, member):
    first = post(client, places["in_a"], {"checklist": ALL_OK, "client_id": UUID})
    again = post(client, places["in_a"], {"checklist": ALL_OK, "client_id": UUID})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert len(rows(database)) == 1


def test_a_client_id_of_another_point_is_409(client, database, places, member):
    assert post(client, places["in_a"], {"checklist": ALL_OK, "client_id": UUID}).status_code \
        == 201
    r = post(client, places["also_a"], {"checklist": ALL_OK, "client_id": UUID})
    assert r.status_code == 409
    assert (r.get_json()["error"], r.get_json()["field"]) == ("client_id_conflict", "client_id")
    assert [row.point_id for row in rows(database)] == [places["in_a"]]


@pytest.mark.parametrize("body, field", [
    ({"checklist": {**ALL_OK, "locked": "maybe"}}, "checklist.locked"),
    ({"checklist": {k: v for k, v in ALL_OK.items() if k != "coded"}}, "checklist.coded"),
    ({"checklist": {**ALL_OK, "guarded": "ok"}}, "checklist.guarded"),  # an idle site's item
    ({"checklist": ALL_OK, "lon": 120.005}, "lat"),
    ({"checklist": ALL_OK, "lon": "120.005", "lat": 31.005}, "lon"),  # JSON: a number
    ({"checklist": ALL_OK, "lon": 120.005, "lat": 31.005, "accuracy_m": True}, "accuracy_m"),
    ({"checklist": ALL_OK, "client_id": "not-a-uuid"}, "client_id"),
    ({"checklist": ALL_OK, "note": "a\x00b"}, "note"),
    ({"checklist": ALL_OK, "inspector": "别人"}, "inspector"),
])
def test_bad_input_is_400_naming_the_field_and_stores_nothing(client, database, places,
                                                              member, body, field):
    r = post(client, places["in_a"], body)
    assert r.status_code == 400
    assert (r.get_json()["error"], r.get_json()["field"]) == ("bad_request", field)
    assert rows(database) == []
    with database.sessions() as s:
        assert s.get(Point, places["in_a"]).last_visit_on is None


def test_a_body_that_is_no_object_is_400(client, places, member):
    r = client.post(f"/api/points/{places['in_a']}/inspections", data="[1]",
                    content_type="application/json")
    assert (r.status_code, r.get_json()["field"]) == (400, "body")


def test_who_may_record_a_visit(client, auth, database, places):
    make_user(database, "网格员甲", "grid", cells=["A"])  # accounts exist: reads need a log-in
    auth.created.append("网格员甲")
    anonymous = post(client, places["in_a"], {"checklist": ALL_OK})
    assert anonymous.status_code == 401 and anonymous.get_json()["error"] == "unauthorized"
    assert client.get(f"/api/points/{places['in_a']}/inspections").status_code == 401
    assert client.get(f"/api/points/{places['in_a']}/checklist").status_code == 401
    auth.login("网格员乙", role="grid", cells=["B"])
    other = post(client, places["in_a"], {"checklist": ALL_OK})
    assert other.status_code == 403 and other.get_json()["error"] == "forbidden"
    auth.login("leader")
    assert post(client, places["in_a"], {"checklist": ALL_OK}).status_code == 403
    # the refusal comes before the body is read: a bad body is still 403, not 400
    assert post(client, places["in_a"], {"checklist": "x"}).status_code == 403
    assert client.get(f"/api/points/{places['in_a']}/inspections").status_code == 200
    auth.login("网格员甲")
    assert post(client, places["outside"], {"checklist": ALL_OK}).status_code == 403
    assert rows(database) == []
    auth.login("admin")  # admin writes everywhere, outside every cell too
    assert post(client, places["outside"], {"checklist": ALL_OK}).status_code == 201
    assert post(client, 999999, {"checklist": ALL_OK}).status_code == 404


def test_visits_are_listed_newest_first(client, places, member):
    first = post(client, places["in_a"], {"checklist": ALL_OK, "note": "第一次"}).get_json()
    second = post(client, places["in_a"], {"checklist": {**ALL_OK, "locked": "fail"},
                                           "note": "第二次"}).get_json()
    post(client, places["also_a"], {"checklist": ALL_OK})
    listed = client.get(f"/api/points/{places['in_a']}/inspections")
    assert listed.status_code == 200
    assert listed.get_json() == [second, first]
    # a point outside every cell (and near none) is in no grid member's scope
    assert client.get(f"/api/points/{places['outside']}/inspections").status_code == 403
    assert client.get("/api/points/999999/inspections").status_code == 404


def test_the_cell_data_give_each_point_its_checklist(client, places, member):
    points = client.get("/api/cells/A").get_json()["points"]["features"]
    checklists = {p["id"]: p["properties"]["checklist"] for p in points}
    assert checklists == {
        places["in_a"]: [i["key"] for i in CONFINED_SPACE_ITEMS],
        places["also_a"]: [i["key"] for i in CONFINED_SPACE_ITEMS],
        places["plant"]: ["responsibility", "exits", "fire_equipment", "training",
                          "hazmat_storage"],
    }
    page = client.get("/cells/A").get_data(as_text=True)
    assert '"inspections_url": "/api/points/"' in page
    assert '"every_days": 30' in page and '"key": "gas_detector"' in page


# ---------------------------------------------------------------- multipart, with photos

def multipart(client, point_id, fields, *files):
    data = dict(fields)
    if files:
        data["photos"] = [(io.BytesIO(raw), name) for name, raw in files]
    return client.post(f"/api/points/{point_id}/inspections", data=data,
                       content_type="multipart/form-data")


def photo_rows(database):
    with database.sessions() as s:
        return s.scalars(sa.select(Photo).order_by(Photo.id)).all()


def test_a_visit_with_photos_as_a_form(client, database, places, member):
    r = multipart(client, places["in_a"], {
        "checklist": json.dumps({**ALL_OK, "locked": "fail", "notes": {"locked": "锁坏"}}),
        "note": "见照片", "lon": "120.005", "lat": "31.004", "accuracy_m": "15",
        "client_id": UUID},
        ("井口.jpg", images.jpeg_with_gps()), ("锁具.png", images.png()))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    [visit] = rows(database)
    stored = photo_rows(database)
    assert [(p.inspection_id, p.hazard_id, p.filename, p.uploaded_by) for p in stored] == [
        (visit.id, None, "井口.jpg", "网格员甲"), (visit.id, None, "锁具.png", "网格员甲")]
    assert body["photos"] == [
        {"id": stored[0].id, "url": f"/api/photos/{stored[0].id}",
         "thumb_url": f"/api/photos/{stored[0].id}/thumb"},
        {"id": stored[1].id, "url": f"/api/photos/{stored[1].id}",
         "thumb_url": f"/api/photos/{stored[1].id}/thumb"}]
    assert (body["lon"], body["lat"], body["accuracy_m"], body["distance_m"]) == (
        120.005, 31.004, 15.0, 111)
    assert body["checklist"]["locked"] == {"result": "fail", "label": "出入口上锁或封闭管理",
                                           "note": "锁坏"}
    # the photo is served to the member of the cell, and listed with its visit
    served = client.get(body["photos"][0]["url"])
    assert (served.status_code, served.mimetype) == (200, "image/jpeg")
    listed = client.get(f"/api/points/{places['in_a']}/inspections").get_json()
    assert listed == [body]


def test_a_retried_form_stores_its_photos_once(client, database, places, member):
    fields = {"checklist": json.dumps(ALL_OK), "client_id": UUID}
    first = multipart(client, places["in_a"], fields, ("a.jpg", images.jpeg()))
    again = multipart(client, places["in_a"], fields, ("a.jpg", images.jpeg()))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert (len(rows(database)), len(photo_rows(database))) == (1, 1)


@pytest.mark.parametrize("name", sorted(images.REFUSED))
def test_a_refused_photo_stores_no_visit(client, database, places, member, name):
    r = multipart(client, places["in_a"], {"checklist": json.dumps(ALL_OK)},
                  ("good.jpg", images.jpeg()), (name, images.REFUSED[name]()))
    assert r.status_code == 400
    assert (r.get_json()["error"], r.get_json()["field"]) == ("bad_photo", "photos")
    assert name in r.get_json()["message"]
    assert (rows(database), photo_rows(database)) == ([], [])
    with database.sessions() as s:
        assert s.get(Point, places["in_a"]).last_visit_on is None


def test_ten_photos_are_too_many(client, database, places, member):
    r = multipart(client, places["in_a"], {"checklist": json.dumps(ALL_OK)},
                  *[(f"{n}.jpg", images.jpeg()) for n in range(10)])
    assert (r.status_code, r.get_json()["field"]) == (400, "photos")
    assert rows(database) == []


@pytest.mark.parametrize("fields, field", [
    ({"checklist": "{not json"}, "checklist"),
    ({"checklist": json.dumps(["ok"])}, "checklist"),
    ({"checklist": json.dumps({**ALL_OK, "coded": "yes"})}, "checklist.coded"),
    ({"checklist": json.dumps(ALL_OK), "lon": "120.005", "lat": "north"}, "lat"),
])
def test_bad_form_fields_are_400_naming_them(client, database, places, member, fields, field):
    r = multipart(client, places["in_a"], fields, ("a.jpg", images.jpeg()))
    assert (r.status_code, r.get_json()["field"]) == (400, field)
    assert (rows(database), photo_rows(database)) == ([], [])


def test_another_cells_member_cannot_see_a_visits_photo(client, auth, database, places,
                                                        member):
    body = multipart(client, places["in_a"], {"checklist": json.dumps(ALL_OK)},
                     ("a.jpg", images.jpeg())).get_json()
    auth.login("网格员乙", role="grid", cells=["B"])
    assert client.get(body["photos"][0]["url"]).status_code == 403
    refused = multipart(client, places["in_a"], {"checklist": json.dumps(ALL_OK)},
                        ("b.jpg", images.jpeg()))
    assert refused.status_code == 403
    assert (len(rows(database)), len(photo_rows(database))) == (1, 1)


def test_a_visit_today_makes_the_point_visited(client, places, member):
    """The app's today is pinned: the visit falls on it (geoapp.web.clock.now), so the
    point's status moves from overdue (never visited) to visited at once."""
    before = client.get(f"/api/map/points/{places['in_a']}").get_json()["properties"]
    assert (before["visit"], before["last_visit"]) == ("overdue", None)
    assert post(client, places["in_a"], {"checklist": ALL_OK}).status_code == 201
    after = client.get(f"/api/map/points/{places['in_a']}").get_json()["properties"]
    # confined spaces: every 30 days
    assert (after["visit"], after["last_visit"], after["next_visit_due"]) == (
        "visited", "2030-06-14", "2030-07-14")
