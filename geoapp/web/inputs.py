"""Everything a request brings in, checked in one place before a view uses it.

* ids in URLs (``<int:…>``): ``IdConverter`` replaces Flask's ``int`` and
  admits 0 … 2³¹−1, the range of the id columns on both backends; a larger
  number is no such row (404), never a database overflow;
* path, query string and form fields: NUL characters are refused (400
  naming the parameter) before any view runs (PostgreSQL refuses NUL in text; SQLite
  would store it);
* JSON bodies: views read them through ``json_body(types)``, after their
  authorisation check, which refuses with 400 naming the field: a body that
  is not a JSON object, nesting deeper than ``MAX_DEPTH``, NUL or a lone
  surrogate (``"\\udc80"``, which no database can encode) in any key or
  text, and a field of the wrong JSON type (``{"action": ["start"]}``);
* size: one ``MAX_CONTENT_LENGTH`` for every body (``GEOAPP_MAX_BODY_BYTES``),
  refused with 413 before the body is read;
* under /api/ every error, a last-resort 500 included, answers JSON
  ``{error, message}``, never an HTML page.

The views check the *values* (which actions exist, date ranges…) themselves.
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from geoapp import settings
from geoapp.web.errors import error_json, error_page, is_api

# Every JSON body: the largest legitimate one is an admission-check site of
# site_input.MAX_VERTICES (10 000) vertices, 0.3–0.5 MB as GeoJSON; 1 MB leaves room.
# A GeoJSON MultiPolygon inside the body is 6 levels deep; nothing legitimate nears 32.
MAX_DEPTH = 32
ID_MAX = 2**31 - 1  # INTEGER on both backends
# Endpoints that take file uploads (none yet; the admin's import page will).
UPLOAD_ENDPOINTS: frozenset[str] = frozenset()
_BAD_CHARS = re.compile(r"[\x00\ud800-\udfff]")

# JSON types by the names used in messages
TEXT, OBJECT, LIST, BOOL = str, dict, list, bool
_TYPE_NAMES = {str: _l("文本"), dict: _l("JSON 对象"), list: _l("JSON 数组"),
               bool: _l("true 或 false")}


class IdConverter(IntegerConverter):
    """``<int:…>`` limited to the id range: a larger number matches no route (404).

    The limit is in the pattern, not only in the conversion: werkzeug tries
    the methods of the rules sharing a path before converting, so a number
    refused by the conversion alone would answer 405 for one of GET and PATCH
    /api/hazards/<id>, and 404 only for the other.
    """

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
        if self.max == ID_MAX and not self.signed:
            self.regex = _at_most(ID_MAX)


def _at_most(n: int) -> str:
    """A pattern for the whole numbers 0 … ``n`` (leading zeros allowed, as ``int`` allows).

    >>> pattern = re.compile(_at_most(2147))
    >>> [bool(pattern.fullmatch(t)) for t in ("0", "999", "2147", "02147", "2148", "3000")]
    [True, True, True, True, False, False]
    """
    digits = str(n)
    shorter = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    same = [f"{digits[:i]}[0-{int(d) - 1}]" + rf"\d{{{len(digits) - i - 1}}}"
            for i, d in enumerate(digits) if d != "0"]
    return "0*(?:" + "|".join([*shorter, *same, digits]) + ")"


class BadInput(BadRequest):
    """400 naming the field (body key path, query parameter, or ``path``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def init_app(app: Flask) -> None:
    # before any blueprint adds its routes: rules bind their converters when added
    app.url_map.converters["int"] = IdConverter
    if app.config.get("MAX_CONTENT_LENGTH") is None:
        app.config["MAX_CONTENT_LENGTH"] = int(settings.get("GEOAPP_MAX_BODY_BYTES", app.config))
    app.before_request(_check_url)
    app.register_error_handler(BadInput, _bad_input)



def _check_url() -> None:
    """Path, query string and form fields (CSRFProtect reads every POST form anyway).

    No view takes a file yet: a form field sent as a file upload (a text field
    posted as multipart file) is refused here instead of reaching a view that
    expects text.
    """
    if "\x00" in request.path:
        raise BadInput("path", _("地址中含有空字符（NUL）"))
    if request.mimetype == "multipart/form-data" and request.files \
            and request.endpoint not in UPLOAD_ENDPOINTS:
        raise BadInput(next(iter(request.files)), _("此处不接受文件上传"))
    fields = request.args.items(multi=True)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = [*fields, *request.form.items(multi=True)]
    for name, value in fields:
        if "\x00" in name or "\x00" in value:
            raise BadInput(name.replace("\x00", "") or "query", _("参数中含有空字符（NUL）"))


def json_body(types: dict[str, type | tuple[type, ...]] | None = None) -> dict:
    """The request's JSON object, checked (see the module docstring); raises BadInput.

    ``types`` maps a field to the JSON type(s) it may have (``webinput.TEXT``…);
    a field that is absent or null passes (the view decides whether it is needed).
    """
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # json's C decoder gives up on deep nesting
        raise BadInput("body", _("JSON 嵌套过深（最多 %(depth)d 层）", depth=MAX_DEPTH)) from None
    if not isinstance(body, dict):
        raise BadInput("body", _("请求体须为 JSON 对象（Content-Type: application/json）"))
    check_tree(body)
    for name, kinds in (types or {}).items():
        value = body.get(name)
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if value is not None and not isinstance(value, kinds):
            raise BadInput(name, _("须为%(kind)s", kind=" / ".join(
                str(_TYPE_NAMES.get(k, k.__name__)) for k in kinds)))
    return body


def check_tree(value, field: str = "") -> None:
    """Refuse too deep nesting and NUL / lone surrogates anywhere in ``value``.

    Walks with a stack, not recursion, so that depth itself cannot crash it.

    Examples
    --------
    >>> check_tree({"plan": {"goal": "a\\x00"}})
    Traceback (most recent call last):
    ...
    geoapp.web.inputs.BadInput: 400 Bad Request: plan.goal: 含有空字符（NUL）或无效的 Unicode 字符
    """
    stack = [(value, field, 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadInput(path or "body", _("JSON 嵌套过深（最多 %(depth)d 层）", depth=MAX_DEPTH))
        if isinstance(item, str):
            if _BAD_CHARS.search(item):
                raise BadInput(path or "body", _("含有空字符（NUL）或无效的 Unicode 字符"))
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{path}.{key}" if path else key
                if _BAD_CHARS.search(key):
                    raise BadInput(_BAD_CHARS.sub("", name) or "body",
                                   _("字段名含有空字符（NUL）或无效的 Unicode 字符"))
                stack.append((child, name, depth + 1))
        elif isinstance(item, list):  # items are named by their list: "site.coordinates"
            stack.extend((child, path, depth + 1) for child in item)


def _bad_input(exc: BadInput):
    if is_api() or request.method != "GET":
        return error_json(400, "bad_request", exc.message, exc.field)
    return error_page(400, f"{exc.field}: {exc.message}")
