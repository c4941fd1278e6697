"""审核把关销号 on the cell page, on a phone (390×844), in headless Chromium, both backends.

A hazard awaits acceptance, submitted by the grid member: the grid member's page
offers no step on it; the supervisor's offers 验收 and 退回, and 验收 opens a
confirmation (what will happen, the acceptance note, confirm and cancel). Cancel
changes nothing; confirming without a note is stopped on the page; confirming with
a note closes the hazard. Screenshots go to /tmp/shots-duty/ (or GEOAPP_SHOTS) for a
person to look at (and one at 1440×900).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from geoapp.store import hazards
from geoapp.store.models import Hazard, HazardEvent
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, open_hazard, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-duty"))
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def submitted(database, rules):
    """A major hazard in cell A, started and submitted by the grid member of A."""
    _point, hazard_id = shop_with_hazard(database, rules, cells="A", level="major",
                                         found_on=dt.date(2030, 6, 1))
    make_user(database, "网格员甲", "grid", cells=["A"])
    make_user(database, "监管员乙", "supervisor")
    with database.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        hazards.transition(hazard, "start", "网格员甲")
        hazards.transition(hazard, "submit", "网格员甲", "已整改，附照片")
    return hazard_id


def stored(database, hazard_id):
    with database.sessions() as s:
        h = s.get(Hazard, hazard_id)
        return h.state, h.version, len(s.query(HazardEvent).filter_by(hazard_id=hazard_id).all())


def log_out(page, live_url):
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    page.request.post(f"{live_url}/logout", headers={"X-CSRFToken": token})


def open_row(page, live_url, hazard_id):
    page.wait_for_url(f"{live_url}/cells/A")
    page.wait_for_function("() => window.geoappReady !== undefined")
    page.evaluate("window.geoappReady")
    return open_hazard(page, hazard_id)


def test_the_supervisor_accepts_after_confirming(submitted, database, live_url, browser):
    hazard_id = submitted
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True,
                      has_touch=True) as (page, _requests, errors):
        # the grid member who submitted it: no step offered on it
        log_in(page, live_url, "网格员甲")
        row = open_row(page, live_url, hazard_id)
        assert row.get_attribute("data-state") == "awaiting_acceptance"
        assert row.locator("button[data-action]").count() == 0
        assert row.locator(".history li[data-action=submit]").count() == 1

        # the supervisor: 验收 and 退回, and 验收 asks first
        log_out(page, live_url)
        log_in(page, live_url, "监管员乙", next_path="/cells/A")
        row = open_row(page, live_url, hazard_id)
        assert [b.get_attribute("data-action") for b in row.locator(".work button").all()] == [
            "accept", "reject"]
        before = stored(database, hazard_id)
        row.locator("button[data-action=accept]").click()
        panel = row.locator(".confirm[role=dialog]")
        panel.wait_for()
        assert panel.locator("h4").inner_text() == "确认：验收通过，销号"
        assert "隐患销号" in panel.locator(".confirm-what").inner_text()
        assert "网格员甲" in panel.inner_text()  # who submitted it
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "review-confirm-390.png"))
        page.set_viewport_size({"width": 1440, "height": 900})
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "review-confirm-1440.png"))
        page.set_viewport_size(PHONE)

        # cancel: the panel goes, the buttons come back, nothing was sent
        panel.locator("button.confirm-cancel").click()
        assert row.locator(".confirm").count() == 0
        assert row.locator("button[data-action=accept]").is_visible()
        assert stored(database, hazard_id) == before

        # confirming without a note is stopped on the page
        row.locator("button[data-action=accept]").click()
        panel = row.locator(".confirm[role=dialog]")
        panel.locator("button[data-confirm=accept]").click()
        error = panel.locator(".form-error")
        assert error.is_visible() and error.inner_text() == "请填写验收意见"
        assert panel.locator("textarea.note").get_attribute("aria-invalid") == "true"
        page.screenshot(path=str(SHOTS / "review-confirm-no-note-390.png"))
        assert stored(database, hazard_id) == before

        # with the note: closed, the panel gone, the note in the history
        panel.locator("textarea.note").fill("现场复查，整改到位")
        panel.locator("button[data-confirm=accept]").click()
        page.wait_for_selector(f"#closed-list #hazard-{hazard_id}[data-state=closed]",
                               state="attached")
        assert page.locator(".confirm").count() == 0
        assert stored(database, hazard_id) == ("closed", before[1] + 1, before[2] + 1)
        with database.sessions() as s:
            last = s.get(Hazard, hazard_id).events[-1]
            assert (last.action, last.actor, last.note) == (
                "accept", "监管员乙", "现场复查，整改到位")
        assert not errors, errors


def test_the_supervisor_who_submitted_is_offered_only_the_return(submitted, database, rules,
                                                                live_url, browser):
    hazard_id = submitted
    with database.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        hazards.transition(hazard, "reject", "监管员丙", "补充照片")
        hazards.transition(hazard, "submit", "监管员乙", "代为提请")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True,
                      has_touch=True) as (page, _requests, errors):
        log_in(page, live_url, "监管员乙", next_path="/cells/A")
        row = open_row(page, live_url, hazard_id)
        assert [b.get_attribute("data-action") for b in row.locator(".work button").all()] == [
            "reject"]
        row.locator("button[data-action=reject]").click()
        panel = row.locator(".confirm-reject[role=dialog]")
        assert panel.locator("h4").inner_text() == "确认：验收不通过，退回整改"
        panel.locator("textarea.note").fill("照片不清晰，请补拍")
        panel.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "review-reject-390.png"))
        panel.locator("button[data-confirm=reject]").click()
        page.wait_for_selector(f"#hazard-{hazard_id}[data-state=rectifying]")
        assert not errors, errors
    with database.sessions() as s:
        assert s.get(Hazard, hazard_id).events[-1].note == "照片不清晰，请补拍"


def test_a_note_typed_before_the_details_arrive_survives_the_redraw(submitted, database,
                                                                    live_url, browser):
    """The row is drawn again when the hazard's photos and extensions arrive; until then
    it says it is busy, and a confirmation opened and typed into meanwhile is kept."""
    hazard_id = submitted
    held = []
    with watched_page(browser, PHONE["width"], PHONE["height"], is_mobile=True,
                      has_touch=True) as (page, _requests, errors):
        log_in(page, live_url, "监管员乙", next_path="/cells/A")
        page.wait_for_url(f"{live_url}/cells/A")
        page.wait_for_function("() => window.geoappReady !== undefined")
        page.evaluate("window.geoappReady")
        # the details' answer is held back (the real server answers it once let go)
        page.route(f"**/api/hazards/{hazard_id}", lambda route: held.append(route))
        row = page.locator(f"#hazard-{hazard_id}")
        row.locator(".row-head").click()
        for _ in range(500):  # the request is made as the row opens
            if held:
                break
            page.wait_for_timeout(20)
        assert row.locator(".row-body").get_attribute("aria-busy") == "true"
        row.locator("button[data-action=reject]").click()
        row.locator(".confirm textarea.note").fill("先写下的意见")
        held[0].continue_()
        page.wait_for_selector(f"#hazard-{hazard_id} .row-body:not([aria-busy])")
        assert row.locator(".confirm-reject[role=dialog]").count() == 1
        assert row.locator(".confirm textarea.note").input_value() == "先写下的意见"
        assert not errors, errors
