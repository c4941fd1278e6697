"""Public reports (一键举报) on both backends: the public's filing and receipt, the office's
queue, each triage step and its event, rewards, who sees the phone, and the refusals.

CSRF protection and the rate limits are ON, as in production.
"""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store.models import (
    Cell,
    Hazard,
    Photo,
    Point,
    PublicReport,
    PublicReportEvent,
    Town,
    Village,
)
from tests.support.apps import csrf_token_from, make_app, make_user
from tests.support.checks import snapshot
from tests.support.constants import TODAY
from tests.support.images import html_page, jpeg

IN_A, IN_B, OUTSIDE = (120.005, 31.005), (120.015, 31.005), (120.03, 31.005)


@pytest.fixture
def world(database):
    """Cells A and B side by side, a shop in A; an admin exists (so reads need a log-in)."""
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        for code, x in (("A", 120.0), ("B", 120.01)):
            s.add(Cell(code=code, name=f"{code}网格", village=village,
                       geom=shapely.MultiPolygon([shapely.box(x, 31, x + 0.01, 31.01)])))
        shop = Point(layer="enterprise", key="K-A", name="商店（虚构）", cell_code="A",
                     geom=shapely.Point(*IN_A), attrs={"industry": "5261"})
        s.add(shop)
        s.flush()
        shop_id = shop.id
    make_user(database, "admin")
    return {"shop": shop_id}


def _file(client, place=IN_A, photos=(), token=None, **fields):
    if token is None:
        token = csrf_token_from(client.get("/report").get_data(as_text=True))
    data = {"csrf_token": token, "lon": str(place[0]), "lat": str(place[1]),
            "category": "fire_exit", "description": "仓库门口的消防通道被货物堵死（测试）",
            "phone": "13800000000", **fields}
    data = {k: v for k, v in data.items() if v is not None}
    data["photos"] = [(BytesIO(content), name) for name, content in photos]
    return client.post("/api/public-reports", data=data, content_type="multipart/form-data")


def _report(database, code) -> PublicReport:
    with database.sessions() as s:
        report = s.scalar(sa.select(PublicReport).where(PublicReport.code == code))
        s.expunge(report)
        return report


def _events(database, report_id) -> list[tuple]:
    with database.sessions() as s:
        return s.execute(sa.select(PublicReportEvent.actor, PublicReportEvent.action,
                                   PublicReportEvent.from_state, PublicReportEvent.to_state,
                                   PublicReportEvent.note, PublicReportEvent.reply)
                         .where(PublicReportEvent.report_id == report_id)
                         .order_by(PublicReportEvent.id)).all()


def _filed(client, database, place=IN_A, **fields) -> PublicReport:
    r = _file(client, place, **fields)
    assert r.status_code == 201, r.get_json()
    return _report(database, r.get_json()["code"])


# ------------------------------------------------------------------ the public side

def test_the_form_is_open_without_a_login_and_has_the_contract_fields(client, world):
    r = client.get("/report")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for field in ('name="lon"', 'name="lat"', 'name="category"', 'name="description"',
                  'name="photos"', 'name="phone"', 'name="csrf_token"', 'name="website"',
                  'name="viewport"', 'value="other"'):
        assert field in html, field
    assert "WGS84" in html and "高德" in html and "百度" in html
    assert 'href="/reports"' not in html  # no staff navigation on the public page
    assert client.get("/api/cells").status_code == 401  # the rest stays closed


def test_a_filing_stores_the_report_its_photos_and_one_receive_event(client, database, world):
    r = _file(client, photos=[("门口.jpg", jpeg()), ("通道.jpg", jpeg(colour=(0, 90, 200)))])
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body) == {"code", "url"} and body["url"] == f"/report/{body['code']}"
    assert re.fullmatch(r"[23456789A-HJKMNP-Z]{12}", body["code"])
    report = _report(database, body["code"])
    assert (report.cell_code, report.outside, report.state, report.category, report.phone) == (
        "A", False, "received", "fire_exit", "13800000000")
    assert _events(database, report.id) == [("public", "receive", None, "received", "", "")]
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Photo).where(
            Photo.public_report_id == report.id)) == 2
    # two filings never share a code (drawn from secrets, not counted)
    assert _file(client).get_json()["code"] != body["code"]


