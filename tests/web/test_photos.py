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

from geoapp.store.models import Hazard, HazardEvent, Photo, Point
from geoapp.web import inputs
from tests.support import images
from tests.support.apps import AuthActions, make_app, shop_with_hazard
from tests.support.checks import snapshot


@pytest.fixture
def site(database, rules):
    """Cells A and B; a shop in A with an open major hazard. Returns (point id, hazard id)."""
    return shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1),
                            deadline=dt.date(2030, 6, 30))


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
    assert events[-1] == {"id": events[-1]["id"], "at": events[-1]["at"], "actor": member,
                          "kind": "photo", "action": "photo", "from_state": "open",
                          "to_state": "open", "note": "现场.jpg", "changes": None}


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


def _png(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **options)
    return out.getvalue()


def test_a_16_bit_grey_png_and_a_colour_keyed_png_keep_their_pixels(client, site, member):
    _point_id, hazard_id = site
    grey = Image.new("I;16", (20, 10))
    grey.putdata([30000] * 200)  # 30000 of 65535: a mid grey, 117 of 255
    keyed = Image.new("RGB", (20, 10), (0, 0, 0))  # black marked transparent by its tRNS chunk
    r = upload(client, hazard_id, ("灰.png", _png(grey)),
               ("透明.png", _png(keyed, transparency=(0, 0, 0))), field="photos")
    assert r.status_code == 201, r.get_json()
    stored = [Image.open(io.BytesIO(client.get(p["url"]).data)) for p in r.get_json()["photos"]]
    assert [(im.mode, im.size) for im in stored] == [("RGB", (20, 10)), ("RGB", (20, 10))]
    # not clipped to white: the grey stays within JPEG's rounding of 117
    assert all(abs(c - 117) <= 2 for c in stored[0].getpixel((10, 5)))
    # transparent pixels on white, as for a PNG with an alpha channel
    assert all(c >= 253 for c in stored[1].getpixel((10, 5)))


def test_a_jpeg_with_a_malformed_exif_is_stored_upright(client, database, site, member):
    """A camera's GPS latitude written with the wrong TIFF type (UNDEFINED, not RATIONAL).

    Pillow reads it as bytes; writing such an EXIF back (as ImageOps.exif_transpose
    does) raised TypeError, a 500. The picture is kept, turned by its orientation.
    """
    _point_id, hazard_id = site
    picture = Image.new("RGB", (40, 20), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 20, 20))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (31.0, 5.0, 1.0), 3: "E", 4: (120.0, 1.0, 2.0)}
    raw = exif.tobytes()
    latitude = b"\x00\x02\x00\x05\x00\x00\x00\x03"  # tag 2, type 5 (RATIONAL), 3 values
    assert raw.count(latitude) == 1
    raw = raw.replace(latitude, b"\x00\x02\x00\x07\x00\x00\x00\x03")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95, exif=raw)
    r = upload(client, hazard_id, ("exif.jpg", out.getvalue()))
    assert r.status_code == 201, r.get_json()
    stored = Image.open(io.BytesIO(client.get(r.get_json()["url"]).data))
    assert stored.size == (20, 40)  # upright: the red half on top
    assert stored.getpixel((10, 5))[0] > 200 and stored.getpixel((10, 35))[2] > 200
    assert not stored.getexif()
    with database.sessions() as s:
        assert s.execute(sa.select(Photo.gps_lon, Photo.gps_lat)).one() == (None, None)


def test_a_large_photo_is_stored_at_2560_px_with_a_320_px_thumbnail(client, site, member):
    _point_id, hazard_id = site
    photo = upload(client, hazard_id, ("大.jpg", images.jpeg(size=(3000, 2000)))).get_json()
    assert Image.open(io.BytesIO(client.get(photo["url"]).data)).size == (2560, 1707)
    assert Image.open(io.BytesIO(client.get(photo["thumb_url"]).data)).size == (320, 213)


