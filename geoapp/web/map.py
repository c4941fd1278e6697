"""The leader's map (``GET /``) and the compact data it loads (``/api/map/...``).

folium builds the map's skeleton (the Leaflet map, one empty overlay per layer,
the layer control; the base layers are static/basemap.js's, geoapp.web.basemap) with every
script and stylesheet repointed at the app's own vendored copies; the page
itself (templates/map.html, static/map/) fills the overlays from the JSON
endpoints below, so no data is embedded in the page. ``geoapp.map.snapshot``
encodes that data; this module only parses requests and sends bytes (gzip,
ETag).
"""

from __future__ import annotations

import gzip
import hashlib

import folium
import numpy as np
from branca.element import CssLink, JavascriptLink, MacroElement
from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from folium.template import Template
from markupsafe import escape
from werkzeug.routing import BuildError

from geoapp import settings
from geoapp.domain import workflow, zone_grades
from geoapp.domain.inspection import VISIT_STATUSES
from geoapp.domain.layers import LEVEL_ORDER
from geoapp.map import cache, headline, scoped, snapshot, tilekeep, vtiles
from geoapp.map import zones as zone_layer
from geoapp.store.reads import pages, visit_data
from geoapp.web import api, auth, clock, db, kept, params, prepared, warmup
from geoapp.web.assets import vendor_url

bp = Blueprint("map", __name__)

@bp.record_once
def _configure(state) -> None:
    app = state.app
    app.config["MAP_CACHE_SECONDS"] = float(settings.get("MAP_CACHE_SECONDS", app.config))
    app.config["GRID_OVERVIEW"] = settings.is_on("GRID_OVERVIEW", app.config)
    for key in ("MAP_TILE_CELLS", "MAP_TILE_POINTS", "MAP_CELL_OPTIONS"):
        app.config[key] = int(settings.get(key, app.config))
    app.extensions["geoapp.mapcache"] = cache.MapCache(
        max_age=db.cache_seconds(app))
    app.extensions.setdefault(warmup.WARMERS, []).append(warm)
    app.extensions.setdefault(warmup.REFRESHERS, []).append(seed_tiles)


def _rules():
    return current_app.extensions["geoapp.rules"]


def _english() -> bool:
    return str(get_locale() or "zh") == "en"


def _snapshot() -> snapshot.Snapshot:
    warmup.gate()  # 503 while this process still builds it (geoapp.web.warmup)
    rules = _rules()
    today = clock.today(rules.risk.hazards.timezone)
    return current_app.extensions["geoapp.mapcache"].load(db.session(), rules, today)


def _summary(snap: snapshot.Snapshot | None) -> dict:
    """The headline figures of the account's scope: with a snapshot, the sums of its
    cells' figures (geoapp.map.headline: a hazard move costs no read of every hazard),
    kept with it per scope; without one (still being built), ``pages.summary``."""
    rules = _rules()
    only = auth.read_scope().cells
    today = clock.today(rules.risk.hazards.timezone)
    if snap is None:
        return pages.summary(db.session(), rules, today, only)
    key = ("summary", auth.read_scope().key())
    if key not in snap.scoped:
        snap.scoped[key] = headline.summary(snap, only, pages.outside_hazards(db.session(), only),
                                            today, rules.risk.hazards.stock_cutoff)
    return snap.scoped[key]


def warm() -> None:
    """The whole territory's headline, computed by the warm-up (geoapp.web.warmup)."""
    _summary(_snapshot())


def seed_tiles() -> None:
    """In tile mode, the whole territory's first view (its tiles and the cells'
    properties) made ahead of the first request, after every refresh of the warm-up (a
    rebuilt snapshot starts with no tiles; a hazard move keeps those away from it:
    geoapp.map.tilekeep.carry_over)."""
    snap = _snapshot()
    tiled = _tiled(len(snap.cell_codes), len(snap.p_id))
    kinds = [kind for kind, on in tiled.items() if on]
    if kinds:
        tilekeep.seed(db.session(), snap, kinds)
    if tiled["cells"]:  # and the cells' properties the page loads first (1 s at 10⁵ cells)
        vtiles.properties_payload(snap, None, False)


# ---- the page ----------------------------------------------------------------------


