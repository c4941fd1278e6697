"""The leader's map in tile mode, in headless Chromium (the demo, the threshold lowered to 0):
cells and points come from /tiles/… and no shape from /api/map/cells; a red cell is drawn
in red, a point opens its popup, a cell its popup with 定级依据, and the levels filter
reaches the tiles (a blue cell is no longer drawn). Wide and phone widths in one run."""

from __future__ import annotations

import os

import pytest

from geoapp.store.demo import load_demo
from tests.support.apps import make_app, make_user, wait_until_ready
from tests.support.browser import log_in, watched_page

SHOTS = os.environ.get("GEOAPP_SHOTS", "/tmp/shots-tiles")

# the RGBA of the cells' canvas at a place (its label place: inside the cell, off its edges)
PIXEL = """([lon, lat]) => {
  const map = window.geoappMap, p = map.latLngToContainerPoint([lat, lon]);
  const box = map.getContainer().getBoundingClientRect(), x = box.left + p.x, y = box.top + p.y;
  for (const c of document.querySelectorAll('.leaflet-overlay-pane canvas.leaflet-tile')) {
    const r = c.getBoundingClientRect();
    if (x < r.left || x >= r.right || y < r.top || y >= r.bottom) continue;
    const d = c.getContext('2d').getImageData(
      Math.floor((x - r.left) * c.width / r.width), Math.floor((y - r.top) * c.height / r.height),
      1, 1).data;
    return Array.from(d);
  }
  return null;
}"""


@pytest.fixture
def embedded(tmp_path):
    """The embedded default only: the two backends' tiles are compared byte for byte in
    tests/web/test_vector_tiles.py; a PostGIS browser run here left tile requests running
    past the app's disposal (a connection closed by the collector) under load."""
    from tests.support.databases import _fresh

    database = _fresh(f"sqlite:///{tmp_path / 'tiles.sqlite3'}")
    yield database
    database.dispose()


@pytest.fixture
def app(embedded, rules):
    database = embedded
    load_demo(database, rules, echo=lambda _msg: None)
    make_user(database, "leader")
    return make_app(database, MAP_TILE_CELLS=0, MAP_TILE_POINTS=0)


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def _cell(page, level: str) -> dict:
    return page.evaluate("""(level) => {
      const c = window.geoappMapUi.state.cells, M = window.geoappMapApp;
      const i = c.level.findIndex((lv, k) => M.LEVELS[lv] === level && !c.hazards[k][1]);
      return {code: c.code[i], at: c.label_at[i]};
    }""", level)


def _go(page, latlng: str, zoom: int) -> None:
    """Set the view once the map is still (a view set during a zoom animation is undone)."""
    page.evaluate(f"window.geoappMapApp.whenStill(() => window.geoappMap.setView([{latlng}], "
                  f"{zoom}, {{animate: false}}))")
    page.wait_for_function(f"() => window.geoappMap.getZoom() === {zoom} && "
                           "!window.geoappMap._animatingZoom")


def _screen(page, lon: float, lat: float) -> list[float]:
    """Where a place is in the page's viewport (the page scrolled to its top)."""
    return page.evaluate(f"""() => {{ window.scrollTo(0, 0);
      const p = window.geoappMap.latLngToContainerPoint([{lat}, {lon}]);
      const b = window.geoappMap.getContainer().getBoundingClientRect();
      return [b.left + p.x, b.top + p.y]; }}""")


def _drawn(page, at, rgb) -> None:
    page.wait_for_function(f"""() => {{ const d = ({PIXEL})({at!r});
      return d && d[3] > 150 && Math.abs(d[0] - {rgb[0]}) < 8 && Math.abs(d[1] - {rgb[1]}) < 8
        && Math.abs(d[2] - {rgb[2]}) < 8; }}""")


def _open_map(page, base: str) -> None:
    """Log in as the leader and wait for the map's first view."""
    log_in(page, base, "leader")
    page.wait_for_url(f"{base}/")
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


