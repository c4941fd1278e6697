"""A public report from a phone to the map, in headless Chromium.

On a phone (390×844, emulated position): the public form without logging in, the place
from the phone's position, a category, a description and a photo; the receipt code, and
its page. At a desk (1440×900): a supervisor opens 群众举报 from the top bar, verifies the
report into a hazard at a point made on the spot, and the map's popup of that point shows
the open hazard with its source 群众举报. The receipt then reads 查实 with the reply.
Screenshots go to /tmp/shots-pub/ (or GEOAPP_SHOTS).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store.models import Cell, Hazard, Photo, PublicReport, Town, Village
from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page
from tests.support.images import jpeg

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-pub"))
WHERE = {"latitude": 31.0052, "longitude": 120.0148}  # in cell B


@pytest.fixture
def territory(database):
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        for code, x in (("A", 120.0), ("B", 120.01)):
            s.add(Cell(code=code, name=f"{code}网格", village=village,
                       geom=shapely.MultiPolygon([shapely.box(x, 31, x + 0.01, 31.01)])))
    make_user(database, "supervisor")


def test_a_phone_files_a_report_and_a_supervisor_verifies_it_onto_the_map(
        territory, database, live_url, browser, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    photo = tmp_path / "堵塞.jpg"
    photo.write_bytes(jpeg(size=(640, 480)))
    with watched_page(browser, 390, 844, geolocation=WHERE, permissions=["geolocation"],
                      is_mobile=True, has_touch=True) as (page, requests, errors):
        page.goto(f"{live_url}/report")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SHOTS / "report-390.png"), full_page=True)
        page.click("#pr-locate")
        page.wait_for_function("() => document.getElementById('pr-lat').value !== ''")
        assert "WGS84" in page.inner_text("#pr-place")
        page.select_option("#pr-category", "fire_exit")
        page.fill("#pr-description", "厂房北侧消防通道被货物堵死（浏览器测试）")
        page.set_input_files("#pr-photos", str(photo))
        page.fill("#pr-phone", "13800000000")
        page.screenshot(path=str(SHOTS / "report-filled-390.png"), full_page=True)
        page.click("#pr-submit")
        page.wait_for_selector("#pr-done", state="visible")
        code = page.inner_text("#pr-code").strip()
        page.click("#pr-follow")
        page.wait_for_url(f"{live_url}/report/{code}")
        assert page.inner_text("#pr-state") == "待核查"
        assert "浏览器测试" not in page.content() and "13800000000" not in page.content()
        page.screenshot(path=str(SHOTS / "receipt-390.png"), full_page=True)
        assert not errors
        # nothing from another host: the form works offline
        assert all(u.startswith(live_url) or u.startswith("data:") for u in requests), requests
    with database.sessions() as s:
        report = s.scalar(sa.select(PublicReport).where(PublicReport.code == code))
        assert (report.cell_code, report.outside) == ("B", False)
        assert (round(report.lon, 4), round(report.lat, 4)) == (120.0148, 31.0052)
        assert s.scalar(sa.select(sa.func.count()).select_from(Photo).where(
            Photo.public_report_id == report.id)) == 1

    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "supervisor")
        page.wait_for_url(f"{live_url}/")
        page.click(".topbar nav.pages a[href='/public-reports']")
        page.wait_for_selector(".pq-card")
        card = page.locator(".pq-card").first
        assert "13800000000" in card.inner_text()  # a supervisor sees the phone
        assert card.locator(".pq-photos img").count() == 1
        page.screenshot(path=str(SHOTS / "queue-1440.png"), full_page=True)
        card.locator(".pq-note").fill("现场核实，通道确被堵塞")
        card.locator(".pq-reply").fill("经核查属实，已责令整改，感谢您的举报。")
        card.locator(".pq-do-verify").click()
        page.wait_for_selector(".pq-card.state-verified")
        page.screenshot(path=str(SHOTS / "queue-verified-1440.png"), full_page=True)
        with database.sessions() as s:
            report = s.scalar(sa.select(PublicReport).where(PublicReport.code == code))
            hazard = s.get(Hazard, report.hazard_id)
            assert hazard.source == "public_report" and hazard.point.cell_code == "B"
            point_id = hazard.point_id
        # the map: the point is among the map's points, and its popup shows the hazard
        page.goto(f"{live_url}/")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        ids = page.evaluate("""async () => {
            const r = await fetch('/api/map/points?bbox=119.99,30.99,120.03,31.02&zoom=18');
            return (await r.json()).points.map(p => p[0]);
        }""")
        assert point_id in ids
        page.evaluate(f"window.geoappMapUi.openPoint({point_id})")
        page.wait_for_selector("#point-popup .hazard-source")
        assert page.inner_text("#point-popup .hazard-source") == "群众举报"
        page.screenshot(path=str(SHOTS / "map-1440.png"))
        assert not errors

    with watched_page(browser, 390, 844) as (page, _requests, errors):
        page.goto(f"{live_url}/report/{code}")
        assert page.inner_text("#pr-state") == "查实"
        assert page.inner_text("#pr-reply") == "经核查属实，已责令整改，感谢您的举报。"
        assert "现场核实" not in page.content()
        assert not errors
