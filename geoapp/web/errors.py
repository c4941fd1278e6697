"""Errors: one exception for every refusal, one JSON shape, and the site's own error pages.

A view refuses with ``raise ApiError(status, error, message, field=…)``. Under
``/api/`` and ``/ogc/`` (and for any write, which a page script sends) the answer is JSON
``{"error": code, "message": text, "field": name or null}``, plus whatever a
client needs to recover (e.g. ``current_version`` on 412). A page gets the
error page in the site's frame, top bar included, in the user's language.
Werkzeug's own HTTP errors (404, 405, 413, …) and the last-resort 500 take
the same two shapes.
"""

from __future__ import annotations

import re

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from geoapp.web import navigation

TITLES = {
    400: _l("请求有误"), 401: _l("请先登录"), 403: _l("无权访问"), 404: _l("页面不存在"),
    405: _l("不支持此操作"), 409: _l("操作冲突"), 413: _l("内容过大"), 429: _l("操作过于频繁"),
    500: _l("服务器内部错误"), 503: _l("服务暂不可用"),
}


class ApiError(Exception):
    """A refusal: HTTP status, a machine-readable code, a message for people, the field at fault."""

    def __init__(self, status: int, error: str, message: str, field: str | None = None,
                 **extra):
        super().__init__(message)
        self.status, self.error, self.message, self.field = status, error, message, field
        self.extra = extra


def is_api() -> bool:
    """Is this a request of a JSON API: /api/…, the OGC API (/ogc/…, geoapp.web.ogc) or the
    map's vector tiles (/tiles/…, whose refusals are JSON like /api/map/points')?"""
    path = request.path
    return path in ("/api", "/ogc") or path.startswith(("/api/", "/ogc/", "/tiles/"))


def error_json(status: int, error: str, message: str, field: str | None = None,
               **extra) -> Response:
    """The one JSON shape of every error."""
    response = jsonify(error=error, message=str(message), field=field, **extra)
    response.status_code = status
    return response


def error_page(status: int, message: str | None = None) -> Response:
    """The error page in the site's frame (base.html: top bar, language)."""
    title = TITLES.get(status) or TITLES[500 if status >= 500 else 400]
    home = navigation.home_for(current_user) if current_user.is_authenticated else None
    response = Response(render_template("errors/error.html", status=status, title=title,
                                         message=message, home=home))
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)


def _wants_json() -> bool:
    return is_api() or request.method not in ("GET", "HEAD")


def _api_error(exc: ApiError):
    if _wants_json():
        return error_json(exc.status, exc.error, exc.message, exc.field, **exc.extra)
    return error_page(exc.status, exc.message)


def _http_error(exc: HTTPException):
    """Werkzeug's HTTP errors: JSON under /api/, the site's page elsewhere; redirects pass."""
    if exc.code is None or exc.code < 400 or exc.response is not None:
        return exc  # a redirect (e.g. a missing trailing slash), or a response made already
    if is_api():
        if exc.code == 413:
            limit = request.max_content_length or 0
            message = _("请求体过大（上限 %(size)s 字节）", size=f"{limit:,}")
            return error_json(413, "too_large", message, "body")
        if exc.code >= 500:
            message = _("服务器内部错误，请稍后重试")
        else:
            message = exc.description
        error = re.sub(r"\W+", "_", (exc.name or "error").lower()).strip("_")
        return error_json(exc.code, error, message)
    if exc.code >= 500:
        return error_page(exc.code, _("服务器内部错误，请稍后重试"))
    return error_page(exc.code, _page_message(exc))


def _page_message(exc: HTTPException) -> str | None:
    """A view's own description (in Chinese) is shown; Werkzeug's English default is not."""
    default = type(exc).description
    if exc.description and exc.description != default:
        return exc.description
    return None
