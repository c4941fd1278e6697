"""The leader's map (GET /) and its data (/api/map/...), on both backends.

The page must load nothing from another host, and draw from the JSON API what
/api/cells says; the compact encodings (geoapp.map.snapshot) are checked against
hand-drawn geometry. The browser side (drawing, popups, escaping in Chromium)
is tests/browser/.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urlsplit

import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from geoapp.domain import workflow
from geoapp.domain.layers import load_rules
from geoapp.map import geometry, snapshot
from geoapp.resources import bundled
from geoapp.store import hazards
from geoapp.store.models import Point
from tests.support.constants import TODAY

# every point layer of the bundled layers/, in their order (the map takes them from there)
LAYERS = list(load_rules(bundled("layers")).layers)
LEVELS = ["red", "orange", "yellow", "blue"]


# ---- helpers ------------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        if tag in ("img", "iframe", "source") and a.get("src"):
            self.urls.append(a["src"])


def decode(polys, quantum, origin):
    """Python twin of map.js's decodeGeometry: integer delta rings → shapely."""
    out = []
    for rings in polys:
        shells = []
        for ring in rings:
            xy = np.cumsum(np.array(ring, dtype=np.int64).reshape(-1, 2), axis=0)
            shells.append(xy * quantum + np.asarray(origin))
        out.append(shapely.Polygon(shells[0], shells[1:]))
    return shapely.MultiPolygon(out)


@pytest.fixture
def api_cells(demo_client):
    features = demo_client.get("/api/cells").get_json()["features"]
    return {f["properties"]["code"]: f for f in features}


@pytest.fixture
def map_cells(demo_client):
    response = demo_client.get("/api/map/cells")
    assert response.status_code == 200
    return response.get_json()


# ---- the page -----------------------------------------------------------------------


def test_page_has_legend_layers_and_headline(demo_client):
    response = demo_client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for marker in ('id="map-legend"', 'id="headline"', 'id="map-filters"', 'id="geoapp-map"',
                   'id="f-town"', 'id="f-village"', 'id="f-cell"', 'id="f-hazard"',
                   'id="f-levels"', 'id="f-layers"', 'id="search-form"', 'id="hl-outside"'):
        assert marker in html, marker
    for label in ("网格", "企业", "闲置场所", "有限空间", "重大危险源", "消防安全重点单位",
                  "人员密集场所", "经营性自建房", "燃气场所", "在建工程", "电动自行车停放充电场所",
                  "重大风险", "较大风险", "一般风险", "低风险", "动态清零", "网格有逾期隐患"):
        assert label in html, label
    # the skeleton is folium's, with an overlay per layer handed to map.js
    # (as a script file: the Content-Security-Policy runs no inline script)
    script_url = re.search(r'<script src="(/map/skeleton\.js\?[^"]+)"', html).group(1)
    script = demo_client.get(script_url).get_data(as_text=True)
    assert "window.geoappFolium" in script and "L.control.layers" in script
    map_div = re.search(r'class="folium-map" id="(map_\w+)"', html).group(1)
    assert f'L.map(\n                "{map_div}"' in script  # the same names in both
    # the headline strip shows /api/summary's figures
    summary = demo_client.get("/api/summary").get_json()
    for code in LEVELS:
        assert f'id="hl-cells-{code}"' in html
    strip = html[html.index('id="headline"'):html.index('class="map-wrap"')]
    assert f"<b>{summary['major']['open']}</b>" in strip
    assert f"<b>{summary['major']['overdue']}</b>" in strip
    assert f"<b>{summary['zeroing']['major']['stock_open']}</b>" in strip
    assert f"<b>{summary['points_outside_cells']}</b>" in strip


def test_page_embeds_no_data(demo_client, api_cells):
    html = demo_client.get("/").get_data(as_text=True)
    # cells and points come from /api/map/...; no cell name or point is in the page
    assert not any(f["properties"]["name"] in html for f in api_cells.values())
    assert len(html.encode()) < 40_000


