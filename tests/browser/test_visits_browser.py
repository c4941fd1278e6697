"""Visits on the leader's map and the reports page, in headless Chromium at 1440×900.

The hand-made territory of tests/web/test_visits.py (four of its nine points
are overdue for a visit on the pinned today). The leader filters the map by
逾期未巡查 in the side panel and sees those four, with the counts beside each
choice, opens one point's popup (最近巡查), then the reports' visit tables.
Screenshots go to /tmp/shots-cover/ (or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page
from tests.web.test_visits import build_territory

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-cover"))


@pytest.fixture
def territory(database, rules):
    ids = build_territory(database, rules)
    make_user(database, "leader")
    return ids


def test_leader_filters_the_map_by_overdue_visits(territory, live_url, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, 1440, 900) as (page, requests, errors):
        log_in(page, live_url, "leader")
        page.wait_for_load_state()
        page.goto(f"{live_url}/")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        counts = page.locator("#f-visits .visit-count")
        assert counts.all_inner_texts() == ["4", "2", "3"]  # 逾期未巡查, 待巡查, 已巡查
        assert page.locator(".gm-pt").count() == 9

        page.get_by_label("逾期未巡查").check()
        page.wait_for_function("() => document.querySelectorAll('.gm-pt').length === 4")
        shown = page.eval_on_selector_all(".gm-pt", "els => els.map(e => e.dataset.visit)")
        assert shown == ["overdue"] * 4
        assert page.locator("#f-counts").inner_text().endswith("显示点位 4 (网格外 1)")
        assert counts.all_inner_texts() == ["4", "2", "3"]  # the view's, before the filter
        # each overdue point carries the red dot the legend explains
        assert page.locator(".gm-pt-icon .visit-dot.visit-overdue").count() == 4

        box = page.evaluate(f"() => window.geoappMapUi.openPoint({territory['E1']})"
                            ".then(b => b.innerText)")
        assert "最近巡查\t2030-05-05" in box and "逾期未巡查" in box
        page.wait_for_function("() => getComputedStyle(document.querySelector("
                               "'.leaflet-popup')).opacity === '1'")
        page.screenshot(path=str(SHOTS / "map-overdue-visits.png"))

        page.get_by_label("待巡查").check()
        page.wait_for_function("() => document.querySelectorAll('.gm-pt').length === 2")
        page.locator("#f-reset").click()
        page.wait_for_function("() => document.querySelectorAll('.gm-pt').length === 9")

        page.goto(f"{live_url}/reports?month=2030-06")
        coverage = page.locator("#visit-coverage tbody tr")
        assert [r.split("\t")[:3] for r in coverage.all_inner_texts()] == [
            ["1", "西村", "100.0%"], ["2", "南村", "50.0%"], ["3", "东村", "50.0%"]]
        members = page.locator("#visit-members tbody tr").all_inner_texts()
        assert [m.split("\t")[:3] for m in members] == [
            ["王五", "wang", "2"], ["李四", "li", "1"], ["赵六", "zhao", "1"]]
        page.locator("#visits").scroll_into_view_if_needed()
        page.locator("#visits").screenshot(path=str(SHOTS / "reports-visits.png"))
        page.screenshot(path=str(SHOTS / "reports-visits-viewport.png"))

        assert not errors, errors
        assert {urlsplit(u).hostname for u in requests} == {"127.0.0.1"}
