"""Accounts on the web, on both backends: log-in, CSRF, rate limit, the read policy,
and who may write what (every role × every write endpoint).

CSRF protection and the rate limit are ON in every test here.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import stat
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import shapely
import sqlalchemy as sa
from argon2 import PasswordHasher

from geoapp.store import accounts, assignment, hazards
from geoapp.store.models import Cell, Extension, Hazard, Point, Town, User, Village
from geoapp.web.auth import instance_secret_key
from tests.support.apps import AuthActions, csrf_token_from, make_app, make_user
from tests.support.browser import watched_page
from tests.support.checks import snapshot
from tests.support.constants import PASSWORD, TODAY


@pytest.fixture
def world(database, rules):
    """Cells A and B side by side, a shop in each and one outside both, each with an open hazard.

    Returns {"A" | "B" | "outside": (point_id, hazard_id)}; also per place "ext-…" and
    "pending-…" (two hazards due after today) and "extension-…" (the id of the request
    waiting on the second).
    """
    ids = {}
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        for code, x in (("A", 120.0), ("B", 120.01)):
            s.add(Cell(code=code, name=f"{code}网格", village=village,
                       geom=shapely.MultiPolygon([shapely.box(x, 31, x + 0.01, 31.01)])))
        for key, lon in (("A", 120.005), ("B", 120.015), ("outside", 120.05)):
            point = Point(layer="enterprise", key=f"K-{key}", name=f"商店{key}（虚构）",
                          geom=shapely.Point(lon, 31.005), attrs={"industry": "5261"})
            hazard = Hazard(code=f"H-{key}", point=point, level="general", source="inspection",
                            description="消防通道堵塞", found_on=dt.date(2026, 3, 1),
                            deadline=dt.date(2026, 3, 31), state="open")
            s.add(hazard)
            hazards.record(hazard, "测试", "create")
            s.flush()
            ids[key] = (point.id, hazard.id)
            # two more, due after the apps' today: one to ask an extension (延期) for,
            # one with a request waiting for its decision
            for kind in ("ext", "pending"):
                more = Hazard(code=f"H-{key}-{kind}", point=point, level="general",
                              source="inspection", description="安全出口指示灯损坏",
                              found_on=TODAY - dt.timedelta(days=20),
                              deadline=TODAY + dt.timedelta(days=10), state="rectifying")
                s.add(more)
                hazards.record(more, "测试", "create")
                s.flush()
                ids[f"{kind}-{key}"] = (point.id, more.id)
            asked = Extension(hazard_id=more.id, requested_at=dt.datetime(2030, 6, 13, 2,
                                                                          tzinfo=dt.UTC),
                              requested_by="测试", reason="设备未到货",
                              old_deadline=more.deadline, until=more.deadline
                              + dt.timedelta(days=5), state="requested", decision_note="")
            s.add(asked)
            s.flush()
            ids[f"extension-{key}"] = asked.id
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    with database.sessions() as s:
        assert dict(s.execute(sa.select(Point.key, Point.cell_code)).all()) == {
            "K-A": "A", "K-B": "B", "K-outside": None}
    return ids


def _login(client, username, password=PASSWORD, next_=None, **environ):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    url = "/login" if next_ is None else "/login?" + urlencode({"next": next_})
    return client.post(url, data={"username": username, "password": password,
                                  "csrf_token": token}, environ_base=environ)


# ------------------------------------------------------------------ log-in

def test_login_form_has_the_contract_fields(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for field in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert field in html
    assert "用户名" in html and "密码" in html and 'name="viewport"' in html


def test_login_success_and_logout(client, database, world):
    make_user(database, "leader")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "leader", "password": PASSWORD,
                                    "csrf_token": token})
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/"
    assert client.get("/api/cells").status_code == 200
    assert client.get("/login").status_code == 302  # already logged in
    r = client.post("/logout", data={"csrf_token": token})
    assert r.status_code == 302 and urlsplit(r.headers["Location"]).path == "/login"
    assert client.get("/api/cells").status_code == 401


@pytest.mark.parametrize("username, password", [
    ("leader", "wrong password"),      # wrong password
    ("nobody", PASSWORD),              # no such user
    ("retired", PASSWORD),             # inactive
])
def test_login_failure_is_one_generic_message(client, database, world, username, password):
    make_user(database, "leader")
    make_user(database, "retired", "leader", active=False)
    r = _login(client, username, password)
    assert r.status_code == 200
    assert "用户名或密码错误" in r.get_data(as_text=True)
    assert client.get("/api/cells").status_code == 401


def test_deactivated_or_repassworded_user_loses_their_session(client, database, world):
    make_user(database, "leader")
    assert _login(client, "leader").status_code == 302
    with database.transaction() as s:
        accounts.set_password(accounts.find_user(s, "leader"), "a new password")
    assert client.get("/api/cells").status_code == 401
    assert _login(client, "leader", "a new password").status_code == 302
    with database.transaction() as s:
        accounts.find_user(s, "leader").active = False
    assert client.get("/api/cells").status_code == 401


def _session_copy(client, app):
    """A second client holding a copy of ``client``'s session cookie and CSRF token."""
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie("session", cookie.value)
    copy.environ_base["HTTP_X_CSRFTOKEN"] = client.environ_base.get("HTTP_X_CSRFTOKEN", "")
    return copy


