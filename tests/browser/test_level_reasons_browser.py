"""定级依据 in headless Chromium, at 1440×900 and 390×844: the leader opens SF-07-06 (red,
nothing open) on the map, reads why — one enterprise's own level — follows the link to
that enterprise's popup, then sees the same block on the cell page, whose link opens the
enterprise's row with its own reasons. The enterprise's name carries markup that must
show as text."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from geoapp.store.demo import load_demo
from geoapp.store.models import Point
from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page

CELL = "SF-07-06"
XSS = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
SHOTS = os.environ.get("GEOAPP_SHOTS", "/tmp/shots-reasons")


@pytest.fixture
def red_by_inherent(database, rules):
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "leader")
    with database.transaction() as s:
        point = s.scalar(sa.select(Point).where(Point.cell_code == CELL,
                                                Point.name.startswith("禾润精密机械")))
        point.name = point.name + XSS
        return point.id, point.name


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.wait_for_timeout(300)  # Leaflet's popup fades in
    page.screenshot(path=f"{SHOTS}/{name}.png")


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_leader_reads_why_a_cell_is_red(red_by_inherent, live_url, browser, size):
    pid, name = red_by_inherent
    tag = f"{size[0]}x{size[1]}"
    with watched_page(browser, *size) as (page, requests, errors):
        log_in(page, live_url, "leader")
        page.wait_for_url(f"{live_url}/")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        page.evaluate(f"window.geoappMapUi.openCell({CELL!r})")
        reasons = page.locator("#cell-popup .level-reasons")
        reasons.wait_for()
        text = reasons.inner_text()
        assert "区域规则：取最高，1 个点位为重大风险" in text
        assert f"{name}：固有风险 重大风险（LEC风险值 360 ≥ 320）" in text  # markup as text
        assert page.locator("#cell-popup .gm-reasons .section").inner_text() == "定级依据"
        link = page.locator(f"#cell-popup a.reason-link[data-point='{pid}']")
        assert link.get_attribute("href").endswith(f"/cells/{CELL}#point-{pid}")
        _shot(page, f"map-cell-popup-{tag}")

        # the enterprise's own popup, with its own reason (dispatched, not a pointer click:
        # the popup, grown by the reasons, may still be panning into view)
        link.dispatch_event("click")
        popup = page.locator(f"#point-popup[data-id='{pid}'] .level-reasons")
        popup.wait_for()
        assert popup.inner_text().strip() == "固有风险 重大风险（LEC风险值 360 ≥ 320）"
        assert popup.locator("a").count() == 0  # its own reasons: nothing to link to
        _shot(page, f"map-point-popup-{tag}")

        # the cell page: 定级依据 beside its level; the link opens the enterprise's row
        page.goto(f"{live_url}/cells/{CELL}")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        box = page.locator("#level-reasons-box")
        assert box.locator("summary").inner_text() == "定级依据"
        assert box.get_attribute("open") is not None
        assert f"{name}：固有风险" in box.inner_text()
        _shot(page, f"cell-page-{tag}")
        box.locator(f"a.reason-link[data-point='{pid}']").click()
        row = page.locator(f"#point-{pid}")
        page.wait_for_function(
            f"() => document.querySelector('#point-{pid} .row-head')"
            ".getAttribute('aria-expanded') === 'true'")
        assert page.url.endswith(f"#point-{pid}")
        assert row.locator(".level-reasons").inner_text().strip() == \
            "固有风险 重大风险（LEC风险值 360 ≥ 320）"
        _shot(page, f"cell-page-point-{tag}")

        # a link from the map to the cell page opens the point's row on arrival
        page.goto(f"{live_url}/cells/{CELL}#point-{pid}")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        assert row.locator(".row-head").get_attribute("aria-expanded") == "true"

        # in English
        page.goto(f"{live_url}/cells/{CELL}?lang=en")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        assert box.locator("summary").inner_text() == "Why this level"
        assert "Area rule: the highest level, points at Major: 1" in box.inner_text()
        _shot(page, f"cell-page-en-{tag}")

        assert page.evaluate("window.__xss") is None
        assert not errors
        assert all(u.startswith(live_url) or u.startswith("data:") for u in requests)
