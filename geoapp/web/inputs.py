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
* forms: views that take both a form and JSON read it through
  ``form_or_json(types)``; a field typed as JSON (an object, a list, a
  boolean, a number) may come in a form as JSON text (``checklist='{"a": "ok"}'``,
  ``listed=true``), parsed and checked as in a JSON body;
* files: only views marked ``@takes_uploads`` accept multipart file parts; a
  file anywhere else (a text field posted as a file) is 400 naming it;
* size: ``MAX_CONTENT_LENGTH`` for every body (``GEOAPP_MAX_BODY_BYTES``),
  refused with 413 before the body is read; a multipart body sent to a view
  marked ``@takes_uploads`` may be as large as ``GEOAPP_MAX_UPLOAD_MB`` (photos);
* under /api/ every error, a last-resort 500 included, answers JSON
  ``{error, message}``, never an HTML page.

The views check the *values* (which actions exist, date ranges…) themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from flask import Flask, current_app, request
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
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_BAD_CHARS = re.compile(r"[\x00\ud800-\udfff]")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

# JSON types by the names used in messages
TEXT, OBJECT, LIST, BOOL = str, dict, list, bool
NUMBER = (int, float)  # a form field's text is read as JSON: "120.2" is a number there
_TYPE_NAMES = {str: _l("文本"), dict: _l("JSON 对象"), list: _l("JSON 数组"),
               bool: _l("true 或 false"), int: _l("整数"), float: _l("数字")}
_UPLOAD_LIMIT = "geoapp.upload_limit"


def takes_uploads(view: Callable | None = None, *, limit: str | None = None,
                  instead: bool = False):
    """Mark a view that accepts multipart file parts (photos).

    Any other view refuses a file (400 naming it), and only these may receive
    a multipart body up to the upload limit (``GEOAPP_MAX_UPLOAD_MB``) instead
    of ``GEOAPP_MAX_BODY_BYTES``; ``limit`` names the config key of a smaller
    limit in MiB for this view (the public's report form), or with ``instead``
    the limit in its place (a basemap file, far larger than photos). The limit holds on
    the bytes read, a chunked body without a length included. Returns the view
    itself, so it works above or below the route decorator.
    """
    def mark(v: Callable) -> Callable:
        v.takes_uploads = True
        v.upload_limit_key = limit
        v.upload_limit_instead = instead
        return v
    return mark(view) if view is not None else mark


def _upload_view() -> Callable | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return view if getattr(view, "takes_uploads", False) else None


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
    app.extensions[_UPLOAD_LIMIT] = upload_limit(app.config)
    app.before_request(_check_url)
    app.register_error_handler(BadInput, _bad_input)



def upload_limit(config) -> int:
    """Bytes a multipart body to an upload view may have: ``GEOAPP_MAX_UPLOAD_MB`` MiB."""
    value = settings.get("MAX_UPLOAD_MB", config)
    try:
        megabytes = float(value)
    except (TypeError, ValueError):
        megabytes = -1.0
    if not megabytes > 0:
        raise ValueError(f"{settings.variable('MAX_UPLOAD_MB')}={value!r}: "
                         "give a positive number of megabytes")
    return int(megabytes * (1 << 20))


def _check_url() -> None:
    """Path, query string and form fields (CSRFProtect reads every POST form anyway).

    Only views marked ``@takes_uploads`` take files: a form field sent as a
    file upload elsewhere is refused here instead of reaching a view that
    expects text. Their multipart bodies get the upload limit, set before the
    body is first read (Flask ≥ 3.1 reads ``request.max_content_length`` per
    request); JSON bodies keep the small one everywhere.
    """
    if "\x00" in request.path:
        raise BadInput("path", _("地址中含有空字符（NUL）"))
    view = _upload_view()
    uploads = view is not None
    if uploads and request.mimetype == "multipart/form-data":
        limit = current_app.extensions[_UPLOAD_LIMIT]
        key = getattr(view, "upload_limit_key", None)
        if key:
            own = int(float(current_app.config[key]) * (1 << 20))
            limit = own if getattr(view, "upload_limit_instead", False) else min(limit, own)
        request.max_content_length = limit
    if request.mimetype == "multipart/form-data" and request.files and not uploads:
        raise BadInput(next(iter(request.files)), _("此处不接受文件上传"))
    fields = request.args.items(multi=True)
    if request.mimetype in FORM_TYPES:
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
        _check_type(name, body.get(name), kinds if isinstance(kinds, tuple) else (kinds,))
    return body


def is_form() -> bool:
    """Does the request carry a form (multipart or urlencoded) rather than JSON?"""
    return request.mimetype in FORM_TYPES


def form_or_json(types: dict[str, type | tuple[type, ...]] | None = None) -> dict:
    """The fields of a form (multipart or urlencoded) or of a JSON body, checked alike.

    From a JSON body this is ``json_body(types)``. From a form every field is
    text (its first value); a field whose ``types`` do not include text
    (``OBJECT``, ``LIST``, ``BOOL``, numbers) is read as JSON text
    (``form_json_field``) and type-checked, so the view sees the same values
    either way; an empty field counts as absent, and ``csrf_token`` is no
    field. A field of ``types`` sent as a file is 400 naming it. Files are
    read with ``geoapp.web.photos.read_uploads``.
    """
    if not is_form():
        return json_body(types)
    for name in types or {}:
        if name in request.files:
            raise BadInput(name, _("此处不接受文件上传"))
    body: dict = {}
    for name, text in request.form.items():
        if name == "csrf_token":  # the page's token (CSRFProtect has read it), not a field
            continue
        kinds = (types or {}).get(name, str)
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if text == "":
            body[name] = None
        elif str in kinds:
            body[name] = text
        else:
            body[name] = form_json_field(name, text, kinds)
    return body


def form_json_field(name: str, text: str, kinds: tuple[type, ...] | None = None):
    """One form field read as JSON text (``plan='{"goal": …}'``, ``listed=true``).

    Checked as a JSON body is (NUL, depth; NaN and Infinity are no numbers)
    and, given ``kinds``, for its type; raises BadInput naming ``name``.
    """
    def no_constant(word):
        raise ValueError(word)

    try:
        value = json.loads(text, parse_constant=no_constant)
    except RecursionError:
        raise BadInput(name, _("JSON 嵌套过深（最多 %(depth)d 层）", depth=MAX_DEPTH)) from None
    except ValueError:
        if kinds:
            _check_type(name, text, kinds)  # says which type is wanted
        raise BadInput(name, _("须为 JSON 文本")) from None
    check_tree(value, name)
    if kinds:
        _check_type(name, value, kinds)
    return value


def client_id(value, field: str = "client_id") -> str | None:
    """A client-made id (a UUID, any case, with hyphens) in its canonical form; None if absent.

    Phones make one per save, so that a save retried after a lost connection
    is stored once (Hazard.client_id, Inspection.client_id are unique).

    Examples
    --------
    >>> client_id("0F8FAD5B-D9CB-469F-A165-70867728950E")
    '0f8fad5b-d9cb-469f-a165-70867728950e'
    >>> client_id(None) is None
    True
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        raise BadInput(field, _("须为 UUID（如 0f8fad5b-d9cb-469f-a165-70867728950e）"))
    return value.lower()


def _check_type(name: str, value, kinds: tuple[type, ...]) -> None:
    if value is not None and not isinstance(value, kinds):
        raise BadInput(name, _("须为%(kind)s", kind=" / ".join(
            str(_TYPE_NAMES.get(k, k.__name__)) for k in kinds)))


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
