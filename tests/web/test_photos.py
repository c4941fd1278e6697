"""Photos over HTTP: uploads checked (refused files store nothing), served only to readers
of the cell, with headers that keep them images; on both backends.

The hazard sits at a shop in cell A; ``member`` works cell A, ``other`` cell B.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import shapely
import sqlalchemy as sa
from PIL import Image

from geoapp.store import hazards
from geoapp.store.models import Cell, Hazard, HazardEvent, Photo, Point, Town, Village
from tests.support import images
from tests.support.apps import AuthActions, make_app
from tests.support.checks import snapshot


@pytest.fixture
def site(database, rules):
    """Cells A and B; a shop in A with an open major hazard. Returns (point id, hazard id)."""
    from geoapp.store import assignment

    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        s.add(Cell(code="A", name="一网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)])))
        s.add(Cell(code="B", name="二网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120.01, 31, 120.02, 31.01)])))
        point = Point(layer="enterprise", key="K1", name="商店（虚构）",
                      geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"})
        h = Hazard(code="H1", point=point, level="major", source="public_report",
                   description="液化气钢瓶违规存放", found_on=dt.date(2030, 6, 1),
                   deadline=dt.date(2030, 6, 30), state="open")
        s.add(h)
        hazards.record(h, "测试", "create")
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        return point.id, h.id


@pytest.fixture
def member(auth, site):
    assert auth.login("网格员甲", role="grid", cells=["A"]).status_code == 302
    return "网格员甲"


def counts(database) -> tuple[int, int]:
    """(photos stored, hazard events stored)."""
    with database.sessions() as s:
        return (s.scalar(sa.select(sa.func.count()).select_from(Photo)),
                s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)))


def upload(client, hazard_id, *files, field="photo"):
    return client.post(f"/api/hazards/{hazard_id}/photos",
                       data={field: [(io.BytesIO(raw), name) for name, raw in files]},
                       content_type="multipart/form-data")


# ---------------------------------------------------------------- POST /api/hazards/<id>/photos

def test_a_photo_is_added_to_a_hazard_as_an_event(client, database, site, member):
    _point_id, hazard_id = site
    r = upload(client, hazard_id, ("现场.jpg", images.jpeg_with_gps()))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    with database.sessions() as s:
        photo = s.scalars(sa.select(Photo)).one()
        event = s.scalars(sa.select(HazardEvent).order_by(HazardEvent.id.desc())).first()
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            "photo", member, "open", "open")
        assert (photo.hazard_id, photo.hazard_event_id, photo.uploaded_by, photo.filename) == (
            hazard_id, event.id, member, "现场.jpg")
        assert photo.gps_lon == pytest.approx(120.3405, abs=1e-6)
        assert photo.gps_lat == pytest.approx(31.5805, abs=1e-6)
        # 09:30 on the camera's clock, which gives no zone: Beijing time
        assert photo.taken_at == dt.datetime(2030, 6, 13, 1, 30, tzinfo=dt.UTC)
    assert body["id"] == photo.id
    assert body["url"] == f"/api/photos/{photo.id}"
    assert body["thumb_url"] == f"/api/photos/{photo.id}/thumb"
    assert r.headers["Location"] == body["url"]
    # the event is in the hazard's history, with the usual shape
    events = client.get(f"/api/hazards/{hazard_id}").get_json()["events"]
    assert events[-1] == {"at": events[-1]["at"], "actor": member, "action": "photo",
                          "from_state": "open", "to_state": "open", "note": "现场.jpg"}


def test_the_served_photo_has_no_exif_and_safe_headers(client, site, member):
    _point_id, hazard_id = site
    photo = upload(client, hazard_id, ("现场.jpg", images.jpeg_with_gps())).get_json()
    r = client.get(photo["url"])
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"] == f'inline; filename="photo-{photo["id"]}.jpg"'
    assert r.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert r.headers["Cache-Control"] == "private, max-age=86400"
    image = Image.open(io.BytesIO(r.data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert dict(image.getexif()) == {}
    assert b"TestCam" not in r.data
    import hashlib

    assert r.headers["ETag"] == f'"{hashlib.sha256(r.data).hexdigest()}"'
    again = client.get(photo["url"], headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    thumb = client.get(photo["thumb_url"])
    assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
    assert thumb.headers["Content-Disposition"] == (
        f'inline; filename="photo-{photo["id"]}-thumb.jpg"')
    assert Image.open(io.BytesIO(thumb.data)).size == (64, 48)  # already under 320 px


@pytest.mark.parametrize("name", sorted(images.REFUSED))
def test_each_refused_file_is_400_naming_it_and_stores_nothing(client, database, site, member,
                                                                name):
    _point_id, hazard_id = site
    before, rows = counts(database), snapshot(database)
    r = upload(client, hazard_id, ("好照片.jpg", images.jpeg()), (name, images.REFUSED[name]()),
               field="photos")
    assert r.status_code == 400
    body = r.get_json()
    assert (body["error"], body["field"], body["filename"]) == ("bad_photo", "photos", name)
    assert body["message"].startswith(f"{name}: ")
    assert counts(database) == before
    assert snapshot(database) == rows  # not a row of any table changed


def test_png_and_webp_are_stored_as_jpeg(client, database, site, member):
    _point_id, hazard_id = site
    r = upload(client, hazard_id, ("a.png", images.png()), ("b.webp", images.webp()),
               field="photos")
    assert r.status_code == 201
    assert [p["id"] for p in r.get_json()["photos"]] == [r.get_json()["id"],
                                                         r.get_json()["id"] + 1]
    with database.sessions() as s:
        rows = s.execute(sa.select(Photo.filename, Photo.media_type, Photo.width)
                         .order_by(Photo.id)).all()
    assert [tuple(row) for row in rows] == [("a.png", "image/jpeg", 40),
                                            ("b.webp", "image/jpeg", 40)]


def test_no_file_and_too_many_files_are_400(client, database, site, member):
    _point_id, hazard_id = site
    before = counts(database)
    r = client.post(f"/api/hazards/{hazard_id}/photos", data={"note": "x"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["field"] == "photo"
    ten = [(f"{i}.jpg", images.jpeg()) for i in range(10)]
    r = upload(client, hazard_id, *ten, field="photos")
    assert r.status_code == 400 and r.get_json()["field"] == "photos"
    assert counts(database) == before


def test_who_may_add_a_photo(client, database, auth, site):
    _point_id, hazard_id = site
    before = counts(database)
    auth.login("leader")
    auth.logout()  # accounts exist, nobody logged in
    assert upload(client, hazard_id, ("a.jpg", images.jpeg())).status_code == 401
    auth.login("网格员乙", role="grid", cells=["B"])
    assert upload(client, hazard_id, ("a.jpg", images.jpeg())).status_code == 403
    auth.login("leader")
    assert upload(client, hazard_id, ("a.jpg", images.jpeg())).status_code == 403
    assert counts(database) == before
    auth.login("admin")
    assert upload(client, 999, ("a.jpg", images.jpeg())).status_code == 404
    assert upload(client, hazard_id, ("a.jpg", images.jpeg())).status_code == 201


# ---------------------------------------------------------------- GET /api/photos/<id>

def test_photos_are_served_only_to_readers_of_the_cell(client, auth, site, member):
    _point_id, hazard_id = site
    photo = upload(client, hazard_id, ("a.jpg", images.jpeg())).get_json()
    auth.logout()
    for url in (photo["url"], photo["thumb_url"]):
        r = client.get(url)
        assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    auth.login("网格员乙", role="grid", cells=["B"])
    for url in (photo["url"], photo["thumb_url"]):
        r = client.get(url)
        assert r.status_code == 403 and r.get_json()["error"] == "forbidden"
        assert r.headers["Content-Type"] == "application/json"
    for reader in ("leader", "planner", "admin"):
        auth.login(reader)
        assert [client.get(u).status_code for u in (photo["url"], photo["thumb_url"])] == [
            200, 200]
    assert client.get(f"/api/photos/{photo['id'] + 100}").status_code == 404


# ---------------------------------------------------------------- the upload limit

def test_a_body_over_the_upload_limit_is_413(database, site):
    app = make_app(database, MAX_UPLOAD_MB=0.05)  # 52 428 bytes
    client = app.test_client()
    actions = AuthActions(client)
    actions.login("网格员甲", role="grid", cells=["A"])
    try:
        _point_id, hazard_id = site
        before = counts(database)
        big = images.jpeg_with_gps(size=(2, 2)) + b"\x00" * 60_000  # refused by size first
        r = upload(client, hazard_id, ("big.jpg", big))
        assert r.status_code == 413
        body = r.get_json()
        assert (body["error"], body["field"]) == ("too_large", "body")
        assert "52,428" in body["message"]
        assert counts(database) == before
        # a body under it is taken
        assert upload(client, hazard_id, ("ok.jpg", images.jpeg())).status_code == 201
    finally:
        actions.cleanup()


def test_the_upload_limit_is_for_multipart_bodies_of_upload_views_only(database, site):
    # a 1 MB JSON limit everywhere, a 20 MiB one for photos
    app = make_app(database, GEOAPP_MAX_BODY_BYTES=1000)
    client = app.test_client()
    actions = AuthActions(client)
    actions.login("网格员甲", role="grid", cells=["A"])
    try:
        _point_id, hazard_id = site
        photo = images.jpeg(size=(200, 200))
        assert len(photo) > 1000
        assert upload(client, hazard_id, ("ok.jpg", photo)).status_code == 201
        # JSON to the same kind of view keeps the small limit
        r = client.post(f"/api/hazards/{hazard_id}/transitions", json={"note": "x" * 2000},
                        headers={"If-Match": '"1"'})
        assert r.status_code == 413
        # and a view that takes no uploads refuses files as before
        small = images.jpeg(size=(2, 2))
        assert len(small) < 900
        r = client.post("/logout", data={"f": (io.BytesIO(small), "a.jpg")},
                        content_type="multipart/form-data")
        assert (r.status_code, r.get_json()["field"]) == (400, "f")
        r = client.post("/logout", data={"f": (io.BytesIO(photo), "a.jpg")},
                        content_type="multipart/form-data")
        assert r.status_code == 413
    finally:
        actions.cleanup()


def test_a_bad_upload_limit_stops_start_up(database):
    with pytest.raises(ValueError, match="GEOAPP_MAX_UPLOAD_MB"):
        make_app(database, MAX_UPLOAD_MB="lots")