def _reads_and_writes(copy, world):
    read = copy.get("/api/cells/A").status_code
    write = copy.post(f"/api/hazards/{world['A'][1]}/transitions",
                      json={"action": "start", "note": "x"}, headers={"If-Match": '"1"'})
    return read, write.status_code


def test_logout_ends_the_session_on_the_server(client, app, auth, database, world):
    auth.login("admin")
    copy = _session_copy(client, app)
    assert copy.get("/api/cells/A").status_code == 200  # the copy works while logged in
    auth.logout()
    assert _reads_and_writes(copy, world) == (401, 401)
    assert auth.login("admin").status_code == 302  # logging in again makes a new session
    assert _reads_and_writes(copy, world) == (401, 401)  # the old one stays ended


@pytest.mark.parametrize("change", ["deactivate-activate", "set-password"])
def test_account_changes_end_old_sessions_for_good(client, app, auth, database, world, change):
    from geoapp.cli import main

    auth.login("admin")
    copy = _session_copy(client, app)
    assert copy.get("/api/cells/A").status_code == 200
    runner = app.test_cli_runner()
    commands = ([["users", "deactivate", "admin"], ["users", "activate", "admin"]]
                if change == "deactivate-activate"
                else [["users", "set-password", "admin", "--password", PASSWORD]])
    for args in commands:  # the CLI on the same database (GEOAPP_DATABASE_URL)
        result = runner.invoke(main, args, env={"GEOAPP_DATABASE_URL": database.url})
        assert result.exit_code == 0, result.output
    assert _reads_and_writes(copy, world) == (401, 401)
    assert auth.login("admin").status_code == 302  # the account itself works again


def test_passwords_are_argon2id_hashes_never_plaintext(client, database, world):
    with database.transaction() as s:
        accounts.create_user(s, "planner1", "planner", "plain-text-secret")
    with database.sessions() as s:
        stored = s.scalar(sa.select(User.password_hash).where(User.username == "planner1"))
    assert stored.startswith("$argon2id$")
    assert "plain-text-secret" not in repr(snapshot(database))
    assert _login(client, "planner1", "plain-text-secret").status_code == 302


def test_old_hash_parameters_are_rehashed_at_login(client, database, world):
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    with database.transaction() as s:
        s.add(User(username="leader", role="leader", password_hash=weak.hash(PASSWORD)))
    assert _login(client, "leader").status_code == 302
    with database.sessions() as s:
        new_hash = s.scalar(sa.select(User.password_hash))
    assert new_hash.startswith("$argon2id$") and "m=8192" not in new_hash
    assert not PasswordHasher().check_needs_rehash(new_hash)
    assert client.get("/api/cells").status_code == 200  # the session survived the rehash


# ------------------------------------------------------------------ rate limit

def test_failed_logins_are_limited_per_ip(client, database):
    make_user(database, "leader")
    for i in range(10):
        assert _login(client, f"guess{i}", "x").status_code == 200
    r = _login(client, "leader")  # even the right password, from this address
    assert r.status_code == 429 and "登录失败次数过多" in r.get_data(as_text=True)
    assert "Retry-After" in r.headers
    assert _login(client, "leader", REMOTE_ADDR="10.0.0.9").status_code == 302


@pytest.fixture
def strict_client(database):
    """A client of an app allowing 3 failed log-ins a minute."""
    app = make_app(database, GEOAPP_LOGIN_RATE_LIMIT="3/minute")
    yield app.test_client()
    app.extensions["geoapp.db"].dispose()


def test_failed_logins_are_limited_per_username_at_one_address(database):
    app = make_app(database, GEOAPP_LOGIN_RATE_LIMIT="100/minute",
                   GEOAPP_LOGIN_ACCOUNT_RATE_LIMIT="3/hour")
    client = app.test_client()
    make_user(database, "leader")
    make_user(database, "admin")
    for _ in range(3):
        assert _login(client, "Leader ", "x", REMOTE_ADDR="10.0.1.1").status_code == 200
    assert _login(client, "leader", REMOTE_ADDR="10.0.1.1").status_code == 429
    assert _login(client, "admin", REMOTE_ADDR="10.0.1.1").status_code == 302
    app.extensions["geoapp.db"].dispose()


