"""The planner's page and the register in headless Chromium, at a desk (1440×900) and on a
phone (390×844): the map's backdrop before any check, a verdict cleared by a new mode, a
swapped 经纬度 offered and fixed, and the check found in the register with its sheet.

Screenshots go to /tmp/shots-planner/ (GEOAPP_SHOTS overrides) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from geoapp.store.demo import load_demo
from geoapp.store.models import Point, Zone
from tests.browser.test_admission_browser import IN_CHEM_PARK, click_at
from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-planner"))
SIZES = {"desk": (1440, 900), "phone": (390, 844)}
# the zone labels on the map now (a closed one fades out of the DOM over 200 ms)
OPEN_LABELS = """() => { const out = []; window.admMap.eachLayer((l) => {
  const t = l.getTooltip && l.getTooltip();
  if (t && l.isTooltipOpen() && t.getElement().classList.contains("adm-zone-label")) {
    const r = t.getElement().getBoundingClientRect();
    out.push({text: t.getElement().innerText, box: [r.left, r.top, r.right, r.bottom]});
  } }); return out; }"""


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(page, live_url):
    log_in(page, live_url, "planner", next_path="/admission")
    page.wait_for_url(f"{live_url}/admission")
    page.evaluate("window.admZonesReady")


@pytest.mark.parametrize("size", SIZES)
def test_backdrop_before_any_check_and_verdict_cleared_by_a_new_mode(database, rules, live_url,
                                                                     browser, size):
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "planner")
    with database.sessions() as s:
        zones = s.scalars(sa.select(Zone.name).order_by(Zone.code)).all()
        installations = s.scalar(sa.select(sa.func.count()).select_from(Point)
                                 .where(Point.layer == "major_hazard"))
    width, height = SIZES[size]
    with watched_page(browser, width, height, is_mobile=size == "phone") as (page, _r, errors):
        _open(page, live_url)
        # before any check: every zone labelled with its name and grade, the cells in their
        # colours, the towns' outlines, every installation
        labels = [t["text"] for t in page.evaluate(OPEN_LABELS)]
        if size == "desk":
            assert len(labels) == len(zones) and all(
                any(label.startswith(name) for label in labels) for name in zones), labels
        else:  # on a phone the county is small: labels that would overlap wait for a zoom
            assert 1 <= len(labels) < len(zones), labels
            boxes = [t["box"] for t in page.evaluate(OPEN_LABELS)]
            assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                           for i, a in enumerate(boxes) for b in boxes[i + 1:]), boxes
            page.evaluate("([lat, lon]) => window.admMap.setView([lat, lon], 15, "
                          "{animate: false})", list(IN_CHEM_PARK))
            labels = [t["text"] for t in page.evaluate(OPEN_LABELS)]
        # name and grade (PF 68.5 → B) and its level
        assert any(label.startswith("示范化工园区") and "园区等级 B" in label
                   and "重大风险" in label for label in labels), labels
        assert page.locator("#adm-map path.adm-cell").count() == 113
        assert page.locator("#adm-map path.adm-cell.level-red").count() >= 1
        assert page.locator("#adm-map path.adm-town").count() == 4
        assert page.locator("#adm-map path.adm-mh").count() == installations
        assert page.locator("#adm-result").is_hidden()
        # Leaflet's own credit (with its flag) is removed, as on the leader's map
        assert page.locator("#adm-map .leaflet-control-attribution svg").count() == 0
        assert "Leaflet" not in page.locator("#adm-map .leaflet-control-attribution").inner_text()
        _shot(page, f"admission-before-{size}")

        click_at(page, *IN_CHEM_PARK)
        page.fill("#adm-industry", "2614")  # a code typed in full is taken, the list closes
        page.wait_for_function("() => document.querySelector('#adm-industry-picked')"
                               ".textContent.includes('有机化学原料制造')")
        assert page.locator("#adm-industry-list li").count() == 0
        page.click("#adm-check")
        page.wait_for_selector("#adm-result:not([hidden])")
        assert page.inner_text("#adm-verdict") == "限制"
        number = page.evaluate("window.admLastResult.number")
        assert number.startswith("准入-2030-") and number in page.inner_text("#adm-meta")
        _shot(page, f"admission-verdict-{size}")

        page.check("input[name=mode][value=polygon]")
        assert page.locator("#adm-result").is_hidden()
        assert page.evaluate("window.admLastResult") is None
        assert page.locator("#adm-map .adm-hz").count() == 0  # the result's marks are gone
        assert page.locator("#adm-map path.adm-cell").count() == 113  # the backdrop stays
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, scroll
    assert not errors, errors


@pytest.mark.parametrize("size", SIZES)
def test_swapped_coordinates_fixed_and_the_check_in_the_register(database, rules, live_url,
                                                                 browser, size):
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "planner")
    width, height = SIZES[size]
    with watched_page(browser, width, height, is_mobile=size == "phone") as (page, _r, errors):
        _open(page, live_url)
        lat, lon = IN_CHEM_PARK
        page.fill("#adm-coords", f"{lat},{lon}")  # 纬度 first: swapped
        page.fill("#adm-industry", "涂料")
        page.wait_for_selector("#adm-industry-list li")
        codes = page.locator("#adm-industry-list li").evaluate_all(
            "(lis) => lis.map((li) => li.dataset.code)")
        assert codes.index("2641") < codes.index("264"), codes  # the class before its group
        page.click("#adm-industry-list li[data-code='2641']")
        assert page.locator("#adm-industry-list li").count() == 0
        page.click("#adm-check")
        page.wait_for_selector("#adm-fix:not([hidden])")
        assert "经纬度似乎填反了" in page.inner_text("#adm-error")
        assert page.locator("#adm-result").is_hidden()
        _shot(page, f"admission-swapped-{size}")
        page.click("#adm-swap")
        page.wait_for_selector("#adm-result:not([hidden])")
        assert page.input_value("#adm-coords") == f"{lon},{lat}"
        assert page.locator("#adm-fix").is_hidden() and page.inner_text("#adm-error") == ""
        number = page.evaluate("window.admLastResult.number")
        verdict = page.inner_text("#adm-verdict")

        # a failed check clears the verdict too
        page.fill("#adm-coords", "116.4,39.9")
        page.click("#adm-check")
        page.wait_for_function("() => window.admLastResult === null")
        assert page.locator("#adm-result").is_hidden() and "千米" in page.inner_text("#adm-error")

        page.goto(f"{live_url}/admission/checks")
        row = page.locator(f"tr[data-number='{number}']")
        assert row.count() == 1 and verdict in row.inner_text() and "2641" in row.inner_text()
        _shot(page, f"register-{size}")
        with page.expect_popup() as popup:
            row.locator("a.print").click()
        sheet = popup.value
        sheet.wait_for_load_state()
        text = sheet.inner_text("body")
        assert number in text and "东经 120°20′25.80″" in text and "北纬 31°34′49.80″" in text
        assert "EPSG:4326" in text and '"coordinates"' not in text
        _shot(sheet, f"sheet-{size}")
    assert not errors, errors


@pytest.mark.parametrize("size", SIZES)
def test_english_planner_pages_hold_no_chinese_but_data(database, rules, live_url, browser,
                                                        size):
    """The page before and after a check, a refused check's message, the register and the
    sheet in English: every CJK character left once the data is taken out is a fault."""
    from tests.browser.test_english_browser import VISIBLE_TEXT, _data_texts, _left_over

    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "planner")
    width, height = SIZES[size]
    found = {}
    with watched_page(browser, width, height, is_mobile=size == "phone") as (page, _r, errors):
        page.goto(f"{live_url}/login?lang=en")
        _open(page, live_url)
        lat, lon = IN_CHEM_PARK
        page.fill("#adm-coords", f"{lat},{lon}")
        page.fill("#adm-industry", "2614")
        page.wait_for_function("() => document.querySelector('#adm-industry-picked')"
                               ".textContent.includes('2614')")
        page.click("#adm-check")
        page.wait_for_selector("#adm-fix:not([hidden])")
        refused = page.inner_text("#adm-error")
        assert "swapped" in refused and page.inner_text("#adm-swap").startswith("Swap")
        page.click("#adm-swap")
        page.wait_for_selector("#adm-result:not([hidden])")
        assert page.inner_text("#adm-verdict") == "Restricted"
        number = page.evaluate("window.admLastResult.number")
        _shot(page, f"admission-en-{size}")
        data = _data_texts(database)
        texts = {"/admission": page.evaluate(VISIBLE_TEXT) + "\n" + refused}
        page.goto(f"{live_url}/admission/checks")
        texts["/admission/checks"] = page.evaluate(VISIBLE_TEXT)
        page.goto(f"{live_url}/admission/checks/{number}/print")
        texts["sheet"] = page.evaluate(VISIBLE_TEXT)
        assert "E 120°20′25.80″" in texts["sheet"] and number in texts["sheet"]
        _shot(page, f"sheet-en-{size}")
        for where, text in texts.items():
            left = _left_over(text.replace(number, " "), data)
            if left:
                found[where] = left
    assert not errors, errors
    assert not found, found
