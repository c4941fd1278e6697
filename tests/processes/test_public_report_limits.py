"""The public reports' rate limits hold across two web servers (gunicorn) sharing the real
Redis at 127.0.0.1:6379, as a production site with several workers counts them.

Each run takes a fresh client address (X-Forwarded-For through GEOAPP_BEHIND_PROXY), so the
counts of an earlier run, still in Redis for their hour, never meet this one's.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request

import pytest
import redis

from geoapp.store import importer
from tests.processes.test_processes import _browser, _cells, _serve, _stop
from tests.support.apps import csrf_token_from

REDIS = "redis://127.0.0.1:6379"
LIMIT = 3


@pytest.fixture
def two_servers(database, rules, tmp_path):
    """Two gunicorn servers over one database, counting in one Redis; their base URLs."""
    client = redis.Redis.from_url(REDIS)
    try:
        assert client.ping()  # the real server, not a stand-in
    finally:
        client.close()
    importer.import_cells(database, rules, _cells(tmp_path))
    env = {"GEOAPP_RATELIMIT_STORAGE_URI": REDIS, "GEOAPP_BEHIND_PROXY": "1",
           "GEOAPP_PUBLIC_REPORT_RATE_LIMIT": f"{LIMIT}/hour",
           "GEOAPP_PUBLIC_RECEIPT_RATE_LIMIT": f"{LIMIT + 1}/hour"}
    a, base_a = _serve(database, workers=2, **env)
    try:
        b, base_b = _serve(database, workers=1, **env)
    except BaseException:
        _stop(a)
        raise
    yield base_a, base_b
    for proc in (a, b):
        _stop(proc)


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def _send(browser, url, address, data: dict | None = None) -> tuple[int, dict]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"X-Forwarded-For": address})
    try:
        with browser.open(request, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def test_a_limit_per_address_holds_in_total_across_two_servers(two_servers):
    base_a, base_b = two_servers
    browser = _browser()
    with browser.open(f"{base_a}/report", timeout=10) as r:
        token = csrf_token_from(r.read().decode())
    form = {"csrf_token": token, "lon": "120.005", "lat": "31.005", "category": "other",
            "description": "消防通道堵塞（测试）"}
    address = _address()
    answers = [_send(browser, f"{base}/api/public-reports", address, form)
               for base in (base_a, base_b) * LIMIT]
    statuses = [status for status, _body in answers]
    # memory:// would let each server take LIMIT (six in all); one Redis takes LIMIT in total
    assert statuses.count(201) == LIMIT and statuses.count(429) == LIMIT, statuses
    assert statuses[:LIMIT] == [201] * LIMIT
    assert all(body["error"] for status, body in answers if status == 429)
    # another address is counted apart
    assert _send(browser, f"{base_b}/api/public-reports", _address(), form)[0] == 201
    # one receipt's looks, page and API, on either server: LIMIT + 1 in all
    code = answers[0][1]["code"]
    looks = [_send(browser, f"{base}/api/public-reports/{code}", _address())[0]
             for base in (base_a, base_b) * (LIMIT + 1)]
    assert looks == [200] * (LIMIT + 1) + [429] * (LIMIT + 1), looks
