"""Real processes against the real databases: SIGKILL during an import, and two
web servers (gunicorn) sharing one database (and one session key)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import shapely
import sqlalchemy as sa
from shapely import box

from geoapp.store import hazards, importer
from geoapp.store.models import Hazard, Point
from tests.support.apps import csrf_token_from, make_user
from tests.support.checks import snapshot
from tests.support.constants import PASSWORD, TODAY
from tests.support.files import write_csv, write_geojson

CLI = [sys.executable, "-c", "from geoapp.cli import main; main()"]


def _env(database):
    return {**os.environ, "GEOAPP_DATABASE_URL": database.url, "GEOAPP_TODAY": TODAY.isoformat()}


def _cells(tmp_path):
    props = [{"网格编码": f"C{i}", "网格名称": f"{i}号网格", "村社区": "东湖村", "镇街道": "示范镇"}
             for i in range(4)]
    geoms = [box(120 + 0.01 * i, 31, 120.01 + 0.01 * i, 31.01) for i in range(4)]
    return write_geojson(tmp_path / "cells.geojson", list(zip(props, geoms, strict=True)))


def _writer_is_active(database) -> bool:
    """True while another connection holds an open write transaction."""
    url = sa.engine.make_url(database.url)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc)
        finally:
            conn.close()
    with database.engine.connect() as conn:
        return bool(conn.scalar(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")))


def _import_paused_before_commit(database, tmp_path):
    """Start `geoapp import points` held at its pause point: every row written, no commit."""
    # literal USCCs, worked in tests/store/test_import.py (USCC)
    rows = [[f"企业{n}（虚构）", code, "2614", "小微", 120.0005 + n * 0.001, 31.0005]
            for n, code in enumerate(["91320205MA000001XG", "91320205MA000002XH",
                                      "91320205MA000003XJ"])]
    header = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"]
    ledger = write_csv(tmp_path / "ledger.csv", header, rows)
    proc = subprocess.Popen([*CLI, "import", "points", "--layer", "enterprise", str(ledger)],
                            env={**_env(database),
                                 "GEOAPP_PAUSE_AT": "import-points-before-commit"},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    line = proc.stderr.readline()  # blocks until the pause point, or EOF if the import died
    assert line == "paused at import-points-before-commit\n", line + proc.stderr.read()
    assert _writer_is_active(database)  # the transaction is open now, not maybe
    return proc


def _wait_for_no_writer(database):
    """PostgreSQL aborts a killed client's transaction once it notices the dropped socket."""
    deadline = time.monotonic() + 30
    while _writer_is_active(database):
        assert time.monotonic() < deadline, "the killed import's transaction is still open"
        time.sleep(0.05)


