"""/reports in headless Chromium at 1440×900 and 390×844, on the demo (both backends).

A town's leader opens /reports without a period on 3 November 2026: the page shows
October (the last full month) and says why; the villages with no hazards are listed apart, not
ranked; a hazard's code on the overdue list opens that hazard on its cell's page; on
the phone the tables scroll sideways under a sticky first column and the 逾期 column is
reachable; the industry chart names its industries and no two labels overlap. A month
with nothing found or closed says so instead of a ranking. Screenshots go to
GEOAPP_SHOTS (default /tmp/shots-reports) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from geoapp.store.accounts import find_user
from geoapp.store.demo import DEMO_TOWN
from tests.support.apps import make_app, make_user
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-reports"))
# the demo's hazards run to October 2026; on 3 November the default period is October
NOV_3 = dt.date(2026, 11, 3)
# 示范镇's villages without a hazard in the demo
NO_HAZARDS = {"金港社区", "高墩村"}

# the boxes of a chart's axis labels (pygal's <g class="guides"> texts) and printed values
LABEL_BOXES = """(chart) => [...document.querySelectorAll(`${chart} svg .axis.x .guides text,`
  + `${chart} svg .axis.y .guides text, ${chart} svg text.value`)]
  .filter(t => t.textContent.trim()).map(t => {
    const b = t.getBoundingClientRect();
    return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height};
  })"""


@pytest.fixture
def app(demo_database):
    return make_app(demo_database, TODAY=NOV_3)


@pytest.fixture
def town_leader(demo_database):
    username = "reports_town_leader"
    make_user(demo_database, username, "leader", areas=[("town", DEMO_TOWN)])
    yield username
    with demo_database.transaction() as s:
        s.delete(find_user(s, username))


def _overlaps(boxes):
    return [(a["text"], b["text"]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]]


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_reports_page_default_period_places_apart_links_and_phone(
        live_url, browser, town_leader, width, height):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, width, height) as (page, requests, errors):
        log_in(page, live_url, town_leader, next_path="/reports")
        page.wait_for_url(f"{live_url}/reports")
        # the default period: October, the last full month, and the page says why
        assert "2026-10" in page.locator(".rp-period").inner_text()
        assert page.locator("#default-period").is_visible()
        assert page.locator("#period-switch input[name=month]").input_value() == "2026-10"
        assert page.locator("#c-found b").inner_text() != "0"
        # the villages without hazards are listed apart, not ranked
        ranked = page.locator("#ranking tbody tr td:first-child").all_inner_texts()
        apart = set(page.locator("#no-hazards li").all_inner_texts())
        assert apart == NO_HAZARDS and not apart & set(ranked) and len(ranked) == 14
        assert page.locator("#ranking tbody tr td:nth-child(2)").all_inner_texts() == [
            str(i) for i in range(1, 15)]
        # the industry chart names its industries on one line each, and no label overlaps
        boxes = page.evaluate(LABEL_BOXES, "#chart-industries")
        names = [b["text"] for b in boxes if re.search(r"[\u4e00-\u9fff]", b["text"])]
        assert len(names) >= 3 and all(re.match(r"[A-Z]?\d{2} \S", n) or n == "未分类"
                                       for n in names), names
        assert not _overlaps(boxes)
        boxes = page.evaluate(LABEL_BOXES, "#chart-villages")
        assert len(boxes) > 10 and not _overlaps(boxes)
        # the page never scrolls sideways: the wide tables scroll in their boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"reports-{width}.png"), full_page=False)
        page.locator("#ranking").screenshot(path=str(SHOTS / f"reports-ranking-{width}.png"))
        page.locator("#charts").screenshot(path=str(SHOTS / f"reports-charts-{width}.png"))
        # 逾期 of the ranking is reachable: scrolled to, it is the cell on top at its place
        overdue = page.locator("#ranking tbody tr:first-child td.overdue")
        overdue.scroll_into_view_if_needed()
        box = overdue.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width
        on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).className",
                               [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert "overdue" in on_top
        # the overdue list: its days column beside the code, the code a link to the hazard
        table = page.locator("#overdue-table")
        days = table.locator("tbody tr:first-child td.overdue")
        days.scroll_into_view_if_needed()
        assert days.bounding_box()["x"] + days.bounding_box()["width"] <= width
        sticky = page.evaluate("""() => getComputedStyle(
            document.querySelector('#overdue-table td:first-child')).position""")
        assert sticky == ("sticky" if width < 600 else "static")
        page.locator("#overdue").screenshot(path=str(SHOTS / f"reports-overdue-{width}.png"))
        link = table.locator("tbody tr:first-child a.hazard-link")
        href = link.get_attribute("href")
        assert re.fullmatch(r"/cells/[^#]+#hazard-\d+", href), href
        code = link.inner_text()
        link.click()
        page.wait_for_url(re.compile(r".*/cells/.*#hazard-\d+"))
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        row = page.locator(href[href.index("#"):])
        row.wait_for(state="visible")
        assert code in row.inner_text()
        page.screenshot(path=str(SHOTS / f"reports-hazard-link-{width}.png"))
        assert not errors, errors
    assert all(u.startswith(live_url) for u in requests)


def test_an_empty_month_says_so_instead_of_a_ranking(live_url, browser, town_leader):
    with watched_page(browser, 390, 844) as (page, _requests, errors):
        log_in(page, live_url, town_leader, next_path="/reports?month=2026-11")
        page.wait_for_url(re.compile(r".*/reports\?month=2026-11"))
        # November 2026, to date: nothing found or closed yet in the demo
        assert page.locator("#empty-period").is_visible()
        assert page.locator("#ranking-empty").is_visible()
        assert page.locator("#ranking table").count() == 0
        assert page.locator("#charts-empty").is_visible()
        assert page.locator("#default-period").count() == 0  # a month asked for
        page.screenshot(path=str(SHOTS / "reports-empty-390.png"))
        page.goto(f"{live_url}/reports/print?month=2026-10")
        assert page.locator("#doc-number").inner_text() == "安委办通报〔2026〕10号"
        issuer = page.locator("#issuer-block").inner_text()
        assert "示范镇（虚构）安全生产委员会办公室" in issuer and "2026年11月3日" in issuer
        assert set(page.locator("#print-no-hazards .name").all_inner_texts()) == NO_HAZARDS
        # the print view on a phone: its wide tables scroll in their boxes, the page does not
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / "reports-print-390.png"), full_page=True)
        assert not errors, errors
