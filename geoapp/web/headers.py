"""Browser-side defences on every response: cookie flags and security headers.

The Content-Security-Policy admits scripts and stylesheets from this site
only: no inline script (page data travels in ``<script type="application/json">``
blocks, which browsers do not run), no inline ``style=`` attributes (colours
set from data go through element.style in static/dom.js, which CSP allows).
The one inline style allowed is the ``<style>`` block inside a server-made
pygal chart (geoapp.reports.charts), admitted by a nonce made for that response.
The headers go on every response, static files and errors included
(after_request runs for them all).
"""

from __future__ import annotations

import secrets

from flask import Flask, current_app, g
from markupsafe import Markup

from geoapp import settings

# 天地图 tiles are the only thing ever loaded from another host, and only with a key
TIANDITU_TILES = "https://*.tianditu.gov.cn"


def init_app(app: Flask) -> None:
    # Flask defines both keys (None and False), so config.setdefault would never apply
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if settings.is_on("GEOAPP_SECURE_COOKIES", app.config):
        app.config["SESSION_COOKIE_SECURE"] = True
    app.after_request(_secure)
    app.add_template_filter(with_style_nonce)


def content_security_policy(style_nonce: str | None = None) -> str:
    tiles = f" {TIANDITU_TILES}" if current_app.config.get("TIANDITU_KEY") else ""
    styles = "'self'" + (f" 'nonce-{style_nonce}'" if style_nonce else "")
    return "; ".join([
        "default-src 'self'", "script-src 'self'", f"style-src {styles}",
        f"img-src 'self' data: blob:{tiles}", "connect-src 'self'", "font-src 'self'",
        "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
    ])


def with_style_nonce(svg: str) -> Markup:
    """Jinja filter: a server-made SVG (trusted markup) whose ``<style>`` blocks carry this
    response's nonce. The SVG may come from a cache, so the nonce is added here."""
    nonce = g.setdefault("style_nonce", secrets.token_urlsafe(16))
    return Markup(str(svg).replace("<style", f'<style nonce="{nonce}"'))


def _secure(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       content_security_policy(g.get("style_nonce")))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response
