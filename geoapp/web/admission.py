"""The planner's admission check on the web: thin views over geoapp.domain.admission.

* ``GET /admission``: the page (pick a site on the map or type it, choose an
  industry, see the verdict, its reasons, zones, cells and installations);
* ``GET /admission/print?site=…&crs=…&industry=…``: the one-page result sheet;
* ``POST /api/admission-check``: the JSON twin (public contract: README).

All three for planner, leader and admin (grid members get 403). The API
writes nothing, so it is exempt from CSRF for scripted clients; it still
needs a logged-in session once accounts exist (geoapp.web.auth read policy),
and it takes only ``application/json`` bodies, which a cross-site form
cannot send. Catalogues are read and validated at start-up (``init_app``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from geoapp import settings
from geoapp.admission import check
from geoapp.admission.sketch import sketch
from geoapp.domain import admission
from geoapp.domain.catalogue import load_admission
from geoapp.store.reads import admission_data
from geoapp.web import auth, db, inputs
from geoapp.web.assets import vendor_url
from geoapp.web.errors import ApiError

bp = Blueprint("admission", __name__)
ROLES = ("planner", "leader", "admin")


def init_app(app: Flask) -> None:
    """Load and validate the admission folder (errors name file and line); register views."""
    folder = (settings.get("ADMISSION_DIR", app.config)
              or str(Path(app.config["LAYERS_DIR"]) / "admission"))
    app.extensions["geoapp.admission"] = load_admission(Path(folder))
    app.register_blueprint(bp)
    # Flask-WTF's CSRFProtect registers itself as app.extensions["csrf"] (geoapp.web.auth)
    app.extensions["csrf"].exempt(api_check)


def _settings():
    return current_app.extensions["geoapp.admission"]


def _now() -> dt.datetime:
    tz = current_app.extensions["geoapp.rules"].risk.hazards.timezone
    return dt.datetime.now(ZoneInfo(tz)).replace(microsecond=0)


def _run(site, crs, industry) -> tuple[dict, admission.Territory]:
    return check.run(db.session(), _settings(), site, crs, industry, _now(),
                     auth.read_scope().cells)


# ---------------------------------------------------------------- views


@bp.post("/api/admission-check")
def api_check():
    """Check a site: JSON {site: GeoJSON geometry, crs, industry} → verdict and reasons."""
    auth.require_role(*ROLES)
    # the body only after the role check; MAX_CONTENT_LENGTH (geoapp.web.inputs) refuses
    # an oversized one with 413 before it is read
    body = inputs.json_body({"site": inputs.OBJECT, "crs": inputs.TEXT,
                               "industry": inputs.TEXT})
    for field in ("site", "crs", "industry"):
        if body.get(field) in (None, ""):
            raise ApiError(400, "missing_field", f"缺少字段 {field} / {field} is required",
                           field)
    try:
        return jsonify(_run(body["site"], body["crs"], body["industry"])[0])
    except check.CheckFailed as exc:
        raise ApiError(exc.status, exc.error, exc.message, exc.field) from None


@bp.get("/api/industries")
def industries():
    """GB/T 4754-2017 industries whose code starts with, or name contains, ``q`` (all without)."""
    auth.require_role(*ROLES)
    inds = _settings().industries
    q = (request.args.get("q") or "").strip()
    if len(q) > 60:
        raise ApiError(400, "bad_request", "q: at most 60 characters", "q")
    results = (inds.search(q, limit=100) if q
               else [{"code": c, "name": n} for c, n in inds.names.items()])
    return jsonify(query=q, results=results)


def _page_strings() -> dict:
    """Every UI text admission.js shows, translated here (the script has none of its own)."""
    return {
        # literal ids so that pybabel finds them (catalogue.VERDICT_LABELS has the same)
        "verdicts": {"prohibited": _("禁止"), "restricted": _("限制"), "allowed": _("允许")},
        "lists": {"prohibited": _("禁止类"), "restricted": _("限制类")},
        "levels": {lv.code: lv.label for lv in current_app.extensions["geoapp.rules"].risk.levels},
        "match_partial": _("所填代码较粗，其下属行业列入目录，按从严原则适用；请填写到小类（4位）"),
        "conditions": _("准入条件"), "source": _("依据"), "zone": _("功能区"),
        "no_reasons": _("未列入该功能区的禁止类和限制类目录"),
        "no_catalogue": _("该功能区尚未配置产业目录"),
        "outside": _("场址不在任何功能区内"), "nearest_zone": _("最近的功能区"),
        "outside_part": _("功能区以外区域"), "square_metres": _("平方米"),
        "adjacent_zones": _("与场址仅边界相接的功能区（不适用其目录）"),
        "metres": _("米"), "grade": _("等级"), "distance": _("距离"),
        "no_cells": _("场址不在任何网格内"), "no_hazards": _("范围内无重大危险源"),
        "checking": _("核查中…"), "failed": _("核查失败"), "pick_industry": _("请选择行业"),
        "pick_site": _("请先在地图上点选或绘制场址，或输入坐标"),
        "bad_coords": _("坐标格式不正确：每行一个点，经度,纬度"),
        "vertices": _("已添加 %(n)s 个顶点", n="{n}"), "radius": _("查询半径"),
        "site": _("场址"), "synthetic": _("演示目录（虚构）"), "none": _("无"),
        "polygon_hint": _("在地图上依次单击多边形的各个顶点，双击或点“完成多边形”结束。"),
    }


@bp.get("/admission")
def page():
    """The planner's page: site on the map or typed, industry, verdict and reasons."""
    auth.require_role(*ROLES)
    territory = admission_data.territory(db.session(), auth.read_scope().cells)
    bounds = None
    frames = [f for f in (territory.cells, territory.zones) if len(f)]
    if frames:
        b = [f.total_bounds for f in frames]
        bounds = [min(x[0] for x in b), min(x[1] for x in b),
                  max(x[2] for x in b), max(x[3] for x in b)]
    settings = _settings()
    config = {
        "urls": {"check": url_for("admission.api_check"), "zones": url_for("api.zones"),
                 "print": url_for("admission.print_view")},
        "bounds": bounds,
        "industries": [[c, n] for c, n in settings.industries.names.items()],
        "colours": {lv.code: lv.colour
                    for lv in current_app.extensions["geoapp.rules"].risk.levels},
        "t": _page_strings(),
    }
    return render_template(
        "admission/page.html", page_config=config, radii=settings.settings.major_hazard_radius_m,
        leaflet_css=vendor_url("leaflet", "leaflet.css"),
        leaflet_js=vendor_url("leaflet", "leaflet.js"))


@bp.get("/admission/print")
def print_view():
    """One A4 result sheet: inputs, time, verdict and reasons (GET, so it can be bookmarked)."""
    auth.require_role(*ROLES)
    raw_site = request.args.get("site", "")
    crs, industry = request.args.get("crs", ""), request.args.get("industry", "")
    error, result, drawing, status = None, None, None, 200
    try:
        site = json.loads(raw_site) if raw_site else None
        inputs.check_tree(site, "site")  # nesting depth, NUL, lone surrogates
    except (ValueError, RecursionError, inputs.BadInput):
        site = raw_site  # the core reports it as a bad geometry
    try:
        result, territory = _run(site, crs, industry)
        colours = {lv.code: lv.colour for lv in current_app.extensions["geoapp.rules"].risk.levels}
        drawing = sketch(result, territory, colours)
    except check.CheckFailed as exc:
        error, status = exc.body(), exc.status
    return render_template("admission/print.html", result=result, error=error, sketch=drawing,
                           inputs={"site": raw_site, "crs": crs, "industry": industry},
                           radii=_settings().settings.major_hazard_radius_m,
                           t=_page_strings(), printed_at=_now()), status
