"""The planner's page in headless Chromium: click a site in the demo chemical park, pick
an industry by searching its name, see the verdict, open the print view.

The chemical park's name carries markup that must show as text and never run, and
every request the browser makes must stay on 127.0.0.1 (the page works offline).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import sqlalchemy as sa

from geoapp.store.demo import load_demo
from geoapp.store.models import Zone
from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page

XSS = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
IN_CHEM_PARK = (31.5805, 120.3405)  # lat, lon: inside GNQ-02 only


def click_at(page, lat: float, lon: float) -> None:
    """Click the map at a WGS84 position (through Leaflet's own projection), zoomed in first
    (zoom 15: a pixel is a few metres; at the whole county's zoom it is some 60 m)."""
    xy = page.evaluate("""([lat, lon]) => {
        const m = window.admMap;
        if (m.getZoom() < 15 || !m.getBounds().pad(-0.1).contains([lat, lon]))
          m.setView([lat, lon], Math.max(m.getZoom(), 15), {animate: false});
        const p = m.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }""", [lat, lon])
    box = page.locator("#adm-map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


def test_planner_checks_a_site_in_the_chemical_park(database, rules, live_url, browser):
    load_demo(database, rules, echo=lambda _msg: None)
    with database.transaction() as s:
        s.scalar(sa.select(Zone).where(Zone.code == "GNQ-02")).name = "示范化工园区" + XSS
    make_user(database, "planner")
    with watched_page(browser, 1280, 800) as (page, requests, errors):
        log_in(page, live_url, "planner", next_path="/admission")
        page.wait_for_url(f"{live_url}/admission")
        page.evaluate("window.admZonesReady")
        # the zones (the installations' marks are interactive too: their names on hover)
        assert page.locator("#adm-map path.leaflet-interactive:not(.adm-mh)").count() == 4

        click_at(page, *IN_CHEM_PARK)
        lon, lat = (float(v) for v in page.input_value("#adm-coords").split(","))
        assert abs(lon - IN_CHEM_PARK[1]) < 2e-4 and abs(lat - IN_CHEM_PARK[0]) < 2e-4
        assert page.input_value("#adm-crs") == "wgs84"

        page.fill("#adm-industry", "有机化学")
        page.click("#adm-industry-list li[data-code='2614']")
        assert "2614" in page.inner_text("#adm-industry-picked")
        page.click("#adm-check")
        page.wait_for_selector("#adm-result:not([hidden])")
        assert page.inner_text("#adm-verdict") == "限制"
        zones = page.inner_text("#adm-zones")
        assert "示范化工园区" + XSS in zones and "GNQ-02" in zones  # markup shown as text
        assert "第四条第（一）项" in zones and "HAZOP" in zones and "演示目录（虚构）" in zones
        assert "重大风险" in page.inner_text("#adm-cells")
        hazards = page.inner_text("#adm-hazards")
        assert "一级" in hazards and "米" in hazards
        # on the map: the site, the 500 m search area, the touched cell, the installations
        assert page.evaluate("window.admLastResult.buffers.length") == 1
        assert page.locator("#adm-map path").count() >= 7
        n = page.evaluate("window.admLastResult.nearby_major_hazards.length")
        assert n >= 1 and page.locator("#adm-map .adm-hz").count() == n  # numbered as listed
        assert page.locator("#adm-hazards .adm-hz-n").count() == n

        href = page.get_attribute("#adm-print", "href")
        sheet = page.context.new_page()
        sheet.goto(live_url + href)
        text = sheet.inner_text("body")
        assert "核查结论：限制" in text and "2614 有机化学原料制造" in text
        assert "示范化工园区" + XSS in text
        assert page.evaluate("window.__xss") is None and sheet.evaluate("window.__xss") is None
    assert not errors, errors
    hosts = {urlsplit(u).hostname for u in requests if not u.startswith("data:")}
    assert hosts == {"127.0.0.1"}, hosts


def test_planner_draws_a_polygon_and_types_gcj02(database, rules, live_url, browser):
    load_demo(database, rules, echo=lambda _msg: None)
    with watched_page(browser, 360, 740, is_mobile=True) as (page, _requests, errors):
        page.goto(f"{live_url}/admission")  # no accounts yet: open, as every page
        page.evaluate("window.admZonesReady")
        page.check("input[name=mode][value=polygon]")
        lat, lon = IN_CHEM_PARK
        for dlat, dlon in ((0, 0), (0, 0.002), (0.0015, 0.002)):
            click_at(page, lat + dlat, lon + dlon)
        page.click("#adm-finish")
        assert len(page.input_value("#adm-coords").splitlines()) == 3
        page.fill("#adm-industry", "C2672")
        page.click("#adm-check")
        page.wait_for_selector("#adm-result:not([hidden])")
        assert page.inner_text("#adm-verdict") == "禁止"
        assert page.evaluate("window.admLastResult.site.type") == "Polygon"
        # typed GCJ-02 coordinates (as copied from 高德) are converted and said so
        page.fill("#adm-coords", "120.345050,31.578000")
        page.select_option("#adm-crs", "gcj02")
        page.click("#adm-check")
        page.wait_for_function("() => window.admLastResult.crs_used === 'gcj02'")
        assert "GCJ-02" in page.inner_text("#adm-meta")
        # the map, the form and the result all fit the 360 px screen
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, width
    assert not errors, errors


def test_double_click_finish_and_crs_locked_while_clicked(database, rules, live_url, browser):
    """A dblclick adds its vertex once; clicked (WGS84) points lock the CRS until edited."""
    load_demo(database, rules, echo=lambda _msg: None)
    with watched_page(browser, 1000, 800) as (page, _requests, errors):
        page.goto(f"{live_url}/admission")
        page.evaluate("window.admZonesReady")
        page.check("input[name=mode][value=polygon]")
        lat, lon = IN_CHEM_PARK
        click_at(page, lat, lon)
        click_at(page, lat, lon + 0.002)
        # Leaflet sees click, click, dblclick here: the last vertex must be added once
        xy = page.evaluate("([lat, lon]) => { const p = window.admMap.latLngToContainerPoint("
                           "[lat, lon]); return [p.x, p.y]; }", [lat + 0.0015, lon + 0.002])
        box = page.locator("#adm-map").bounding_box()
        page.mouse.dblclick(box["x"] + xy[0], box["y"] + xy[1])
        wgs = [tuple(map(float, ln.split(","))) for ln in
               page.input_value("#adm-coords").splitlines()]
        assert len(wgs) == 3 and page.input_value("#adm-crs") == "wgs84"
        # clicked points are WGS84: the coordinate system stays locked to it, with a note
        assert page.locator("#adm-crs").is_disabled()
        assert page.locator("#adm-crs-note").is_visible()
        page.fill("#adm-industry", "C2672")
        page.click("#adm-check")
        page.wait_for_function(
            "() => window.admLastResult && window.admLastResult.crs_used === 'wgs84'")
        ring = page.evaluate("window.admLastResult.site.coordinates[0]")
        assert len(ring) == 4  # three vertices and the closing one
        for v in wgs:  # where clicked (the ring may be re-oriented)
            assert np.abs(np.array(ring[:3]) - v).max(axis=1).min() < 3e-6, (v, ring)
        # typed coordinates are the planner's: typing unlocks the system, the text stays
        page.fill("#adm-coords", "120.345050,31.578000")
        assert page.locator("#adm-crs").is_enabled()
        assert page.locator("#adm-crs-note").is_hidden()
        page.select_option("#adm-crs", "gcj02")
        assert page.input_value("#adm-coords") == "120.345050,31.578000"
    assert not errors, errors
