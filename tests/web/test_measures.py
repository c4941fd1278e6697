"""Supervisory measures over HTTP (督办措施): recorded by supervisors, leaders and admins
against an enterprise or a hazard, refused to everyone else, with a checked attachment
served only to readers of the cell; listed with filters. On both backends.

The shop (an enterprise) is in cell A with one open hazard found on 2030-06-01; the
app's today is 2030-06-14 (tests.support.constants.TODAY).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from geoapp.domain.measures import KINDS
from geoapp.store.models import HazardEvent, Measure, Point
from tests.support import images
from tests.support.apps import shop_with_hazard
from tests.support.checks import snapshot

FOUND = dt.date(2030, 6, 1)


@pytest.fixture
def site(database, rules):
    """(enterprise point id, hazard id)."""
    return shop_with_hazard(database, rules, found_on=FOUND, deadline=dt.date(2030, 6, 30))


def body(**extra) -> dict:
    return {"kind": "interview", "date": "2030-06-10", "unit": "示范镇安监站",
            "recipient": "王某（主要负责人，虚构）", "note": "约谈整改进度", **extra}


def stored(database) -> list[tuple]:
    with database.sessions() as s:
        return s.execute(sa.select(Measure.kind, Measure.point_id, Measure.hazard_id,
                                   Measure.taken_on, Measure.recorded_by)
                         .order_by(Measure.id)).all()


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_recorded_against_an_enterprise_and_a_hazard(client, auth, database,
                                                                   site, kind):
    point_id, hazard_id = site
    auth.login("supervisor")
    extra = {"referred_to": "县应急管理局执法大队"} if kind == "referral" else {}
    on_point = client.post("/api/measures", json=body(kind=kind, enterprise_id=point_id, **extra))
    assert on_point.status_code == 201, on_point.get_json()
    on_hazard = client.post("/api/measures", json=body(kind=kind, hazard_id=hazard_id,
                                                       date="2030-06-01", **extra))
    assert on_hazard.status_code == 201, on_hazard.get_json()
    a, b = on_point.get_json(), on_hazard.get_json()
    assert (a["kind"], a["enterprise_id"], a["hazard_id"], a["point_id"], a["date"]) == (
        kind, point_id, None, point_id, "2030-06-10")
    assert (b["kind"], b["enterprise_id"], b["hazard_id"], b["point_id"], b["date"]) == (
        kind, None, hazard_id, point_id, "2030-06-01")
    assert b["hazard_code"] == "H1" and b["cell_code"] == "A" and b["recorded_by"] == "supervisor"
    assert a["referred_to"] == (extra.get("referred_to"))
    assert a["attachment"] is None
    assert stored(database) == [(kind, point_id, None, dt.date(2030, 6, 10), "supervisor"),
                                (kind, None, hazard_id, dt.date(2030, 6, 1), "supervisor")]
    # the hazard's measure is also an event of its history; the enterprise's is not
    events = client.get(f"/api/hazards/{hazard_id}").get_json()["events"]
    assert [(e["action"], e["kind"], e["actor"]) for e in events] == [
        ("create", "create", "测试"), ("measure", "measure", "supervisor")]
    assert "示范镇安监站 → 王某（主要负责人，虚构）" in events[-1]["note"]


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_leaders_and_admins_record_measures_too(client, auth, database, site, role):
    point_id, _ = site
    auth.login(role)
    r = client.post("/api/measures", json=body(kind="exposure", enterprise_id=point_id))
    assert r.status_code == 201, r.get_json()
    assert stored(database)[0][4] == role


@pytest.mark.parametrize("role", ["grid", "planner"])
def test_others_are_refused_and_nothing_is_stored(client, auth, database, site, role):
    point_id, hazard_id = site
    auth.login(role, cells=["A"] if role == "grid" else ())
    before = snapshot(database)
    for target in ({"enterprise_id": point_id}, {"hazard_id": hazard_id}):
        r = client.post("/api/measures", json=body(**target))
        assert r.status_code == 403
        assert r.get_json()["error"] == "forbidden_step"
        assert r.get_json()["rule"] == "measure_recorders"
    # refused before the form is read: a file changes nothing either
    r = client.post("/api/measures", data={**body(enterprise_id=str(point_id)), "attachment": (
        io.BytesIO(images.pdf_renamed()), "函.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 403
    assert snapshot(database) == before


def test_nobody_logged_in_is_401(client, auth, database, site):
    point_id, _ = site
    auth.login("supervisor")
    auth.logout()
    r = client.post("/api/measures", json=body(enterprise_id=point_id))
    assert r.status_code in (400, 401)  # no session: no CSRF token either
    assert stored(database) == []


@pytest.mark.parametrize("targets, field", [
    ({}, "enterprise_id"),
    ({"enterprise_id": "P", "hazard_id": "H"}, "hazard_id"),
    ({"enterprise_id": -1}, "enterprise_id"),
    ({"enterprise_id": True}, "enterprise_id"),
    ({"enterprise_id": 999999}, "enterprise_id"),
    ({"hazard_id": 999999}, "hazard_id"),
])
def test_exactly_one_existing_target(client, auth, database, site, targets, field):
    point_id, hazard_id = site
    auth.login("supervisor")
    given = {k: {"P": point_id, "H": hazard_id}.get(v, v) if isinstance(v, str) else v
             for k, v in targets.items()}
    before = snapshot(database)
    r = client.post("/api/measures", json=body(**given))
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == field
    assert snapshot(database) == before


def test_a_measure_on_a_point_that_is_not_an_enterprise_is_refused(client, auth, database,
                                                                    site):
    import shapely

    from geoapp.store.models import Point

    with database.transaction() as s:
        idle = Point(layer="idle_site", key="I1", name="闲置厂房（虚构）",
                     geom=shapely.Point(120.004, 31.004), attrs={}, cell_code="A")
        s.add(idle)
        s.flush()
        idle_id = idle.id
    auth.login("supervisor")
    r = client.post("/api/measures", json=body(enterprise_id=idle_id))
    assert (r.status_code, r.get_json()["field"]) == (400, "enterprise_id")
    assert stored(database) == []


@pytest.mark.parametrize("change, field", [
    ({"kind": "visit"}, "kind"),
    ({"kind": None}, "kind"),
    ({"date": "2030-06-15"}, "date"),          # after today (2030-06-14)
    ({"date": "2030-05-31"}, "date"),          # before the hazard was found
    ({"date": "14/06/2030"}, "date"),
    ({"date": None}, "date"),
    ({"unit": "  "}, "unit"),
    ({"recipient": None}, "recipient"),
    ({"recipient": "人" * 201}, "recipient"),
    ({"note": "说" * 2001}, "note"),
    ({"kind": "referral"}, "referred_to"),     # a referral names the department
    ({"referred_to": "县应急管理局"}, "referred_to"),  # only a referral does
    ({"unit": ["甲"]}, "unit"),
    ({"surprise": "x"}, "surprise"),
])
def test_bad_fields_are_400_naming_the_field_and_store_nothing(client, auth, database, site,
                                                                change, field):
    _, hazard_id = site
    auth.login("supervisor")
    before = snapshot(database)
    r = client.post("/api/measures", json={**body(hazard_id=hazard_id), **change})
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == field
    assert r.get_json()["message"]
    assert snapshot(database) == before


def test_a_closed_hazard_takes_measures_dated_up_to_its_close_out(client, auth, database,
                                                                   rules):
    _, hazard_id = shop_with_hazard(database, rules, found_on=FOUND, state="closed",
                                    closed_on=dt.date(2030, 6, 5))
    auth.login("supervisor")
    late = client.post("/api/measures", json=body(hazard_id=hazard_id, date="2030-06-06"))
    assert (late.status_code, late.get_json()["field"]) == (400, "date")
    ok = client.post("/api/measures", json=body(hazard_id=hazard_id, date="2030-06-05"))
    assert ok.status_code == 201


# ---------------------------------------------------------------- attachments

def post_with_file(client, point_id, name, raw, **extra):
    return client.post("/api/measures", data={**body(enterprise_id=str(point_id), **extra),
                                              "attachment": (io.BytesIO(raw), name)},
                       content_type="multipart/form-data")


def test_a_pdf_attachment_is_kept_and_served_as_a_download(client, auth, database, site):
    point_id, _ = site
    auth.login("supervisor")
    pdf = images.pdf_renamed()
    r = post_with_file(client, point_id, "约谈通知书.pdf", pdf)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()["attachment"]
    assert (got["name"], got["media_type"], got["size"]) == ("约谈通知书.pdf", "application/pdf",
                                                            len(pdf))
    served = client.get(got["url"])
    assert served.status_code == 200
    assert served.data == pdf
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]


def test_an_image_attachment_is_re_encoded(client, auth, database, site):
    point_id, _ = site
    auth.login("leader")
    r = post_with_file(client, point_id, "曝光截图.png", images.png())
    assert r.status_code == 201, r.get_json()
    got = r.get_json()["attachment"]
    assert (got["name"], got["media_type"]) == ("曝光截图.jpg", "image/jpeg")
    served = client.get(got["url"])
    assert served.status_code == 200 and served.data.startswith(b"\xff\xd8\xff")


@pytest.mark.parametrize("name, raw", [
    ("通知.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),   # an .exe renamed .pdf
    ("通知.pdf", b"%PDF-1.7\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
                b" endobj\n%%EOF\n"),
    ("通知.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n"),                # cut short: no %%EOF
    ("page.jpg", images.html_page()),
    ("empty.pdf", b""),
])
def test_a_file_that_is_not_a_clean_pdf_or_image_is_refused(client, auth, database, site,
                                                             name, raw):
    point_id, _ = site
    auth.login("supervisor")
    before = snapshot(database)
    r = post_with_file(client, point_id, name, raw)
    assert r.status_code == 400, r.get_json()
    assert (r.get_json()["error"], r.get_json()["field"]) == ("bad_attachment", "attachment")
    assert name in r.get_json()["message"]
    assert snapshot(database) == before


def test_an_exe_renamed_pdf_says_why(client, auth, site):
    point_id, _ = site
    auth.login("supervisor")
    r = post_with_file(client, point_id, "setup.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert r.get_json()["message"] == (
        "setup.pdf: 附件只接受 PDF 文件或 JPEG、PNG、WebP 图片（按文件内容判断，不看扩展名）")


def test_an_attachment_larger_than_the_upload_limit_is_413(database, site):
    from tests.support.apps import AuthActions, make_app

    point_id, _ = site
    app = make_app(database, MAX_UPLOAD_MB=0.01)  # 10 KiB
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("supervisor")
    before = snapshot(database)
    r = post_with_file(client, point_id, "big.pdf", b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n")
    assert r.status_code == 413
    assert snapshot(database) == before
    auth.cleanup()


def test_attachments_are_served_only_to_readers_of_the_cell(client, auth, database, site):
    point_id, _ = site
    auth.login("supervisor")
    url = post_with_file(client, point_id, "函.pdf", images.pdf_renamed()).get_json()[
        "attachment"]["url"]
    auth.login("甲", role="grid", cells=["A"])
    assert client.get(url).status_code == 200
    auth.login("乙", role="grid", cells=["B"])
    refused = client.get(url)
    assert refused.status_code == 403 and refused.get_json()["error"] == "forbidden"
    auth.login("planner")
    assert client.get(url).status_code == 200
    auth.logout()
    assert client.get(url).status_code == 401
    auth.login("supervisor")
    assert client.get("/api/measures/99999/attachment").status_code == 404


# ---------------------------------------------------------------- GET /api/measures

def test_measures_are_listed_with_filters(client, auth, database, site):
    point_id, hazard_id = site
    auth.login("supervisor")
    for kind, target, day in (("letter", {"enterprise_id": point_id}, "2030-06-02"),
                              ("interview", {"hazard_id": hazard_id}, "2030-06-05"),
                              ("notice", {"hazard_id": hazard_id}, "2030-06-12")):
        assert client.post("/api/measures", json=body(kind=kind, date=day, **target)
                           ).status_code == 201

    def kinds(query):
        r = client.get("/api/measures" + query)
        assert r.status_code == 200, r.get_json()
        return [m["kind"] for m in r.get_json()]

    assert kinds("") == ["notice", "interview", "letter"]  # newest first
    assert kinds(f"?hazard_id={hazard_id}") == ["notice", "interview"]
    # an enterprise's own measures and those on its hazards
    assert kinds(f"?enterprise_id={point_id}") == ["notice", "interview", "letter"]
    assert kinds("?kind=letter") == ["letter"]
    assert kinds("?from=2030-06-03&to=2030-06-12") == ["notice", "interview"]
    assert kinds("?to=2030-06-04") == ["letter"]
    assert kinds(f"?hazard_id={hazard_id}&kind=letter") == []
    # readers: a grid member of the cell sees them, one of another cell does not
    auth.login("甲", role="grid", cells=["A"])
    assert kinds("") == ["notice", "interview", "letter"]
    auth.login("乙", role="grid", cells=["B"])
    assert kinds("") == []
    listed = client.get("/api/measures?kind=letter")
    assert listed.get_json() == []


@pytest.mark.parametrize("query, field", [
    ("?kind=visit", "kind"), ("?from=2030-6-1", "from"), ("?to=2030-02-30", "to"),
    ("?hazard_id=abc", "hazard_id"), ("?enterprise_id=0", "enterprise_id"),
    ("?from=2030-06-10&to=2030-06-01", "to"),
])
def test_bad_filters_are_400_naming_them(client, auth, site, query, field):
    auth.login("leader")
    r = client.get("/api/measures" + query)
    assert r.status_code == 400
    assert r.get_json()["field"] == field


def test_the_hazard_event_and_the_measure_are_one_write(client, auth, database, site):
    _, hazard_id = site
    auth.login("supervisor")
    client.post("/api/measures", json=body(hazard_id=hazard_id))
    with database.sessions() as s:
        m = s.scalars(sa.select(Measure)).one()
        event = s.get(HazardEvent, m.hazard_event_id)
        assert (event.hazard_id, event.action, event.actor) == (hazard_id, "measure", "supervisor")


def test_the_cell_data_carries_its_measures(client, auth, database, site):
    """The cell page's JSON twin lists the measures on its points and their hazards, with
    the recorder's name among the people."""
    point_id, hazard_id = site
    auth.login("supervisor")
    client.post("/api/measures", json=body(kind="letter", enterprise_id=point_id))
    client.post("/api/measures", json=body(kind="notice", hazard_id=hazard_id))
    auth.login("甲", role="grid", cells=["A"])
    data = client.get("/api/cells/A").get_json()
    assert [(m["kind"], m["enterprise_id"], m["hazard_id"], m["point_id"])
            for m in data["measures"]] == [("notice", None, hazard_id, point_id),
                                           ("letter", point_id, None, point_id)]
    assert "supervisor" in data["people"]
    page = client.get("/cells/A").get_data(as_text=True)
    assert "cell/measures.js" in page and '"can_measure": false' in page
    auth.login("leader")
    assert '"can_measure": true' in client.get("/cells/A").get_data(as_text=True)


