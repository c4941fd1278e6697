"""The account page's access tokens in headless Chromium at 1440×900 and 390×844: make one
(shown once, and it reads /ogc), see it listed, revoke it (then it reads nothing)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.support.apps import make_user
from tests.support.browser import log_in, watched_page


def _status(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code


@pytest.mark.parametrize("width, height", [(1440, 900), (390, 844)])
def test_a_token_is_made_shown_once_listed_and_revoked(database, live_url, browser,
                                                       width, height):
    make_user(database, "leader")
    with watched_page(browser, width, height) as (page, _requests, errors):
        page.on("dialog", lambda d: d.accept())
        log_in(page, live_url, "leader")
        page.wait_for_load_state()
        page.goto(f"{live_url}/account")
        page.wait_for_selector("#tokens-empty:not([hidden])")  # the list is loaded: empty
        assert f"{live_url}/ogc" in page.locator("#token-howto").text_content()
        page.fill("#token-form [name=name]", "办公室 QGIS")
        page.click("#token-form button[type=submit]")
        page.wait_for_selector("#token-once:not([hidden])")
        token = page.locator("#token-once .token").inner_text()
        assert token.startswith("gat_")
        page.wait_for_selector("#tokens tbody tr")
        row = page.locator("#tokens tbody tr").first
        assert "办公室 QGIS" in row.inner_text() and token[:12] in row.inner_text()
        assert token not in row.inner_text()
        assert _status(f"{live_url}/ogc/collections", token) == 200
        row.locator(".revoke").click()
        page.wait_for_selector("#tokens tbody tr.inactive")
        assert _status(f"{live_url}/ogc/collections", token) == 401
        page.reload()
        page.wait_for_selector("#tokens tbody tr.inactive")
        assert token not in page.content()  # shown once: never again
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert not errors