class _Handoff(MacroElement):
    """Hands folium's objects to the map's scripts: ``window.geoappFolium``.

    (The control is a ``let``.)
    """

    _template = Template("""{% macro script(this, kwargs) %}
window.geoappFolium = {map: {{ this.map.get_name() }}, cells: {{ this.cells.get_name() }},
  zones: {{ this.zones.get_name() }}, control: {{ this.control.get_name() }}, layers: {
  {%- for code, group in this.groups.items() %}{{ code|tojson }}: {{ group.get_name() }},
  {%- endfor %}}};
{% endmacro %}""")

    def __init__(self, map_, cells, zones, groups, control):
        super().__init__()
        self.map, self.cells, self.zones, self.groups = map_, cells, zones, groups
        self.control = control


def _skeleton(bounds, layer_labels: dict[str, str]) -> dict:
    """The folium map without data: returns its div, script and the asset URLs it needs."""
    m = folium.Map(location=[35.0, 105.0], zoom_start=4, tiles=None,
                   zoom_control="topleft", width="100%", height="100%", zoom_snap=0.25)
    # folium's defaults come from CDNs and bring Bootstrap, jQuery and awesome-markers,
    # none of which the map uses: only the app's own Leaflet (set on the instance, so
    # folium's class-level lists stay untouched).
    m.default_js = [("leaflet", vendor_url("leaflet", "leaflet.js")),
                    ("markercluster", vendor_url("markercluster", "leaflet.markercluster.js"))]
    m.default_css = [("leaflet_css", vendor_url("leaflet", "leaflet.css")),
                     ("markercluster_css", vendor_url("markercluster", "MarkerCluster.css"))]
    if bounds:
        w, s, e, n = bounds
        m.fit_bounds([[s, w], [n, e]])
    cells = folium.FeatureGroup(name=str(escape(_("网格"))), show=True).add_to(m)
    groups = {code: folium.FeatureGroup(name=str(escape(label)), show=True).add_to(m)
              for code, label in layer_labels.items()}
    # functional zones: off at first (their outlines and names cross the cells'), filled
    # by static/map/zones.js from /api/map/zones when switched on
    zones = folium.FeatureGroup(name=str(escape(_("功能区"))), show=False).add_to(m)
    control = folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(_Handoff(m, cells, zones, groups, control))
    _fixed_names(m)
    figure = m.get_root()
    figure.render()
    children = list(figure.header._children.values())
    return {
        "js": [c.url for c in children if isinstance(c, JavascriptLink)],
        "css": [c.url for c in children if isinstance(c, CssLink)],
        "html": figure.html.render(),
        "script": (script := figure.script.render()),
        # in the script's URL, so that a browser never keeps a script of another map
        "version": hashlib.sha256(script.encode()).hexdigest()[:16],
    }


def _fixed_names(element, counter=None) -> None:
    """Replace folium's random element ids by their order: the same map gets the same
    variable and div names in the page and in /map/skeleton.js (two separate renders)."""
    counter = counter if counter is not None else iter(range(10**6))
    element._id = str(next(counter))
    for child in element._children.values():
        _fixed_names(child, counter)


