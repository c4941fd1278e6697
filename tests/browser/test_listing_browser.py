"""挂牌督办 on the cell page in headless Chromium: a supervisor lists a hazard and records
its publication on a phone; the record shows on a wide screen and to the grid member,
who has no form; a listing carried over from the old flag says its date is unknown."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.store.models import Hazard, Listing
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, open_hazard, watched_page
from tests.support.constants import TODAY

PHONE = {"width": 390, "height": 844}
SHOTS = "/tmp/list_shots"  # screenshots to look at; not an assertion


@pytest.fixture
def two_hazards(database, rules):
    _pid, first = shop_with_hazard(database, rules, found_on=TODAY - dt.timedelta(days=10))
    with database.transaction() as s:
        h = s.get(Hazard, first)
        carried = Hazard(point_id=h.point_id, code="H2", level="general", source="inspection",
                         description="疏散通道堵塞", found_on=TODAY - dt.timedelta(days=40),
                         deadline=TODAY + dt.timedelta(days=5), state="open", listed=True,
                         listing=Listing())  # as migration 0009 leaves the old flag
        s.add(carried)
        s.flush()
        second = carried.id
    make_user(database, "supervisor")
    make_user(database, "grid", cells=["A"])
    return first, second


def _ready(page):
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


def test_a_supervisor_lists_and_publishes_on_a_phone(database, two_hazards, live_url, browser):
    first, second = two_hazards
    with watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True,
                      has_touch=True) as (page, _requests, errors):
        log_in(page, live_url, "supervisor", next_path="/cells/A")
        page.wait_for_url(f"{live_url}/cells/A")
        _ready(page)
        open_hazard(page, first)
        form = page.locator(f"#hazard-{first} form.listing-form")
        form.locator("label.seg-town").click()
        form.locator("input[name=unit]").fill("示范镇安全生产监督管理站")
        button = form.locator("button[type=submit]")
        button.wait_for()  # bounding_box() does not wait: None while the form still opens
        box = button.bounding_box()
        assert box["height"] >= 44  # a finger's target
        button.click()
        record = page.locator(f"#hazard-{first} dl.listing-record")
        record.wait_for()
        text = record.inner_text()
        assert "镇级" in text and "示范镇安全生产监督管理站" in text
        assert TODAY.isoformat() in text and "2030-06-21" in text  # 5 working days on
        page.screenshot(path=f"{SHOTS}/listed-390.png", full_page=True)
        # the next step is the publication
        publish = page.locator(f"#hazard-{first} form.listing-form")
        assert publish.locator("input[name=date]").input_value() == TODAY.isoformat()
        publish.locator("button[type=submit]").click()
        page.wait_for_function(
            f"() => !document.querySelector('#hazard-{first} form.listing-form')")
        assert "逾期" not in page.locator(f"#hazard-{first} dl.listing-record").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
        # the carried-over listing says its date is unknown, and offers its publication
        open_hazard(page, second)
        carried = page.locator(f"#hazard-{second} dl.listing-record")
        assert "日期不详（迁移数据）" in carried.inner_text()
        page.screenshot(path=f"{SHOTS}/carried-390.png", full_page=True)
        assert not errors, errors
    with database.sessions() as s:
        listing = s.get(Hazard, first).listing
        assert (listing.level, listing.listed_on, listing.listed_published_on,
                listing.listed_by) == ("town", TODAY, TODAY, "supervisor")
        assert [e.action for e in s.get(Hazard, first).events] == ["create", "list", "publish"]


def test_the_grid_member_sees_the_record_without_a_form(database, two_hazards, live_url,
                                                        browser):
    first, second = two_hazards
    with database.transaction() as s:
        s.get(Hazard, first).listing = Listing(level="county", unit="县应急管理局",
                                               listed_on=TODAY, listed_by="supervisor",
                                               deadline=TODAY + dt.timedelta(days=90))
        s.get(Hazard, first).listed = True
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_url(f"{live_url}/cells/A")
        _ready(page)
        open_hazard(page, first)
        record = page.locator(f"#hazard-{first} dl.listing-record")
        assert "县级" in record.inner_text() and "县应急管理局" in record.inner_text()
        assert page.locator(f"#hazard-{first} form.listing-form").count() == 0
        page.screenshot(path=f"{SHOTS}/grid-1440.png", full_page=True)
        assert not errors, errors
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "supervisor", next_path="/reports/listings")
        page.wait_for_url(f"{live_url}/reports/listings")
        rows = page.locator("#due-list tbody tr")
        assert rows.count() == 1 and "H1" in rows.first.inner_text()
        assert "挂牌日期不详" in page.inner_text("main")
        page.screenshot(path=f"{SHOTS}/due-1440.png", full_page=True)
        assert not errors, errors
