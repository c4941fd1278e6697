"""Many writers at once, on both backends: new hazards never collide on their code,
a write while an import holds the embedded database gets 503 + Retry-After (never
500, never lost), and the embedded database's files are private to their owner."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from geoapp.domain.identifiers import uscc_check_char
from geoapp.store import hazardcodes, importer
from geoapp.store.database import Database, make_private_dir
from geoapp.store.models import Hazard, HazardCodeCounter, HazardEvent, Point
from tests.processes.test_processes import (
    CLI,
    _browser,
    _cells,
    _env,
    _login,
    _serve,
    _stop,
    _writer_is_active,
)
from tests.support.apps import AuthActions, add_shop, make_app, make_user
from tests.support.constants import TODAY
from tests.support.files import write_csv

WRITERS = 16
HAZARDS_EACH = 25


def _body(today: dt.date, n: int) -> bytes:
    return json.dumps({"level": "general", "source": "inspection", "description": f"隐患{n}",
                       "found_on": today.isoformat(),
                       "deadline": (today + dt.timedelta(days=30)).isoformat()}).encode()


def _post(browser, url, token, data, headers=None):
    request = urllib.request.Request(url, method="POST", data=data, headers={
        "Content-Type": "application/json", "X-CSRFToken": token, **(headers or {})})
    try:
        with browser.open(request, timeout=60) as r:
            return r.status, json.load(r), r.headers
    except urllib.error.HTTPError as exc:
        with exc:  # the error is the response too: its socket closes with it
            return exc.code, json.load(exc), exc.headers


def test_sixteen_concurrent_writers_never_collide_on_a_hazard_code(database, rules, tmp_path):
    """16 clients × 25 new hazards through gunicorn (4 workers × 4 threads): all 400 stored,
    codes YH<day>-001 … -400 each taken once."""
    importer.import_cells(database, rules, _cells(tmp_path))
    point_id = add_shop(database)
    make_user(database, "网格员甲", "grid", cells=["C0"])
    proc, base = _serve(database, workers=4, threads=4)
    today = TODAY  # the apps' pinned date (tests.support.constants)
    results: list[tuple[int, dict]] = []
    seconds: list[float] = []
    lock = threading.Lock()

    def writer(w: int, browser, token: str) -> None:
        for i in range(HAZARDS_EACH):
            started = time.monotonic()
            status, body, _headers = _post(browser, f"{base}/api/points/{point_id}/hazards",
                                           token, _body(today, w * 100 + i))
            with lock:
                results.append((status, body))
                seconds.append(time.monotonic() - started)

    try:
        sessions = []
        for _ in range(WRITERS):  # log in first (argon2 is slow on purpose); then write at once
            browser = _browser()
            sessions.append((browser, _login(browser, base, "网格员甲")))
        threads = [threading.Thread(target=writer, args=(w, *sessions[w]))
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        _stop(proc)
    seconds.sort()
    median, p95 = seconds[len(seconds) // 2], seconds[len(seconds) * 95 // 100]
    print(f"{database.engine.dialect.name}: {len(results)} requests, "
          f"{sum(s == 201 for s, _b in results)} stored; seconds per request: median "
          f"{median:.3f}, 95th percentile {p95:.3f}, longest {seconds[-1]:.3f}")
    refused = [(status, body) for status, body in results if status != 201]
    assert len(results) == WRITERS * HAZARDS_EACH and refused == []
    expected = {f"YH{today:%Y%m%d}-{n:03d}" for n in range(1, WRITERS * HAZARDS_EACH + 1)}
    assert {body["code"] for _status, body in results} == expected
    with database.sessions() as s:
        assert set(s.scalars(sa.select(Hazard.code))) == expected
        assert s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)) == 400
        assert s.get(HazardCodeCounter, f"{today:%Y%m%d}").last == 400


def test_a_new_code_follows_the_codes_already_taken(database, rules):
    """A ledger's YH<day>-n codes raise the day's counter (reserve_codes), and a code stored
    without the counter (a database from before it) is skipped too."""
    day = dt.date(2026, 4, 15)
    point_id = add_shop(database)
    with database.transaction() as s:
        hazardcodes.reserve_codes(s, ["YH20260415-007", "YH20260415-003", "XC-99",
                                      "YH20260416-002", "YH2026-1"])
        s.add(Hazard(code="YH20260418-041", point_id=point_id, level="general",
                     source="inspection", description="旧库中的隐患", found_on=day,
                     deadline=day, state="open"))
    with database.transaction() as s:
        assert hazardcodes.next_code(s, day) == "YH20260415-008"
        assert hazardcodes.next_code(s, day) == "YH20260415-009"
        assert hazardcodes.next_code(s, dt.date(2026, 4, 16)) == "YH20260416-003"
        assert hazardcodes.next_code(s, dt.date(2026, 4, 17)) == "YH20260417-001"
        assert hazardcodes.next_code(s, dt.date(2026, 4, 18)) == "YH20260418-042"
        # reserving a code below a day's counter leaves it; a -000 code takes no number
        hazardcodes.reserve_codes(s, ["YH20260415-003", "YH20260419-000"])
        assert hazardcodes.next_code(s, day) == "YH20260415-010"
        assert hazardcodes.next_code(s, dt.date(2026, 4, 19)) == "YH20260419-001"
    with database.sessions() as s:
        assert dict(s.execute(sa.select(HazardCodeCounter.day, HazardCodeCounter.last)).all()) == {
            "20260415": 10, "20260416": 3, "20260417": 1, "20260418": 42, "20260419": 1}


# ------------------------------------------------------------------ the embedded database

@pytest.fixture
def embedded(tmp_path):
    """An empty embedded database (the lock and the file modes are SQLite's alone)."""
    from tests.support.databases import _fresh

    database = _fresh(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    yield database
    database.dispose()


def _hold_write_lock(database):
    conn = sqlite3.connect(sa.engine.make_url(database.url).database, timeout=0,
                           isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_write_while_the_database_is_locked_gets_503_and_loses_nothing(embedded, rules,
                                                                        tmp_path):
    importer.import_cells(embedded, rules, _cells(tmp_path))
    point_id = add_shop(embedded)
    app = make_app(embedded, SQLITE_BUSY_TIMEOUT=0.3)
    client = app.test_client()
    AuthActions(client).login("网格员甲", role="grid", cells=["C0"])
    today = TODAY  # the apps' pinned date (tests.support.constants)
    url = f"/api/points/{point_id}/hazards"
    held = _hold_write_lock(embedded)
    try:
        r = client.post(url, data=_body(today, 1), content_type="application/json")
        assert r.status_code == 503, r.get_data(as_text=True)
        assert r.headers["Retry-After"] == "5"
        assert r.get_json()["error"] == "busy" and "稍后重试" in r.get_json()["message"]
        reads = client.get("/api/cells/C0")  # readers go on while a writer holds the lock
        assert reads.status_code == 200
    finally:
        held.execute("ROLLBACK")
        held.close()
    with embedded.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 0
    r = client.post(url, data=_body(today, 1), content_type="application/json")
    assert r.status_code == 201 and r.get_json()["code"].endswith("-001")
    app.extensions["geoapp.db"].dispose()


def test_web_writes_during_a_large_import_succeed_or_get_503(embedded, rules, tmp_path):
    """A real import (30,000 rows, its own process) holds the write lock for its write phase;
    hazard moves sent meanwhile through gunicorn answer 200 or 503 + Retry-After, never 500,
    and every one answered 503 succeeds when sent again after the import."""
    importer.import_cells(embedded, rules, _cells(tmp_path))
    point_id = add_shop(embedded)
    make_user(embedded, "网格员甲", "grid", cells=["C0"])
    rows = []
    for i in range(30000):
        body = f"91320205MB{i:07d}"[:17]
        rows.append([f"企业{i}（虚构）", body + uscc_check_char(body), "2614", "小微",
                     120.0005 + (i % 400) * 0.0001, 31.0005 + (i // 400) * 0.00005])
    ledger = write_csv(tmp_path / "big.csv", ["企业名称", "统一社会信用代码", "行业代码",
                                              "企业规模", "经度", "纬度"], rows)
    proc, base = _serve(embedded, workers=2)
    browser = _browser()
    token = _login(browser, base, "网格员甲")
    today = TODAY  # the apps' pinned date (tests.support.constants)
    answers = []
    try:
        imp = subprocess.Popen([*CLI, "import", "points", "--layer", "enterprise", str(ledger)],
                               env=_env(embedded), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while imp.poll() is None and not _writer_is_active(embedded):
            assert time.monotonic() < deadline, "the import never began writing"
            time.sleep(0.005)
        assert imp.poll() is None, "the import finished before it could be caught writing"
        for n in range(5):
            answers.append(_post(browser, f"{base}/api/points/{point_id}/hazards", token,
                                 _body(today, n)))
        out, err = imp.communicate(timeout=300)
        assert imp.returncode == 0, err.decode()
        retried = [_post(browser, f"{base}/api/points/{point_id}/hazards", token,
                         _body(today, n))
                   for n, (status, _b, _h) in enumerate(answers) if status == 503]
    finally:
        _stop(proc)
    statuses = [status for status, _b, _h in answers]
    assert set(statuses) <= {201, 503}, answers
    for status, body, headers in answers:
        if status == 503:
            assert headers["Retry-After"] == "5" and body["error"] == "busy"
    assert all(status == 201 for status, _b, _h in retried)
    with embedded.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 5
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 30001
    print(f"writes during the import: {statuses}")


def test_the_embedded_database_and_its_folder_are_private(tmp_path):
    old = os.umask(0o022)  # the usual umask, which would make files world-readable
    try:
        instance = tmp_path / "instance"
        make_private_dir(str(instance))
        database = Database(f"sqlite:///{instance / 'geoapp.sqlite3'}")
        database.create_all()
        with database.transaction() as s:
            s.execute(sa.text("SELECT 1"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in instance.iterdir()}
        database.dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert modes["geoapp.sqlite3"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes  # -wal and -shm too


def test_folders_made_for_a_configured_database_path_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        Database(f"sqlite:///{tmp_path / 'new' / 'sub' / 'x.sqlite3'}").dispose()
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "sub").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new" / "sub" / "x.sqlite3").stat().st_mode) == 0o600


def test_the_demo_server_waits_like_a_web_app_and_commands_wait_longer(tmp_path, monkeypatch):
    """`geoapp demo` serves web requests: a busy database answers 503 after the web wait
    (15 s), not after the command line's (120 s)."""
    from geoapp import cli
    from geoapp.store.database import CLI_BUSY_TIMEOUT, WEB_BUSY_TIMEOUT

    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    served, command = cli._app(serving=True), cli._app()
    assert served.extensions["geoapp.db"].busy_timeout == WEB_BUSY_TIMEOUT == 15
    assert command.extensions["geoapp.db"].busy_timeout == CLI_BUSY_TIMEOUT == 120


def test_one_save_retried_at_once_is_stored_once(database, rules, tmp_path):
    """8 clients send the same new hazard with one client_id at the same moment (a phone's
    queue retried over several connections): one 201, seven 200 with that hazard."""
    importer.import_cells(database, rules, _cells(tmp_path))
    point_id = add_shop(database)
    make_user(database, "网格员甲", "grid", cells=["C0"])
    proc, base = _serve(database, workers=4, threads=2)
    body = json.loads(_body(TODAY, 1))
    body["client_id"] = "6f1c7a52-2d7e-4b8e-9a43-0c5d2e7b9f10"
    results: list[tuple[int, dict]] = []
    try:
        sessions = [(browser, _login(browser, base, "网格员甲"))
                    for browser in (_browser() for _ in range(8))]
        barrier = threading.Barrier(len(sessions))

        def save(browser, token):
            barrier.wait()
            status, answer, _headers = _post(browser, f"{base}/api/points/{point_id}/hazards",
                                             token, json.dumps(body).encode())
            results.append((status, answer))

        threads = [threading.Thread(target=save, args=session) for session in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        _stop(proc)
    assert sorted(status for status, _answer in results) == [200] * 7 + [201]
    assert len({answer["id"] for _status, answer in results}) == 1
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 1
        assert s.scalar(sa.select(sa.func.count()).select_from(HazardEvent)) == 1