def _strings(rules) -> dict:
    """Every UI text the map's scripts show, already translated (they have none of their own)."""
    en = _english()
    return {
        "levels": {lv.code: lv.label_en if en else lv.label for lv in rules.risk.levels},
        "layers": {c: t.label_en if en else t.label for c, t in rules.layers.items()},
        "states": {k: _(v) for k, v in workflow.STATE_LABELS.items()},
        "hazard_levels": {k: _(v) for k, v in workflow.LEVEL_LABELS.items()},
        "cell": _("网格"), "village": _("村/社区"), "town": _("镇/街道"),
        "member": _("网格员"), "phone": _("电话"), "risk_level": _("风险等级"),
        "points": _("点位"), "hazards": _("隐患"), "open": _("未销号"), "overdue": _("逾期"),
        "major_open": _("重大未销号"), "listed_open": _("挂牌督办"), "closed": _("已销号"),
        "rate": _("整改率"), "open_cell_page": _("打开网格页"), "loading": _("加载中…"),
        "failed": _("加载失败"), "none": _("无"), "all": _("全部"),
        "in_cell": _("所在网格"), "outside": _("网格外"), "authority": _("主管部门"),
        "nearest": _("最近网格"), "distance_m": _("距离（米）"),
        "open_hazards": _("未销号隐患"), "deadline": _("整改期限"), "state": _("状态"),
        "no_results": _("无结果"), "points_shown": _("显示点位"), "clustered": _("已聚合"),
        "cluster_title": _("点位"), "badge_listed": _("督"),
        "zoom_in": _("放大查看"), "exact": _("精确边界"),
        "last_visit": _("最近巡查"), "visit_status": _("巡查状态"), "never": _("从未巡查"),
        "next_visit_due": _("下次应巡查"),
        "level_reasons": _("定级依据"),
        "loading_points": _("正在加载点位…"),
        "offline": _("网络已断开"), "load_failed": _("加载失败"),
        "cells_failed": _("地图数据未能加载"),
        "cells_pick_area": _("网格太多，请先选镇/街道或村/社区"),
        "stale_points": _("灰色的点位是上次加载的，可能已过时"),
        "key_points": _("重点点位"),
        "key_hint": _("全域只显示红色、逾期和网格外点位，放大或勾选“显示全部点位”看全部"),
        "empty_cells": _("没有符合筛选条件的网格"),
        "empty_points": _("没有符合筛选条件的点位"),
        "filters_in_force": _("当前筛选："), "no_level": _("未选风险等级"),
        "list_more": _("只列出前 200 个"),
        "visits": {"due": _("待巡查"), "overdue": _("逾期未巡查"), "visited": _("已巡查")},
        # the zone layer (static/map/zones.js)
        "grades": {g: _(label) for g, label in zone_grades.GRADE_LABELS.items()},
        "zone": _("功能区"), "zone_kind": _("类型"), "zone_grade": _("安全风险等级"),
        "zone_ungraded": _("未评级"), "zone_score": _("评分"), "zone_assessed": _("评估日期"),
        "zone_body": _("评估单位"), "zone_from_ledger": _("台账评分"),
        "open_zone_page": _("打开功能区页"), "zones_failed": _("功能区未能加载"),
    }


def _cell_page_prefix() -> str:
    """/cells/ (the grid member's page, geoapp.web.cells) without the code."""
    try:
        return url_for("cells.cell_page", code="x")[:-1]
    except BuildError:
        return "/cells/"


def _zone_page_prefix() -> str:
    """/zones/ (a zone's page with its assessments, geoapp.web.zones) without the code."""
    try:
        return url_for("zones.page", code="x")[:-1]
    except BuildError:
        return "/zones/"


def _map_skeleton() -> tuple[dict, dict[str, str]]:
    """This request's folium skeleton and layer labels (the page and its script share it)."""
    rules = _rules()
    # while the process prepares, the page comes without bounds: its script keeps the
    # loading veil up, asks for the cells until they come and fits them then
    snap = _snapshot() if warmup.is_ready() else None
    only = auth.read_scope().cells
    mine = scoped.cell_indices(snap, only) if only is not None and snap else slice(None)
    bounds = None
    if snap is not None and len(snap.geometry.bounds[mine]):
        bounds = [float(v) for v in snap.geometry.bounds[mine].min(axis=0)[:2]] + \
                 [float(v) for v in snap.geometry.bounds[mine].max(axis=0)[2:]]
    en = _english()
    layers = {c: t.label_en if en else t.label for c, t in rules.layers.items()}
    return _skeleton(bounds, layers), layers


def _tile_mode(summary: dict) -> dict:
    """Whether this account's map draws cells and points from vector tiles: above
    MAP_TILE_CELLS cells or MAP_TILE_POINTS points in its scope (tiled cells tile points too).

    Counted from the headline's figures (``summary``, already of the account's scope), so
    the page needs no snapshot while a worker is still preparing one (geoapp.web.warmup)."""
    return _tiled(sum(summary["cells_by_level"].values()), sum(summary["points"].values()))


def _tiled(n_cells: int, n_points: int) -> dict:
    """Which of cells and points a scope of that size draws from tiles (``_tile_mode``)."""
    cells = n_cells > current_app.config["MAP_TILE_CELLS"]
    return {"cells": cells, "points": cells or n_points > current_app.config["MAP_TILE_POINTS"]}


@bp.get("/map/skeleton.js")
def skeleton_script():
    """folium's script for the map, as a file: the Content-Security-Policy runs no inline
    script. Its names are fixed (_skeleton), so it fits the page's div whenever loaded."""
    response = Response(_map_skeleton()[0]["script"], mimetype="text/javascript")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/")
