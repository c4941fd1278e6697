"""红黑榜 in headless Chromium on the demo (both backends): a town's leader reads /standing
on a wide screen (only its town's enterprises, black first with the reasons), narrows it to
a village with the filter and finds the export link; on a phone the page does not overflow
sideways; a closed enterprise's own page shows its status and why it is on the black list.
Screenshots go to GEOAPP_SHOTS (default /tmp/shots-standing) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geoapp.store.accounts import find_user
from geoapp.store.demo import DEMO_TOWN
from tests.support.apps import make_app, make_user
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-standing"))


@pytest.fixture
def app(demo_database):
    return make_app(demo_database)


@pytest.fixture
def accounts(demo_database, app):
    data = app.test_client().get("/api/standing").get_json()
    closed = next(e for e in data["black"] if e["attrs"].get("status") == "已关闭取缔")
    names = [make_user(demo_database, "standing_leader", "leader", areas=[("town", DEMO_TOWN)]),
             make_user(demo_database, "standing_firm", "enterprise", enterprise=closed["key"])]
    yield closed
    with demo_database.transaction() as s:
        for name in names:
            s.delete(find_user(s, name))


def test_standing_page_wide_and_phone(live_url, browser, accounts):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "standing_leader", next_path="/standing")
        page.wait_for_url(f"{live_url}/standing")
        black = page.locator("#black-list tbody tr")
        assert black.count() > 0 and page.locator("#red-list tbody tr").count() > 0
        towns = set(page.locator("#black-list tbody tr td:nth-child(2)").all_inner_texts())
        assert len(towns) == 1  # the leader's own town only
        assert page.locator("#black-list li[data-rule]").first.inner_text().strip()
        assert page.locator("#red-list [data-rule=standardised]").count() > 0
        page.screenshot(path=str(SHOTS / "standing-1440.png"), full_page=True)
        village = page.locator("#red-list tbody tr td:nth-child(3)").first.inner_text()
        page.select_option("select[name=village]", label=village)
        page.click(".rp-form button[type=submit]")
        page.wait_for_url("**/standing?*village=*")
        shown = set(page.locator(".standing-list tbody tr td:nth-child(3)").all_inner_texts())
        assert shown == {village}
        assert "village=" in page.get_attribute("#standing-xlsx", "href")
        assert not errors
    with watched_page(browser, 390, 844, is_mobile=True, has_touch=True) as (page, _r, errors):
        log_in(page, live_url, "standing_leader", next_path="/standing")
        page.wait_for_url(f"{live_url}/standing")
        # the tables scroll inside their box; the page itself stays a phone's width
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / "standing-390.png"), full_page=True)
        assert not errors
    with watched_page(browser, 390, 844, is_mobile=True, has_touch=True) as (page, _r, errors):
        log_in(page, live_url, "standing_firm", next_path="/enterprise")
        page.wait_for_url(f"{live_url}/enterprise")
        card = page.locator("#ent-standing")
        assert "已关闭取缔" in card.inner_text() and "黑榜" in card.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / "enterprise-390.png"), full_page=False)
        assert not errors
