"""A department's account (三管三必须) in headless Chromium: a supervisor given 商务 lands on
/department, sees its sector's hazard (a shop, class 5261 → 商务), records a 约谈 on it
through the page's form, and finds it listed after the reload; the top bar holds its page
only. Phone (390×844) first, then desk (1440×900), in one test.

Screenshots go to /tmp/shots-departments/ (or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import sqlalchemy as sa

from geoapp.store.models import Measure, Point, User
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-departments"))


def test_a_department_records_a_measure_on_its_sector(database, rules, live_url, browser):
    _point, hazard_id = shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1))
    make_user(database, "shangwu", role="supervisor")
    with database.transaction() as s:
        s.execute(sa.update(Point).values(industry="5261"))  # 零售业 → 商务 (departments.toml)
        s.execute(sa.update(User).where(User.username == "shangwu").values(department="商务"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height, recipient in ((390, 844, "王某（虚构）"), (1440, 900, "李某（虚构）")):
        with watched_page(browser, width, height) as (page, _requests, errors):
            log_in(page, live_url, "shangwu")
            page.wait_for_url(f"{live_url}/department")
            assert page.locator("#dept-name").inner_text() == "商务"
            nav = page.locator("nav.pages a")
            assert nav.count() == 1 and nav.get_attribute("href") == "/department"
            card = page.locator(f'.dept-hazard[data-hazard-id="{hazard_id}"]')
            card.locator(".open-measure").click()
            form = card.locator(".measure-form")
            form.locator("select[name=kind]").select_option("interview")
            form.locator("input[name=date]").fill("2030-06-10")
            form.locator("input[name=recipient]").fill(recipient)
            page.screenshot(path=str(SHOTS / f"department-form-{width}.png"), full_page=True)
            form.locator("button[type=submit]").click()
            page.wait_for_selector(f"#dept-measures li:has-text('{recipient}')")
            page.screenshot(path=str(SHOTS / f"department-saved-{width}.png"), full_page=True)
            assert not errors
    with database.sessions() as s:
        stored = s.execute(sa.select(Measure.hazard_id, Measure.unit, Measure.recorded_by)
                           .order_by(Measure.id)).all()
    assert stored == [(hazard_id, "商务", "shangwu")] * 2