def test_the_receipt_shows_state_and_reply_and_nothing_else(client, database, world, auth):
    report = _filed(client, database, description="秘密细节：某仓库（测试）", phone="13912345678")
    api = client.get(f"/api/public-reports/{report.code}")
    assert api.status_code == 200
    assert api.get_json() == {"state": "received", "reply": "",
                              "created_at": report.created_at.isoformat(),
                              "updated_at": report.updated_at.isoformat()}
    page = client.get(f"/report/{report.code.lower()}")  # as typed, any case
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "待核查" in html and report.code in html
    for secret in ("秘密细节", "13912345678", "fire_exit", "A网格", "120.005"):
        assert secret not in html and secret not in api.get_data(as_text=True)
    # an internal note stays inside; the reply reaches the reporter
    auth.login("supervisor")
    _triage(client, database, report.id, "reject", note="内部：举报人是邻居（测试）",
            reply="经现场核查，通道已清理。")
    auth.logout()
    api = client.get(f"/api/public-reports/{report.code}").get_json()
    assert (api["state"], api["reply"]) == ("rejected", "经现场核查，通道已清理。")
    html = client.get(f"/report/{report.code}").get_data(as_text=True)
    assert "不属实" in html and "经现场核查，通道已清理。" in html and "邻居" not in html


def test_an_unknown_receipt_is_404(client, world):
    assert client.get("/api/public-reports/ABCDEFGHJKMN").status_code == 404
    assert client.get("/api/public-reports/ABCDEFGHJKMN").get_json()["error"] == "not_found"
    assert client.get("/report/not-a-code").status_code == 404


def test_a_report_outside_every_cell_is_flagged_with_the_nearest_cell(client, database, world):
    report = _filed(client, database, place=OUTSIDE)
    assert (report.outside, report.cell_code) == (True, "B")
    assert 900 < report.nearest_m < 1000


@pytest.mark.parametrize("field, value", [
    ("lon", None), ("lon", "东经120度"), ("lon", "200"), ("lon", "nan"),
    ("lat", None), ("lat", "x"), ("lat", "-91"),
    ("lon", "121.5"),  # tens of kilometres from every cell: not this territory
    ("category", None), ("category", "no_such_category"),
    ("description", None), ("description", "   "), ("description", "长" * 2001),
    ("phone", "call me"), ("phone", "12"),
    ("photos", [("1.jpg", jpeg())] * 4), ("photos", [("page.jpg", html_page())]),
])
def test_every_bad_field_is_a_400_naming_it_and_nothing_is_written(client, database, world,
                                                                   field, value):
    before = snapshot(database)
    r = _file(client, photos=value) if field == "photos" else _file(client, **{field: value})
    assert r.status_code == 400, r.get_json()
    assert r.get_json()["field"] == field and r.get_json()["message"]
    assert snapshot(database) == before


def test_the_honeypot_pretends_success_and_stores_nothing(client, database, world):
    before = snapshot(database)
    r = _file(client, website="http://spam.example")
    assert r.status_code == 201 and set(r.get_json()) == {"code", "url"}
    assert snapshot(database) == before
    assert client.get(r.get_json()["url"]).status_code == 404


def test_a_filing_needs_the_csrf_token(client, database, world):
    before = snapshot(database)
    r = _file(client, token="forged")
    assert r.status_code == 400 and r.get_json()["error"] == "csrf_failed"
    assert snapshot(database) == before


def test_filings_and_looks_are_rate_limited(database, world):
    client = make_app(database, PUBLIC_REPORT_RATE_LIMIT="3/hour",
                      PUBLIC_RECEIPT_RATE_LIMIT="3/hour").test_client()
    assert _file(client, description=None).status_code == 400  # a refused one counts too
    codes = [_file(client).get_json()["code"] for _ in range(2)]
    r = _file(client)
    assert r.status_code == 429 and r.get_json()["error"]
    other = client.environ_base.copy()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"  # another address files on
    assert _file(client).status_code == 201
    client.environ_base = other
    for _ in range(3):
        assert client.get(f"/api/public-reports/{codes[0]}").status_code == 200
    assert client.get(f"/report/{codes[0]}").status_code == 429  # page and API: one receipt
    assert client.get(f"/api/public-reports/{codes[1]}").status_code == 200


