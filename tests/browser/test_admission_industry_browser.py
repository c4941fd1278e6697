"""A software company (GB/T 4754-2017 class 6513) sited in the demo chemical park: the
planner finds the class by searching its name, gets a verdict, and the print sheet names
the class; on a desktop and on a phone."""

from __future__ import annotations

import os

import pytest

from geoapp.store.demo import load_demo
from tests.browser.test_admission_browser import IN_CHEM_PARK, click_at
from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page

SHOTS = "/tmp/industry_shots"  # screenshots to look at; not an assertion


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_a_software_company_gets_a_verdict_on_the_page(database, rules, live_url, browser,
                                                       width, height):
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "planner")
    os.makedirs(SHOTS, exist_ok=True)
    with watched_page(browser, width, height) as (page, _requests, errors):
        log_in(page, live_url, "planner", next_path="/admission")
        page.wait_for_url(f"{live_url}/admission")
        page.evaluate("window.admZonesReady")
        click_at(page, *IN_CHEM_PARK)

        page.fill("#adm-industry", "应用软件")
        page.click("#adm-industry-list li[data-code='6513']")
        assert "6513" in page.inner_text("#adm-industry-picked")
        page.click("#adm-check")
        page.wait_for_selector("#adm-result:not([hidden])")
        assert page.inner_text("#adm-verdict") == "允许"  # the demo park lists no 65 entry
        assert "GNQ-02" in page.inner_text("#adm-zones")
        page.screenshot(path=f"{SHOTS}/software-{width}.png", full_page=True)

        sheet = page.context.new_page()
        sheet.goto(live_url + page.get_attribute("#adm-print", "href"))
        text = sheet.inner_text("body")
        assert "核查结论：允许" in text and "6513 应用软件开发" in text
    assert not errors, errors
