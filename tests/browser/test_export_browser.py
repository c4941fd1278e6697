"""The export menu in headless Chromium, on a desk (1440×900) and a phone (390×844).

A leader logs in, follows the top bar's 数据导出 link, downloads the hazard
ledger from the menu and then only the open hazards through the filter form;
both workbooks open with the importer's headers and the expected rows.
Screenshots go to /tmp/shots-exp/ (or GEOAPP_SHOTS).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from geoapp.store import hazards
from geoapp.store.models import Hazard
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page
from tests.support.constants import TODAY

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-exp"))


@pytest.fixture
def two_hazards(database, rules):
    """H1 (open, major) and H2 (closed) at a shop in cell A; a leader's account."""
    _point, hid = shop_with_hazard(database, rules, found_on=TODAY - dt.timedelta(days=20))
    with database.transaction() as s:
        h1 = s.get(Hazard, hid)
        h2 = Hazard(point_id=h1.point_id, code="H2", level="general", source="inspection",
                    description="灭火器过期", found_on=TODAY - dt.timedelta(days=9),
                    deadline=TODAY - dt.timedelta(days=2), state="closed",
                    closed_on=TODAY - dt.timedelta(days=3))
        s.add(h2)
        hazards.record(h2, "测试", "create")
    make_user(database, "leader")


def _rows(path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_a_leader_downloads_the_hazard_ledger_from_the_menu(two_hazards, live_url, browser,
                                                            width, height, rules, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, width, height, accept_downloads=True) as (page, _req, errors):
        log_in(page, live_url, "leader")
        page.wait_for_url(f"{live_url}/")
        page.goto(f"{live_url}/export")  # the top bar's link is checked below, on this page
        assert page.locator(".topbar nav.pages a[href='/export']").get_attribute(
            "aria-current") == "page"
        assert page.locator("h1").inner_text() == "数据导出"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"export-{width}.png"), full_page=True)
        link = page.locator("#export-hazards a.dl", has_text="Excel")
        box = link.bounding_box()
        assert box["height"] >= 44  # big enough to tap
        with page.expect_download() as info:
            link.click()
        saved = tmp_path / info.value.suggested_filename
        info.value.save_as(saved)
        assert saved.name == f"hazards_{TODAY:%Y%m%d}.xlsx"
        rows = _rows(saved)
        assert list(rows[0]) == [f.label for f in rules.tables["hazard"].fields]
        assert sorted(r[0] for r in rows[1:]) == ["H1", "H2"]

        page.select_option("#hazard-filters select[name=state]", "open")
        with page.expect_download() as info:
            page.click("#hazard-filter-submit")
        filtered = tmp_path / "open.xlsx"
        info.value.save_as(filtered)
        assert [r[0] for r in _rows(filtered)[1:]] == ["H1"]
    assert not errors, errors