def test_sigkill_during_import_leaves_database_as_before(database, rules, tmp_path):
    importer.import_cells(database, rules, _cells(tmp_path))
    before = snapshot(database)
    proc = _import_paused_before_commit(database, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # waits, and closes the three pipes
    assert proc.returncode == -signal.SIGKILL
    _wait_for_no_writer(database)
    assert snapshot(database) == before
    with database.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.scalar(sa.text("PRAGMA integrity_check")) == "ok"


def test_a_paused_import_commits_when_let_go(database, rules, tmp_path):
    """The pause point sits inside the transaction: nothing is seen until the import goes on."""
    importer.import_cells(database, rules, _cells(tmp_path))
    proc = _import_paused_before_commit(database, tmp_path)
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 0
    out, err = proc.communicate("\n", timeout=60)
    assert proc.returncode == 0, err
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(database, workers: int, threads: int = 1, **env):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
         "-b", f"127.0.0.1:{port}", "geoapp:create_app()"],
        env={**_env(database), **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/login", timeout=1).close()
            return proc, base
        except OSError:
            if proc.poll() is not None:
                with proc.stderr:
                    raise RuntimeError(proc.stderr.read().decode()) from None
            time.sleep(0.05)
    _stop(proc, signal.SIGKILL)
    raise RuntimeError("gunicorn did not start")


def _stop(proc, sig=signal.SIGTERM) -> None:
    """End a server from _serve and close its stderr pipe (left open: a ResourceWarning)."""
    proc.send_signal(sig)
    # gunicorn's own graceful timeout: a worker warm with the map's and reports' data
    # (geoapp.web.warmup) has more to tear down, which a busy machine makes slow
    proc.wait(timeout=30)
    proc.stderr.close()


def _browser():
    """A urllib opener that keeps cookies, like a browser (127.0.0.1 cookies go to every port)."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def _login(browser, base, username) -> str:
    """Log in through the form; returns the CSRF token for the X-CSRFToken header."""
    with browser.open(f"{base}/login", timeout=5) as r:
        token = csrf_token_from(r.read().decode())
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrf_token": token}).encode()
    with browser.open(f"{base}/login?next=/api/summary", data=form, timeout=5) as r:
        assert r.url.endswith("/api/summary") and r.status == 200  # logged in
    return token


def _get(url, browser):
    with browser.open(url, timeout=5) as r:
        return json.load(r), r.headers["ETag"]


def test_write_through_one_server_is_seen_by_another_at_once(database, rules, tmp_path):
    importer.import_cells(database, rules, _cells(tmp_path))
    with database.transaction() as s:
        point = Point(layer="enterprise", key="K1", name="甲（虚构）",
                      geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"},
                      cell_code="C0")
        h = Hazard(code="H1", point=point, level="general", source="inspection",
                   description="消防通道堵塞", found_on=dt.date(2026, 3, 1),
                   deadline=dt.date(2026, 3, 31), state="open")
        s.add(h)
        hazards.record(h, "测试", "create")
        s.flush()
        hazard_id = h.id
    make_user(database, "网格员甲", "grid", cells=["C0"])
    a, base_a = _serve(database, workers=2)
    b, base_b = _serve(database, workers=1)
    browser = _browser()
    try:
        try:  # accounts exist: reads need a session
            urllib.request.urlopen(f"{base_b}/api/hazards/{hazard_id}", timeout=5).close()
            raise AssertionError("anonymous read allowed")
        except urllib.error.HTTPError as exc:
            with exc:  # the error is the response too: its socket closes with it
                assert exc.code == 401 and json.load(exc)["error"] == "unauthorized"
        # log in on one server; the session cookie works on the other (one instance/secret_key)
        token = _login(browser, base_a, "网格员甲")
        before, etag = _get(f"{base_b}/api/hazards/{hazard_id}", browser)
        assert before["state"] == "open"
        request = urllib.request.Request(
            f"{base_a}/api/hazards/{hazard_id}/transitions", method="POST",
            data=json.dumps({"action": "start", "note": "已整改"}).encode(),
            headers={"Content-Type": "application/json", "If-Match": etag,
                     "X-CSRFToken": token})
        with browser.open(request, timeout=5) as r:
            assert r.status == 200
        # both servers: b's process never saw the write (a has two workers, but which of
        # them answers a request is gunicorn's choice, so no claim is made about each)
        for base in (base_b, base_a):
            after, etag_after = _get(f"{base}/api/hazards/{hazard_id}", browser)
            assert after["state"] == "rectifying" and etag_after == '"2"'
            assert after["events"][-1]["note"] == "已整改"
            assert after["events"][-1]["actor"] == "网格员甲"
            cell = _get(f"{base}/api/cells/C0", browser)[0]
            assert cell["properties"]["hazards"]["by_state"]["rectifying"] == 1
    finally:
        for proc in (a, b):
            _stop(proc)


def _headers(url: str, data: bytes | None = None, headers: dict | None = None):
    """Status and headers of one request, errors included (no redirects followed)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data, headers=headers or {}),
                         timeout=5) as r:
            return r.status, r.headers
    except urllib.error.HTTPError as exc:
        with exc:  # the error is the response too: its socket closes with it
            return exc.code, exc.headers


def test_security_headers_and_cookie_flags_from_a_real_server(database):
    """Every response of a gunicorn server: pages, static files, errors, the API."""
    make_user(database, "leader")
    proc, base = _serve(database, workers=1, GEOAPP_SECURE_COOKIES="1")
    try:
        responses = {path: _headers(base + path) for path in (
            "/login", "/static/geoapp.css", "/vendor/leaflet/leaflet.js", "/static/none.css",
            "/no-such-page",
            "/api/no-such-thing", "/api/cells", "/")}
        responses["POST /api"] = _headers(
            base + "/api/hazards/1/transitions", data=b"x" * 2_000_000,
            headers={"Content-Type": "application/json"})
        statuses = {k: status for k, (status, _h) in responses.items()}
        assert statuses == {"/login": 200, "/static/geoapp.css": 200,
                            "/vendor/leaflet/leaflet.js": 200, "/static/none.css": 404,
                            "/no-such-page": 302, "/api/no-such-thing": 401, "/api/cells": 401,
                            "/": 302, "POST /api": 401}
        for what, (_status, headers) in responses.items():
            csp = headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "script-src 'self';" in csp, what
            assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, what
            assert "img-src 'self' data: blob:" in csp, what
            assert headers["X-Content-Type-Options"] == "nosniff", what
            assert headers["X-Frame-Options"] == "DENY", what
            assert headers["Referrer-Policy"] == "same-origin", what
        cookie = responses["/login"][1]["Set-Cookie"]  # the CSRF token lives in the session
        assert cookie.startswith("session=") and "SameSite=Lax" in cookie and "Secure" in cookie
        assert "HttpOnly" in cookie
        cookies = _headers(base + "/login?lang=en")[1].get_all("Set-Cookie")
        lang = next(c for c in cookies if c.startswith("geoapp_lang="))
        assert "SameSite=Lax" in lang and "Secure" in lang
    finally:
        _stop(proc)
