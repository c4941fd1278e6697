"""The planner's admission check on the web: thin views over geoapp.domain.admission.

* ``GET /admission``: the page (pick a site on the map or type it, choose an
  industry, see the verdict, its reasons, zones, cells and installations);
* ``GET /api/admission/layers``: what the page's map shows before any check
  (cells in their colours, towns' outlines, major hazard installations);
* ``POST /api/admission-check``: the JSON twin (public contract: README); every
  answered check is stored in the register under its sheet number
  (geoapp.store.admission_checks; the register's pages: geoapp.web.admission_checks);
* ``GET /admission/print?site=…&crs=…&industry=…``: an unregistered preview of
  the result sheet (the page links to the registered one, with its number);
* ``GET /api/industries?q=…``: the industry search the page uses.

All for planner, leader and admin (grid members get 403). The check is exempt from
CSRF for scripted clients: it takes only ``application/json`` bodies, which a
cross-site form cannot send (and a cross-site script cannot send without a CORS
pre-flight the app never grants); it still needs a logged-in session with one of the
roles once accounts exist. Catalogues are read, validated and hashed at start-up
(``init_app``); each stored check names the files' SHA-256.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import shapely
from flask import Blueprint, Flask, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from geoapp import settings
from geoapp.admission import check
from geoapp.admission.layers import layers
from geoapp.admission.sketch import sketch
from geoapp.domain import admission
from geoapp.domain.audit import folder_digest
from geoapp.domain.catalogue import OUTSIDE, load_admission
from geoapp.domain.site_summary import summary
from geoapp.store import admission_checks
from geoapp.store.reads import admission_data
from geoapp.web import auth, clock, db, i18n, inputs
from geoapp.web.assets import vendor_url
from geoapp.web.errors import ApiError

bp = Blueprint("admission", __name__)
ROLES = ("planner", "leader", "admin")


def init_app(app: Flask) -> None:
    """Load and validate the admission folder (errors name file and line); register views."""
    folder = (settings.get("ADMISSION_DIR", app.config)
              or str(Path(app.config["LAYERS_DIR"]) / "admission"))
    app.extensions["geoapp.admission"] = load_admission(Path(folder))
    # the catalogue files in force, named in every stored check (a changed file shows)
    app.extensions["geoapp.admission_digest"] = folder_digest(Path(folder))
    app.register_blueprint(bp)
    # Flask-WTF's CSRFProtect registers itself as app.extensions["csrf"] (geoapp.web.auth)
    app.extensions["csrf"].exempt(api_check)


def _settings():
    return current_app.extensions["geoapp.admission"]


def _now() -> dt.datetime:
    tz = current_app.extensions["geoapp.rules"].risk.hazards.timezone
    # the app's clock (pinnable: a register's year follows the demo's or test's today)
    return clock.now(tz).astimezone(ZoneInfo(tz)).replace(microsecond=0)


def _run(site, crs, industry) -> tuple[dict, admission.Territory]:
    return check.run(db.session(), _settings(), site, crs, industry, _now(),
                     auth.read_scope().cells)


def refusal(exc: check.CheckFailed) -> ApiError:
    """A refused check as the web answers it: the message in the page's language only."""
    body = exc.body(_)
    return ApiError(exc.status, exc.error, body.pop("message"), body.pop("field"),
                    **{k: v for k, v in body.items() if k != "error"})


def _catalogues_used(result: dict) -> list[dict]:
    """The files the verdict read, with their SHA-256: the applied zones' catalogues (and
    the outside one), the industry list and the settings."""
    digest = current_app.extensions["geoapp.admission_digest"]
    sha = {f["name"]: f["sha256"] for f in digest["files"]}
    folder = _settings().folder
    used = []
    zones = [z["code"] for z in result["zones"]] + ([OUTSIDE] if result["outside_zones"] else [])
    for zone in zones:
        cat = _settings().catalogues.get(zone)
        if cat is not None:
            name = cat.path.relative_to(folder).as_posix()
            used.append({"zone": zone, "file": name, "sha256": sha.get(name)})
    for name in ("industries.csv", "settings.toml"):
        used.append({"zone": None, "file": name, "sha256": sha.get(name)})
    return used


def _store(result: dict) -> admission_checks.AdmissionCheck:
    session = db.session()
    actor = current_user.username if current_user.is_authenticated else None
    row = admission_checks.record(
        session, result, actor=actor, now=dt.datetime.fromisoformat(result["checked_at"]),
        catalogue_sha256=current_app.extensions["geoapp.admission_digest"]["sha256"],
        catalogues=_catalogues_used(result))
    session.commit()
    return row


# ---------------------------------------------------------------- views


@bp.post("/api/admission-check")
def api_check():
    """Check a site: JSON {site: GeoJSON geometry, crs, industry} → verdict and reasons,
    stored in the register: the answer carries its sheet ``number`` and ``print_url``."""
    auth.require_role(*ROLES)
    # the body only after the role check; MAX_CONTENT_LENGTH (geoapp.web.inputs) refuses
    # an oversized one with 413 before it is read
    body = inputs.json_body({"site": inputs.OBJECT, "crs": inputs.TEXT,
                               "industry": inputs.TEXT})
    for field in ("site", "crs", "industry"):
        if body.get(field) in (None, ""):
            raise ApiError(400, "missing_field", _("缺少字段 %(field)s", field=field), field)
    try:
        result = _run(body["site"], body["crs"], body["industry"])[0]
    except check.CheckFailed as exc:
        raise refusal(exc) from None
    row = _store(result)
    return jsonify({**result, "number": row.number,
                    "print_url": url_for("admission_checks.print_check", number=row.number)})


