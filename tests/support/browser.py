"""A real browser (Debian's Chromium through Playwright) against a real server."""

from __future__ import annotations

import contextlib

import pytest

from tests.support.constants import PASSWORD

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`


def serve(app):
    """Serve ``app`` on a free local port in a thread; returns (url, stop)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture
def live_url(app):
    """The ``app`` fixture served on a free local port for a browser."""
    url, stop = serve(app)
    yield url
    stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright for Python, one per test run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


@contextlib.contextmanager
def watched_page(browser, width: int = 1280, height: int = 800, **options):
    """A page in a fresh browser context; yields (page, request URLs, script errors).

    Every page checks itself: a Content-Security-Policy violation (Chromium
    logs each as a console error) fails the test when the block ends.
    """
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    requests, errors, refused = [], [], []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    context.on("console", lambda m: refused.append(m.text) if m.type == "error"
            and "Content Security Policy" in m.text else None)
    try:
        yield page, requests, errors
        assert not refused, f"Content-Security-Policy violations: {refused}"
    finally:
        context.close()


def log_in(page, base: str, username: str, password: str = PASSWORD, next_path=None) -> None:
    """Log in through the real form (the caller waits for where it lands)."""
    page.goto(f"{base}/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def open_hazard(page, hazard_id: int):
    """Open a hazard's row on the cell page and wait until its details have arrived.

    Opening a row asks for the hazard's photos and extensions and draws the row again
    when they come; a click on the first drawing's buttons could land on a node that
    is about to be replaced, so wait for the row to stop being busy."""
    row = page.locator(f"#hazard-{hazard_id}")
    row.locator(".row-head").click()
    page.wait_for_selector(f"#hazard-{hazard_id} .row-body:not([aria-busy])")
    return row
