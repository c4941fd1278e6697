"""The admin's accounts page in headless Chromium at 1440×900 and 390×844: create a grid
member (the one-time password is shown once and works), change their cells, deactivate them.
Screenshots in /tmp/shots-admin/ (or GEOAPP_SHOTS).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from geoapp.store.models import User
from tests.support.apps import make_user, shop_with_hazard
from tests.support.browser import log_in, watched_page

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-admin"))


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_an_admin_creates_edits_and_deactivates_an_account(database, rules, live_url, browser,
                                                           width, height):
    shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))  # cells A and B
    make_user(database, "admin")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with watched_page(browser, width, height) as (page, _requests, errors):
        page.on("dialog", lambda d: d.accept())
        log_in(page, live_url, "admin")
        page.wait_for_load_state()
        page.click("nav.pages >> text=账号管理")
        page.wait_for_url(f"{live_url}/admin/accounts")
        page.click("#new-account summary")
        form = page.locator("#create-form")
        form.locator("[name=username]").fill("zhang")
        form.locator("[name=role]").select_option("grid")
        form.locator("[name=display_name]").fill("张三（虚构）")
        form.locator("[name=cells]").fill("A")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("#one-time:not([hidden])")
        password = page.locator("#one-time .password").inner_text()
        assert len(password) >= 16
        row = page.locator('#accounts tr[data-username="zhang"]')
        assert row.locator("[name=cells]").input_value() == "A"
        page.screenshot(path=str(SHOTS / f"accounts-{width}.png"), full_page=True)
        row.locator("[name=cells]").fill("A, B")
        row.locator(".save").click()
        page.wait_for_function(
            """() => document.querySelector('#accounts tr[data-username="zhang"] .error')
                     .textContent === '已保存'""")
        row.locator(".toggle").click()
        page.wait_for_function(
            """() => document.querySelector('#accounts tr[data-username="zhang"]')
                     .classList.contains('inactive')""")
        assert not errors
    with database.sessions() as s:
        user = s.scalar(sa.select(User).where(User.username == "zhang"))
        assert (user.cell_codes, user.active, user.display_name) == (["A", "B"], False,
                                                                       "张三（虚构）")
        # the one-time password shown is the account's (it logs in once active again)
        from geoapp.store.accounts import check_password

        assert check_password(user.password_hash, password)