def map_page():
    """The leader's map: cells in four colours, point layers, filters, headline strip."""
    rules = _rules()
    en = _english()
    skeleton, layers = _map_skeleton()
    levels = [{"code": lv.code, "label": lv.label_en if en else lv.label, "colour": lv.colour}
              for lv in rules.risk.levels]
    summary = _summary(_snapshot() if warmup.is_ready() else None)
    config = {
        "tiles": _tile_mode(summary),
        "cell_options": current_app.config["MAP_CELL_OPTIONS"],
        "urls": {"cells": url_for("map.cells"), "points": url_for("map.points"),
                 "vt_cells": url_for("map.vector_tile", kind="cells", z=0, x=0, y=0)[
                     :-len("0/0/0.mvt")],
                 "vt_points": url_for("map.vector_tile", kind="points", z=0, x=0, y=0)[
                     :-len("0/0/0.mvt")],
                 "search": url_for("map.search"),
                 "tile": url_for("map.cell_tile", z=0, x=0, y=0)[:-len("0/0/0")],
                 "point": url_for("map.point", point_id=0)[:-1],
                 "cell": url_for("api.cell", code="x")[:-1],
                 "cell_page": _cell_page_prefix(), "zones": url_for("map.zones"),
                 "zone_page": _zone_page_prefix()},
        "colours": {lv["code"]: lv["colour"] for lv in levels},
        "t": _strings(rules),
    }
    grade_colours = zone_grades.grade_colours(rules.risk.zones.grade_levels, config["colours"])
    zone_legend = [{"grade": g, "colour": c, "label": _(zone_grades.GRADE_LABELS[g])}
                   for g, c in grade_colours.items()]
    html = render_template("map/map.html", skeleton=skeleton, levels=levels, layers=layers,
                           summary=summary, page_config=config, zone_grades=zone_legend)
    response = Response(html, mimetype="text/html")
    if "gzip" in request.accept_encodings:
        response.set_data(gzip.compress(response.get_data(), 6))
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


# ---- the data ----------------------------------------------------------------------


@bp.get("/api/map/cells")
def cells():
    """Every cell of the account's scope for drawing: simplified shared-edge geometry,
    names, level, figures (a grid member with GRID_OVERVIEW on: every cell's colour).
    ``geometry=0``: the same without the shapes (the map in tile mode draws them from
    /tiles/cells)."""
    overview = (current_app.config.get("GRID_OVERVIEW")
                and getattr(auth.current_user, "role", None) == "grid")
    if params.choice("geometry", ("0", "1"), "geometry must be 0 or 1") == "0":
        return prepared.send(vtiles.properties_payload(_snapshot(), auth.read_scope().cells,
                                               bool(overview)))
    return prepared.send(scoped.cells_payload(_snapshot(), auth.read_scope().cells, bool(overview)))


@bp.get("/api/map/zones")
def zones():
    """Every functional zone for drawing: outline, name, kind, the grade in force (latest
    assessment, else the ledger's score) and its colour, a label point. Whole for every
    account, as /api/zones: zones are the planning frame, not an area's rows."""
    return prepared.send(snapshot.Payload.of(zone_layer.zones_doc(db.session(), _rules())))


@bp.get("/api/map/cells/tile/<int:z>/<int:x>/<int:y>")
def cell_tile(z: int, x: int, y: int):
    """Exact geometry of the cells meeting one Web-Mercator tile (zoom 10–16)."""
    if not 10 <= z <= 16:
        raise params.bad("z", "tile zoom must be between 10 and 16")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise params.bad("x" if not 0 <= x < 2**z else "y", "tile outside the world")
    return prepared.send(scoped.tile(_snapshot(), z, x, y, auth.read_scope().cells))


def _filters() -> tuple[vtiles.Filters, snapshot.Snapshot]:
    """The map's filters from the query (/api/map/points and the tiles read them alike)."""
    rules = _rules()
    layers = params.comma_list("layers", rules.layers)
    levels = params.comma_list("levels", LEVEL_ORDER)
    hazard = params.choice("hazard", snapshot.HAZARD_FILTERS,
                           f"hazard must be one of {', '.join(snapshot.HAZARD_FILTERS)}")
    outside = params.choice("outside", ("only", "exclude"), "outside must be only or exclude")
    visit = params.choice("visit", VISIT_STATUSES,
                          f"visit must be one of {', '.join(VISIT_STATUSES)}")
    key = params.choice("key", ("0", "1"), "key must be 0 or 1") == "1"
    snap = _snapshot()
    try:
        area = snap.area_cells(request.args.get("town"), request.args.get("village"),
                               request.args.get("cell"))
    except KeyError as exc:
        name = exc.args[0]
        raise params.bad(name, f"{name}: no such {name} {request.args.get(name)!r}") from None
    # in a fixed order, and "all" as none: equal filters are one cache key (vtiles.tile)
    return vtiles.Filters(
        layers=None if layers is None or set(layers) >= set(rules.layers) else
        tuple(c for c in rules.layers if c in layers),
        levels=None if levels is None or set(levels) >= set(LEVEL_ORDER) else
        tuple(c for c in LEVEL_ORDER if c in levels), hazard=hazard,
        area=None if area is None else tuple(area.tolist()), outside=outside, visit=visit,
        key=key), snap