def test_a_stranger_cannot_lock_an_account_out(client, database):
    # 10 wrong passwords for planner from A lock out A, not the planner at B
    make_user(database, "planner")
    for _ in range(10):
        assert _login(client, "planner", "wrong", REMOTE_ADDR="10.0.3.1").status_code == 200
    assert _login(client, "planner", REMOTE_ADDR="10.0.3.1").status_code == 429
    assert _login(client, "planner", REMOTE_ADDR="10.0.3.2").status_code == 302


def test_successful_logins_do_not_count(strict_client, database):
    make_user(database, "leader")
    auth = AuthActions(strict_client)
    for _ in range(5):
        assert auth.login("leader").status_code == 302


# ------------------------------------------------------------------ CSRF (WTF_CSRF_ENABLED on)

def test_login_post_without_csrf_token_is_refused(client, database):
    make_user(database, "leader")
    r = client.post("/login", data={"username": "leader", "password": PASSWORD})
    assert r.status_code == 400 and "页面已过期" in r.get_data(as_text=True)
    assert client.get("/api/cells").status_code == 401


def test_api_post_without_or_with_a_bad_csrf_token_is_refused(client, auth, database, world):
    _, hazard_id = world["A"]
    auth.login("admin")
    token = client.environ_base.pop("HTTP_X_CSRFTOKEN")
    before = snapshot(database)
    # one character of the signature changed: at -6 it carries six bits of the MAC (the
    # last character may carry padding bits only, and an edit there can go unnoticed)
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": tampered}):
        r = client.post(f"/api/hazards/{hazard_id}/transitions", json={"action": "start"},
                        headers={"If-Match": '"1"', **headers})
        assert r.status_code == 400 and r.get_json()["error"] == "csrf_failed"
    assert snapshot(database) == before
    r = client.post(f"/api/hazards/{hazard_id}/transitions", json={"action": "start"},
                    headers={"If-Match": '"1"', "X-CSRFToken": token})
    assert r.status_code == 200


def test_logout_without_csrf_token_is_refused(client, auth, world):
    auth.login("admin")
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    assert client.post("/logout").status_code == 400
    assert client.get("/api/cells").status_code == 200  # still logged in


# ------------------------------------------------------------------ reads

def test_reads_are_open_until_the_first_account_exists(client, database, world):
    assert client.get("/api/cells").status_code == 200
    assert client.get("/").status_code == 200
    make_user(database, "admin")
    r = client.get("/api/cells")
    assert r.status_code == 401
    assert r.get_json()["error"] == "unauthorized" and r.get_json()["message"]
    r = client.get("/")
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/login" and parse_qs(location.query)["next"] == ["/"]
    r = client.get("/api/cells/A?x=1")
    assert r.status_code == 401
    r = client.get("/cells/A?tab=hazards")
    assert parse_qs(urlsplit(r.headers["Location"]).query)["next"] == ["/cells/A?tab=hazards"]
    # the log-in page and the assets it needs stay public
    for url in ("/login", "/static/geoapp.css", "/static/login.css",
                "/vendor/leaflet/leaflet.js"):
        with client.get(url) as r:
            assert r.status_code == 200, url
    assert client.get("/no/such/page").status_code == 302  # nothing about what exists


@pytest.mark.parametrize("role, cells", [("leader", ()), ("grid", ("A", "B")), ("planner", ()),
                                         ("admin", ())])
def test_after_login_every_role_reads(client, auth, world, role, cells):
    """(A grid member reads the cells they work: tests/web/test_scopes.py.)"""
    auth.login(role, cells=cells)
    for url in ("/api/cells", "/api/cells/B", "/api/zones", "/api/summary",
                f"/api/hazards/{world['B'][1]}", "/"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "/\r\nLocation: https://evil.example", "evil.example",
])
def test_next_must_be_a_local_path(client, database, world, target):
    make_user(database, "leader")
    r = _login(client, "leader", next_=target)
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.netloc in ("", "localhost") and location.path == "/"


def test_next_brings_the_user_back(client, database, world):
    make_user(database, "leader")
    r = _login(client, "leader", next_="/api/cells/A?x=1")
    assert r.status_code == 302 and r.headers["Location"] == "/api/cells/A?x=1"


def test_grid_member_lands_on_their_cell(client, database, world):
    make_user(database, "grid", cells=["B", "A"])
    r = _login(client, "grid")
    assert r.status_code == 302 and r.headers["Location"] == "/cells/A"  # the first by code


# ------------------------------------------------------------------ writes: role × endpoint

def _today(rules):
    return TODAY  # the apps' pinned date (tests.support.constants)


def _move(client, world, where, rules):
    return client.post(f"/api/hazards/{world[where][1]}/transitions",
                       json={"action": "start", "note": "已安排"}, headers={"If-Match": '"1"'})


