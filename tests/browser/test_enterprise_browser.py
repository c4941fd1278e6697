"""The enterprise account on a phone (390×844), in headless Chromium, on both backends.

It logs in and lands on /enterprise, records a self-check (one item failed, a photo),
registers a hazard it found (with a photo), starts it and submits it for acceptance
with an after-photo. Screenshots at 390×844 and 1440×900 go to /tmp/shots-enterprise/
(or GEOAPP_SHOTS) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from geoapp.store.models import Hazard, Inspection, Photo
from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page
from tests.support.constants import TODAY
from tests.support.images import jpeg
from tests.web.test_enterprise import OWN, firms  # noqa: F401 (the fixture)

SHOTS = Path(os.environ.get("GEOAPP_SHOTS", "/tmp/shots-enterprise"))


def _photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg()}


def test_enterprise_self_checks_registers_and_submits_on_a_phone(firms, database,  # noqa: F811
                                                                 live_url, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user(database, "qiye", "enterprise", enterprise=OWN)
    with watched_page(browser, 390, 844, is_mobile=True, has_touch=True) as (page, requests,
                                                                              errors):
        log_in(page, live_url, "qiye")
        page.wait_for_url(f"{live_url}/enterprise")
        assert page.locator("h1").inner_text() == "企业甲（虚构）"
        assert page.locator(".ent-point").count() == 2
        page.screenshot(path=str(SHOTS / "enterprise-390.png"), full_page=True)

        # a self-check of the enterprise's own point: every item answered, one failed
        card = page.locator(".ent-point").first
        card.get_by_role("button", name="企业自查").click()
        items = card.locator(".check-form .item")
        items.first.wait_for()
        items.first.get_by_label("不合格").check()
        card.locator(".check-form textarea[name=note]").fill("消防器材月度自查")
        card.locator(".check-form input[type=file]").set_input_files([_photo("自查.jpg")])
        card.screenshot(path=str(SHOTS / "enterprise-self-check-390.png"))
        card.get_by_role("button", name="提交自查").click()
        page.locator(".self-checks li").first.wait_for()
        page.wait_for_load_state()  # the page reloads: its buttons work once its script ran
        assert "不合格 1 项" in page.locator(".self-checks li").first.inner_text()

        # a hazard it found itself, with a photo
        card = page.locator(".ent-point").nth(1)  # the confined space it owns
        card.get_by_role("button", name="登记隐患").click()
        card.locator("textarea[name=description]").fill("有限空间入口警示标志缺失")
        card.locator("input[name=deadline]").fill((TODAY + dt.timedelta(days=10)).isoformat())
        card.locator(".hazard-form input[type=file]").set_input_files([_photo("发现.jpg")])
        card.locator(".hazard-form").get_by_role("button", name="登记隐患").click()
        hazard = page.locator(".ent-hazard", has_text="有限空间入口警示标志缺失")
        hazard.wait_for()
        page.wait_for_load_state()
        assert "企业自查" in hazard.inner_text() and "待整改" in hazard.inner_text()

        hazard.get_by_role("button", name="开始整改").click()
        page.locator(".ent-hazard.state-rectifying",
                     has_text="有限空间入口警示标志缺失").wait_for()
        page.wait_for_load_state()
        hazard = page.locator(".ent-hazard", has_text="有限空间入口警示标志缺失")
        hazard.locator("input[name=note]").fill("已设置警示标志")
        hazard.locator("input[type=file]").set_input_files([_photo("整改后.jpg")])
        hazard.get_by_role("button", name="提请验收").click()
        page.locator(".ent-hazard.state-awaiting_acceptance",
                     has_text="有限空间入口警示标志缺失").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
        page.screenshot(path=str(SHOTS / "enterprise-submitted-390.png"), full_page=True)
        assert not errors, errors
        assert {urlsplit(u).hostname for u in requests} == {"127.0.0.1"}

    with watched_page(browser, 1440, 900) as (page, _requests, errors):
        log_in(page, live_url, "qiye")
        page.wait_for_url(f"{live_url}/enterprise")
        page.screenshot(path=str(SHOTS / "enterprise-1440.png"), full_page=True)
        assert not errors, errors

    with database.sessions() as s:
        [found] = s.scalars(sa.select(Hazard).where(
            Hazard.description == "有限空间入口警示标志缺失")).all()
        assert (found.source, found.state) == ("self_check", "awaiting_acceptance")
        assert [e.actor for e in found.events] == ["qiye"] * 3
        assert s.scalar(sa.select(sa.func.count()).select_from(Photo)
                        .where(Photo.hazard_id == found.id)) == 2
        [check] = s.scalars(sa.select(Inspection).where(Inspection.source == "self_check")).all()
        assert check.inspector == "qiye" and check.note == "消防器材月度自查"