def test_a_body_over_the_public_limit_is_413(database, world):
    client = make_app(database, PUBLIC_REPORT_MAX_MB=0.01).test_client()
    r = _file(client, photos=[("big.jpg", jpeg(size=(800, 600)) + b"\0" * 20_000)])
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"


# ------------------------------------------------------------------ the office's side

def _triage(client, database, report_id, action, version=None, **fields):
    if version is None:
        with database.sessions() as s:
            version = s.get(PublicReport, report_id).version
    return client.post(f"/api/public-reports/{report_id}/triage",
                       json={"action": action, **fields}, headers={"If-Match": f'"{version}"'})


@pytest.fixture
def two(client, database, world):
    """A report in A and one in B (filed with phone numbers)."""
    a = _filed(client, database, place=IN_A, phone="13800000001")
    b = _filed(client, database, place=IN_B, phone="13800000002")
    return {"A": a.id, "B": b.id}


@pytest.mark.parametrize("who, login, sees, phone", [
    ("grid of A", {"username": "grid", "cells": ["A"]}, ["A"], False),
    ("supervisor", {"username": "supervisor"}, ["A", "B"], True),
    ("admin", {"username": "admin"}, ["A", "B"], True),
    ("leader", {"username": "leader"}, ["A", "B"], False),
])
def test_the_queue_is_scoped_and_the_phone_shown_to_supervisors_and_admins(
        client, auth, two, who, login, sees, phone):
    assert auth.login(**login).status_code == 302
    listed = client.get("/api/public-reports").get_json()
    assert [r["cell_code"] for r in listed] == sees
    for r in listed:
        assert ("phone" in r) is phone
        if phone:
            assert r["phone"] in ("13800000001", "13800000002")
        assert r["events"][0]["action"] == "receive"
    page = client.get("/public-reports")
    assert page.status_code == 200 and "群众举报" in page.get_data(as_text=True)
    assert client.get("/api/public-reports?state=checking").get_json() == []
    assert client.get("/api/public-reports?state=bogus").status_code == 400


@pytest.mark.parametrize("login, status", [(None, 401), ({"username": "planner"}, 403)])
def test_the_queue_is_refused_to_others(client, auth, two, login, status):
    if login:
        auth.login(**login)
    assert client.get("/api/public-reports").status_code == status
    if login:
        assert client.get("/public-reports").status_code == status


def test_a_grid_member_starts_checking_in_own_cell_only(client, database, auth, two):
    auth.login("grid", cells=["A"])
    r = _triage(client, database, two["A"], "start", note="明早到场")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "checking" and r.headers["ETag"] == '"2"'
    assert "phone" not in r.get_json()
    assert _events(database, two["A"])[-1] == ("grid", "start", "received", "checking",
                                               "明早到场", "")
    before = snapshot(database)
    assert _triage(client, database, two["B"], "start").status_code == 403
    # 查实 and 不属实 are the supervising side's ([triage] in layers/public_report.toml)
    r = _triage(client, database, two["A"], "verify", point_id=1)
    assert (r.status_code, r.get_json()["error"]) == (403, "forbidden_step")
    r = _triage(client, database, two["A"], "reject", reply="x")
    assert r.status_code == 403
    assert snapshot(database) == before


@pytest.mark.parametrize("login, status", [(None, 401), ({"username": "leader"}, 403),
                                           ({"username": "planner"}, 403)])
def test_triage_is_refused_to_others(client, database, auth, two, login, status):
    if login:
        auth.login(**login)
    else:
        client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token_from(
            client.get("/report").get_data(as_text=True))
    before = snapshot(database)
    assert _triage(client, database, two["A"], "start").status_code == status
    assert client.post(f"/api/public-reports/{two['A']}/reward", json={
        "amount": 100, "on": TODAY.isoformat(), "paid": False}).status_code == status
    assert snapshot(database) == before