def _new_hazard(client, world, where, rules):
    today = _today(rules)
    return client.post(f"/api/points/{world[where][0]}/hazards", json={
        "level": "general", "source": "inspection", "description": "灭火器过期",
        "found_on": today.isoformat(), "deadline": (today + dt.timedelta(days=30)).isoformat()})


def _photo(client, world, where, rules):
    from io import BytesIO

    from tests.support.images import jpeg

    return client.post(f"/api/hazards/{world[where][1]}/photos",
                       data={"photo": (BytesIO(jpeg()), "现场.jpg")},
                       content_type="multipart/form-data")


def _edit(client, world, where, rules):
    return client.patch(f"/api/hazards/{world[where][1]}", json={"responsible_person": "王五"},
                        headers={"If-Match": '"1"'})


def _visit(client, world, where, rules):
    # the world's shops have no industry column: the layer's common items
    items = rules.layers["enterprise"].inspection.items_for(None)
    return client.post(f"/api/points/{world[where][0]}/inspections", json={
        "checklist": dict.fromkeys((i.key for i in items), "ok"), "note": "无异常"})


def _list(client, world, where, rules):
    return client.post(f"/api/hazards/{world[where][1]}/listing", json={
        "level": "town", "unit": "示范镇安监站",
        "deadline": (_today(rules) + dt.timedelta(days=30)).isoformat()})


def _publish(client, world, where, rules):
    return client.post(f"/api/hazards/{world[where][1]}/listing/publish",
                       json={"kind": "listed", "date": _today(rules).isoformat()})


def _delist(client, world, where, rules):
    return client.post(f"/api/hazards/{world[where][1]}/delisting", json={})


def _listed(database, hazard_id, closed=False):
    """Before the request: the hazard listed (and closed), so the step can follow."""
    from geoapp.store.models import Listing

    with database.transaction() as s:
        h = s.get(Hazard, hazard_id)
        h.listed, h.listing = True, Listing(listed_on=TODAY, level="town", unit="示范镇")
        if closed:
            h.state, h.closed_on = "closed", TODAY


def _extend(client, world, where, rules):
    return client.post(f"/api/hazards/{world['ext-' + where][1]}/extensions", json={
        "until": (_today(rules) + dt.timedelta(days=15)).isoformat(), "reason": "设备未到货"})


def _decide(client, world, where, rules):
    return client.post(f"/api/extensions/{world['extension-' + where]}/decision",
                       json={"approve": True, "note": "同意"})


def _measure(client, world, where, rules):
    return client.post("/api/measures", json={
        "kind": "interview", "hazard_id": world[where][1], "date": _today(rules).isoformat(),
        "unit": "示范镇安监站", "recipient": "商店负责人（虚构）"})


# endpoint → (request, status when allowed[, what the hazard needs first]);
# test_every_write_endpoint_is_in_the_matrix fails when an endpoint is added without being put here
WRITES = {"hazards.move_hazard": (_move, 200), "hazards.new_hazard": (_new_hazard, 201),
          "photos.add_hazard_photo": (_photo, 201), "hazards.edit_hazard": (_edit, 200),
          "inspections.new_inspection": (_visit, 201),
          "listings.list_hazard": (_list, 201), "listings.publish": (_publish, 200, _listed),
          "listings.delist": (_delist, 200, functools.partial(_listed, closed=True)),
          "extensions.request_extension": (_extend, 201),
          "extensions.decide_extension": (_decide, 200),
          "measures.new_measure": (_measure, 201)}

# who → (login arguments, or None for nobody); each writes in cell A
ACTORS = {
    "leader": {"username": "leader"},
    "planner": {"username": "planner"},
    "grid-own-cell": {"username": "grid", "cells": ["A"]},
    "grid-other-cell": {"username": "grid_b", "role": "grid", "cells": ["B"]},
    "supervisor": {"username": "supervisor"},
    "admin": {"username": "admin"},
    "anonymous": None,
    # enterprise accounts (企业) bound to the shop in cell A, and to the one in cell B
    "enterprise-own": {"username": "qiye", "role": "enterprise", "enterprise": "K-A"},
    "enterprise-other": {"username": "qiye_b", "role": "enterprise", "enterprise": "K-B"},
}
EXPECTED = {"leader": 403, "planner": 403, "grid-own-cell": "ok", "grid-other-cell": 403,
            "supervisor": "ok", "admin": "ok", "anonymous": 401, "enterprise-own": "ok",
            "enterprise-other": 403}
# 挂牌督办 is the supervising side's and the leaders' step, in every cell (layers/supervision.toml)
EXPECTED_LISTING = {"leader": "ok", "planner": 403, "grid-own-cell": 403, "grid-other-cell": 403,
                    "supervisor": "ok", "admin": "ok", "anonymous": 401, "enterprise-own": 403,
                    "enterprise-other": 403}