def test_the_map_in_tile_mode(app, live_url, browser):
    os.makedirs(SHOTS, exist_ok=True)
    for width, height in ((1440, 900), (390, 844)):
        with watched_page(browser, width, height) as (page, requests, errors):
            _open_map(page, live_url)
            config = page.evaluate("window.geoappMapApp.config")
            assert config["tiles"] == {"cells": True, "points": True}
            colours = config["colours"]
            red, blue = _cell(page, "red"), _cell(page, "blue")
            # colours: the red cell red, the blue one blue, at the cells' opacity
            _go(page, f"{red['at'][1]}, {red['at'][0]}", 15)
            _drawn(page, red["at"], _rgb(colours["red"]))
            _go(page, f"{blue['at'][1]}, {blue['at'][0]}", 15)
            _drawn(page, blue["at"], _rgb(colours["blue"]))
            assert any("/tiles/cells/15/" in u for u in requests)
            assert any("/tiles/points/15/" in u for u in requests)
            assert all("geometry=0" in u for u in requests if "/api/map/cells" in u)
            page.screenshot(path=f"{SHOTS}/map-tiles-{width}x{height}.png")

            # a point's popup: tap the first point of the tile in view
            point = page.evaluate("""async () => {
              const b = window.geoappMap.getBounds();
              const r = await fetch(`/api/map/points?bbox=${b.getWest()},${b.getSouth()},` +
                                    `${b.getEast()},${b.getNorth()}&zoom=22`);
              const p = (await r.json()).points[0];
              return {id: p[0], lon: p[3], lat: p[4]};
            }""")
            _go(page, f"{point['lat']}, {point['lon']}", 19)
            page.wait_for_function(f"""() => {{
              const d = ({PIXEL.replace('.leaflet-overlay-pane', '.leaflet-marker-pane')})(
                [{point['lon']}, {point['lat']}]);
              return d && d[3] > 150; }}""")
            page.mouse.click(*_screen(page, point["lon"], point["lat"]))
            popup = page.locator("#point-popup")
            popup.wait_for()
            assert popup.get_attribute("data-id") == str(point["id"])
            page.screenshot(path=f"{SHOTS}/map-tiles-point-{width}x{height}.png")

            # a cell's popup with 定级依据: on a fresh page, the point layers off, tap the red cell
            page.reload()
            page.wait_for_function("() => window.geoappReady !== undefined")
            page.evaluate("window.geoappReady")
            for code in config["t"]["layers"]:
                page.evaluate(f"window.geoappMap.removeLayer(window.geoappFolium.layers[{code!r}])")
            _go(page, f"{red['at'][1]}, {red['at'][0]}", 15)
            _drawn(page, red["at"], _rgb(colours["red"]))
            page.mouse.click(*_screen(page, *red["at"]))
            cell = page.locator("#cell-popup")
            cell.wait_for()
            assert cell.get_attribute("data-code") == red["code"]
            page.locator("#cell-popup .gm-reasons .section").wait_for()
            assert page.locator("#cell-popup .gm-reasons .section").inner_text() == "定级依据"
            page.screenshot(path=f"{SHOTS}/map-tiles-cell-{width}x{height}.png")

            # the filter: blue cells off → the tiles are asked without them, the blue cell gone
            page.evaluate("window.geoappMap.closePopup()")
            _go(page, f"{blue['at'][1]}, {blue['at'][0]}", 15)
            _drawn(page, blue["at"], _rgb(colours["blue"]))
            page.evaluate("""() => {
              const box = document.querySelector("#f-levels input[value='blue']");
              box.checked = false; box.dispatchEvent(new Event('change')); }""")
            _go(page, f"{blue['at'][1]}, {blue['at'][0]}", 15)
            page.wait_for_function(f"() => {{ const d = ({PIXEL})({blue['at']!r}); "
                                   "return d && d[3] === 0; }")
            assert any("/tiles/cells/" in u and "levels=red%2Corange%2Cyellow" in u
                       for u in requests)
            assert not errors, errors
            # every tile asked for is answered before the page and the server go (a request
            # still running when the app is disposed would leave its connection open)
            page.wait_for_load_state("networkidle")


