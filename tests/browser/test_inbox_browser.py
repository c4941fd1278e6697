"""The supervisor's inbox in headless Chromium, on a phone (390×844) and a desk (1440×900).

The grid member submits a hazard for acceptance over the real API; the
supervisor logs in, sees the count in the top bar, opens /inbox, finds the
hazard under 待我验收 and follows its link: the cell page opens with that
hazard's row open. Screenshots go to /tmp/shots-inbox/ (or GEOAPP_SHOTS).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from geoapp.store import hazards
from geoapp.store.models import Hazard
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page
from tests.support.constants import TODAY

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-inbox"))


@pytest.fixture
def submitted(database, rules, client, auth):
    """H1 (general) in cell A, started and submitted by the grid account through the API."""
    _, hid = shop_with_hazard(database, rules, found_on=TODAY - 10 * dt.timedelta(days=1),
                              level="general", deadline=TODAY + dt.timedelta(days=3))
    with database.transaction() as s:  # a second one, overdue, so the page has two groups
        h = s.get(Hazard, hid)
        other = Hazard(point_id=h.point_id, code="H2", level="major", source="inspection",
                       description="配电箱无漏电保护，电线私拉乱接",
                       found_on=TODAY - 40 * dt.timedelta(days=1),
                       deadline=TODAY - dt.timedelta(days=2), state="open")
        s.add(other)
        hazards.record(other, "测试", "create")
    make_user(database, "supervisor")
    auth.login("grid", cells=["A"])
    for action, version in (("start", 1), ("submit", 2)):
        r = client.post(f"/api/hazards/{hid}/transitions", json={"action": action},
                        headers={"If-Match": f'"{version}"'})
        assert r.status_code == 200, r.get_json()
    auth.logout()
    return hid


@pytest.mark.parametrize("width, height", [(390, 844), (1440, 900)])
def test_the_supervisors_inbox_shows_a_hazard_awaiting_acceptance(submitted, live_url, browser,
                                                                 width, height):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, width, height) as (page, _requests, _errors):
        log_in(page, live_url, "supervisor")
        page.wait_for_load_state()
        badge = page.locator(".topbar .inbox-link")
        assert badge.locator(".inbox-count").inner_text() == "2"  # awaiting + overdue
        box = badge.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        badge.click()
        page.wait_for_url(f"{live_url}/inbox")
        groups = page.locator("section.group")
        assert groups.evaluate_all("els => els.map(e => e.dataset.kind)") == [
            "awaiting_acceptance", "overdue"]
        waiting = page.locator("#inbox-awaiting_acceptance a.reminder")
        assert waiting.count() == 1
        text = waiting.inner_text()
        assert "H1" in text and "商店（虚构）" in text and "一网格" in text
        assert "提请验收" in text and "grid" in text
        assert waiting.bounding_box()["height"] >= 44
        # nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"inbox-{width}.png"), full_page=True)

        waiting.click()
        page.wait_for_url(f"{live_url}/cells/A#hazard-{submitted}")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        row = page.locator(f"#hazard-{submitted}")
        row.locator(".row-body").wait_for()
        assert row.locator(".row-head").get_attribute("aria-expanded") == "true"
        assert row.locator(".state").inner_text() == "待验收"
        page.wait_for_timeout(600)  # the smooth scroll to the row
        page.screenshot(path=str(SHOTS / f"inbox-cell-{width}.png"))
        page.evaluate("window.scrollTo(0, 0)")  # the cell page's top bar, with the count
        assert page.locator(".topbar .inbox-count").inner_text() == "2"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"inbox-cell-top-{width}.png"))