# where an endpoint differs: a grid member asks for an extension but cannot decide one; a
# supervisor decides but does not ask; the listing steps are EXPECTED_LISTING's
EXPECTED_AT = {"extensions.decide_extension": {"grid-own-cell": 403, "enterprise-own": 403},
               "extensions.request_extension": {"supervisor": 403, "enterprise-own": 403},
               # an enterprise edits nothing of a hazard (geoapp.web.auth.ENTERPRISE_ENDPOINTS)
               "hazards.edit_hazard": {"enterprise-own": 403},
               **{e: EXPECTED_LISTING for e in ("listings.list_hazard", "listings.publish",
                                                "listings.delist")},
               # supervisory measures are the supervising side's and the leaders'
               # (geoapp.domain.measures.RECORDERS), refused as a step: 403 forbidden_step
               "measures.new_measure": {"leader": "ok", "grid-own-cell": 403,
                                        "enterprise-own": 403}}


# POSTs that change nothing (a query too large for a URL); their roles are tested with them
READ_ONLY_POSTS = {"admission.api_check"}  # tests/web/test_admission_web.py


def test_every_write_endpoint_is_in_the_matrix(app):
    writes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
              and not rule.endpoint.startswith("auth.")}
    assert writes - READ_ONLY_POSTS == set(WRITES) | set(ACCOUNT_WRITES) | set(
        PUBLIC_REPORT_WRITES)


def _as(client, auth, database, actor):
    if ACTORS[actor] is None:
        make_user(database, "someone", "admin")  # accounts exist; this client is not logged in
        # a valid CSRF token, so that the refusal is about the log-in alone
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        client.environ_base["HTTP_X_CSRFTOKEN"] = token
    else:
        assert auth.login(**ACTORS[actor]).status_code == 302


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("endpoint", list(WRITES))
def test_who_may_write_in_a_cell(client, auth, database, world, rules, endpoint, actor):
    request, ok, *first = WRITES[endpoint]
    for prepare in first:
        prepare(database, world["A"][1])
    _as(client, auth, database, actor)
    before = snapshot(database)
    r = request(client, world, "A", rules)
    outcome = EXPECTED_AT.get(endpoint, {}).get(actor, EXPECTED[actor])
    expected = ok if outcome == "ok" else outcome
    assert r.status_code == expected, r.get_data(as_text=True)
    if expected == ok:
        body = r.get_json()  # a photo's answer is the photo: its event is in the hazard's
        if "inspector" in body:  # a visit names who made it
            assert body["inspector"]["username"] == ACTORS[actor]["username"]
        elif "requested_by" in body:  # an extension names who asked and who decided
            assert (body["decided_by"] or body["requested_by"]) == ACTORS[actor]["username"]
        else:
            events = body.get("events") or client.get(
                f"/api/hazards/{world['A'][1]}").get_json()["events"]
            assert events[-1]["actor"] == ACTORS[actor]["username"]
    else:
        body = r.get_json()
        assert body["error"] in ("unauthorized", "forbidden", "forbidden_step")
        assert body["message"]
        assert snapshot(database) == before


# ------------------------------------------------------------------ accounts: role × endpoint

def _import(client, step: str | None = None):
    """Upload a one-row enterprise ledger (a preview), then take ``step`` on it; the
    final status of a job (tests.web.test_admin_imports.wait)."""
    from io import BytesIO

    from tests.store.test_import_hardening import uscc

    text = ("企业名称,统一社会信用代码,行业代码,企业规模,经度,纬度\n"
            f"丁商店（虚构）,{uscc(9)},5261,小微,120.005,31.005\n")
    from tests.web.test_admin_imports import wait

    r = wait(client, client.post("/api/admin/imports", content_type="multipart/form-data",
                                 data={"kind": "enterprise",
                                       "file": (BytesIO(text.encode()), "台账.csv")}))
    if step is None:
        return r
    upload = r.get_json()["id"] if r.status_code == 200 else "0" * 32
    return wait(client, client.post(f"/api/admin/imports/{upload}/{step}"))


def _basemap(client, remove: bool = False):
    """Upload a small MBTiles as the basemap; or, with ``remove``, install one (directly,
    as setup) and ask to remove it."""
    import tempfile
    from io import BytesIO
    from pathlib import Path

    from tests.support.basemaps import raster_tiles, write_mbtiles

    with tempfile.TemporaryDirectory() as tmp:
        path = write_mbtiles(Path(tmp) / "底图.mbtiles", raster_tiles(range(0, 3)))
        if remove:
            client.application.extensions["geoapp.basemap"].install_file(path, "setup")
            return client.delete("/api/admin/basemap")
        return client.post("/api/admin/basemap", content_type="multipart/form-data",
                           data={"file": (BytesIO(path.read_bytes()), path.name)})


