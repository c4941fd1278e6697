"""The accident register in headless Chromium: on a phone (390×844) a supervisor records an
accident through /accidents' form and sees it listed with its derived grade; at a desk
(1440×900) the map's accidents layer, switched on, shows it with its popup.

Screenshots go to /tmp/shots-cover/ (or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import sqlalchemy as sa

from geoapp.store.models import Accident
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-cover"))


def test_a_supervisor_records_an_accident_and_the_map_shows_it(database, rules, live_url,
                                                               browser):
    shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))
    make_user(database, "supervisor")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, 390, 844) as (page, _requests, errors):
        log_in(page, live_url, "supervisor")
        page.wait_for_load_state()
        page.goto(f"{live_url}/accidents")
        form = page.locator("#accident-form")
        form.locator("input[name=code]").fill("SG-2030-007")
        form.locator("input[name=occurred_on]").fill("2030-06-10")
        form.locator("input[name=occurred_time]").fill("09:40")
        form.locator("select[name=type]").select_option(label="中毒和窒息")
        form.locator("input[name=deaths]").fill("3")
        form.locator("input[name=lon]").fill("120.004")
        form.locator("input[name=lat]").fill("31.004")
        form.locator("input[name=address]").fill("东湖村污水井（虚构）")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        row = page.locator("#accidents tbody tr")
        assert row.count() == 1
        assert "SG-2030-007" in row.inner_text() and "较大" in row.inner_text()
        assert row.locator("a").inner_text() == "A"  # placed in its cell
        page.screenshot(path=str(SHOTS / "accidents-390.png"), full_page=True)
        assert not errors
    with database.sessions() as s:
        assert s.execute(sa.select(Accident.code, Accident.grade, Accident.recorded_by)).all() \
            == [("SG-2030-007", "larger", "supervisor")]
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "supervisor")
        page.wait_for_load_state()
        page.goto(f"{live_url}/")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        assert page.locator(".gm-accident").count() == 0  # off until asked for
        page.check("#f-accident-layer")
        page.wait_for_selector(".gm-accident")
        assert page.locator("#f-accident-count").inner_text() == "1"
        page.locator(".gm-accident").click()
        popup = page.locator(".gm-accident-popup")
        assert "SG-2030-007" in popup.inner_text() and "较大" in popup.inner_text()
        page.screenshot(path=str(SHOTS / "accidents-map-1440.png"))
        assert not errors
