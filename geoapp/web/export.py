"""Data out: ``/export`` (the menu of downloads) and ``GET /api/export/<layer>.<format>``.

Thin views over geoapp.exports: who may is geoapp.exports.access (an
explicit list of roles; a grid member gets only the rows of their cells);
the rows, filters and files are geoapp.exports.downloads. Formats: ``.xlsx``
(every layer; the importer's headers), ``.gpkg``, ``.geojson``, ``.shp.zip``
(``?encoding=gbk`` for old desktop GIS). Errors name the parameter: an
unknown layer or format is 404 (``field``: ``layer`` / ``format``), a bad
filter or encoding 400, a layer the role may not download 403. Every download
is recorded in the audit log (``export``: layer, format, rows, filters, scope).
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from geoapp.domain import periods, workflow
from geoapp.exports import access, downloads, hazard_filter
from geoapp.exports.geodata import ENCODINGS
from geoapp.store.reads import export_data
from geoapp.web import audit, auth, clock, db, i18n
from geoapp.web.errors import ApiError

bp = Blueprint("export", __name__)

# the roles the menu and the top bar's link are for (what each may: geoapp.exports.access)
ROLES = tuple(access.GRANTS)
_ALL = access.Grant()  # a fresh install without accounts: reads are open

# the layers no layer file declares; a point layer says what it holds in its file
# (``description``/``description_en``, or a sentence from its label: _described)
DESCRIPTIONS = {
    "cells": _l("网格边界及其网格员、监管单位；GIS 文件另含四色等级、各类点位数和隐患数字。"),
    "zones": _l("功能区边界、类型和园区评分；GIS 文件另含等级和隐患数字。"),
    "hazards": _l("隐患台账（编号、点位、等级、来源、期限、整改状态等）；可按条件筛选。"),
}
FORMAT_LABELS = {"xlsx": "Excel (.xlsx)", "gpkg": "GeoPackage (.gpkg)",
                 "geojson": "GeoJSON (.geojson)", "shp": _l("Shapefile 压缩包 (.shp.zip)")}


def _layer_label(rules, code: str) -> str:
    if code in rules.layers:
        return i18n.localized(rules.layers[code])
    return _(access.label(rules, code))


def _described(rules, code: str) -> str:
    """What a download holds, in the page's language."""
    if code not in rules.layers:
        return DESCRIPTIONS[code]
    spec = rules.layers[code]
    given = spec.description_en if i18n.english() else spec.description
    return given or _("%(layer)s台账及经纬度。", layer=i18n.localized(spec))


def _grant() -> access.Grant:
    """What the logged-in account may download: 401 without one, 403 for another role."""
    auth.require_role(*ROLES)
    user = auth.current_user
    if not getattr(user, "is_authenticated", False):
        return _ALL
    return access.grant(user.role)


def _scope(grant: access.Grant) -> frozenset[str] | None:
    """The cells whose rows the download holds: the account's area scope (geoapp.store.scopes;
    a grid member's own cells, as the grant says); None for the whole territory."""
    cells = auth.read_scope().cells
    if grant.own_cells_only and cells is None:  # a grid member always has a scope
        cells = frozenset(auth.current_user.cell_codes)
    return cells


def _today():
    return clock.today(current_app.extensions["geoapp.rules"].risk.hazards.timezone)


def _bad(name: str, message: str) -> ApiError:
    return ApiError(400, "bad_request", message, name)


def _hazard_filter(layer: str, scope) -> hazard_filter.HazardFilter | None:
    # an empty value is as if not given: the menu's form sends every field it has
    args = {k: v for k, v in request.args.items() if v != ""}
    given = [p for p in hazard_filter.PARAMS if p in args]
    if layer != "hazards":
        if given:
            raise _bad(given[0], f"{given[0]}: filters apply to hazards only")
        return None
    try:
        found = hazard_filter.parse(args, _today(), export_data.villages(db.session()))
    except hazard_filter.FilterError as exc:
        raise _bad(exc.param, exc.message) from None
    except periods.PeriodError as exc:
        raise _bad(exc.param, str(exc)) from None
    if scope is not None and found.cells is not None and not found.cells <= scope:
        outside = "、".join(sorted(found.cells - scope))
        raise ApiError(403, "forbidden", _("您的账号无权导出这些网格的隐患：%(cells)s",
                                           cells=outside), "cell")
    return found


def _encoding(fmt: str) -> str:
    raw = request.args.get("encoding")
    if raw is None:
        return "utf-8"
    value = raw.lower().replace("utf8", "utf-8")
    if fmt != "shp":
        raise _bad("encoding", "encoding applies to the zipped Shapefile (.shp.zip) only")
    if value not in ENCODINGS:
        raise _bad("encoding", f"encoding must be one of {', '.join(ENCODINGS)}, not {raw!r}")
    return value


@bp.get("/api/export/<string:filename>")
def download(filename: str):
    """One layer as a file (see the module's docstring)."""
    grant = _grant()
    layer, fmt = access.split_name(filename)
    if fmt is None:
        raise ApiError(404, "not_found", f"unknown format in {filename!r}; formats: "
                       + ", ".join(access.FORMATS), "format")
    rules = current_app.extensions["geoapp.rules"]
    if layer not in access.layers(rules):
        raise ApiError(404, "not_found", f"unknown layer {layer!r}; layers: "
                       + ", ".join(access.layers(rules)), "layer")
    if not grant.allows(layer):
        raise ApiError(403, "forbidden", _("您的账号无权导出该图层"), "layer")
    scope = _scope(grant)
    filters = _hazard_filter(layer, scope)
    encoding = _encoding(fmt)
    done = downloads.build(db.session(), rules, layer, fmt, _today(), only=scope,
                           hazards=filters, encoding=encoding)
    # who took what, how many rows, under which filters (the audit log, item 4 of issue 16)
    audit.log("export", target=filename, detail={
        "what": layer, "format": fmt, "rows": done.rows,
        **({"encoding": encoding} if fmt == "shp" else {}),
        **({"cells": sorted(scope)} if scope is not None else {}),
        **({"filters": {k: v for k, v in request.args.items() if k in hazard_filter.PARAMS
                        and v != ""}} if filters is not None and filters.active else {})})
    response = Response(done.content, mimetype=done.media_type)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{done.filename}\"; filename*=UTF-8''{quote(done.filename)}")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Export-Rows"] = str(done.rows)
    return response


@bp.get("/export")
def page():
    """The downloads this account may take, with what each holds."""
    grant = _grant()
    rules = current_app.extensions["geoapp.rules"]
    formats = [{"code": f, "suffix": s, "label": FORMAT_LABELS[f]}
               for s, f in access.FORMATS.items()]
    layers = [{"code": code, "label": _layer_label(rules, code),
               "description": _described(rules, code),
               "links": [{"label": f["label"],
                          "url": url_for("export.download", filename=code + f["suffix"])}
                         for f in formats]}
              for code in access.layers(rules) if grant.allows(code)]
    states = [(code, _(label)) for code, label in workflow.STATE_LABELS.items()]
    return render_template(
        "export/page.html", layers=layers, scoped=grant.own_cells_only,
        cells=sorted(auth.current_user.cell_codes) if grant.own_cells_only else [],
        areas=[] if grant.own_cells_only else auth.read_scope().areas,
        states=states, may_hazards=grant.allows(access.HAZARDS),
        gbk_url=url_for("export.download", filename="cells.shp.zip", encoding="gbk"),
        levels=[(code, _(label)) for code, label in workflow.LEVEL_LABELS.items()],
        point_layers=[spec.label for spec in rules.layers.values()])
