"""What the Content-Security-Policy (geoapp.web.headers) relies on in the templates.

The policy runs no inline script and applies no inline style attribute; the
browser tests (tests/support/browser.py's watched_page) fail on any violation in the pages they
open, and this test reads every template, so that a page no browser test
opens cannot bring one back either. The real headers are read from a gunicorn
server in tests/processes/test_processes.py.
"""

from __future__ import annotations

import re

from geoapp.resources import bundled

TEMPLATES = sorted(bundled("templates").rglob("*.html"))


def test_templates_have_no_inline_script_handler_or_style():
    found = []
    for path in TEMPLATES:
        html = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S):
            attrs, body = match.groups()
            if body.strip() and 'type="application/json"' not in attrs:
                found.append((path.name, "inline script", body.strip()[:40]))
        found += [(path.name, "handler", m) for m in re.findall(r"\son[a-z]+\s*=", html)]
        found += [(path.name, "javascript: URL", m) for m in re.findall(r"javascript:", html)]
        found += [(path.name, "style attribute", m) for m in re.findall(r"\sstyle\s*=", html)]
    assert TEMPLATES and not found, found


def test_server_made_charts_carry_the_style_nonce_of_their_response(demo_client):
    r = demo_client.get("/reports")
    assert r.status_code == 200
    nonces = set(re.findall(r'<style nonce="([^"]+)"', r.get_data(as_text=True)))
    assert len(nonces) == 1  # one per response, on every chart
    assert f"style-src 'self' 'nonce-{nonces.pop()}'" in r.headers["Content-Security-Policy"]
    assert demo_client.get("/reports").headers["Content-Security-Policy"] != \
        r.headers["Content-Security-Policy"]  # a new nonce each time