def _new_token(client) -> int:
    """One's own new access token's id (1 when the account may not make one)."""
    r = client.post("/api/me/tokens", json={"name": "QGIS（测试）"})
    return r.get_json()["id"] if r.status_code == 201 else 1


# personal access tokens: every account that may download anything (not an enterprise's)
_TOKEN_HOLDERS = {a for a in ACTORS if ACTORS[a] is not None and not a.startswith("enterprise")}

# endpoint → (request on the account ``target``, status when allowed, who is allowed);
# each allowed write but a preview or a cancel (which write nothing) leaves an audit
# entry naming its actor
ACCOUNT_WRITES = {
    "imports_admin.api_preview": (lambda c, uid: _import(c), 200, {"admin"}),
    "imports_admin.api_commit": (lambda c, uid: _import(c, "commit"), 200, {"admin"}),
    "imports_admin.api_cancel": (lambda c, uid: _import(c, "cancel"), 204, {"admin"}),
    "basemap.api_install": (lambda c, uid: _basemap(c), 201, {"admin"}),
    "basemap.api_remove": (lambda c, uid: _basemap(c, remove=True), 200, {"admin"}),
    "accounts_admin.api_create": (
        lambda c, uid: c.post("/api/admin/accounts", json={"username": "newcomer",
                                                           "role": "leader"}), 201, {"admin"}),
    "accounts_admin.api_update": (
        lambda c, uid: c.patch(f"/api/admin/accounts/{uid}", json={"display_name": "新名字"}),
        200, {"admin"}),
    "accounts_admin.api_active": (
        lambda c, uid: c.post(f"/api/admin/accounts/{uid}/active", json={"active": False}),
        200, {"admin"}),
    "accounts_admin.api_reset_password": (
        lambda c, uid: c.post(f"/api/admin/accounts/{uid}/password"), 200, {"admin"}),
    # one's own password: every account, none other's
    "account.change_password": (
        lambda c, uid: c.post("/api/me/password", json={"current": PASSWORD,
                                                        "new": "another-long-password-2"}),
        204, {a for a in ACTORS if ACTORS[a] is not None}),
    # one's own access tokens (geoapp.web.tokens): made, and revoked (made first)
    "tokens.create_token": (
        lambda c, uid: c.post("/api/me/tokens", json={"name": "QGIS（测试）"}), 201,
        _TOKEN_HOLDERS),
    "tokens.revoke_token": (
        lambda c, uid: c.delete(f"/api/me/tokens/{_new_token(c)}"), 204, _TOKEN_HOLDERS),
    # the accident register (geoapp.web.accidents): admins and supervisors, audited
    "accidents.create": (
        lambda c, uid: c.post("/api/accidents", json={
            "code": "SG-1", "occurred_on": "2030-06-10", "type": "触电",
            "address": "某地（虚构）"}), 201, {"admin", "supervisor"}),
    # who is refused before the row is looked for (an edit: tests/web/test_accidents.py)
    "accidents.update": (
        lambda c, uid: c.put("/api/accidents/1", json={}), 404, {"admin", "supervisor"}),
    # a functional zone's assessment (geoapp.web.zones): the role is checked before the zone
    # is looked for (a real one: tests/web/test_zones.py)
    "zones.new_assessment": (
        lambda c, uid: c.post("/api/zones/NO-SUCH-ZONE/assessments", json={}), 404,
        {"admin", "supervisor"}),
}


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("endpoint", list(ACCOUNT_WRITES))
def test_who_may_write_accounts(client, auth, database, world, endpoint, actor):
    from geoapp.store.models import AuditEntry

    request, ok, allowed = ACCOUNT_WRITES[endpoint]
    make_user(database, "target", "leader")
    with database.sessions() as s:
        uid = accounts.find_user(s, "target").id
    _as(client, auth, database, actor)
    before = snapshot(database)
    r = request(client, uid)
    if actor in allowed:
        assert r.status_code == ok, r.get_data(as_text=True)
        if endpoint in ("imports_admin.api_preview", "imports_admin.api_cancel"):
            assert snapshot(database) == before  # a preview writes nothing
            return
        with database.sessions() as s:
            last = s.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last.actor == ACTORS[actor]["username"]
    else:
        assert r.status_code == (401 if ACTORS[actor] is None else 403)
        assert r.get_json()["error"] in ("unauthorized", "forbidden")
        assert snapshot(database) == before


# ------------------------------------------------------------------ public reports: role × endpoint

