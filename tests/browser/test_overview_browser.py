"""The leader's overview in headless Chromium, on the bundled demo, at 1440×900 and 390×844.

A readable overview: at the territory's zoom the cells carry their colour with only
the points that matter on them; village outlines and names are drawn, cell names
once zoomed in; fills are the legend's colour; the headline's figures filter the
map and list what they count; filters zoom to what matches, 清除筛选 and 全域 back
out; nothing matching says why. On a phone (touch, 390×844, Chinese and English): a
popup's × can be tapped, a tap on a red cell under a cluster opens the cell, no
tooltip stays, the top bar and headline keep to 20 % of the height. Loading and
offline: a veil while the cells load, a banner with 重试 when a load fails, points
greyed while they may be stale — on the map and on the cell page.
Screenshots go to /tmp/shots-overview/ (or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import sqlalchemy as sa

from geoapp.store.accounts import find_user
from geoapp.store.models import Point
from tests.support.apps import make_app, make_user
from tests.support.browser import log_in, watched_page

SHOTS = os.environ.get("GEOAPP_SHOTS", "/tmp/shots-overview")
SIZES = [(1440, 900), (390, 844)]
CELL = "SF-07-06"  # a red demo cell


@pytest.fixture
def app(demo_database):
    return make_app(demo_database)


@pytest.fixture
def leader(demo_database, request):
    """A leader account on the shared demo (read-only tests), removed afterwards."""
    # short: a long name would widen the top bar the heights are measured on
    name = "ov" + hashlib.sha1(request.node.name.encode()).hexdigest()[:6]
    make_user(demo_database, name, "leader")
    yield name
    with demo_database.transaction() as s:
        s.delete(find_user(s, name))


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.wait_for_timeout(350)  # Leaflet fades popups and zooms in
    page.screenshot(path=f"{SHOTS}/{name}.png")


def _open_map(page, live_url, user, lang="zh"):
    if lang == "en":
        page.goto(f"{live_url}/login?lang=en")
    log_in(page, live_url, user)
    page.wait_for_url(f"{live_url}/")
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


def _zoom(page):
    return page.evaluate("window.geoappMap.getZoom()")


def _of_cell(page, column, code):
    """A column of /api/map/cells for one cell, as the page holds it."""
    return page.evaluate(f"(M => M.state.cells.{column}[M.cellIndex({code!r})])"
                         "(window.geoappMapApp)")


def _back_home(page, home):
    """Wait until the whole territory is in view again (the legend's size may move the fit
    by a fraction of a zoom level)."""
    page.wait_for_function(f"() => Math.abs(window.geoappMap.getZoom() - {home}) <= 0.5")


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_the_overview_reads_at_a_glance(leader, demo_database, rules, live_url, browser, size):
    tag = f"{size[0]}x{size[1]}"
    with watched_page(browser, *size) as (page, requests, errors):
        _open_map(page, live_url, leader)
        home = page.evaluate("window.geoappMapApp.state.homeZoom")
        assert home == _zoom(page)

        # only the points that matter at the territory's zoom: red, overdue, outside
        last = page.evaluate("window.geoappMapApp.state.lastPoints")
        assert last["key"] is True and last["total"] > 0
        rows = last["points"] + [[None, c[0], c[4], None, None, c[5], c[6]]
                                 for c in last["clusters"]]
        assert all(r[2] == 0 or r[5] & 2 or r[6] for r in rows), rows
        assert "重点点位" in page.locator("#map-status").inner_text()
        # …unless the user asks for all
        if size[0] < 700:
            page.click("#filters-toggle")
        page.check("#f-all-points")
        page.wait_for_function("() => window.geoappMapApp.state.lastPoints.key === false")
        every = page.evaluate("window.geoappMapApp.state.lastPoints.total")
        assert every > last["total"]
        page.uncheck("#f-all-points")
        page.wait_for_function("() => window.geoappMapApp.state.lastPoints.key === true")
        if size[0] < 700:
            page.click("#filters-toggle")

        # village outlines and names at the territory's zoom; cell names once zoomed in
        villages = page.evaluate("window.geoappMapApp.state.cells.villages.length")
        assert page.locator("path.gm-village").count() == villages
        assert page.locator(".gm-village-label").count() >= min(villages, 3)
        assert page.locator(".gm-cell-label").count() == 0
        _shot(page, f"overview-{tag}")
        page.evaluate(f"window.geoappMap.setView(window.geoappMapUi.cellPolygon({CELL!r})"
                      f".getBounds().getCenter(), {home} + 3, {{animate: false}})")
        page.wait_for_function("() => document.querySelectorAll('.gm-cell-label').length > 0")
        names = page.locator(".gm-cell-label").all_inner_texts()
        assert _of_cell(page, "name", CELL) in names
        _shot(page, f"overview-zoomed-{tag}")

        # 全域 brings the whole territory back
        page.click("#map-home")
        _back_home(page, home)

        # the fill is the legend's colour, at the legend swatch's own opacity
        red = page.locator("path.gm-cell-red").first
        swatch = page.locator("#map-legend .legend-item .swatch").first
        assert red.get_attribute("fill") == swatch.get_attribute("data-swatch") == "#e60012"
        assert float(red.get_attribute("fill-opacity")) == float(
            swatch.evaluate("s => getComputedStyle(s).opacity"))
        # Leaflet's attribution carries no flag nor link of its own
        assert page.locator(".leaflet-control-attribution svg").count() == 0
        assert "Leaflet" not in page.locator(".leaflet-control-attribution").inner_text()

        # a headline figure is a button: 重大隐患逾期 filters the map and lists its points
        button = page.locator("#hl-major-overdue")
        assert button.evaluate("b => b.tagName") == "BUTTON"
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        assert page.locator("#f-hazard").input_value() == "major_overdue"
        items = page.locator("#map-list-items li button")
        items.first.wait_for()
        assert page.locator("#map-list-title").inner_text() == "重大隐患逾期"
        listed = items.count()
        assert listed > 0
        assert page.locator("#map-list-note").inner_text().startswith(f"{listed} ")
        page.wait_for_function(f"() => window.geoappMap.getZoom() > {home}")  # to what matches
        page.wait_for_function("() => window.geoappMapApp.state.lastPoints.key === false")
        page.wait_for_timeout(400)  # the points of the view it zoomed to
        shown = page.evaluate("window.geoappMapApp.state.lastPoints")
        assert 0 < shown["total"] <= listed
        assert all(p[5] & 16 for p in shown["points"])  # each has an overdue major hazard
        _shot(page, f"overview-major-overdue-{tag}")
        items.first.click()
        popup = page.locator("#point-popup .hazard .overdue")
        popup.first.wait_for()
        _shot(page, f"overview-major-overdue-point-{tag}")

        # a filter nothing passes says why and offers to clear; clearing zooms back out
        page.evaluate("""() => {
          document.querySelectorAll('#f-levels input')
            .forEach(b => { b.checked = b.value === 'blue'; });
          document.querySelector('#f-levels input').dispatchEvent(new Event('change'));
        }""")
        empty = page.locator("#map-empty")
        empty.wait_for()
        text = page.locator("#map-empty-text").inner_text()
        assert text.startswith("没有符合筛选条件的")
        assert "有重大隐患逾期" in text and "低风险" in text  # the filters in force
        _shot(page, f"overview-empty-{tag}")
        page.click("#map-empty-clear")
        _back_home(page, home)
        assert empty.is_hidden()
        assert page.locator("#map-list").is_hidden()
        assert page.locator("#f-hazard").input_value() == ""
        assert button.get_attribute("aria-pressed") == "false"

        # a cell level in the headline lists those cells; one opens on the map
        page.click("#hl-cells-red")
        page.locator("#map-list-items li button").first.wait_for()
        n_red = page.evaluate("window.geoappMapApp.state.cells.level.filter(l => l === 0).length")
        assert page.locator("#map-list-items li").count() == n_red
        page.locator("#map-list-items li button").first.click()
        page.locator("#cell-popup").wait_for()
        code = page.locator("#cell-popup").get_attribute("data-code")
        assert _of_cell(page, "level", code) == 0
        _shot(page, f"overview-red-cells-{tag}")
        # and the area filter zooms there; 清除筛选 zooms back out
        page.evaluate("window.geoappMap.closePopup()")
        page.click("#map-list-close")
        _back_home(page, home)
        if size[0] < 700:
            page.click("#filters-toggle")
        page.select_option("#f-cell", CELL)
        page.wait_for_function(f"() => window.geoappMap.getZoom() > {home} + 1")
        page.wait_for_timeout(500)  # the zoom's animation
        page.click("#f-reset")
        _back_home(page, home)

        # every layer file's layer is in the legend and the layer toggles, the six place
        # layers among them; a 消防安全重点单位's popup shows its 五包一 team, and its
        # cell page lists it under its layer (nothing in the code names the layer)
        legend = page.locator("#map-legend").text_content()  # folded on a phone
        assert all(spec.label in legend for spec in rules.layers.values()), legend
        toggles = page.locator("#f-layers input").evaluate_all("bs => bs.map(b => b.value)")
        assert set(rules.layers) <= set(toggles), toggles
        point_id, cell, name = _place_point(demo_database, "fire_unit")
        if size[0] < 700:  # the filter panel, opened for the area filter, folds away
            page.click("#filters-toggle")
        page.evaluate(f"window.geoappMapUi.openPoint({point_id})")
        popup = page.locator(f"#point-popup[data-id='{point_id}'] table")
        popup.wait_for()
        text = popup.inner_text()
        assert "消防安全重点单位" in text and "包保网格员" in text and "微型消防站" in text, text
        assert "True" not in text and "False" not in text, text  # yes/no as the ledger says
        _shot(page, f"overview-fire-unit-{tag}")
        page.goto(f"{live_url}/cells/{cell}")
        page.get_by_text(name).first.wait_for()
        assert "消防安全重点单位" in page.locator("main").inner_text()
        _shot(page, f"cell-fire-unit-{tag}")

        assert not errors, errors
        assert all(u.startswith(live_url) or u.startswith("data:") for u in requests)


def _place_point(database, layer):
    """(id, cell code, name) of the first demo point of ``layer`` in a cell."""
    with database.sessions() as s:
        return s.execute(sa.select(Point.id, Point.cell_code, Point.name)
                         .where(Point.layer == layer, Point.cell_code.is_not(None))
                         .order_by(Point.key).limit(1)).one()


# where on screen a cluster sits on a red cell (the first clear of the top controls and
# not covered by the legend or another control)
RED_CLUSTER = """() => {
          const M = window.geoappMapApp, map = window.geoappMap;
          for (const icon of document.querySelectorAll('.gm-cluster-icon')) {
            const r = icon.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
            const at = map.containerPointToLatLng([r.x + r.width / 2 - c.x,
                                                   r.y + r.height / 2 - c.y]);
            const i = M.cellAt(at);
            const x = r.x + r.width / 2, y = r.y + r.height / 2;
            // what a tap there reaches: the icon, not a control or the legend over it
            const top = document.elementFromPoint(x, y);
            if (i >= 0 && M.state.cells.level[i] === 0 && r.top > c.top + 60
                && top && icon.contains(top))
              return {x: x, y: y, code: M.state.cells.code[i]};
          }
          return null; }"""


def _band(page):
    """Height of the top bar and the headline together (px from the top)."""
    return page.evaluate("document.getElementById('headline').getBoundingClientRect().bottom")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_phone_taps_the_map(leader, live_url, browser, lang):
    with watched_page(browser, 390, 844, has_touch=True, is_mobile=True) as (page, _req, errors):
        _open_map(page, live_url, leader, lang)
        band = _band(page)
        assert band <= 0.2 * 844, band
        home = _zoom(page)

        # a tap on a cluster that sits on a red cell opens that cell (no zoom)
        target = page.evaluate(RED_CLUSTER)
        assert target, "no cluster on a red cell at the territory's zoom"
        page.touchscreen.tap(target["x"], target["y"])
        cell = page.locator("#cell-popup")
        cell.wait_for()
        assert cell.get_attribute("data-code") == target["code"]
        assert cell.locator(".gm-zoom-points").count() == 1
        assert _zoom(page) == home
        assert page.locator(".leaflet-tooltip").count() == 0  # no tooltip left by a tap
        _shot(page, f"phone-cluster-cell-{lang}")

        # the popup's × is clear of the layer control: a tap closes the popup
        close = page.locator(".leaflet-popup-close-button")
        close.tap()  # Playwright taps only what would receive the tap
        cell.wait_for(state="detached")

        # the popup's button zooms to the cluster's points instead (the popup panned the map:
        # back to the whole territory first)
        page.locator("#map-home").tap()
        _back_home(page, home)
        # the territory's clusters: the points of the view are drawn once the map is not busy
        page.wait_for_function("() => !window.geoappMap.getContainer().hasAttribute('aria-busy')")
        target = page.evaluate(RED_CLUSTER)
        page.touchscreen.tap(target["x"], target["y"])
        cell.wait_for()
        cell.locator(".gm-zoom-points").tap()
        page.wait_for_function(f"() => window.geoappMap.getZoom() > {home}")

        # a search result's popup: its top within the map, its × tappable
        page.click("#map-home")
        page.click("#filters-toggle")
        page.fill("#search-input", "禾润")
        page.locator("#search-input").press("Enter")
        page.locator("#search-results li button").first.tap()
        popup = page.locator("#point-popup h3")
        popup.wait_for()
        # the pan that brings it into view (animated: on a loaded machine it may take a while)
        page.wait_for_function(
            "() => document.querySelector('.leaflet-popup').getBoundingClientRect().top"
            " >= document.getElementById('geoapp-map').getBoundingClientRect().top")
        assert page.locator(".leaflet-control-layers").is_hidden()  # steps aside meanwhile
        _shot(page, f"phone-search-popup-{lang}")
        page.locator(".leaflet-popup-close-button").tap()
        popup.wait_for(state="detached")
        assert page.locator(".leaflet-control-layers").is_visible()
        assert not errors, errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_headline_fits_a_wide_screen(leader, live_url, browser, lang):
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        _open_map(page, live_url, leader, lang)
        fit = page.evaluate("(() => { const h = document.getElementById('headline');"
                            " return [h.scrollWidth, h.clientWidth]; })()")
        assert fit[0] <= fit[1], fit
        assert _band(page) <= 110
        _shot(page, f"desktop-{lang}")
        assert not errors, errors


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_loading_offline_and_retry(leader, live_url, browser, size):
    tag = f"{size[0]}x{size[1]}"
    with watched_page(browser, *size) as (page, _requests, errors):
        log_in(page, live_url, leader)
        page.wait_for_url(f"{live_url}/")
        page.evaluate("window.geoappReady")

        # while the cells load: a veil that says so; a failed load: a banner with 重试
        held = []
        page.route("**/api/map/cells", lambda route: held.append(route))
        page.reload()
        page.wait_for_function("() => window.geoappMapApp !== undefined")
        for _ in range(50):  # the route handler runs while Playwright waits
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the cells request was not held"
        assert page.locator("#map-loading").is_visible()
        assert "加载中" in page.locator("#map-loading").inner_text()
        _shot(page, f"loading-{tag}")
        held[0].abort()
        banner = page.locator("#map-banner")
        banner.wait_for()
        assert "地图数据未能加载" in banner.inner_text()
        assert page.locator("#map-loading").is_hidden()
        page.unroute("**/api/map/cells")
        page.click("#map-retry")
        page.evaluate("window.geoappReady")
        assert banner.is_hidden()
        assert page.locator(".gm-pt").count() + page.locator(".gm-cluster").count() > 0

        # offline: a reload of the points fails, the old ones are greyed and the banner
        # says so; back online they load again and the map is current
        page.context.set_offline(True)
        page.evaluate("window.geoappMap.panBy([60, 40], {animate: false})")
        banner.wait_for()
        assert "网络已断开" in banner.inner_text() and "可能已过时" in banner.inner_text()
        assert page.locator(".map-area.gm-stale").count() == 1
        opacity = page.locator(".gm-pt-icon, .gm-cluster-icon").first.evaluate(
            "e => getComputedStyle(e).opacity")
        assert float(opacity) < 0.5
        _shot(page, f"offline-{tag}")
        page.context.set_offline(False)  # back online the map loads again by itself
        page.wait_for_function("() => !document.querySelector('.map-area.gm-stale')")
        assert banner.is_hidden()

        # the cell page: loading shown, a failed load with 重试, stale parts greyed
        page.goto(f"{live_url}/cells/{CELL}")
        page.evaluate("window.geoappReady")
        assert page.locator("#cell-loading").is_hidden()
        page.context.set_offline(True)
        page.evaluate("window.geoappCell.reload()")
        failed = page.locator("#cell-load-failed")
        failed.wait_for()
        assert "数据加载失败" in failed.inner_text() and "可能已过时" in failed.inner_text()
        assert page.evaluate("document.body.classList.contains('is-stale')")
        _shot(page, f"cell-offline-{tag}")
        page.context.set_offline(False)
        if failed.is_visible():  # back online the page may have loaded again by itself
            page.click("#cell-retry")
        failed.wait_for(state="hidden")
        assert not page.evaluate("document.body.classList.contains('is-stale')")
        assert not errors, errors


def test_zeroing_figures_are_buttons(database, rules, browser):
    """存量未清 and 年新增 filter the map and list what they count (a hand-made territory:
    the shared demo has neither in the tests' year)."""
    import datetime as dt

    from tests.support.apps import shop_with_hazard
    from tests.support.browser import serve

    shop_with_hazard(database, rules, found_on=dt.date(2023, 5, 1))  # stock, still open
    make_user(database, "lead", "leader")
    url, stop = serve(make_app(database))
    try:
        with watched_page(browser, 1440, 900) as (page, _requests, errors):
            _open_map(page, url, "lead")
            stock = page.locator("#hl-stock")
            assert stock.evaluate("b => b.tagName") == "BUTTON"
            assert stock.locator("b").inner_text() == "1"
            stock.click()
            assert stock.get_attribute("aria-pressed") == "true"
            assert page.locator("#f-hazard").input_value() == "major_stock"
            items = page.locator("#map-list-items li button")
            items.first.wait_for()
            assert page.locator("#map-list-title").inner_text() == "存量未清"
            assert items.count() == 1 and "商店（虚构）" in items.first.inner_text()
            _shot(page, "overview-zeroing-stock")
            increment = page.locator("#hl-increment")
            increment.click()
            assert page.locator("#f-hazard").input_value() == "major_increment"
            assert "年新增" in page.locator("#map-list-title").inner_text()
            page.wait_for_function(
                "() => document.querySelector('#map-list-note').textContent.startsWith('0 ')")
            assert page.locator("#map-empty").is_visible()  # nothing found this year: says so
            increment.click()  # a second tap clears
            assert page.locator("#f-hazard").input_value() == ""
            assert page.locator("#map-list").is_hidden()
            assert not errors
    finally:
        stop()