def test_versions_and_states_guard_every_step(client, database, auth, two):
    auth.login("supervisor")
    r = client.post(f"/api/public-reports/{two['A']}/triage", json={"action": "start"})
    assert r.status_code == 428
    assert _triage(client, database, two["A"], "start", version=7).status_code == 412
    assert _triage(client, database, two["A"], "start").status_code == 200
    r = _triage(client, database, two["A"], "start")  # already checking
    assert (r.status_code, r.get_json()["field"]) == (409, "state")
    assert _triage(client, database, two["A"], "reject").get_json()["field"] == "reply"
    assert _triage(client, database, two["A"], "fly").get_json()["field"] == "action"
    assert _triage(client, database, two["A"], "start", point_id=1).status_code == 400
    r = _triage(client, database, two["A"], "reply", reply="已收到，正在核查。")
    assert r.status_code == 200
    assert _triage(client, database, two["A"], "reject", reply="不属实（测试）").status_code == 200
    r = _triage(client, database, two["A"], "verify")
    assert (r.status_code, r.get_json()["field"]) == (409, "state")
    actions = [e[1] for e in _events(database, two["A"])]
    assert actions == ["receive", "start", "reply", "reject"]


def test_verify_into_an_existing_point_makes_a_public_report_hazard(client, database, auth,
                                                                    world, two):
    auth.login("supervisor")
    r = _triage(client, database, two["A"], "verify", point_id=world["shop"],
                note="现场属实", reply="经核查属实，已责令整改。感谢您的举报。")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["state"] == "verified" and body["point_id"] == world["shop"]
    with database.sessions() as s:
        hazard = s.get(Hazard, body["hazard_id"])
        assert (hazard.point_id, hazard.source, hazard.state, hazard.level) == (
            world["shop"], "public_report", "open", "general")
        assert hazard.description.endswith(f"（群众举报 #{two['A']}）")  # not the code
        assert hazard.deadline == TODAY + dt.timedelta(days=30)
        assert hazard.events[0].actor == "supervisor"
    assert _events(database, two["A"])[-1][:4] == ("supervisor", "verify", "received", "verified")
    # the hazard is in the hazard API with its source
    assert client.get(f"/api/hazards/{body['hazard_id']}").get_json()["source"] == "public_report"
    r = _triage(client, database, two["B"], "verify", point_id=2**30)
    assert (r.status_code, r.get_json()["field"]) == (400, "point_id")


def test_verify_without_a_point_makes_one_where_the_report_was_filed(client, database, auth,
                                                                     two):
    auth.login("admin")
    r = _triage(client, database, two["B"], "verify", name="废弃仓库（测试）", level="major",
                deadline=(TODAY + dt.timedelta(days=10)).isoformat())
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    with database.sessions() as s:
        point = s.get(Point, body["point_id"])
        hazard = s.get(Hazard, body["hazard_id"])
        assert (point.layer, point.name, point.cell_code, point.key) == (
            "idle_site", "废弃仓库（测试）", "B", f"JB-{two['B']}")
        assert (point.geom.x, point.geom.y) == IN_B
        assert (hazard.point_id, hazard.level, hazard.source) == (point.id, "major",
                                                                  "public_report")
        assert point.risk_level == "red"  # an open major hazard escalates its point
    r = _triage(client, database, two["A"], "verify", level="huge")
    assert (r.status_code, r.get_json()["field"]) == (400, "level")


def test_rewards_only_on_verified_reports_by_supervisors_and_admins(client, database, auth,
                                                                    world, two):
    url = f"/api/public-reports/{two['A']}/reward"
    good = {"amount": 200, "on": TODAY.isoformat(), "paid": True}
    auth.login("supervisor")
    r = client.post(url, json=good)
    assert (r.status_code, r.get_json()["field"]) == (409, "state")
    assert _triage(client, database, two["A"], "verify", point_id=world["shop"]).status_code == 200
    for field, value in (("amount", 0), ("amount", "200"), ("on", "2030-13-01"),
                         ("on", (TODAY + dt.timedelta(days=1)).isoformat()), ("paid", "yes")):
        r = client.post(url, json={**good, field: value})
        assert (r.status_code, r.get_json()["field"]) == (400, field), (field, value)
    r = client.post(url, json=good)
    assert r.status_code == 200 and r.get_json()["reward"] == {
        "amount": 200.0, "on": TODAY.isoformat(), "paid": True}
    assert _events(database, two["A"])[-1][:2] == ("supervisor", "reward")
    auth.login("grid", cells=["A"])
    assert client.post(url, json=good).status_code == 403


