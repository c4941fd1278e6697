"""The leader's dashboard in headless Chromium, on a big screen and on a phone.

Cell A holds a shop with a major hazard found two months before today (so A is red
from then on, and the hazard overdue since its deadline a month later); cell B a site
with a general hazard found ten days ago. A KPI card filters the map and the lists;
the month slider, moved with the keyboard to a month before the major hazard, shows
A in its own colour again and empties the red-cell and overdue lists.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import shapely

from geoapp.store import assignment, hazards
from geoapp.store.models import Hazard, Point
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page
from tests.support.constants import TODAY

SHOTS = os.environ.get("GEOAPP_SHOTS", "/tmp/shots-dashboard")  # to look at, not asserted
BIG = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
EARLY = "2030-03"  # before the major hazard was found (TODAY is 2030-06-14)


@pytest.fixture
def two_cells(database, rules):
    _pid, major = shop_with_hazard(database, rules, found_on=TODAY - dt.timedelta(days=60))
    with database.transaction() as s:
        site = Point(layer="enterprise", key="K2", name="仓库（虚构）",
                     geom=shapely.Point(120.015, 31.005), attrs={"industry": "5261"})
        h = Hazard(point=site, code="H2", level="general", source="inspection",
                   description="灭火器过期", found_on=TODAY - dt.timedelta(days=10),
                   deadline=TODAY + dt.timedelta(days=20), state="open")
        s.add(h)
        hazards.record(h, "测试", "create")
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    make_user(database, "leader")
    return major


def _ready(page, month: str) -> None:
    page.wait_for_function("() => window.geoappDashboard !== undefined")
    page.evaluate("window.geoappDashboard.ready")
    page.wait_for_selector(f'#dashboard[data-state="ready"][data-month="{month}"]')


def _cell(page, code: str) -> dict:
    """The drawn polygon of a cell: its fill colour and opacity as the SVG has them."""
    return page.evaluate("""code => {
      const p = document.querySelector(`path[data-code="${code}"]`);
      return {fill: p.getAttribute("fill"), opacity: Number(p.getAttribute("fill-opacity"))};
    }""", code)


def _items(page, list_id: str) -> list[str]:
    return page.locator(f"#{list_id} li[data-code]").evaluate_all(
        "items => items.map(li => li.dataset.code)")


def _shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/{name}.png")


def test_cards_filter_and_the_slider_shows_an_earlier_month(database, two_cells, live_url,
                                                            browser):
    with watched_page(browser, BIG["width"], BIG["height"]) as (page, _requests, errors):
        log_in(page, live_url, "leader", next_path="/dashboard")
        page.wait_for_url(f"{live_url}/dashboard")
        _ready(page, "2030-06")
        colours = page.evaluate("window.geoappDom.config().colours")
        assert _cell(page, "A")["fill"] == colours["red"]
        assert _cell(page, "B")["fill"] != colours["red"]
        assert page.locator("#kpi-red_cells .db-kpi-value").inner_text() == "1"
        assert page.locator("#kpi-overdue .db-kpi-value").inner_text() == "1"
        assert page.locator("#kpi-open .db-kpi-value").inner_text() == "2"
        assert _items(page, "db-red") == ["A"] and _items(page, "db-overdue") == ["H1"]
        # the big screen holds it all: no page scroll, the map in the middle
        assert page.evaluate("document.documentElement.scrollHeight") <= BIG["height"]
        box = page.locator("#db-map").bounding_box()
        assert box["x"] > 300 and box["x"] + box["width"] < BIG["width"] - 300
        assert box["height"] > 450
        for name in ("villages", "trend"):  # the server's SVG charts drew
            assert page.evaluate(f"document.getElementById('db-chart-{name}').naturalWidth") > 0
        _shot(page, "dashboard-1440")

        # the open-hazards card: both cells; the overdue card: A alone, B dimmed
        page.click("#kpi-open")
        assert _cell(page, "B")["opacity"] > 0.5
        page.click("#kpi-overdue")
        assert page.get_attribute("#kpi-overdue", "aria-pressed") == "true"
        assert page.get_attribute("#kpi-open", "aria-pressed") == "false"
        assert _cell(page, "A")["opacity"] > 0.5 and _cell(page, "B")["opacity"] < 0.2
        assert _items(page, "db-overdue") == ["H1"]
        assert page.locator("#db-filter-note").is_visible()
        _shot(page, "dashboard-1440-overdue-card")
        page.click("#kpi-overdue")  # pressed again: no filter
        assert _cell(page, "B")["opacity"] > 0.5

        # a red cell in the list opens it on the map
        page.click("#db-red li[data-code=A] button")
        page.wait_for_selector(".db-popup[data-code=A]")

        # the slider, by keyboard, back to March: A before its major hazard was found
        page.focus("#db-slider")
        for _ in range(3):
            page.keyboard.press("ArrowLeft")
        _ready(page, EARLY)
        assert page.locator("#db-slider-month").inner_text() == EARLY
        assert _cell(page, "A")["fill"] != colours["red"]
        assert page.locator("#kpi-red_cells .db-kpi-value").inner_text() == "0"
        assert _items(page, "db-red") == [] and _items(page, "db-overdue") == []
        assert page.locator("#db-red .db-empty").is_visible()
        assert f"month={EARLY}" in page.url  # the month stays on a reload
        src = page.get_attribute("#db-chart-trend", "src")
        assert src.endswith(f"trend.svg?month={EARLY}")
        _shot(page, "dashboard-1440-march")
        # and forward again to May: red, the major hazard overdue since mid-May
        for _ in range(2):
            page.keyboard.press("ArrowRight")
        _ready(page, "2030-05")
        assert _cell(page, "A")["fill"] == colours["red"]
        assert _items(page, "db-overdue") == ["H1"]
        assert not errors, errors


def test_a_phone_stacks_it_and_the_cards_still_filter(database, two_cells, live_url, browser):
    with watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True,
                      has_touch=True) as (page, _requests, errors):
        log_in(page, live_url, "leader", next_path="/dashboard?lang=en")
        page.wait_for_url(f"{live_url}/dashboard?lang=en")
        _ready(page, "2030-06")
        assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
        kpi = page.locator("#kpi-red_cells").bounding_box()
        assert kpi["height"] >= 44 and kpi["width"] < PHONE["width"] / 2  # two a row
        map_box = page.locator("#db-map").bounding_box()
        assert map_box["width"] > PHONE["width"] - 40 and map_box["height"] >= 320
        assert "Dashboard" in page.locator("h1").inner_text()
        _shot(page, "dashboard-390")
        page.tap("#kpi-red_cells")
        assert _items(page, "db-red") == ["A"]
        assert _items(page, "db-overdue") == ["H1"]  # overdue hazards in red cells
        assert _cell(page, "B")["opacity"] < 0.2
        page.locator("#db-red").scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/dashboard-390-full.png", full_page=True)
        assert not errors, errors