def test_no_file_and_too_many_files_are_400(client, database, site, member):
    _point_id, hazard_id = site
    before = counts(database)
    r = client.post(f"/api/hazards/{hazard_id}/photos", data={"note": "x"},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and r.get_json()["field"] == "photo"
    ten = [(f"{i}.jpg", images.jpeg()) for i in range(10)]
    r = upload(client, hazard_id, *ten, field="photos")
    assert r.status_code == 400 and r.get_json()["field"] == "photos"
    r = client.post(f"/api/hazards/{hazard_id}/photos", content_type="multipart/form-data",
                    data={"photo": [(io.BytesIO(raw), name) for name, raw in ten[:5]],
                          "photos": [(io.BytesIO(raw), name) for name, raw in ten[5:]]})
    assert r.status_code == 400 and r.get_json()["field"] == "photos"  # 10 in all
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


# ---------------------------------------------------------------- photos with a step

def step(client, hazard_id, action, etag, photos=(), note=""):
    data = {"action": action, "note": note,
            "photos": [(io.BytesIO(raw), name) for name, raw in photos]}
    return client.post(f"/api/hazards/{hazard_id}/transitions", data=data,
                       headers={"If-Match": f'"{etag}"'}, content_type="multipart/form-data")


def test_a_step_as_a_form_with_photos_keeps_them_with_its_event(client, database, site, member):
    _point_id, hazard_id = site
    assert step(client, hazard_id, "start", 1).status_code == 200  # a form without photos
    r = step(client, hazard_id, "submit", 2, [("整改后1.jpg", images.jpeg()),
                                               ("整改后2.png", images.png())], note="已更换")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "awaiting_acceptance" and r.headers["ETag"] == '"3"'
    assert body["events"][-1]["note"] == "已更换" and body["events"][-1]["actor"] == member
    with database.sessions() as s:
        submit = s.scalar(sa.select(HazardEvent.id).where(HazardEvent.action == "submit"))
        rows = s.execute(sa.select(Photo.filename, Photo.hazard_id, Photo.hazard_event_id)
                         .order_by(Photo.id)).all()
    assert [tuple(row) for row in rows] == [("整改后1.jpg", hazard_id, submit),
                                            ("整改后2.png", hazard_id, submit)]
    assert [(p["event_id"], p["url"]) for p in body["photos"]] == [
        (submit, f"/api/photos/{p['id']}") for p in body["photos"]]
    assert len(body["photos"]) == 2


def test_a_refused_photo_stops_the_step(client, database, site, member):
    _point_id, hazard_id = site
    assert step(client, hazard_id, "start", 1).status_code == 200
    before = snapshot(database)
    r = step(client, hazard_id, "submit", 2, [("ok.jpg", images.jpeg()),
                                               ("page.jpg", images.html_page())])
    assert r.status_code == 400
    assert (r.get_json()["error"], r.get_json()["field"]) == ("bad_photo", "photos")
    assert "page.jpg" in r.get_json()["message"]
    assert snapshot(database) == before  # neither the step nor the good photo


def test_submitting_a_major_hazard_needs_a_photo(client, database, site, member):
    _point_id, hazard_id = site
    assert step(client, hazard_id, "start", 1).status_code == 200
    before = snapshot(database)
    for send in (lambda: step(client, hazard_id, "submit", 2),
                 lambda: client.post(f"/api/hazards/{hazard_id}/transitions",
                                     json={"action": "submit"}, headers={"If-Match": '"2"'})):
        r = send()
        assert r.status_code == 400
        assert (r.get_json()["error"], r.get_json()["field"]) == ("photo_required", "photos")
    assert snapshot(database) == before
    # a stale version or a step not allowed now is said first
    r = client.post(f"/api/hazards/{hazard_id}/transitions", json={"action": "submit"},
                    headers={"If-Match": '"1"'})
    assert r.status_code == 412
    # a photo added before (POST …/photos) counts: JSON submit then passes
    assert upload(client, hazard_id, ("整改后.jpg", images.jpeg())).status_code == 201
    r = client.post(f"/api/hazards/{hazard_id}/transitions", json={"action": "submit"},
                    headers={"If-Match": '"2"'})
    assert r.status_code == 200 and r.get_json()["state"] == "awaiting_acceptance"


def test_a_photo_of_the_hazard_as_found_is_not_a_photo_of_its_rectification(
        client, database, site, member):
    _point_id, hazard_id = site
    assert upload(client, hazard_id, ("现场.jpg", images.jpeg())).status_code == 201  # open
    assert step(client, hazard_id, "start", 1).status_code == 200
    r = step(client, hazard_id, "submit", 2)
    assert (r.status_code, r.get_json()["error"]) == (400, "photo_required")
    r = step(client, hazard_id, "submit", 2, [("整改后.jpg", images.jpeg())])
    assert (r.status_code, r.get_json()["state"]) == (200, "awaiting_acceptance")


def test_no_photo_is_added_to_a_closed_hazard(client, database, site, member):
    _point_id, hazard_id = site
    with database.transaction() as s:
        s.get(Hazard, hazard_id).state = "closed"
    before = snapshot(database)
    r = upload(client, hazard_id, ("补拍.jpg", images.jpeg()))
    assert (r.status_code, r.get_json()["error"]) == (409, "closed")
    assert snapshot(database) == before


def test_a_general_hazard_is_submitted_without_a_photo(client, database, site, member):
    _point_id, hazard_id = site
    with database.transaction() as s:
        s.get(Hazard, hazard_id).level = "general"
    assert step(client, hazard_id, "start", 2).status_code == 200
    assert step(client, hazard_id, "submit", 3).status_code == 200


def test_the_photo_rule_is_local_policy(database, site, tmp_path):
    import shutil

    from geoapp.resources import bundled

    layers = shutil.copytree(bundled("layers"), tmp_path / "layers")
    toml = layers / "hazard.toml"
    text = toml.read_text(encoding="utf-8")
    assert "major_submit_needs_photo = true" in text
    toml.write_text(text.replace("major_submit_needs_photo = true",
                                 "major_submit_needs_photo = false"), encoding="utf-8")
    client = make_app(database, LAYERS_DIR=str(layers)).test_client()
    actions = AuthActions(client)
    actions.login("网格员甲", role="grid", cells=["A"])
    try:
        _point_id, hazard_id = site
        assert step(client, hazard_id, "start", 1).status_code == 200
        assert step(client, hazard_id, "submit", 2).status_code == 200
    finally:
        actions.cleanup()


# ---------------------------------------------------------------- a new hazard as a form

def new_hazard_form(**fields):
    data = {"level": "major", "source": "inspection", "description": "有限空间未上锁",
            "found_on": "2030-06-14", "deadline": "2030-07-14", "responsible_unit": "某公司",
            "responsible_person": "张三", "listed": "false",
            "plan": '{"goal": "上锁", "measures": "加装门锁", "funds": "500元", '
                    '"emergency_plan": "预案"}'}
    data.update(fields)
    return data


def test_a_new_hazard_as_a_form_with_photos(client, database, site, member):
    point_id, _hazard_id = site
    # as a page's form posts it: the CSRF token is a field too
    data = new_hazard_form(photos=[(io.BytesIO(images.jpeg_with_gps()), "发现.jpg")],
                           csrf_token=client.environ_base["HTTP_X_CSRFTOKEN"])
    r = client.post(f"/api/points/{point_id}/hazards", data=data,
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert (body["level"], body["listed"], body["responsible_person"]) == ("major", False, "张三")
    assert body["events"][0]["note"] != ""  # the plan is in the create event's note
    create_event = body["photos"][0]["event_id"]
    with database.sessions() as s:
        hazard = s.get(Hazard, body["id"])
        assert hazard.events[0].id == create_event and hazard.events[0].action == "create"
        photo = s.scalars(sa.select(Photo)).one()
        assert (photo.hazard_id, photo.filename) == (body["id"], "发现.jpg")


@pytest.mark.parametrize("field, value", [("listed", "yes"), ("plan", "{not json"),
                                          ("plan", "[1, 2]"), ("client_id", "abc")])
def test_bad_form_fields_are_400_naming_them(client, database, site, member, field, value):
    point_id, _hazard_id = site
    before = snapshot(database)
    r = client.post(f"/api/points/{point_id}/hazards", data=new_hazard_form(**{field: value}),
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert (r.get_json()["error"], r.get_json()["field"]) == ("bad_request", field)
    assert snapshot(database) == before


def test_a_text_field_sent_as_a_file_is_400(client, site, member):
    point_id, _hazard_id = site
    data = new_hazard_form(description=(io.BytesIO(b"x"), "d.txt"))
    r = client.post(f"/api/points/{point_id}/hazards", data=data,
                    content_type="multipart/form-data")
    assert (r.status_code, r.get_json()["field"]) == (400, "description")


# ---------------------------------------------------------------- client_id: a retried save

CLIENT_ID = "0F8FAD5B-D9CB-469F-A165-70867728950E"


def test_the_same_client_id_stores_one_hazard(client, database, site, member):
    point_id, _hazard_id = site
    url = f"/api/points/{point_id}/hazards"
    first = client.post(url, data=new_hazard_form(client_id=CLIENT_ID),
                        content_type="multipart/form-data")
    assert first.status_code == 201
    with database.sessions() as s:
        assert s.get(Hazard, first.get_json()["id"]).client_id == CLIENT_ID.lower()
    before = snapshot(database)
    # retried (as the offline queue does), even as JSON and with another description
    again = client.post(url, json={"client_id": CLIENT_ID.lower(), "description": "重发"})
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert snapshot(database) == before
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 2


def test_a_client_id_used_at_another_point_is_409(client, database, site, member):
    point_id, _hazard_id = site
    with database.transaction() as s:
        other = Point(layer="enterprise", key="K2", name="五金店（虚构）",
                      geom=shapely.Point(120.006, 31.006), attrs={}, cell_code="A")
        s.add(other)
        s.flush()
        other_id = other.id
    assert client.post(f"/api/points/{point_id}/hazards",
                       data=new_hazard_form(client_id=CLIENT_ID),
                       content_type="multipart/form-data").status_code == 201
    before = snapshot(database)
    r = client.post(f"/api/points/{other_id}/hazards", data=new_hazard_form(client_id=CLIENT_ID),
                    content_type="multipart/form-data")
    assert r.status_code == 409
    assert (r.get_json()["error"], r.get_json()["field"]) == ("client_id_conflict", "client_id")
    assert snapshot(database) == before


# ---------------------------------------------------------------- inputs.form_or_json

TYPES = {"note": inputs.TEXT, "checklist": inputs.OBJECT, "listed": inputs.BOOL,
         "lon": (int, float)}


def test_form_or_json_reads_a_form_like_the_json_body(app):
    form = {"note": "ok", "checklist": '{"lock": "ok", "notes": {"lock": "已上锁"}}',
            "listed": "false", "lon": "120.5", "csrf_token": "t", "extra": "7"}
    with app.test_request_context("/x", method="POST", data=form):
        assert inputs.form_or_json(TYPES) == {
            "note": "ok", "checklist": {"lock": "ok", "notes": {"lock": "已上锁"}},
            "listed": False, "lon": 120.5, "extra": "7"}
    body = {"note": "ok", "checklist": {"lock": "ok"}, "listed": False, "lon": 120.5}
    with app.test_request_context("/x", method="POST", json=body):
        assert inputs.form_or_json(TYPES) == body
    with app.test_request_context("/x", method="POST", data={"lon": "", "note": ""}):
        assert inputs.form_or_json(TYPES) == {"lon": None, "note": None}


@pytest.mark.parametrize("field, text, message", [
    ("lon", "NaN", "须为整数 / 数字"), ("lon", "east", "须为整数 / 数字"),
    ("lon", '"120"', "须为整数 / 数字"), ("listed", "1x", "须为true 或 false"),
    ("checklist", "[1]", "须为JSON 对象"), ("checklist", "[" * 40 + "]" * 40, "JSON 嵌套过深"),
    ("checklist", '{"a": "\\u0000"}', "空字符"),
])
def test_form_or_json_refuses_a_bad_json_field_naming_it(app, field, text, message):
    with app.test_request_context("/x", method="POST", data={field: text}):
        with pytest.raises(inputs.BadInput) as info:
            inputs.form_or_json(TYPES)
    named = "checklist.a" if "u0000" in text else field  # inside the object: its key path
    assert info.value.field == named and message in info.value.message