def _public_report(database, state: str) -> int:
    """A public report in cell A (filed by the public; verified ones have their hazard)."""
    from geoapp.store.models import PublicReport

    at = dt.datetime(2030, 6, 13, 2, tzinfo=dt.UTC)
    with database.transaction() as s:
        report = PublicReport(code="TESTCODE2345", created_at=at, updated_at=at, lon=120.005,
                              lat=31.005, cell_code="A", category="other",
                              description="通道堵塞（测试）", phone="13800000000", state=state)
        s.add(report)
        s.flush()
        return report.id


def _public_file(client, report_id):
    from io import BytesIO

    token = csrf_token_from(client.get("/report").get_data(as_text=True))
    return client.post("/api/public-reports", content_type="multipart/form-data", data={
        "csrf_token": token, "lon": "120.005", "lat": "31.005", "category": "other",
        "description": "通道堵塞（测试）", "photos": [(BytesIO(b""), "")]})


def _public_triage(client, report_id):
    return client.post(f"/api/public-reports/{report_id}/triage",
                       json={"action": "start", "note": "已安排"}, headers={"If-Match": '"1"'})


def _public_reward(client, report_id):
    return client.post(f"/api/public-reports/{report_id}/reward",
                       json={"amount": 100, "on": TODAY.isoformat(), "paid": False})


# endpoint → (request, the report's state first, status when allowed, who is allowed); a
# report in cell A. Filing is the public's: everyone, logged in or not. Start is anyone's
# who triages in the cell; the reward (and verify, reject: tests/web/test_public_reports.py)
# the supervising side's
PUBLIC_REPORT_WRITES = {
    "public_reports.file_report": (_public_file, "received", 201, set(ACTORS)),
    "public_reports.triage": (_public_triage, "received", 200,
                              {"grid-own-cell", "supervisor", "admin"}),
    "public_reports.reward": (_public_reward, "verified", 200, {"supervisor", "admin"}),
}


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("endpoint", list(PUBLIC_REPORT_WRITES))
def test_who_may_write_public_reports(client, auth, database, world, endpoint, actor):
    request, state, ok, allowed = PUBLIC_REPORT_WRITES[endpoint]
    report_id = _public_report(database, state)
    _as(client, auth, database, actor)
    before = snapshot(database)
    r = request(client, report_id)
    if actor in allowed:
        assert r.status_code == ok, r.get_data(as_text=True)
        if "events" in r.get_json():
            assert r.get_json()["events"][-1]["actor"] == ACTORS[actor]["username"]
    else:
        assert r.status_code == (401 if ACTORS[actor] is None else 403), r.get_json()
        assert r.get_json()["error"] in ("unauthorized", "forbidden", "forbidden_step")
        assert snapshot(database) == before


# ------------------------------------------------------------------ steps: role × step

# who may take which hazard step in cell A (layers/hazard.toml [steps], 审核把关销号):
# (step, level) → {actor: "ok" | status | "forbidden_step"}. The hazard was submitted
# by someone else; "list" is registering a hazard marked 挂牌督办: refused to a grid
# member's role, and for those who may list a 400 naming ``listed`` (the listing step
# records it, geoapp.web.listings).
_CELL_RULE = {"leader": 403, "planner": 403, "grid-other-cell": 403, "anonymous": 401,
              "enterprise-other": 403}
# the rectifying side (a grid member, the enterprise on its own points) registers, starts
# and submits; it never accepts, rejects or lists
_NO_REVIEW = {"grid-own-cell": "forbidden_step", "enterprise-own": "forbidden_step"}
_RECTIFIES = {"grid-own-cell": "ok", "enterprise-own": "ok"}
STEPS = {
    ("start", "general"): {**_CELL_RULE, **_RECTIFIES, "supervisor": "ok", "admin": "ok"},
    ("submit", "general"): {**_CELL_RULE, **_RECTIFIES, "supervisor": "ok", "admin": "ok"},
    ("accept", "general"): {**_CELL_RULE, **_NO_REVIEW, "supervisor": "ok", "admin": "ok"},
    ("reject", "general"): {**_CELL_RULE, **_NO_REVIEW, "supervisor": "ok", "admin": "ok"},
    ("accept", "major"): {**_CELL_RULE, **_NO_REVIEW, "supervisor": "ok",
                          "admin": "forbidden_step"},
    ("reject", "major"): {**_CELL_RULE, **_NO_REVIEW, "supervisor": "ok",
                          "admin": "forbidden_step"},
    ("list", "general"): {**_CELL_RULE, **_NO_REVIEW, "supervisor": 400, "admin": 400},
}
_BEFORE = {"start": (), "submit": ("start",), "accept": ("start", "submit"),
           "reject": ("start", "submit")}