def test_the_first_view_is_made_before_it_is_asked(embedded, rules, browser):
    """With warm start on, every tile the first view of the whole territory asks for, on a
    desk and on a phone, was made by the warm-up before the page was opened."""
    import shapely

    from geoapp.map import vtiles
    from tests.support.browser import serve

    load_demo(embedded, rules, echo=lambda _msg: None)
    make_user(embedded, "leader")
    app = make_app(embedded, WARM_START=True, MAP_TILE_CELLS=0, MAP_TILE_POINTS=0)
    wait_until_ready(app)
    snap = app.extensions["geoapp.mapcache"]._snapshot
    seeded, territory = set(snap.vector_tiles), shapely.box(*shapely.total_bounds(
        snap.geometry.geoms))
    url, stop = serve(app)
    try:
        for width, height in ((1440, 900), (390, 844)):
            with watched_page(browser, width, height) as (page, requests, errors):
                _open_map(page, url)
                page.wait_for_load_state("networkidle")
                asked = {tuple(u.split("/tiles/")[1].partition("?")[0].removesuffix(".mvt")
                               .split("/")) for u in requests if "/tiles/" in u}
                assert {k[0] for k in asked} == {"cells", "points"}, requests
                assert app.extensions["geoapp.mapcache"]._snapshot is snap
                # the tiles the page's requests had to make: only beyond the territory,
                # where a tile holds nothing (no encoding)
                made = set(snap.vector_tiles) - seeded
                assert not [k[:4] for k in made if shapely.box(*vtiles.lonlat_box(
                    *k[1:4], 0)).intersects(territory)]
                assert any(shapely.box(*vtiles.lonlat_box(int(z), int(x), int(y), 0))
                           .intersects(territory) for _kind, z, x, y in asked)
                assert not errors, errors
    finally:
        stop()


def test_a_province_sized_map_stays_light(embedded, rules, browser):
    """Past GEOAPP_MAP_CELL_OPTIONS cells (lowered to 5 here) the cell list waits for a
    village, saying so; zoomed out until cells are specks, a tile's feature is a village's
    cells of one level, drawn in that level's colour, and a tap on it zooms in."""
    load_demo(embedded, rules, echo=lambda _msg: None)
    make_user(embedded, "leader")
    app = make_app(embedded, MAP_TILE_CELLS=0, MAP_TILE_POINTS=0, MAP_CELL_OPTIONS=5)
    from tests.support.browser import serve

    base, stop = serve(app)
    with watched_page(browser, 1440, 900) as (page, requests, errors):
        _open_map(page, base)
        cells = page.locator("#f-cell")
        assert cells.is_disabled()
        assert cells.locator("option").all_inner_texts() == ["网格太多，请先选镇/街道或村/社区"]
        # a village of at most 5 cells opens the list with exactly its cells
        village, codes = page.evaluate("""() => {
          const c = window.geoappMapUi.state.cells, by = {};
          c.code.forEach((code, i) => (by[c.villages[c.village[i]][0]] ||= []).push(code));
          return Object.entries(by).find(([v, list]) => list.length <= 5); }""")
        page.select_option("#f-village", village)
        page.wait_for_function("() => !document.getElementById('f-cell').disabled")
        values = cells.locator("option").evaluate_all("os => os.map(o => o.value)")
        assert values == [""] + sorted(codes)
        page.select_option("#f-cell", codes[0])
        page.wait_for_function(f"() => window.geoappMapUi.state.filters.cell === {codes[0]!r}")
        page.select_option("#f-village", "")

        # zoomed out: the red cell's village drawn red from a merged feature
        red = _cell(page, "red")
        z = _merged_zoom(app)
        for code in page.evaluate("Object.keys(window.geoappMapApp.config.t.layers)"):
            page.evaluate(f"window.geoappMap.removeLayer(window.geoappFolium.layers[{code!r}])")
        _go(page, f"{red['at'][1]}, {red['at'][0]}", z)
        _drawn(page, red["at"], _rgb(page.evaluate("window.geoappMapApp.config.colours")["red"]))
        assert any(f"/tiles/cells/{z}/" in u for u in requests)
        page.mouse.click(*_screen(page, *red["at"]))
        page.wait_for_function(f"() => window.geoappMap.getZoom() === {min(z + 2, 19)}")
        assert not page.locator("#cell-popup").count()
        page.screenshot(path=f"{SHOTS}/map-tiles-merged-1440x900.png")
        assert not errors, errors
        page.wait_for_load_state("networkidle")
    stop()


def _merged_zoom(app) -> int:
    """The highest zoom whose cells tiles are merged (geoapp.map.vtiles.coalesced), of the
    snapshot the page's requests made."""
    from geoapp.map import vtiles

    snap = app.extensions["geoapp.mapcache"]._snapshot
    return max(z for z in range(4, 19) if vtiles.coalesced(snap, z))
