"""The offline basemap on the three maps in headless Chromium: the leader's map, a grid
member's cell page and the planner's admission map each ask /basemap/ for tiles and
show them (raster PNG from an MBTiles; vector tiles from a PMTiles drawn by the vendored
protomaps-leaflet), at a desktop's 1440×900 and a phone's 390×844, with every request on
127.0.0.1. Screenshots go to /tmp/shots-basemap/ (or GEOAPP_SHOTS)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from geoapp.basemap.installed import Basemap
from geoapp.store.accounts import find_user
from tests.support.apps import make_app, make_user
from tests.support.basemaps import raster_tiles, vector_tiles, write_mbtiles, write_pmtiles
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-basemap"))
LOADED = """(sel) => [...document.querySelectorAll(sel + ' img.leaflet-tile-loaded')]
  .filter(i => i.src.includes('/basemap/') && i.naturalWidth === 256).length"""
# pixels of the vector tiles' lake (tests.support.basemaps.mvt_tile), drawn in the
# generic style's water colour #a8c8e8 on the tile canvases
WATER_PIXELS = """() => {
  let n = 0;
  for (const c of document.querySelectorAll('.leaflet-tile-pane canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < d.length; i += 4)
      if (Math.abs(d[i] - 168) + Math.abs(d[i + 1] - 200) + Math.abs(d[i + 2] - 232) < 12) n++;
  }
  return n; }"""


def _installed(folder: Path, tile_file: Path) -> str:
    basemap = Basemap(folder)
    basemap.install_file(tile_file, "test").tileset.close()
    return str(folder)


@pytest.fixture
def app(demo_database, tmp_path):
    tiles = write_mbtiles(tmp_path / "demo-raster.mbtiles", raster_tiles())
    return make_app(demo_database, BASEMAP_DIR=_installed(tmp_path / "basemap", tiles))


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _tiles_shown(page, responses, selector: str) -> int:
    # tiles arrive one by one: wait for two (each map spans several), counted in the same
    # evaluation (counted after, a zoom that settles late can have dropped them meanwhile)
    shown = page.wait_for_function(f"(sel) => {{ const n = ({LOADED})(sel); return n >= 2 && n; }}",
                                   arg=selector, timeout=20000).json_value()
    served = [r for r in responses if "/basemap/" in r.url and r.status == 200
              and r.headers.get("content-type") == "image/png"]
    assert served, "no basemap tile came back"
    return shown


@pytest.mark.parametrize("width,height", [(1440, 900), (390, 844)])
def test_the_three_maps_show_the_offline_basemap(demo_database, live_url, browser,
                                                 width, height):
    users = {"leader": {}, "grid": {"cells": ["SF-05-01"]}, "planner": {}}
    for role, extra in users.items():
        make_user(demo_database, f"bm_{role}_{width}", role, **extra)
    try:
        for role, path, selector, open_map in (
                ("leader", "/", ".leaflet-container", None),
                ("grid", "/cells/SF-05-01", "#cell-map", "#map-panel"),
                ("planner", "/admission", "#adm-map", None)):
            with watched_page(browser, width, height) as (page, requests, errors):
                responses = []
                page.on("response", lambda r, into=responses: into.append(r))
                log_in(page, live_url, f"bm_{role}_{width}", next_path=path)
                page.wait_for_url(f"{live_url}{path}")
                if open_map and not page.evaluate(f"document.querySelector({open_map!r}).open"):
                    page.click(f"{open_map} > summary")  # folded on a phone
                shown = _tiles_shown(page, responses, selector)
                assert shown >= 2, (role, shown)
                assert any(u.endswith("/basemap/meta.json") for u in requests)
                # the file's attribution is on the map (the cell page adds the control)
                attribution = page.inner_text(f"{selector} .leaflet-control-attribution")
                assert "测试底图（虚构）" in attribution
                page.locator(selector).scroll_into_view_if_needed()
                page.wait_for_load_state("networkidle")
                _shot(page, f"{role}_{width}x{height}")
                assert not errors, errors
                hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
                assert hosts == {"127.0.0.1"}, hosts
    finally:
        with demo_database.transaction() as s:
            for role in users:
                s.delete(find_user(s, f"bm_{role}_{width}"))


def test_vector_tiles_are_drawn_on_the_leaders_map(demo_database, browser, tmp_path):
    from tests.support.browser import serve

    tiles = write_pmtiles(tmp_path / "demo-vector.pmtiles", vector_tiles(), "pbf")
    app = make_app(demo_database, BASEMAP_DIR=_installed(tmp_path / "vector", tiles))
    url, stop = serve(app)
    make_user(demo_database, "bm_vector_leader", "leader")
    try:
        with watched_page(browser, 1440, 900) as (page, requests, errors):
            responses = []
            page.on("response", lambda r: responses.append(r))
            log_in(page, url, "bm_vector_leader")
            page.wait_for_url(f"{url}/")
            page.wait_for_function(f"() => ({WATER_PIXELS})() > 1000", timeout=20000)
            pbf = [r for r in responses if "/basemap/" in r.url and r.url.split("?")[0]
                   .endswith(".pbf") and r.status == 200]
            assert pbf and pbf[0].headers["content-encoding"] == "gzip"
            assert any("vendor/protomaps-leaflet/protomaps-leaflet.js" in u for u in requests)
            page.wait_for_load_state("networkidle")
            _shot(page, "leader_vector_1440x900")
            assert not errors, errors
    finally:
        stop()
        with demo_database.transaction() as s:
            s.delete(find_user(s, "bm_vector_leader"))


def test_an_admin_installs_a_basemap_in_the_browser(demo_database, browser, tmp_path):
    """/admin/basemap: a ledger sent as a basemap is refused with its reason on the page,
    then an MBTiles installs and the page shows it (1440×900, then a phone's 390×844)."""
    from tests.support.browser import serve

    live_url, stop = serve(make_app(demo_database, BASEMAP_DIR=str(tmp_path / "none")))
    make_user(demo_database, "bm_admin", "admin")
    try:
        _admin_installs(browser, live_url, tmp_path)
    finally:
        stop()
        with demo_database.transaction() as s:
            s.delete(find_user(s, "bm_admin"))


def _admin_installs(browser, live_url, tmp_path):
    bad = tmp_path / "企业台账.mbtiles"
    bad.write_text("企业名称,经度,纬度\n", encoding="utf-8")
    good = write_mbtiles(tmp_path / "县底图.mbtiles", raster_tiles(range(0, 8)))
    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "bm_admin", next_path="/admin/basemap")
        page.wait_for_url(f"{live_url}/admin/basemap")
        assert "未安装离线底图" in page.inner_text("#current")
        page.set_input_files("#upload-form input[type=file]", str(bad))
        page.click("#upload-form button[type=submit]")
        page.wait_for_function("() => document.querySelector('#upload-form .error')"
                               ".textContent.length > 0")
        message = page.inner_text("#upload-form .error")
        assert "企业台账.mbtiles" in message and "不是 MBTiles 或 PMTiles 文件" in message
        _shot(page, "admin_refused_1440x900")
        page.set_input_files("#upload-form input[type=file]", str(good))
        with page.expect_navigation():
            page.click("#upload-form button[type=submit]")
        assert page.inner_text("#bm-file") == "县底图.mbtiles"
        assert "MBTILES · PNG" in page.inner_text("#bm-kind")
        _shot(page, "admin_installed_1440x900")
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, "admin_installed_390x844")
        page.once("dialog", lambda d: d.accept())
        with page.expect_navigation():
            page.click("#remove")
        assert "未安装离线底图" in page.inner_text("#current")
        assert not errors, errors
