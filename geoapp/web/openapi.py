"""``GET /api/openapi.json``: the JSON API described as OpenAPI 3.1, read off the routes.

Every ``/api/`` rule of the running app is one operation per method, with its
path parameters typed from the URL converters and its summary and description
from the view's docstring (every API view has one: tests/web/test_openapi.py).
Built from the routes that exist, it cannot list one that does not, nor miss
one that does. What it states about all of them: a log-in session (cookie and,
for writes, the ``X-CSRFToken`` header) unless the route is public — or, for
the downloads' GET, a personal access token (geoapp.web.auth) — and the one
error shape {error, message, field} of geoapp.web.errors. The OGC API at /ogc
describes itself (/ogc/api).
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version

from flask import Blueprint, current_app, jsonify

from geoapp.web import token_auth

bp = Blueprint("openapi", __name__)

_TYPES = {"IdConverter": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
          "IntegerConverter": {"type": "integer"}, "PathConverter": {"type": "string"},
          "UnicodeConverter": {"type": "string"}}
ERROR = {"type": "object", "required": ["error", "message"],
         "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                        "field": {"type": ["string", "null"],
                                  "description": "the field, parameter or 'path' at fault"}}}


def _operation(rule, method: str, view) -> dict:
    doc = inspect.getdoc(view) or ""
    summary, _, rest = doc.partition("\n")
    params = [{"name": name, "in": "path", "required": True,
               "schema": _TYPES.get(type(rule._converters[name]).__name__, {"type": "string"})}
              for name in rule.arguments]
    op = {"operationId": f"{rule.endpoint}.{method.lower()}", "summary": summary.strip(),
          "tags": [rule.endpoint.split(".")[0]],
          "responses": {"2XX": {"description": "done (see the summary)"},
                        "4XX": {"description": "refused; the field at fault is named",
                                "content": {"application/json": {
                                    "schema": {"$ref": "#/components/schemas/Error"}}}}}}
    if rest.strip():
        op["description"] = rest.strip()
    if params:
        op["parameters"] = params
    if method in token_auth.TOKEN_METHODS and token_auth.is_token_path(rule.rule):
        op["security"] = [{"session": []}, {"token": []}]
    return op


def document(app) -> dict:
    paths: dict = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view)
    return {
        "openapi": "3.1.0",
        "info": {"title": "geoapp JSON API", "version": version("geoapp"),
            "description": "Every route needs a log-in session (POST /login) unless stated; "
                           "writes also send the CSRF token as X-CSRFToken."},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"session": {"type": "apiKey", "in": "cookie",
                                                       "name": "session"},
                                           "token": {"type": "http", "scheme": "bearer",
                                                     "description": "a personal access token "
                                                     "(/account; also ?token=)"}}},
        "security": [{"session": []}],
    }


@bp.get("/api/openapi.json")
def openapi():
    """This document: every JSON route of this server as OpenAPI 3.1."""
    return jsonify(document(current_app))