def _take(client, world, step):
    if step == "list":
        return client.post(f"/api/points/{world['A'][0]}/hazards", json={
            "level": "general", "source": "inspection", "description": "灭火器过期",
            "found_on": TODAY.isoformat(), "deadline": TODAY.isoformat(), "listed": True})
    database = client.application.extensions["geoapp.db"]
    with database.sessions() as s:
        version = s.get(Hazard, world["A"][1]).version
    return client.post(f"/api/hazards/{world['A'][1]}/transitions",
                       json={"action": step, "note": "复查意见"},
                       headers={"If-Match": f'"{version}"'})


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("step, level", list(STEPS))
def test_who_may_take_which_step(client, auth, database, world, step, level, actor):
    with database.transaction() as s:
        hazard = s.get(Hazard, world["A"][1])
        hazard.level = level
        for earlier in _BEFORE.get(step, ()):
            hazards.transition(hazard, earlier, "网格员丙")  # someone else submitted it
    _as(client, auth, database, actor)
    before = snapshot(database)
    r = _take(client, world, step)
    expected = STEPS[step, level][actor]
    if expected == "ok":
        assert r.status_code in (200, 201), r.get_data(as_text=True)
        assert r.get_json()["events"][-1]["actor"] == ACTORS[actor]["username"]
        return
    body = r.get_json()
    if expected == "forbidden_step":
        assert (r.status_code, body["error"]) == (403, "forbidden_step"), body
        assert body["message"].startswith("审核把关销号") or "挂牌督办" in body["message"]
    elif expected == 400:
        assert (r.status_code, body["error"], body["field"]) == (400, "bad_request", "listed")
    else:
        assert (r.status_code, body["error"]) == (
            expected, "unauthorized" if expected == 401 else "forbidden"), body
    assert snapshot(database) == before


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_outside_every_cell_only_admin_writes(client, auth, database, world, rules, endpoint):
    request, ok, *first = WRITES[endpoint]
    for prepare in first:
        prepare(database, world["outside"][1])
    auth.login("grid", cells=["A", "B"])
    assert request(client, world, "outside", rules).status_code == 403
    auth.login("admin")
    assert request(client, world, "outside", rules).status_code == ok


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_writes_need_a_login_even_without_accounts(client, world, rules, endpoint):
    request, *_ = WRITES[endpoint]
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    assert client.get("/api/cells").status_code == 200  # reads are open: no accounts yet
    r = request(client, world, "A", rules)
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"


# ------------------------------------------------------------------ the secret key

def test_secret_key_is_made_once_with_mode_0600_and_shared(tmp_path):
    keys, barrier = [], threading.Barrier(8)

    def worker():
        barrier.wait()
        keys.append(instance_secret_key(str(tmp_path / "instance")))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    path = tmp_path / "instance" / "secret_key"
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(path.parent) == ["secret_key"]  # no temporary files left
    assert instance_secret_key(str(tmp_path / "instance")) == keys[0]  # survives a restart


def test_secret_key_from_the_environment(database, monkeypatch):
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "k" * 40)
    app = make_app(database, SECRET_KEY=None)
    assert app.secret_key == "k" * 40
    app.extensions["geoapp.db"].dispose()


# ------------------------------------------------------------------ the page, in a browser

def test_login_page_on_a_360px_phone(database, world, live_url, browser):
    from playwright.sync_api import expect

    make_user(database, "leader")
    with watched_page(browser, 360, 640, is_mobile=True) as (page, _requests, errors):
        page.goto(f"{live_url}/api/summary")
        assert "unauthorized" in page.content()
        page.goto(f"{live_url}/")
        assert urlsplit(page.url).path == "/login"  # sent to log in, next=/
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        for selector in ("#username", "#password", "button[type=submit]"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
            assert box["height"] >= 36, selector  # big enough to tap
        page.fill("#username", "leader")
        page.fill("#password", "wrong")
        page.click("button[type=submit]")
        expect(page.locator("[role=alert]")).to_have_text("用户名或密码错误")  # waits for it
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_url}/")
        page.goto(f"{live_url}/api/summary")
        assert "unauthorized" not in page.content()
    assert not errors, errors


def test_every_auth_setting_is_documented():
    import re
    from pathlib import Path

    root = Path(__file__).parents[2]
    settings = set(re.findall(r"GEOAPP_[A-Z_]+", (root / "geoapp" / "web" / "auth.py").read_text()))
    readme = (root / "README.md").read_text()
    assert settings and not {s for s in settings if s not in readme}


def test_the_favicon_is_open_and_sets_no_cookie(database, world):
    # a browser asks for /favicon.ico on a JSON page; were it sent to the log-in page,
    # that page's new CSRF token could replace the real log-in page's in the cookie
    make_user(database, "leader")
    client = make_app(database).test_client()
    with client.get("/favicon.ico") as response:  # closes the file it streams
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.data.startswith(b"<svg")
        assert "Set-Cookie" not in response.headers
    assert client.get("/favicon.png").status_code == 302  # the rest stays closed