@bp.get("/api/map/points")
def points():
    """Points in a bounding box, filtered; as points when few, else clusters.

    Parameters: ``bbox`` (west,south,east,north), ``zoom`` (0–22), ``layers``,
    ``levels`` (comma lists), ``hazard`` (one of ``snapshot.HAZARD_FILTERS``),
    ``town``, ``village``, ``cell`` (names; code for the cell; outside points
    count with their nearest cell), ``outside`` (only|exclude), ``visit``
    (due|overdue|visited: the points' visit status today), ``key=1`` (only the
    points that matter: red, overdue hazard, outside every cell). Each point row ends
    with its ``visit`` status and ``last_visit`` (ISO date or null); ``visits``
    counts the view's points per status before the ``visit`` filter.
    """
    bbox = params.bbox()
    zoom = params.whole_number("zoom", "12", 0, 22, "zoom must be a whole number from 0 to 22")
    f, snap = _filters()
    idx = snap.select(bbox, f.layers, f.levels, f.hazard, scoped.area_cells(
        snap, auth.read_scope().cells, None if f.area is None else np.asarray(f.area)),
        f.outside, key=f.key)
    counts = snap.visits.counts(idx)
    if f.visit:
        idx = idx[snap.visits.mask(f.visit)[idx]]
    return prepared.send(snapshot.Payload.of({**snap.points_doc(idx, zoom), "visits": counts},
                                             fast=True))


@bp.get("/tiles/<any(cells, points):kind>/<int:z>/<int:x>/<int:y>.mvt")
def vector_tile(kind: str, z: int, x: int, y: int):
    """One Mapbox Vector Tile of the account's scope (geoapp.map.vtiles): layer ``cells``
    (code, name, risk_level, overdue, listed) or ``points`` (id, layer, risk_level), the
    map's filters as for /api/map/points (bbox and zoom aside: the tile is the box)."""
    if not 0 <= z <= 22:
        raise params.bad("z", "tile zoom must be between 0 and 22")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise params.bad("x" if not 0 <= x < 2**z else "y", "tile outside the world")
    f, snap = _filters()
    payload = vtiles.tile(db.session(), snap, kind, z, x, y, auth.read_scope().cells, f)
    return prepared.send(payload, "application/vnd.mapbox-vector-tile")


@bp.get("/api/map/points/<int:point_id>")
def point(point_id: int):
    """One point for its popup: key fields, its cell, open hazards."""
    payload = kept.point(point_id, lambda rules, today: _point_detail(point_id, rules, today))
    if payload is None:
        return {"error": "not_found", "message": f"no point {point_id}"}, 404
    return prepared.send(payload)


def _point_detail(point_id: int, rules, today) -> dict | None:
    detail = pages.point_detail(db.session(), rules, point_id, today, english=_english(),
                                say=api.say())
    if detail is not None:
        visit = visit_data.statuses(db.session(), rules, [point_id], today).get(point_id, {})
        detail["properties"].update(visit=visit.get("visit"), last_visit=visit.get("last_visit"),
                                    next_visit_due=visit.get("next_due"))
    return detail


@bp.get("/api/map/search")
def search():
    """Points whose name contains ``q`` (enterprises unless ``layer`` says otherwise)."""
    rules = _rules()
    q = (request.args.get("q") or "").strip()
    if not q:
        raise params.bad("q", "q (part of a name) is required")
    if len(q) > 100:
        raise params.bad("q", "q must be at most 100 characters")
    # by default the first layer of the rules' order (the enterprises, in the bundled files)
    layers = params.comma_list("layer", rules.layers) or list(rules.layers)[:1] or None
    limit = params.whole_number("limit", "20", 1, 100,
                                "limit must be a whole number from 1 to 100")
    return {"query": q, "results": pages.search_points(db.session(), q, layers, limit,
                                                       only=auth.read_scope().cells)}