def test_a_reporters_photos_are_seen_in_the_reports_cell_only(client, database, auth, world):
    report = _filed(client, database, photos=[("门口.jpg", jpeg())])
    with database.sessions() as s:
        photo_id = s.scalar(sa.select(Photo.id).where(Photo.public_report_id == report.id))
    assert client.get(f"/api/photos/{photo_id}").status_code == 401
    auth.login("grid_b", role="grid", cells=["B"])
    assert client.get(f"/api/photos/{photo_id}").status_code == 403
    auth.login("grid", cells=["A"])
    queued = client.get("/api/public-reports").get_json()[0]
    assert client.get(queued["photos"][0]["thumb_url"]).status_code == 200
    assert client.get(f"/api/photos/{photo_id}").headers["Content-Type"] == "image/jpeg"


def test_the_figures_by_channel_count_the_steps(client, database, auth, world, two):
    auth.login("supervisor")
    assert _triage(client, database, two["A"], "start").status_code == 200
    assert _triage(client, database, two["B"], "reject", reply="不属实（测试）").status_code == 200
    with database.sessions() as s:
        counts = dict(s.execute(sa.select(PublicReportEvent.action, sa.func.count())
                                .group_by(PublicReportEvent.action)).all())
    assert counts == {"receive": 2, "start": 1, "reject": 1}


def test_the_nav_shows_the_queue_to_staff_only(client, auth, world):
    auth.login("supervisor")
    assert 'href="/public-reports"' in client.get("/account").get_data(as_text=True)
    auth.login("planner")
    assert 'href="/public-reports"' not in client.get("/account").get_data(as_text=True)



def test_the_queue_puts_waiting_reports_first(client, database, auth, two):
    c = _filed(client, database, place=IN_A)  # filed last, still waiting
    auth.login("supervisor")
    assert _triage(client, database, two["A"], "reject", reply="不属实（测试）").status_code == 200
    ids = [r["id"] for r in client.get("/api/public-reports").get_json()]
    assert ids == [two["B"], c.id, two["A"]]  # waiting, oldest first; then the decided


def test_the_receipt_code_stays_the_reporters(client, database, auth, two):
    with database.sessions() as s:
        code = s.get(PublicReport, two["B"]).code
    auth.login("supervisor")
    body = _triage(client, database, two["B"], "verify").get_json()
    with database.sessions() as s:
        hazard, point = s.get(Hazard, body["hazard_id"]), s.get(Point, body["point_id"])
        texts = [hazard.description, point.key, point.name]
    assert not any(code in text for text in texts), texts
    assert hazard.description.endswith(f"（群众举报 #{two['B']}）")


def test_the_place_is_checked_before_any_photo_is_decoded(client, database, world):
    before = snapshot(database)
    r = _file(client, place=(121.5, 31.5), photos=[("坏.jpg", b"not an image")])
    assert (r.status_code, r.get_json()["field"]) == (400, "lon")  # not "photos"
    assert snapshot(database) == before


def test_the_public_size_limit_holds_without_a_content_length(database, world):
    from werkzeug.test import EnvironBuilder

    client = make_app(database, PUBLIC_REPORT_MAX_MB=0.01).test_client()
    token = csrf_token_from(client.get("/report").get_data(as_text=True))
    builder = EnvironBuilder(path="/api/public-reports", method="POST", data={
        "csrf_token": token, "lon": str(IN_A[0]), "lat": str(IN_A[1]), "category": "other",
        "description": "大文件（测试）",
        "photos": (BytesIO(jpeg(size=(800, 600)) + b"\0" * 20_000), "big.jpg")})
    environ = builder.get_environ()
    builder.close()
    del environ["CONTENT_LENGTH"]  # as a chunked upload arrives
    environ["wsgi.input_terminated"] = True
    before = snapshot(database)
    r = client.open(environ)
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"
    assert snapshot(database) == before


def test_parallel_filings_do_not_pass_the_limit(database, world):
    from concurrent.futures import ThreadPoolExecutor

    app = make_app(database, PUBLIC_REPORT_RATE_LIMIT="3/hour")

    def one(_):
        client = app.test_client()
        return _file(client).status_code

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    assert answers.count(201) <= 3 and answers.count(429) >= 5, answers
