"""Reports in use kept fresh (geoapp.web.fresh_reports): after a change of the data, the
first answer of the process that saw it made the reports asked for again once sent, so the
next ask finds them made; what it finds is what a fresh process computes. Both backends.

A WSGI server closes each answer once sent (gunicorn, Werkzeug's server: PEP 3333), which
runs the refresh; Flask's test client leaves that to the caller: the tests close it."""

from __future__ import annotations

import datetime as dt
import fcntl
import os

import pytest

from geoapp.domain import periods
from geoapp.reports import tables
from geoapp.store.fingerprint import data_fingerprint
from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.apps import AuthActions, make_app
from tests.support.constants import TODAY
from tests.web.test_reports_after_move import (  # noqa: F401  (ruled: the fixture)
    _new_major,
    ruled,
)

URL = f"/api/reports/areas?from=2026-01-01&to={TODAY.isoformat()}"


def _ask(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.get_data()
    response.close()  # as the server does once the answer is sent
    return body


@pytest.fixture
def no_computing(monkeypatch):
    """From now on computing an areas report fails: what is answered was made before."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("the areas report was computed on the request path")
    return lambda: monkeypatch.setattr(tables, "areas", refuse)


def test_the_answer_that_saw_a_change_makes_the_report_in_use_again(
        database, rules, ruled, no_computing):  # noqa: F811
    kept = make_app(database)
    client = kept.test_client()
    _ask(client, URL)
    report_cache = kept.extensions["geoapp.reportcache"]
    _new_major(database, rules)  # a write by another process: this one has not seen it
    response = client.get("/api/map/cells")  # a read that sees the data's new fingerprint
    assert response.status_code == 200
    assert report_cache.patches == 0  # not while the answer is made
    response.close()
    assert report_cache.patches == 1  # once it is sent: the dataset patched, the report made
    expected = _ask(make_app(database).test_client(), URL)
    no_computing()
    assert _ask(client, URL) == expected  # found made, as a fresh process computes it
    # made at the fingerprint it is for: a read seeing it again starts nothing
    response = client.get("/api/map/cells")
    assert not response._on_close
    response.close()


def test_a_scoped_account_s_report_is_made_again_in_its_scope(
        database, rules, ruled, no_computing):  # noqa: F811
    kept = make_app(database)
    client = kept.test_client()
    leader = AuthActions(client)
    try:
        leader.login("west_leader", role="leader", areas=[("village", "V02")])
        first = _ask(client, URL)
        assert b'"C21"' in first and b'"C31"' not in first  # 西村's cell alone
        _new_major(database, rules)  # in 南村 (C31): out of the scope, its total alike
        _ask(client, "/api/map/cells")
        fresh = make_app(database).test_client()
        AuthActions(fresh).login("west_leader")
        expected = _ask(fresh, URL)
        no_computing()
        # the leader's own report was made again, in its scope (the write is outside it)
        assert _ask(client, URL) == expected == first
        assert kept.extensions["geoapp.reportcache"].patches == 1
    finally:
        leader.logout()
        leader.cleanup()


def test_no_report_asked_no_report_work(database, rules, ruled):  # noqa: F811
    kept = make_app(database)
    client = kept.test_client()
    _ask(client, "/api/map/cells")
    _new_major(database, rules)
    _ask(client, "/api/map/cells")
    assert kept.extensions["geoapp.reportcache"].patches == 0


def test_reports_asked_longer_ago_than_the_setting_are_left_to_their_next_ask(
        database, rules, ruled):  # noqa: F811
    kept = make_app(database, REPORT_FRESH_SECONDS=0)
    client = kept.test_client()
    _ask(client, URL)
    _new_major(database, rules)
    _ask(client, "/api/map/cells")
    assert kept.extensions["geoapp.reportcache"].patches == 0
    _ask(client, URL)  # made by its request, as without the refresh
    assert kept.extensions["geoapp.reportcache"].patches == 1


@pytest.mark.parametrize("value", ["-1", "soon", "nan"])
def test_a_bad_setting_stops_start_up_naming_it(database, value):
    with pytest.raises(ValueError, match="GEOAPP_REPORT_FRESH_SECONDS"):
        make_app(database, REPORT_FRESH_SECONDS=value)


def _bodies(folder) -> list:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".gz")


def test_sibling_workers_share_a_report_made_once(
        database, rules, ruled, no_computing, tmp_path):  # noqa: F811
    """Two workers of one host (REPORT_SHARE_DIR: under gunicorn, the master's folder): the
    second reads what the first made, byte for byte, plain and gzipped, with its ETag."""
    first, second = (make_app(database, REPORT_SHARE_DIR=str(tmp_path)).test_client()
                     for _ in range(2))
    made = first.get(URL, headers={"Accept-Encoding": "gzip"})
    plain = _ask(first, URL)
    assert len(_bodies(tmp_path)) == 1
    no_computing()
    read = second.get(URL, headers={"Accept-Encoding": "gzip"})
    assert read.status_code == 200 and read.get_data() == made.get_data()
    assert read.headers["ETag"] == made.headers["ETag"]
    assert _ask(second, URL) == plain  # a client without gzip: the same body
    assert second.get(URL, headers={"If-None-Match": made.headers["ETag"]}).status_code == 304
    assert second.application.extensions["geoapp.reportcache"].patches == 0


def test_a_worker_keeping_fresh_does_not_wait_for_a_sibling_making_the_report(
        database, rules, ruled, tmp_path):  # noqa: F811
    kept = make_app(database, REPORT_SHARE_DIR=str(tmp_path))
    client = kept.test_client()
    _ask(client, URL)
    _new_major(database, rules)
    with database.sessions() as s:
        fingerprint = data_fingerprint(s)
    key = (fingerprint, TODAY, ("all",), "areas.json",
           periods.Period(dt.date(2026, 1, 1), TODAY))
    path = kept.extensions["geoapp.sharedreports"]._path(key)
    with open(path + ".lock", "a") as sibling:  # a sibling making the new body
        fcntl.flock(sibling, fcntl.LOCK_EX)
        _ask(client, "/api/map/cells")  # its refresh moves on, not waiting
        assert not os.path.exists(path + ".gz")
    # the sibling is done without writing it (say it failed): the next refresh makes it
    _ask(client, "/api/map/cells")
    assert os.path.exists(path + ".gz")
    assert _ask(client, URL) == _ask(make_app(database).test_client(), URL)


def test_a_share_folder_open_to_others_is_not_used(database, tmp_path, caplog):
    """A folder others may write to could hand the workers bodies it holds: not shared."""
    folder = tmp_path / "share"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    app = make_app(database, REPORT_SHARE_DIR=str(folder))
    assert app.extensions["geoapp.sharedreports"] is None
    assert "not shared" in caplog.text


def test_bodies_older_than_a_while_are_swept(database, rules, ruled, tmp_path):  # noqa: F811
    client = make_app(database, REPORT_SHARE_DIR=str(tmp_path)).test_client()
    _ask(client, URL)
    (old,) = _bodies(tmp_path)
    os.utime(tmp_path / old, (0, 0))  # made long ago
    _new_major(database, rules)
    _ask(client, URL)  # a new body written: the old one goes
    assert old not in _bodies(tmp_path) and len(_bodies(tmp_path)) == 1


def test_a_share_folder_gone_costs_only_the_sharing(database, rules, ruled, tmp_path):  # noqa: F811
    """A cleaner of /tmp removed the folder under the running workers: the report is made
    and answered as without sharing, never a 500."""
    folder = tmp_path / "share"
    client = make_app(database, REPORT_SHARE_DIR=str(folder)).test_client()
    folder.rmdir()
    assert _ask(client, URL) == _ask(make_app(database).test_client(), URL)
