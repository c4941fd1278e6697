"""The cell page's extension (延期) block in Chromium, on both backends: the grid member
asks on a phone, the supervisor approves at a desk; the deadline in force is shown with
the original beside it. Screenshots at 390×844 and 1440×900 go to the test's tmp_path.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geoapp.store.models import Hazard
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, open_hazard, watched_page
from tests.support.constants import TODAY

PHONE = {"width": 390, "height": 844}


def _ready(page):
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


def _open(page, hid):
    open_hazard(page, hid)
    page.locator(f"#hazard-{hid} .extensions").wait_for()


def _too_small(page, selector):
    return [b for b in page.locator(selector).all()
            if b.is_visible() and (b.bounding_box()["height"] < 44
                                   or b.bounding_box()["width"] < 44)]


def test_grid_member_asks_and_supervisor_approves(database, rules, live_url, browser, tmp_path):
    _, hid = shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1), level="general",
                              cells="A", deadline=TODAY)
    make_user(database, "grid", cells=["A"])
    make_user(database, "supervisor")

    with watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True,
                      has_touch=True) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/A")
        _ready(page)
        _open(page, hid)
        row = page.locator(f"#hazard-{hid}")
        assert row.locator(".ext-decide").count() == 0  # a grid member does not decide
        row.locator(".ext-request > summary").click()
        row.locator("input[name=until]").fill("2030-06-20")
        row.locator("textarea[name=reason]").fill("防火门需定制，厂家6月18日到货安装")
        assert not _too_small(page, f"#hazard-{hid} .ext-request button")
        row.locator(".ext-form button[type=submit]").click()
        row.locator(".ext-list li[data-state=requested]").wait_for()
        assert "2030-06-14 → 2030-06-20" in row.locator(".ext-list").inner_text()
        assert row.locator(".ext-request").count() == 0  # one request at a time
        page.screenshot(path=str(tmp_path / "extension-requested-390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert not errors

    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "supervisor", next_path="/cells/A")
        page.wait_for_url(f"{live_url}/cells/A")
        _ready(page)
        _open(page, hid)
        row = page.locator(f"#hazard-{hid}")
        assert row.locator(".ext-request").count() == 0  # the supervisor does not ask
        row.locator(".ext-decide textarea[name=note]").fill("同意，逾期将约谈")
        assert not _too_small(page, f"#hazard-{hid} .ext-decide button")
        row.locator(".ext-decide .ext-approve").click()
        row.locator(".ext-list li[data-state=approved]").wait_for()
        deadline = row.locator("dl.facts dd.deadline").inner_text()
        assert "2030-06-20" in deadline and "2030-06-14" in deadline, deadline
        assert row.locator(".badge.extended").count() == 1
        assert "批准延期" in row.locator("ol.history").inner_text()
        page.screenshot(path=str(tmp_path / "extension-approved-1440.png"), full_page=True)
        assert not errors

    with database.sessions() as s:
        h = s.scalar(sa.select(Hazard).where(Hazard.id == hid))
        assert (h.deadline, h.original_deadline) == (dt.date(2030, 6, 20), TODAY)
    print(f"\nscreenshots in {tmp_path}")
