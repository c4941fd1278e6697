"""Functional zones in headless Chromium: the map's zone layer (off at first, switched on
in the filter panel on a desk and in the layer control on a phone) draws each zone in its
grade's colour with its name; an admin opens a zone from its label, enters an assessment,
and the map then shows the new grade. Desk (1440×900) and phone (390×844) in one test.

Screenshots go to /tmp/shots-zones/ (or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import shapely

from geoapp.store import assignment
from geoapp.store.models import Zone
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-zones"))


def _territory(database, rules) -> None:
    """Cells A and B, a shop in A; zone Z1 (score 72 → C) in the south of A (its label clear
    of the shop: points are drawn over zone names), Z2 (never graded) over B."""
    shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))
    with database.transaction() as s:
        s.add(Zone(code="Z1", name="示范化工园区（虚构）", kind="化工园区", park_score=72.0,
                   geom=shapely.MultiPolygon([shapely.box(120.0005, 31.0005, 120.0095,
                                                          31.004)])))
        s.add(Zone(code="Z2", name="示范工业园区（虚构）", kind="工业园区",
                   geom=shapely.MultiPolygon([shapely.box(120.011, 31.001, 120.019, 31.009)])))
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    make_user(database, "admin")


def _open_map(page, base) -> None:
    page.goto(f"{base}/")
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


def _labels(page) -> dict[str, str]:
    page.wait_for_selector(".gm-zone-label >> nth=1")
    return {el.get_attribute("data-zone"): el.inner_text()
            for el in page.query_selector_all(".gm-zone-label")}


def test_the_zone_layer_and_an_assessment_entered_on_the_zone_page(database, rules, live_url,
                                                                   browser):
    _territory(database, rules)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "admin")
        page.wait_for_load_state()
        _open_map(page, live_url)
        assert page.locator(".gm-zone-label").count() == 0  # off at first
        page.check("#f-layers input[value=zones]")
        labels = _labels(page)
        assert labels["Z1"].split() == ["C", "示范化工园区（虚构）"]
        assert labels["Z2"].split() == ["–", "示范工业园区（虚构）"]  # never graded
        # the outline is in the grade's colour: C → yellow (the one scale)
        assert page.locator("path.gm-zone-C").get_attribute("stroke") == "#ffe100"
        page.screenshot(path=str(SHOTS / "map-zones-1440.png"))
        # the label opens the zone's popup, whose link opens its page
        page.click(".gm-zone-label[data-zone=Z1]")
        popup = page.locator(".gm-zone-popup")
        assert "C 级（一般风险）" in popup.inner_text() and "台账评分 72" in popup.inner_text()
        popup.locator("a").click()
        page.wait_for_url("**/zones/Z1")
        form = page.locator("#assessment-form")
        form.locator("input[name=score]").fill("55")
        form.locator("input[name=body]").fill("")
        form.locator("button[type=submit]").click()
        # a refusal names its field and nothing is saved
        page.wait_for_selector("#assessment-form [aria-invalid=true][name=body]")
        assert "评估单位" in form.locator(".error").inner_text()
        form.locator("input[name=assessed_on]").fill("2030-06-01")
        form.locator("input[name=body]").fill("示范省应急管理厅（虚构）")
        form.locator("textarea[name=note]").fill("年度评估（虚构）")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        current = page.locator("#assessments tr.in-force")
        assert "2030-06-01" in current.inner_text() and "示范省应急管理厅（虚构）" in \
            current.inner_text()
        badge = page.locator("#zone-grade .zone-grade")
        assert badge.inner_text() == "A"
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(230, 0, 18)"
        page.screenshot(path=str(SHOTS / "zone-page-1440.png"), full_page=True)
        _open_map(page, live_url)
        page.check("#f-layers input[value=zones]")
        assert _labels(page)["Z1"].split()[0] == "A"  # the latest assessment's grade
        assert page.locator("path.gm-zone-A").get_attribute("stroke") == "#e60012"
        assert not errors, errors
    with watched_page(browser, 390, 844) as (page, _requests, errors):
        log_in(page, live_url, "admin")
        page.wait_for_load_state()
        page.goto(f"{live_url}/zones/Z1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / "zone-page-390.png"), full_page=True)
        _open_map(page, live_url)
        # on a phone the filter panel is closed: the layer control switches the zones on
        page.hover(".leaflet-control-layers")  # Leaflet opens the control on the pointer
        page.locator(".leaflet-control-layers-overlays label", has_text="功能区") \
            .locator("input").check()
        assert _labels(page)["Z1"].split()[0] == "A"
        page.mouse.move(30, 500)  # the control folds away
        page.screenshot(path=str(SHOTS / "map-zones-390.png"))
        assert not errors, errors