@bp.get("/api/admission/layers")
def api_layers():
    """The map's backdrop before any check: {cells, towns, major_hazards} as GeoJSON."""
    auth.require_role(*ROLES)
    radius = max(_settings().settings.major_hazard_radius_m.values())
    return jsonify(layers(db.session(), auth.read_scope().cells, radius))


@bp.get("/api/industries")
def industries():
    """GB/T 4754-2017 industries whose code starts with, or name (Chinese or English)
    contains, ``q``, the narrower first (all, in the list's order, without ``q``);
    ``limit`` 1–200 (50)."""
    auth.require_role(*ROLES)
    inds = _settings().industries
    q = (request.args.get("q") or "").strip()
    if len(q) > 60:
        raise ApiError(400, "bad_request", _("q：最多 60 个字符"), "q")
    limit = request.args.get("limit", "50")
    if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 200):
        raise ApiError(400, "bad_request", _("limit：应为 1–200 的整数"), "limit")
    results = (inds.search(q, limit=int(limit)) if q
               else [{"code": c, "name": n, "name_en": inds.names_en.get(c)}
                     for c, n in inds.names.items()])
    return jsonify(query=q, results=results)


def _page_strings() -> dict:
    """Every UI text admission.js shows, translated here (the script has none of its own)."""
    return {
        # literal ids so that pybabel finds them (catalogue.VERDICT_LABELS has the same)
        "verdicts": {"prohibited": _("禁止"), "restricted": _("限制"), "allowed": _("允许")},
        "lists": {"prohibited": _("禁止类"), "restricted": _("限制类")},
        "levels": {lv.code: i18n.localized(lv)
                   for lv in current_app.extensions["geoapp.rules"].risk.levels},
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
        "colon": i18n.mark("colon"), "list_mark": i18n.mark("list"),
        "clause": i18n.mark("clause"), "comma": i18n.mark("comma"),
        "parens": [" (", ")"] if i18n.english() else ["（", "）"],
        "brackets": ["[", "] "] if i18n.english() else ["【", "】"],
        "swap": _("交换经纬度并重新核查"), "number": _("编号"),
        "park_grade": _("园区等级 %(grade)s", grade="{grade}"),
        "town": _("镇街界线"), "installation": _("重大危险源"),
        "no_match": _("没有匹配的行业"),
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
                 "layers": url_for("admission.api_layers"),
                 "industries": url_for("admission.industries")},
        "bounds": bounds,
        "lang": "en" if i18n.english() else "zh",
        "colours": {lv.code: lv.colour
                    for lv in current_app.extensions["geoapp.rules"].risk.levels},
        "t": _page_strings(),
    }
    return render_template(
        "admission/page.html", page_config=config, radii=settings.settings.major_hazard_radius_m,
        levels=current_app.extensions["geoapp.rules"].risk.levels,
        t_open=config["t"]["parens"][0], t_close=config["t"]["parens"][1],
        leaflet_css=vendor_url("leaflet", "leaflet.css"),
        leaflet_js=vendor_url("leaflet", "leaflet.js"))


def sheet(result: dict | None, territory, *, number: str | None, error: dict | None,
          inputs_echo: dict, status: int = 200, checked_by: str | None = None):
    """The one-page sheet (print.html) of a result: its number (None: a preview), the site
    in 东经/北纬, the sketch."""
    drawing = site = None
    if result is not None:
        colours = {lv.code: lv.colour for lv in current_app.extensions["geoapp.rules"].risk.levels}
        drawing = sketch(result, territory, colours)
        site = summary(shapely.from_geojson(json.dumps(result["site"])))
    return render_template("admission/print.html", result=result, error=error, sketch=drawing,
                           inputs=inputs_echo, site=site, number=number, checked_by=checked_by,
                           radii=_settings().settings.major_hazard_radius_m,
                           t=_page_strings(), printed_at=_now()), status


@bp.get("/admission/print")
def print_view():
    """An unregistered preview of the sheet: inputs, time, verdict and reasons (GET, so it
    can be bookmarked; it stores nothing and so carries no number)."""
    auth.require_role(*ROLES)
    raw_site = request.args.get("site", "")
    crs, industry = request.args.get("crs", ""), request.args.get("industry", "")
    try:
        site = json.loads(raw_site) if raw_site else None
        inputs.check_tree(site, "site")  # nesting depth, NUL, lone surrogates
    except (ValueError, RecursionError, inputs.BadInput):
        site = raw_site  # the core reports it as a bad geometry
    echo = {"site": raw_site, "crs": crs, "industry": industry}
    try:
        result, territory = _run(site, crs, industry)
    except check.CheckFailed as exc:
        return sheet(None, None, number=None, error=exc.body(_), inputs_echo=echo,
                     status=exc.status)
    return sheet(result, territory, number=None, error=None, inputs_echo=echo)
