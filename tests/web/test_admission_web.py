"""The admission check over HTTP: POST /api/admission-check, /admission, /admission/print.

Hand-drawn territory (the same as tests/domain/test_admission.py) stored on both
backends, the bundled demo for the demo catalogues, and the roles.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
import shapely

from geoapp.domain.catalogue import CatalogueError
from geoapp.store.models import Cell, Point, Town, Village, Zone
from tests.domain.test_admission import (
    HAZARDS,
    HOUSING,
    OUTSIDE_CATALOGUE,
    PARK,
    box_site,
    write_admission,
)
from tests.support.apps import make_app, make_user

API = "/api/admission-check"
SITE = {"type": "Point", "coordinates": [120.005, 31.005]}


@pytest.fixture
def seeded(database, tmp_path):
    """Cells A, B; zones P, H; four major hazard installations; an app reading P and H."""
    with database.transaction() as s:
        village = Village(town=Town(name="测试镇"), name="测试村")
        for code, name, level, west in (("A", "一网格", "red", 120.0),
                                        ("B", "二网格", "blue", 120.01)):
            s.add(Cell(code=code, name=name, village=village, risk_level=level,
                       geom=shapely.MultiPolygon([shapely.box(west, 31.0, west + 0.01, 31.01)])))
        for code, name, kind, west in (("P", "测试化工园区", "化工园区", 120.0),
                                       ("H", "近居民区园区", "高新区", 120.01)):
            s.add(Zone(code=code, name=name, kind=kind,
                       geom=shapely.MultiPolygon([shapely.box(west, 31.0, west + 0.01, 31.01)])))
        for hid, name, grade, geom in HAZARDS:
            s.add(Point(layer="major_hazard", key=f"MH-{hid}", name=name, geom=geom,
                        attrs={"grade": grade} if grade else {}, risk_level="orange"))
    folder = write_admission(tmp_path / "adm", {"P.toml": PARK, "H.toml": HOUSING})
    app = make_app(database, ADMISSION_DIR=str(folder))
    yield app
    app.extensions["geoapp.db"].dispose()


@pytest.fixture
def web(seeded):
    return seeded.test_client()


def ids_by_name(database) -> dict[str, int]:
    import sqlalchemy as sa

    with database.sessions() as s:
        return dict(s.execute(sa.select(Point.name, Point.id)).all())


def test_contract_shape_and_values(web, database):
    r = web.post(API, json={"site": SITE, "crs": "wgs84", "industry": "C2614"})
    assert r.status_code == 200, r.get_data(as_text=True)
    out = r.get_json()
    assert out["verdict"] == "restricted" and out["outside_zones"] is False
    (zone,) = out["zones"]
    assert {"code", "name", "verdict", "reasons"} <= set(zone)
    assert (zone["code"], zone["name"], zone["verdict"]) == ("P", "测试化工园区", "restricted")
    assert zone["reasons"][0]["conditions"] == ["进入园区规划的化工片区", "开展 HAZOP 分析"]
    assert [(c["code"], c["risk_level"]) for c in out["cells"]] == [("A", "red")]
    ids = ids_by_name(database)
    got = [(h["id"], h["name"], h["grade"]) for h in out["nearby_major_hazards"]]
    assert got == [(ids["四级储罐"], "四级储罐", "四级"), (ids["未定级"], "未定级", None)]
    assert all(isinstance(h["distance_m"], float) for h in out["nearby_major_hazards"])
    assert out["crs_used"] == "wgs84" and out["input"]["industry"] == "C2614"
    assert out["checked_at"].endswith("+08:00")


def test_straddling_polygon_over_http(web):
    site = {"type": "Polygon", "coordinates": [[[120.008, 31.004], [120.012, 31.004],
                                               [120.012, 31.006], [120.008, 31.006],
                                               [120.008, 31.004]]]}
    out = web.post(API, json={"site": site, "crs": "wgs84", "industry": "2614"}).get_json()
    assert [(z["code"], z["verdict"]) for z in out["zones"]] == [
        ("H", "prohibited"), ("P", "restricted")]
    assert out["verdict"] == "prohibited"


def test_stored_zones_boundaries_and_the_outside_over_http(database, seeded, tmp_path):
    """The stored (MultiPolygon) zones on either backend: edge contact and the outside part."""
    folder = write_admission(tmp_path / "o", {"P.toml": PARK, "H.toml": HOUSING,
                                              "outside.toml": OUTSIDE_CATALOGUE})
    app = make_app(database, ADMISSION_DIR=str(folder))
    try:
        client = app.test_client()

        def post(site):
            r = client.post(API, json={"site": site, "crs": "wgs84", "industry": "2614"})
            assert r.status_code == 200, r.get_data(as_text=True)
            return r.get_json()

        # half in park P, half west of every zone: the outside catalogue prohibits 26
        part = post(box_site(119.995, 31.004, 120.005, 31.006))
        assert [(z["code"], z["verdict"]) for z in part["zones"]] == [
            ("P", "restricted"), ("outside", "prohibited")]
        assert part["verdict"] == "prohibited" and part["outside_zones"] is False
        sheet = client.get("/admission/print?site=" + quote(json.dumps(
            box_site(119.995, 31.004, 120.005, 31.006))) + "&crs=wgs84&industry=2614")
        text = sheet.get_data(as_text=True)
        assert sheet.status_code == 200 and "功能区以外区域（105" in text and "平方米" in text
        # in P, its east edge on the P/H boundary: H's prohibition does not apply
        edge = post(box_site(120.005, 31.004, 120.01, 31.006))
        assert [(z["code"], z["verdict"]) for z in edge["zones"]] == [("P", "restricted")]
        assert edge["verdict"] == "restricted"
        assert [z["code"] for z in edge["adjacent_zones"]] == ["H"]
        assert [c["code"] for c in edge["cells"]] == ["A"]
        assert [c["code"] for c in edge["adjacent_cells"]] == ["B"]
    finally:
        app.extensions["geoapp.db"].dispose()


def test_a_body_over_1_mb_is_refused_before_parsing(web):
    big = {"type": "Polygon", "coordinates": [[[120.005, 31.005]] * 60_000]}
    body = json.dumps({"site": big, "crs": "wgs84", "industry": "2614"})
    assert len(body) > 1_000_000
    r = web.post(API, data=body, content_type="application/json")
    assert r.status_code == 413
    out = r.get_json()
    assert (out["error"], out["field"]) == ("too_large", "body") and "1,000,000" in out["message"]


@pytest.mark.parametrize(("body", "field", "error"), [
    ({"site": SITE, "industry": "2614"}, "crs", "missing_field"),
    ({"crs": "wgs84", "industry": "2614"}, "site", "missing_field"),
    ({"site": SITE, "crs": "wgs84"}, "industry", "missing_field"),
    ({"site": SITE, "crs": "utm50", "industry": "2614"}, "crs", "unknown_crs"),
    ({"site": {"type": "Point", "coordinates": ["a", 1]}, "crs": "wgs84", "industry": "2614"},
     "site", "bad_geometry"),
    ({"site": {"type": "Polygon", "coordinates": [[[120, 31], [120.01, 31]]]}, "crs": "wgs84",
      "industry": "2614"}, "site", "bad_geometry"),
    ({"site": SITE, "crs": "wgs84", "industry": "9999"}, "industry", "unknown_industry"),
    ({"site": {"type": "Point", "coordinates": [116.4, 39.9]}, "crs": "wgs84",
      "industry": "2614"}, "site", "outside_extent"),
])
def test_bad_requests_are_400_naming_the_field(web, body, field, error):
    r = web.post(API, json=body)
    assert r.status_code == 400
    out = r.get_json()
    assert (out["field"], out["error"]) == (field, error) and out["message"]


def test_a_body_that_is_not_json_is_400(web):
    r = web.post(API, data="site=1", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and r.get_json()["error"] == "bad_request"


def test_roles_and_sessions(seeded, database):
    client = seeded.test_client()
    make_user(database, "admin")  # accounts exist from now on
    r = client.post(API, json={"site": SITE, "crs": "wgs84", "industry": "2614"})
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    assert client.get("/admission").status_code == 302  # pages redirect to the log-in form
    from tests.support.apps import AuthActions

    auth = AuthActions(client)
    auth.login("grid", cells=["A"])
    assert client.post(API, json={"site": SITE, "crs": "wgs84", "industry": "2614"}
                       ).status_code == 403
    assert client.get("/admission").status_code == 403
    assert client.get("/admission/print").status_code == 403
    for role in ("planner", "leader", "admin"):
        auth.login(role)
        assert client.get("/admission").status_code == 200, role
        r = client.post(API, json={"site": SITE, "crs": "wgs84", "industry": "2614"})
        assert r.status_code == 200, role


def test_the_api_needs_no_csrf_token_but_other_posts_still_do(seeded, database):
    from tests.support.apps import AuthActions

    client = seeded.test_client()
    auth = AuthActions(client)
    auth.login("planner")
    del client.environ_base["HTTP_X_CSRFTOKEN"]  # a scripted client with only the session
    r = client.post(API, json={"site": SITE, "crs": "wgs84", "industry": "2614"})
    assert r.status_code == 200
    r = client.post("/api/hazards/1/transitions", json={"action": "start"})
    assert r.status_code == 400 and r.get_json()["error"] == "csrf_failed"


def test_page_is_offline_and_loads_its_layers_and_industries_from_the_api(web):
    html = web.get("/admission").get_data(as_text=True)
    assert "准入核查" in html and 'id="adm-map"' in html
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith(("/", "?", "#")), src  # nothing from another host
    config = json.loads(html.split('id="page-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert "industries" not in config and "有机化学原料制造" not in html  # searched, not embedded
    assert config["urls"]["industries"] == "/api/industries"
    assert config["bounds"] == pytest.approx([120.0, 31.0, 120.02, 31.01])
    layers = web.get(config["urls"]["layers"]).get_json()
    assert [(f["id"], f["properties"]["risk_level"]) for f in layers["cells"]["features"]] == [
        ("A", "red"), ("B", "blue")]
    (town,) = layers["towns"]["features"]  # the union of its two cells: one rectangle
    assert town["properties"]["name"] == "测试镇"
    assert shapely.geometry.shape(town["geometry"]).equals(shapely.box(120.0, 31.0, 120.02, 31.01))
    names = {f["properties"]["name"]: f["properties"]["grade"]
             for f in layers["major_hazards"]["features"]}
    assert names == {n: g for _i, n, g, _geom in HAZARDS}


def test_industry_search_narrower_first_and_by_code(web):
    out = web.get("/api/industries?q=农药").get_json()
    assert [r["code"] for r in out["results"]] == ["2631", "2632", "263", "5167"]  # class, group
    assert out["results"][2] == {"code": "263", "name": "农药制造", "name_en": None}
    assert [r["code"] for r in web.get("/api/industries?q=涂料").get_json()["results"]][:2] == [
        "2641", "264"]
    assert [r["code"] for r in web.get("/api/industries?q=C267").get_json()["results"]] == [
        "267", "2671", "2672"]
    assert len(web.get("/api/industries?q=制造&limit=5").get_json()["results"]) == 5
    assert len(web.get("/api/industries").get_json()["results"]) > 300
    assert web.get("/api/industries?q=" + "x" * 61).status_code == 400
    bad = web.get("/api/industries?q=26&limit=0")
    assert bad.status_code == 400 and bad.get_json()["field"] == "limit"


def test_print_view_is_one_sheet_with_inputs_time_verdict_reasons(web):
    q = f"?site={quote(json.dumps(SITE))}&crs=wgs84&industry=2672"
    r = web.get("/admission/print" + q)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for text in ("建设项目安全准入核查结果单", "核查时间", "2672 焰火、鞭炮产品制造",
                 "核查结论：禁止", "第三条", "测试文件〔2025〕1号", "四级储罐",
                 "admission_print.css", "核查人"):
        assert text in html, text
    # the location sketch: cells, zones, the search area, the site, numbered installations
    svg = html.split('<svg class="sketch"')[1].split("</svg>")[0]
    assert svg.count("<circle") == 1 + 2 and ">1</text>" in svg and ">2</text>" in svg
    assert svg.count('stroke="#6a3d9a"') == 2
    # the scale bar, by hand: the frame is the 1000 m (一级) search area, 2000 m square, plus
    # 12 % of 2000 m on each side = 2480 m tall, widened to the 600 × 280 aspect = 5314 m
    # wide; a quarter of that rounds down to a 1000 m bar, 600 × 1000 / 5314 = 112.9 units
    label = re.search(r"(\d+) 米</text>", svg).group(1)
    width = re.search(r'<rect x="12" y="266" width="([\d.]+)"', svg).group(1)
    assert label == "1000" and float(width) == pytest.approx(112.9, abs=0.2)
    bad = web.get("/admission/print?site=%7B%7D&crs=wgs84&industry=2614")
    assert bad.status_code == 400 and "无法核查" in bad.get_data(as_text=True)


def test_catalogue_for_a_zone_no_longer_stored_is_an_error_naming_file_and_line(
        database, tmp_path, seeded):
    stray = PARK.replace('zone = "P"', 'zone = "GONE"')
    folder = write_admission(tmp_path / "stray", {"P.toml": PARK, "GONE.toml": stray})
    app = make_app(database, ADMISSION_DIR=str(folder))
    try:
        r = app.test_client().post(API, json={"site": SITE, "crs": "wgs84", "industry": "2614"})
    finally:
        app.extensions["geoapp.db"].dispose()
    assert r.status_code == 500
    assert r.get_json()["error"] == "catalogue_invalid"
    assert "GONE.toml:2: zone 'GONE'" in r.get_json()["message"]


def test_start_up_refuses_a_bad_catalogue(database, tmp_path):
    folder = write_admission(tmp_path / "bad", {"P.toml": PARK.replace('"2672"', '"2672x"')})
    with pytest.raises(CatalogueError, match=r"P\.toml:16: entries\.1\.codes"):
        make_app(database, ADMISSION_DIR=str(folder))


# ---------------------------------------------------------------- the demo's catalogues

IN_CHEM_PARK = [120.3405, 31.5805]  # GNQ-02 only
IN_OVERLAP = [120.3378, 31.5832]  # GNQ-01 and GNQ-02 (an installation sits here)
IN_HITECH = [120.3015, 31.6272]  # GNQ-04, beside the town's residential communities
OUTSIDE = [120.27, 31.57]


@pytest.mark.parametrize(("where", "industry", "verdict", "zones"), [
    (IN_CHEM_PARK, "2614", "restricted", [("GNQ-02", "restricted")]),
    (IN_CHEM_PARK, "2672", "prohibited", [("GNQ-02", "prohibited")]),
    (IN_CHEM_PARK, "3491", "allowed", [("GNQ-02", "allowed")]),
    (IN_OVERLAP, "2614", "restricted", [("GNQ-01", "restricted"), ("GNQ-02", "restricted")]),
    (IN_HITECH, "2614", "prohibited", [("GNQ-04", "prohibited")]),
    (IN_HITECH, "2761", "restricted", [("GNQ-04", "restricted")]),
    (OUTSIDE, "2614", "prohibited", []),
    (OUTSIDE, "3491", "allowed", []),
])
def test_demo_catalogues(demo_client, where, industry, verdict, zones):
    r = demo_client.post(API, json={"site": {"type": "Point", "coordinates": where},
                                    "crs": "wgs84", "industry": industry})
    out = r.get_json()
    assert r.status_code == 200, out
    assert out["verdict"] == verdict
    assert [(z["code"], z["verdict"]) for z in out["zones"]] == zones
    assert out["synthetic_catalogues"] is True
    if not zones:
        assert out["outside_zones"] and out["nearest_zone"]["distance_m"] > 0