def test_page_and_its_assets_come_from_the_app(demo_client):
    html = demo_client.get("/").get_data(as_text=True)
    parser = _Assets()
    parser.feed(html)
    assert any(u.endswith("leaflet.js") for u in parser.urls)
    assert any(u.endswith("leaflet.markercluster.js") for u in parser.urls)
    assert any(u.endswith("map/main.js") for u in parser.urls)
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is on another host"
        with demo_client.get(url) as response:  # a static file: closing it closes the file
            assert response.status_code == 200, url
    # folium's CDN defaults (Bootstrap, jQuery, awesome-markers, Font Awesome) are gone,
    # and with no 天地图 key there is no basemap at all
    for host in ("cdn.", "bootstrap", "jquery", "awesome", "fontawesome", "tianditu", "//"):
        assert all(host not in u for u in parser.urls), host
    assert "tianditu" not in html
    assert "L.tileLayer" not in html


def test_tianditu_base_layers_when_a_key_is_configured(demo_database):
    """The page loads static/basemap.js, which takes the 天地图 layers from
    /basemap/meta.json (tests/web/test_basemap.py checks that document)."""
    from tests.support.apps import make_app

    client = make_app(demo_database, TIANDITU_KEY="abc123").test_client()
    page = client.get("/")
    assert '/static/basemap.js"' in page.get_data(as_text=True)
    # the tiles are the one thing the Content-Security-Policy lets come from elsewhere
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in \
        page.headers["Content-Security-Policy"]
    layers = client.get("/basemap/meta.json").get_json()["tianditu"]
    urls = [url for t in layers for url in t["urls"]]
    for layer in ("vec", "cva", "img", "cia"):
        assert any(f"/{layer}_w/wmts" in u and f"LAYER={layer}" in u for u in urls)
    assert all("tk=abc123" in u for u in urls)
    assert [t["name"] for t in layers] == ["天地图矢量", "天地图影像"]


