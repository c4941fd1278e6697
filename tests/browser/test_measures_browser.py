"""Supervisory measures on the cell page, in headless Chromium: a supervisor records a
约谈 with its PDF on a hazard's detail; the hazard and the enterprise show it; a grid
member sees it without the form. Phone (390×844) and desk (1440×900).

Screenshots go to /tmp/shots-cover/ (or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from geoapp.store.models import Measure
from tests.support import images
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-cover"))


@pytest.fixture
def site(database, rules):
    point_id, hazard_id = shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1),
                                           deadline=dt.date(2030, 5, 31))
    make_user(database, "supervisor")
    make_user(database, "grid", cells=["A"])
    return point_id, hazard_id


def open_cell(page, base):
    page.goto(f"{base}/cells/A")
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")


@pytest.mark.parametrize("width, height", [(390, 844), (1440, 900)])
def test_a_supervisor_records_a_measure_and_both_details_show_it(site, database, live_url,
                                                                 browser, tmp_path, width,
                                                                 height):
    point_id, hazard_id = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    letter = tmp_path / "约谈通知书.pdf"
    letter.write_bytes(images.pdf_renamed())
    with watched_page(browser, width, height) as (page, _requests, errors):
        log_in(page, live_url, "supervisor")
        page.wait_for_load_state()
        open_cell(page, live_url)
        page.click(f"#hazard-{hazard_id} .row-head")
        row = page.locator(f"#hazard-{hazard_id}")
        assert row.locator(".measures-empty").inner_text() == "暂无督办措施"
        row.locator(".measure-panel > summary").click()
        form = row.locator(".measure-form")
        form.locator("select[name=kind]").select_option("interview")
        form.locator("input[name=date]").fill("2030-06-10")
        form.locator("input[name=unit]").fill("示范镇安监站")
        form.locator("input[name=recipient]").fill("王某（主要负责人，虚构）")
        form.locator("textarea[name=note]").fill("逾期未整改，约谈主要负责人")
        form.locator("input[name=attachment]").set_input_files(str(letter))
        page.screenshot(path=str(SHOTS / f"measure-form-{width}.png"), full_page=True)
        # the POST's answer first, so that a failure says which step failed (a busy CI
        # machine runs two test workers, Chromium and PostgreSQL on two cores: generous
        # timeouts)
        with page.expect_response(lambda r: r.request.method == "POST"
                                  and r.url.endswith("/measures"), timeout=60_000) as posted:
            form.locator("button[type=submit]").click()
        assert posted.value.status == 201, (posted.value.status, posted.value.text())
        try:
            page.wait_for_selector(f"#hazard-{hazard_id} ol.measures li.measure",
                                   timeout=60_000)
        except Exception as exc:  # noqa: BLE001 — said with what the page shows
            shown = page.locator("#cell-load-failed, .measure-form .form-error, #net-banner")
            raise AssertionError(
                f"recorded, not shown: {shown.all_inner_texts()} {errors}") from exc
        item = page.locator(f"#hazard-{hazard_id} ol.measures li.measure")
        text = item.inner_text()
        assert "约谈" in text and "2030-06-10" in text
        assert "示范镇安监站 → 王某（主要负责人，虚构）" in text
        assert item.locator(".measure-file a").inner_text() == "附件：约谈通知书.pdf"
        # the hazard's history has the measure as an event
        history = page.locator(f"#hazard-{hazard_id} ol.history li[data-action=measure]")
        assert history.count() == 1 and "督办措施" in history.inner_text()
        page.screenshot(path=str(SHOTS / f"measure-hazard-{width}.png"), full_page=True)
        # the enterprise's detail lists it with the hazard's code
        page.click(f"#point-{point_id} .row-head")
        on_point = page.locator(f"#point-{point_id} ol.measures li.measure")
        assert on_point.count() == 1 and on_point.locator(".hcode").inner_text().strip() == "H1"
        page.locator(f"#point-{point_id}").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"measure-enterprise-{width}.png"), full_page=True)
        width_used = page.evaluate("() => document.documentElement.scrollWidth")
        assert width_used <= width, "the page is wider than the screen"
        # the reports: the overdue list names the measure, the counts table has it
        page.goto(f"{live_url}/reports?month=2030-06")
        cell = page.locator("#overdue td.measures-cell")
        assert "约谈（示范镇安监站 → 王某（主要负责人，虚构））" in cell.inner_text()
        assert page.locator("#measure-counts tfoot tr").last.inner_text().split()[-1] == "1"
        page.locator("#overdue").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"measure-reports-{width}.png"), full_page=True)
        assert not errors
    with database.sessions() as s:
        stored = s.execute(sa.select(Measure.kind, Measure.hazard_id, Measure.attachment_name,
                                     Measure.recorded_by)).all()
    assert stored == [("interview", hazard_id, "约谈通知书.pdf", "supervisor")]


def test_a_grid_member_sees_measures_without_the_form(site, database, live_url, browser):
    point_id, hazard_id = site
    with database.transaction() as s:
        s.add(Measure(kind="letter", taken_on=dt.date(2030, 6, 2), unit="示范镇人民政府",
                      recipient="商店（虚构）", note="", point_id=point_id,
                      recorded_by="supervisor",
                      recorded_at=dt.datetime(2030, 6, 2, 2, 0, tzinfo=dt.UTC)))
    with watched_page(browser, 390, 844) as (page, _requests, errors):
        log_in(page, live_url, "grid")
        page.wait_for_load_state()
        open_cell(page, live_url)
        page.click(f"#point-{point_id} .row-head")
        box = page.locator(f"#point-{point_id} .measures-box")
        assert "函告" in box.inner_text() and "示范镇人民政府 → 商店（虚构）" in box.inner_text()
        assert box.locator(".measure-panel").count() == 0
        page.click(f"#hazard-{hazard_id} .row-head")
        assert page.locator(f"#hazard-{hazard_id} .measure-panel").count() == 0
        assert not errors