def test_the_cell_data_carries_the_measures_of_the_outside_points_nearest_it(
        client, auth, database, rules, site):
    """A cell's page lists the measures at the outside points nearest it too (they are on
    that page), and none of a neighbouring cell's."""
    import shapely

    from geoapp.store import assignment

    point_id, _ = site
    with database.transaction() as s:
        west = Point(layer="enterprise", key="K2", name="城边仓库（虚构）",
                     geom=shapely.Point(119.995, 31.005), attrs={"industry": "5261"})
        east = Point(layer="enterprise", key="K3", name="二网格商店（虚构）",
                     geom=shapely.Point(120.015, 31.005), attrs={"industry": "5261"})
        s.add_all([west, east])
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        ids = {"west": west.id, "east": east.id}
        s.expire_all()  # the assignment writes in bulk
        assert (west.outside, west.nearest_cell_code, east.cell_code) == (True, "A", "B")
    auth.login("supervisor")
    for name, pid in (("own", point_id), ("west", ids["west"]), ("east", ids["east"])):
        r = client.post("/api/measures", json=body(enterprise_id=pid, note=name))
        assert r.status_code == 201, r.get_json()
    notes = {code: sorted(m["note"] for m in
                          client.get(f"/api/cells/{code}").get_json()["measures"])
             for code in "AB"}
    assert notes == {"A": ["own", "west"], "B": ["east"]}


def test_a_stored_measure_cannot_be_changed_or_removed(client, auth, database, site):
    point_id, _ = site
    auth.login("supervisor")
    client.post("/api/measures", json=body(enterprise_id=point_id))
    with database.sessions() as s:
        measure = s.scalars(sa.select(Measure)).one()
        measure.note = "改写"
        with pytest.raises(PermissionError, match="is history"):
            s.flush()
        s.rollback()
        s.delete(s.scalars(sa.select(Measure)).one())
        with pytest.raises(PermissionError, match="is history"):
            s.flush()
