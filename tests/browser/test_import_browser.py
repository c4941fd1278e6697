"""The admin's import page in headless Chromium at 1440×900 and 390×844: a ledger with three
bad rows comes back as a table of row, column and reason with nothing stored; the corrected
file shows its dry run; 确认导入 writes it, and the new shop is found on the map.
Screenshots in /tmp/shots-admin/ (or GEOAPP_SHOTS).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from geoapp.store.models import AuditEntry, Point
from tests.store.test_import_hardening import uscc
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page
from tests.support.files import write_csv

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-admin"))
HEADER = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"]
ROWS = [["丁商店（虚构）", uscc(11), "5261", "小微", 120.004, 31.004],
        ["戊商店（虚构）", uscc(12), "5261", "小微", 120.014, 31.004],
        ["己商店（虚构）", uscc(13), "5261", "小微", 120.006, 31.006]]


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_an_admin_fixes_a_ledger_previews_and_imports_it(database, rules, live_url, browser,
                                                         tmp_path, width, height):
    shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))  # cells A and B, shop K1
    make_user(database, "admin")
    bad = [list(r) for r in ROWS]
    bad[0][1], bad[1][4], bad[2][2] = "91320205MA0000001X", "东经120度", "99999"
    bad_file = write_csv(tmp_path / "企业台账.csv", HEADER, bad)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, width, height) as (page, _requests, errors):
        log_in(page, live_url, "admin")
        page.wait_for_load_state()
        page.goto(f"{live_url}/admin/imports")
        page.select_option("[name=kind]", "enterprise")
        page.set_input_files("[name=file]", str(bad_file))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#problems:not([hidden])")
        rows = page.locator("#problems tbody tr td:first-child").all_inner_texts()
        assert set(rows) == {"2", "3", "4"}  # each bad row named (the header is row 1)
        page.screenshot(path=str(SHOTS / f"import-problems-{width}.png"), full_page=True)
        with database.sessions() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 1

        good_file = write_csv(tmp_path / "企业台账（改）.csv", HEADER, ROWS)
        page.set_input_files("[name=file]", str(good_file))
        page.click("#upload-form button[type=submit]")
        page.wait_for_selector("#preview:not([hidden])")
        assert page.locator("#problems").is_hidden()
        assert page.locator("#preview .changes tbody tr.added").count() == 3
        page.screenshot(path=str(SHOTS / f"import-preview-{width}.png"), full_page=True)
        with database.sessions() as s:  # the preview wrote nothing
            assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 1
        page.reload()  # the page picks its upload up again
        page.wait_for_selector("#preview:not([hidden])")
        assert page.locator("#preview .changes tbody tr.added").count() == 3
        page.click("#commit")
        page.wait_for_selector("#result:not([hidden])")
        page.wait_for_selector("#history a")  # the page reloads with the import in its history
        assert "企业台账（改）.csv" in page.locator("#history").inner_text()

        page.goto(f"{live_url}/")
        page.wait_for_load_state("networkidle")  # the map's script has laid out its panel
        if not page.locator("#search-input").is_visible():  # a phone: it opens on a tap
            page.click("#filters-toggle")
        page.fill("#search-input", "戊商店")
        page.click("#search-form button[type=submit]")
        page.wait_for_selector("#search-results li")
        assert "戊商店（虚构）" in page.locator("#search-results").inner_text()
        assert not errors
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 4
        assert s.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "import"