def test_page_in_english(demo_client, demo_database):
    html = demo_client.get("/?lang=en").get_data(as_text=True)
    assert response_ok(html)
    config = json.loads(html.split('id="page-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["t"]["layers"]["enterprise"] == "Enterprise"
    assert config["t"]["levels"]["red"] == "Major"
    # a fire unit's popup: every field under its English label (layers/*.toml label_en)
    with demo_database.sessions() as s:
        point_id = s.scalar(sa.select(Point.id).where(Point.layer == "fire_unit").limit(1))
    popup = demo_client.get(f"/api/map/points/{point_id}?lang=en").get_json()
    fields = popup["properties"]["fields"]
    labels = {f["name"]: f["label"] for f in fields}
    assert labels["team_town"] == "Assigned town leader" and all(
        label != name and label.isascii() for name, label in labels.items()), labels


def response_ok(html: str) -> bool:
    return 'id="map-legend"' in html


# ---- cells --------------------------------------------------------------------------


def test_map_cells_match_api_cells(map_cells, api_cells):
    m = map_cells
    assert m["format"] == "geoapp-cells/1" and m["levels"] == LEVELS and m["layers"] == LAYERS
    assert sorted(m["code"]) == sorted(api_cells)
    for i, code in enumerate(m["code"]):
        p = api_cells[code]["properties"]
        assert m["name"][i] == p["name"]
        assert m["levels"][m["level"][i]] == p["risk_level"], code
        assert dict(zip(m["layers"], m["counts"][i], strict=True)) == p["counts"], code
        h = dict(zip(m["hazard_fields"], m["hazards"][i], strict=True))
        assert {k: p["hazards"][k] for k in h} == h, code
        village, town = m["villages"][m["village"][i]]
        assert village == p["village"] and m["towns"][town] == p["town"]
        assert (str(i) in m["badge"]) == (p["hazards"]["listed_open"] > 0)


def test_map_cells_geometry_is_close_to_the_stored_one(map_cells, api_cells):
    from shapely.geometry import shape

    tol = geometry.overview_tolerance(map_cells["bounds"])
    for i, code in enumerate(map_cells["code"]):
        drawn = decode(map_cells["geom"][i], map_cells["quantum"], map_cells["origin"])
        stored = shape(api_cells[code]["geometry"])
        assert drawn.is_valid, code
        assert shapely.hausdorff_distance(drawn, stored) <= tol * 2 + map_cells["quantum"], code
        assert abs(drawn.area - stored.area) / stored.area < 0.05, code


def test_map_cells_gzip_etag_and_revalidation(demo_client):
    first = demo_client.get("/api/map/cells", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first.headers["Vary"]
    assert "no-cache" in first.headers["Cache-Control"]
    body = json.loads(gzip.decompress(first.data))
    assert body == demo_client.get("/api/map/cells").get_json()
    again = demo_client.get("/api/map/cells", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_exact_cell_tiles(demo_client, map_cells, api_cells):
    from shapely.geometry import shape

    z = map_cells["detail"]["tile_zoom"]
    code = map_cells["code"][0]
    stored = shape(api_cells[code]["geometry"])
    c = shapely.point_on_surface(stored)
    n = 2**z
    x = int((c.x + 180) / 360 * n)
    lat = np.radians(c.y)
    y = int((1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / np.pi) / 2 * n)
    tile = demo_client.get(f"/api/map/cells/tile/{z}/{x}/{y}").get_json()
    assert code in tile["code"]
    drawn = decode(tile["geom"][tile["code"].index(code)], tile["quantum"], tile["origin"])
    assert shapely.hausdorff_distance(drawn, stored) < 3 * tile["quantum"]
    assert demo_client.get("/api/map/cells/tile/3/0/0").status_code == 400


# ---- points -------------------------------------------------------------------------


def _points(client, **params):
    response = client.get("/api/map/points", query_string={"zoom": 12, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_points_match_counts(demo_client, api_cells):
    summary = demo_client.get("/api/summary").get_json()
    data = _points(demo_client)
    assert data["mode"] == "points"  # the demo is small enough to send every point
    assert data["total"] == sum(summary["points"].values()) == len(data["points"])
    assert data["outside"] == summary["points_outside_cells"]
    fields = data["point_fields"]
    per_layer = {code: 0 for code in LAYERS}
    for row in data["points"]:
        per_layer[LAYERS[row[fields.index("layer")]]] += 1
    assert per_layer == summary["points"]
    for code in list(api_cells)[:12]:
        inside = _points(demo_client, cell=code, outside="exclude")
        assert inside["total"] == sum(api_cells[code]["properties"]["counts"].values()), code


def test_points_filters(demo_client):
    data = _points(demo_client, levels="red,orange", layers="enterprise,major_hazard")
    f = data["point_fields"]
    assert data["points"]
    assert all(r[f.index("level")] in (0, 1) for r in data["points"])
    assert all(LAYERS[r[f.index("layer")]] in ("enterprise", "major_hazard")
               for r in data["points"])
    overdue = _points(demo_client, hazard="overdue")
    assert overdue["points"] and all(r[f.index("flags")] & 2 for r in overdue["points"])
    outside = _points(demo_client, outside="only")
    assert outside["total"] == outside["outside"] > 0
    assert _points(demo_client, layers="")["total"] == 0
    # a bounding box around one point finds it
    one = data["points"][0]
    lon, lat = one[f.index("lon")], one[f.index("lat")]
    near = _points(demo_client, bbox=f"{lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}")
    assert one[0] in [r[0] for r in near["points"]]


def test_key_points_are_red_overdue_or_outside(demo_client):
    every = _points(demo_client)
    key = _points(demo_client, key=1)
    f = key["point_fields"]
    ids = {r[0] for r in key["points"]}
    expected = {r[0] for r in every["points"]
                if r[f.index("level")] == 0 or r[f.index("flags")] & 2 or r[f.index("outside")]}
    assert ids == expected and 0 < len(ids) < every["total"]
    assert key["outside"] == every["outside"]  # every point outside a cell matters
    assert _points(demo_client, key=0)["total"] == every["total"]


def test_overdue_major_hazards_flag_points_and_cells(demo_client, map_cells):
    summary = demo_client.get("/api/summary").get_json()
    data = _points(demo_client, hazard="major_overdue")
    f = data["point_fields"]
    assert summary["major"]["overdue"] > 0 and data["total"] > 0
    # flag 16 is overdue and major at once: within both of those filters
    assert all(r[f.index("flags")] & (16 | 4 | 2) == 22 for r in data["points"])
    overdue_major = {r[0] for r in _points(demo_client, hazard="overdue")["points"]} & \
        {r[0] for r in _points(demo_client, hazard="major_open")["points"]}
    assert {r[0] for r in data["points"]} <= overdue_major
    at = map_cells["hazard_fields"].index("major_overdue")
    assert sum(h[at] for h in map_cells["hazards"]) == summary["major"]["overdue"]


def test_village_outlines_cover_their_cells(map_cells):
    q, origin = map_cells["quantum"], map_cells["origin"]
    assert len(map_cells["village_geom"]) == len(map_cells["villages"]) == \
        len(map_cells["village_at"])
    assert len(map_cells["label_at"]) == len(map_cells["code"])
    for v in range(len(map_cells["villages"])):
        outline = decode(map_cells["village_geom"][v], q, origin)
        assert outline.contains(shapely.Point(map_cells["village_at"][v]))
        for i in [i for i, x in enumerate(map_cells["village"]) if x == v]:
            cell = decode(map_cells["geom"][i], q, origin)
            assert outline.buffer(1e-4).contains(cell), (v, map_cells["code"][i])
            assert cell.buffer(1e-6).contains(shapely.Point(map_cells["label_at"][i]))


def test_points_by_area(demo_client, map_cells):
    town = map_cells["towns"][0]
    village = map_cells["villages"][0][0]
    assert _points(demo_client, town=town)["total"] > 0
    by_village = _points(demo_client, village=village)
    assert 0 < by_village["total"] < _points(demo_client)["total"]


@pytest.mark.parametrize("query, field", [
    ("bbox=1,2,3", "bbox"), ("bbox=a,b,c,d", "bbox"), ("bbox=1,2,3,nan", "bbox"),
    ("bbox=5,0,1,1", "bbox"), ("layers=enterprise,pipeline", "layers"),
    ("levels=purple", "levels"), ("hazard=lost", "hazard"), ("zoom=x", "zoom"),
    ("zoom=40", "zoom"), ("outside=maybe", "outside"), ("town=nowhere", "town"),
    ("village=nowhere", "village"), ("cell=NO-SUCH", "cell"), ("key=yes", "key"),
])
def test_bad_parameters_are_400_naming_the_parameter(demo_client, query, field):
    response = demo_client.get(f"/api/map/points?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request" and body["field"] == field
    assert field in body["message"]


def test_search_finds_an_enterprise_by_part_of_its_name(demo_client, api_cells):
    code = next(c for c, f in api_cells.items() if f["properties"]["counts"]["enterprise"])
    detail = demo_client.get(f"/api/cells/{code}").get_json()
    target = next(p for p in detail["points"]["features"]
                  if p["properties"]["layer"] == "enterprise")
    name = target["properties"]["name"]
    part = name[1:4]
    results = demo_client.get("/api/map/search", query_string={"q": part}).get_json()["results"]
    assert target["id"] in [r["id"] for r in results]
    assert all(part in r["name"] and r["layer"] == "enterprise" for r in results)
    # LIKE wildcards are literal
    assert demo_client.get("/api/map/search?q=%25").get_json()["results"] == []
    assert demo_client.get("/api/map/search?q=_").get_json()["results"] == []
    bad = demo_client.get("/api/map/search?q=")
    assert bad.status_code == 400 and bad.get_json()["field"] == "q"
    assert demo_client.get("/api/map/search?q=a&layer=pipeline").get_json()["field"] == "layer"


def test_point_detail_has_fields_and_open_hazards(demo_client):
    data = _points(demo_client, hazard="open")
    pid = data["points"][0][0]
    detail = demo_client.get(f"/api/map/points/{pid}").get_json()
    p = detail["properties"]
    assert p["open_hazards"] and all(h["state"] != "closed" for h in p["open_hazards"])
    assert p["fields"] and all({"label", "value"} <= set(f) for f in p["fields"])
    assert p["cell"] is None or p["cell"]["code"] in (p["cell_code"], p["nearest_cell_code"])
    assert demo_client.get("/api/map/points/999999").status_code == 404


# ---- the data follow writes ----------------------------------------------------------


@pytest.fixture
def small(database, rules):
    """Two hand-drawn cells, three points (one outside, one with a hostile name), a hazard."""
    from geoapp.store import assignment
    from geoapp.store.models import Cell, Hazard, Point, Town, Village

    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        s.add_all([
            Cell(code="A", name="一网格", village=village,
                 geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)])),
            Cell(code="B", name="二网格", village=village,
                 geom=shapely.MultiPolygon([shapely.box(120.01, 31, 120.02, 31.01)])),
        ])
        hostile = Point(layer="enterprise", key="K1", name="<img src=x onerror=alert(1)>",
                        geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"})
        s.add(Point(layer="enterprise", key="K2", name="五金店（虚构）",
                    geom=shapely.Point(120.015, 31.005), attrs={"industry": "5261"}))
        s.add(Point(layer="idle_site", key="I1", name="闲置厂房（虚构）",
                    geom=shapely.Point(120.03, 31.005), attrs={}))
        h = Hazard(code="H1", point=hostile, level="major", source="public_report",
                   description="液化气钢瓶违规存放", found_on=dt.date(2026, 3, 1),
                   deadline=dt.date(2026, 3, 31), state="open", listed=True)
        s.add(h)
        hazards.record(h, "测试", "create")
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        hazard_id = h.id
    return SimpleNamespace(database=database, hazard_id=hazard_id)


def test_zeroing_figures_flag_points_and_cells(small, rules):
    """The headline's 存量未清 and 年新增 as filters: the points and cells they count."""
    from geoapp.store.models import Hazard, Point
    from tests.support.apps import make_app

    with small.database.transaction() as s:
        shop = s.query(Point).filter_by(key="K2").one()
        idle = s.query(Point).filter_by(key="I1").one()
        for code, point, found, state in (("H2", shop, dt.date(2023, 5, 1), "open"),  # stock
                                          ("H3", shop, dt.date(2023, 6, 1), "closed"),  # cleared
                                          ("H4", idle, TODAY.replace(month=2, day=1), "closed")):
            h = Hazard(code=code, point=point, level="major", source="public_report",
                       description="（虚构）", found_on=found, state=state,
                       deadline=found + dt.timedelta(days=30))
            s.add(h)
            hazards.record(h, "测试", "create")
        shop_id, idle_id = shop.id, idle.id
    client = make_app(small.database).test_client()
    z = client.get("/api/summary").get_json()["zeroing"]["major"]
    assert z == {"stock_open": 1, "increment_year": {"found": 1, "closed": 1}}
    cells = client.get("/api/map/cells").get_json()
    for hazard, bit, field, ids, per_cell in (
            ("major_stock", 32, "major_stock_open", {shop_id}, {"A": 0, "B": 1}),
            # the closed one counts too; its point is outside every cell
            ("major_increment", 64, "major_increment_year", {idle_id}, {"A": 0, "B": 0})):
        data = _points(client, hazard=hazard)
        f = data["point_fields"]
        assert {r[0] for r in data["points"]} == ids
        assert all(r[f.index("flags")] & bit for r in data["points"])
        at = cells["hazard_fields"].index(field)
        assert {c: cells["hazards"][i][at] for i, c in enumerate(cells["code"])} == per_cell


def test_map_data_follow_a_hazard_move(small, rules):
    from tests.support.apps import make_app


    client = make_app(small.database).test_client()
    before = client.get("/api/map/cells").get_json()
    a = before["code"].index("A")
    assert before["levels"][before["level"][a]] == "red"
    assert dict(zip(before["hazard_fields"], before["hazards"][a], strict=True))["listed_open"] == 1
    assert str(a) in before["badge"]
    # the grid member rectifies and submits; a supervisor accepts (审核把关销号)
    for action, actor, role, note in (("start", "测试", "grid", ""), ("submit", "测试", "grid", ""),
                                      ("accept", "监管员", "supervisor", "验收合格")):
        with small.database.transaction() as s:
            hazards.move(s, rules, small.hazard_id, action, actor, note, role=role)
    cache = client.application.extensions["geoapp.mapcache"]
    shapes, places, visits = cache._geometry, cache._places[2], cache._visits._kept[2]
    response = client.get("/api/map/cells", headers={"Accept-Encoding": "gzip"})
    after = json.loads(gzip.decompress(response.data))  # the gzip form is the new one too
    assert after == client.get("/api/map/cells").get_json()
    assert after["levels"][after["level"][a]] != "red"
    assert after["hazards"][a][0] == 0 and str(a) not in after["badge"]
    points = client.get("/api/map/points?hazard=open").get_json()
    assert points["total"] == 0
    # a hazard move re-reads figures, levels and flags; shapes, places and visits are kept
    assert cache._geometry is shapes and cache._places[2] is places
    assert cache._visits._kept[2] is visits


def test_map_data_follow_new_points_and_new_shapes(small, rules):
    from geoapp.store import assignment
    from geoapp.store.models import Cell, Point
    from tests.support.apps import make_app

    client = make_app(small.database).test_client()
    assert client.get("/api/map/points").get_json()["total"] == 3
    before = client.get("/api/map/cells").get_json()
    with small.database.transaction() as s:
        s.add(Point(layer="idle_site", key="I2", name="新闲置厂房（虚构）",
                    geom=shapely.Point(120.012, 31.002), attrs={}))
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    assert client.get("/api/map/points").get_json()["total"] == 4
    b = before["code"].index("B")
    counts = client.get("/api/map/cells").get_json()["counts"][b]
    assert counts[before["layers"].index("idle_site")] == 1
    with small.database.transaction() as s:  # a new cell: shapes and places are read again
        village_id = s.query(Cell).filter_by(code="B").one().village_id
        s.add(Cell(code="C", name="三网格", village_id=village_id,
                   geom=shapely.MultiPolygon([shapely.box(120.02, 31, 120.03, 31.01)])))
    after = client.get("/api/map/cells").get_json()
    assert after["code"] == ["A", "B", "C"] and len(after["geom"]) == 3
    assert after["bounds"][2] == pytest.approx(120.03) and before["bounds"][2] < 120.03


def test_map_follows_a_point_moved_by_a_re_import_at_once(small, rules, tmp_path):
    # an in-place correction keeps row counts and ids: the import counter tells the cache
    from geoapp.store import importer
    from tests.support.apps import make_app
    from tests.support.files import write_csv
    # 9·1 + 1·3 + 3·9 + 2·27 + 2·26 + 5·17 + M21·20 + A10·29 + 1·28 = 968; 968 mod 31 = 7;
    # 31 − 7 = 24 → Q
    code = "91320205MA0000001Q"
    header = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"]
    client = make_app(small.database).test_client()

    def ledger(lon):
        path = write_csv(tmp_path / "ent.csv", header,
                         [["迁址企业（虚构）", code, "C2614", "小微",
                           lon, 31.005]])
        importer.import_points(small.database, rules, path, "enterprise")

    def where():
        doc = client.get("/api/map/points?layers=enterprise").get_json()
        f = doc["point_fields"]
        return [(p[f.index("lon")], p[f.index("lat")]) for p in doc["points"]
                if p[f.index("name")] == "迁址企业（虚构）"]

    ledger(120.004)
    assert where() == [(120.004, 31.005)]
    ledger(120.016)  # the corrected ledger: same key, another place (cell B)
    assert where() == [(120.016, 31.005)]


def test_hostile_names_travel_as_data(small):
    from tests.support.apps import make_app

    client = make_app(small.database).test_client()
    html = client.get("/").get_data(as_text=True)
    assert "onerror" not in html  # names never reach the page's HTML
    data = client.get("/api/map/points").get_json()
    name = data["point_fields"].index("name")
    names = [r[name] for r in data["points"]]
    assert "<img src=x onerror=alert(1)>" in names  # JSON strings; map.js uses textContent
    found = client.get("/api/map/search?q=onerror").get_json()["results"]
    assert [r["name"] for r in found] == ["<img src=x onerror=alert(1)>"]
    outside = client.get("/api/map/points?outside=only").get_json()
    assert outside["total"] == 1 and outside["points"][0][name] == "闲置厂房（虚构）"


# ---- the encodings, on hand-drawn shapes (no database) -------------------------------


def test_encode_geometries_round_trip_with_hole_and_parts():
    outer = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    second = shapely.box(5, 0, 6, 1)
    tiny = shapely.box(10, 10, 10.0001, 10.0001)  # smaller than the quantum: dropped
    geom = shapely.MultiPolygon([outer, second, tiny])
    enc = geometry.encode_geometries([geom], 0.5, (0, 0))[0]
    assert len(enc) == 2 and len(enc[0]) == 2
    back = decode(enc, 0.5, (0, 0))
    assert back.equals(shapely.MultiPolygon([outer, second]))


def test_coverage_overview_keeps_shared_edges_shared():
    # two cells sharing a wiggly edge: simplified together, they still meet exactly
    wiggle = [(1, y / 10 + 0.001 * (-1) ** y) for y in range(11)]
    left = shapely.Polygon([(0, 0), *wiggle, (0, 1)])
    right = shapely.Polygon([(2, 0), (2, 1), *wiggle[::-1]])
    geom = snapshot.cell_geometry(["L", "R"], [left, right], "t")
    a, b = (decode(g, geometry.OVERVIEW_QUANTUM, geom.origin) for g in geom.overview)
    assert a.intersection(b).area < 1e-12  # no overlap
    assert abs(a.union(b).area - 2.0) < 1e-6  # no gap


def _snapshot(points):
    cells = [
        {"code": "A", "name": "一", "risk_level": "red", "village": "村", "town": "镇",
         "geom": shapely.box(0, 0, 1, 1), "counts": {}, "hazards": {
             "open": 1, "overdue": 1, "major_open": 1, "listed_open": 1, "closed": 0}},
    ]
    cols = {k: [p[k] for p in points] for k in points[0]}
    geom = snapshot.cell_geometry([c["code"] for c in cells], [c["geom"] for c in cells], "t")
    places = snapshot.PointPlaces(cols, LAYERS, {"A": 0})
    return snapshot.Snapshot(cells, places, cols, LAYERS, geom)


def test_server_side_clusters_sum_up_and_keep_the_worst():
    rng = np.random.default_rng(7)
    pts = [{"id": i, "layer": "enterprise" if i % 3 else "idle_site", "name": f"P{i}",
            "lon": float(rng.uniform(0, 1)), "lat": float(rng.uniform(0, 1)),
            "risk_level": "blue", "cell_code": "A", "nearest_cell_code": None,
            "outside": False, "flags": 0} for i in range(300)]
    pts[5].update(risk_level="red", flags=2)
    snap = _snapshot(pts)
    idx = snap.select()
    doc = snap.points_doc(idx, zoom=6, max_points=50)
    assert doc["mode"] == "clusters" and doc["total"] == 300
    f = doc["cluster_fields"]
    assert sum(c[f.index("count")] for c in doc["clusters"]) + len(doc["points"]) == 300
    worst = [c for c in doc["clusters"] if c[f.index("level")] == 0]
    assert len(worst) == 1 and worst[0][f.index("flags")] & 2 and worst[0][0] == 0
    assert {c[0] for c in doc["clusters"]} == {0, 1}  # one set of clusters per layer
    assert snap.points_doc(idx, zoom=6, max_points=500)["mode"] == "points"


def test_zeroing_position():
    d = dt.date
    hs = [SimpleNamespace(state="open", found_on=d(2023, 5, 1)),      # stock, left
          SimpleNamespace(state="closed", found_on=d(2023, 6, 1)),    # stock, cleared
          SimpleNamespace(state="closed", found_on=d(2025, 6, 1)),    # last year
          SimpleNamespace(state="closed", found_on=d(2026, 2, 1)),    # this year, closed
          SimpleNamespace(state="rectifying", found_on=d(2026, 3, 1))]
    z = workflow.zeroing(hs, d(2026, 11, 22), d(2024, 1, 1))
    assert z == {"stock_open": 1, "increment_year": {"found": 2, "closed": 1}}


def test_summary_has_major_and_zeroing(demo_client):
    s = demo_client.get("/api/summary").get_json()
    assert s["major"]["open"] == s["hazards"]["major_open"]
    assert 0 <= s["major"]["overdue"] <= s["major"]["open"]
    for part in ("major", "all"):
        z = s["zeroing"][part]
        assert z["increment_year"]["closed"] <= z["increment_year"]["found"]
    assert s["zeroing"]["all"]["stock_open"] == s["hazards"]["stock"]["open"]
    assert s["zeroing"]["year"] == int(s["today"][:4])


def test_empty_territory_still_renders(client):
    """A fresh install: no cells, no points; the map and its data still answer."""
    assert client.get("/").status_code == 200
    cells = client.get("/api/map/cells").get_json()
    assert cells["code"] == [] and cells["bounds"] is None
    assert client.get("/api/map/points?bbox=0,0,1,1").get_json()["total"] == 0
