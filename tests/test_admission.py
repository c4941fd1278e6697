"""The admission check's core (geoapp.admission, geoapp.catalogue), without Flask.

Hand-drawn territory around lon 120.0, lat 31.0 (WGS84):

    lat 31.01 +-----------+-----------+
              | zone P    | zone H    |      P: chemical park, restricts 26, prohibits 2672
              | cell A    | cell B    |      H: next to housing, prohibits 26
    lat 31.00 +-----------+-----------+
           lon 120.00   120.01      120.02

Major hazard installations sit at hand-chosen places; every distance is
checked against the geodesic (pyproj.Geod on WGS84) to within 1 m.
"""

from __future__ import annotations

import shutil
import textwrap

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely import Point, box

from geoapp import crs as crs_mod
from geoapp.admission import AdmissionInputError, NoTerritoryError, Territory, check
from geoapp.catalogue import CatalogueError, check_zones, load_admission
from geoapp.resources import bundled

GEOD = pyproj.Geod(ellps="WGS84")

SETTINGS = """
[major_hazard_radius_m]
"一级" = 1000
"二级" = 500
"三级" = 300
"四级" = 200
default = 250

[extent]
margin_m = 2000
"""

PARK = """
zone = "P"
title = "测试化工园区目录"
source = "测试文件〔2025〕1号"
synthetic = true

[[entries]]
list = "restricted"
codes = ["26"]
clause = "第四条"
text = "化学原料和化学制品制造限制准入。"
conditions = ["进入园区规划的化工片区", "开展 HAZOP 分析"]

[[entries]]
list = "prohibited"
codes = ["2672"]
clause = "第三条"
text = "禁止焰火、鞭炮产品制造。"
"""

HOUSING = """
zone = "H"
title = "测试近居民区园区目录"
source = "测试文件〔2025〕2号"

[[entries]]
list = "prohibited"
codes = [
  "25",
  "C26",
]
clause = "第二条"
text = "紧邻居民区，禁止危险化学品生产。"
"""


def write_admission(folder, catalogues: dict[str, str], settings: str = SETTINGS):
    (folder / "catalogues").mkdir(parents=True, exist_ok=True)
    shutil.copy(bundled("layers") / "admission" / "industries.csv", folder / "industries.csv")
    (folder / "settings.toml").write_text(textwrap.dedent(settings), encoding="utf-8")
    for name, text in catalogues.items():
        (folder / "catalogues" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def adm(tmp_path):
    return load_admission(write_admission(tmp_path / "adm", {"P.toml": PARK, "H.toml": HOUSING}))


def frame(columns, geoms):
    return gpd.GeoDataFrame(columns, geometry=geoms, crs=4326)


# Installations: 1 一级 900 m north of the park's north edge line at lon 120.005 (inside
# its 1000 m radius only from sites near that edge); 2 三级 at (120.005, 31.005)-ish east;
# placed so the radius per grade decides.
HAZARDS = [
    (1, "一级罐区", "一级", Point(120.005, 31.01 + 900 / 111_000)),
    (2, "三级库房", "三级", Point(120.005 + 0.004, 31.005)),   # ~381 m east of (120.005, 31.005)
    (3, "四级储罐", "四级", Point(120.005, 31.005 - 0.0015)),  # ~166 m south
    (4, "未定级", None, Point(120.005 - 0.0025, 31.005)),      # ~238 m west: default 250 m
]


@pytest.fixture
def territory():
    return Territory(
        cells=frame({"code": ["A", "B"], "name": ["一网格", "二网格"],
                     "risk_level": ["red", "blue"]},
                    [box(120.0, 31.0, 120.01, 31.01), box(120.01, 31.0, 120.02, 31.01)]),
        zones=frame({"code": ["P", "H"], "name": ["测试化工园区", "近居民区园区"],
                     "kind": ["化工园区", "高新区"], "risk_level": ["red", "orange"]},
                    [box(120.0, 31.0, 120.01, 31.01), box(120.01, 31.0, 120.02, 31.01)]),
        major_hazards=frame({"id": [h[0] for h in HAZARDS], "name": [h[1] for h in HAZARDS],
                             "grade": [h[2] for h in HAZARDS],
                             "risk_level": ["red", "orange", "yellow", "yellow"]},
                            [h[3] for h in HAZARDS]),
    )


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


IN_PARK = point(120.005, 31.005)


def geodesic(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# ---------------------------------------------------------------- verdicts


def test_prohibited_names_its_clause(territory, adm):
    out = check(IN_PARK, "wgs84", "2672", territory, adm)
    assert out["verdict"] == "prohibited"
    (zone,) = out["zones"]
    assert zone["code"] == "P" and zone["verdict"] == "prohibited"
    first = zone["reasons"][0]
    assert (first["list"], first["code"], first["match"]) == ("prohibited", "2672", "exact")
    assert first["clause"] == "第三条" and first["source"] == "测试文件〔2025〕1号"
    assert first["industry_name"] == "焰火、鞭炮产品制造"
    # the division-wide restriction also applies and is listed after it
    assert [r["list"] for r in zone["reasons"]] == ["prohibited", "restricted"]
    assert out["outside_zones"] is False and out["nearest_zone"] is None


def test_restricted_carries_its_conditions(territory, adm):
    out = check(IN_PARK, "wgs84", "C2614", territory, adm)
    assert out["verdict"] == "restricted"
    (reason,) = out["zones"][0]["reasons"]
    assert reason["conditions"] == ["进入园区规划的化工片区", "开展 HAZOP 分析"]
    assert out["industry"] == {"code": "2614", "name": "有机化学原料制造", "input": "C2614"}


def test_allowed_when_no_entry_matches(territory, adm):
    out = check(IN_PARK, "wgs84", "3491", territory, adm)
    assert out["verdict"] == "allowed"
    assert out["zones"][0]["verdict"] == "allowed" and out["zones"][0]["reasons"] == []
    assert out["zones"][0]["catalogue"]["source"] == "测试文件〔2025〕1号"


@pytest.mark.parametrize(("industry", "verdict", "matched"), [
    ("26", "prohibited", [("prohibited", "2672", "partial"), ("restricted", "26", "exact")]),
    ("261", "restricted", [("restricted", "26", "covers")]),
    ("2611", "restricted", [("restricted", "26", "covers")]),
    ("267", "prohibited", [("prohibited", "2672", "partial"), ("restricted", "26", "covers")]),
    ("2671", "restricted", [("restricted", "26", "covers")]),
    ("27", "allowed", []),
])
def test_code_prefix_matching(territory, adm, industry, verdict, matched):
    """A division covers its groups and classes; a coarser input meets finer entries (从严)."""
    out = check(IN_PARK, "wgs84", industry, territory, adm)
    assert out["verdict"] == verdict
    assert [(r["list"], r["code"], r["match"]) for r in out["zones"][0]["reasons"]] == matched


def test_polygon_straddling_two_zones_gets_both_verdicts(territory, adm):
    site = {"type": "Polygon", "coordinates": [[
        [120.008, 31.004], [120.012, 31.004], [120.012, 31.006], [120.008, 31.006],
        [120.008, 31.004]]]}
    out = check(site, "wgs84", "2614", territory, adm)
    assert [(z["code"], z["verdict"]) for z in out["zones"]] == [
        ("H", "prohibited"), ("P", "restricted")]
    assert out["verdict"] == "prohibited"
    assert [c["code"] for c in out["cells"]] == ["A", "B"]
    assert {r["zone"] for r in out["reasons"]} == {"H", "P"}
    # the housing catalogue wrote its codes with a section letter over several lines
    assert out["zones"][0]["reasons"][0]["code"] == "26"


def test_point_on_the_shared_boundary_touches_both_zones(territory, adm):
    out = check(point(120.01, 31.005), "wgs84", "2614", territory, adm)
    assert [z["code"] for z in out["zones"]] == ["H", "P"]
    assert out["verdict"] == "prohibited"


def test_outside_every_zone_reports_the_nearest_and_its_distance(territory, adm):
    site = point(120.025, 31.005)  # 0.005° east of zone H's east edge
    out = check(site, "wgs84", "2614", territory, adm)
    assert out["outside_zones"] is True and out["zones"] == [] and out["cells"] == []
    assert out["verdict"] == "allowed" and out["outside_catalogue"] is None
    assert out["nearest_zone"]["code"] == "H"
    expected = geodesic(120.02, 31.005, 120.025, 31.005)
    assert abs(out["nearest_zone"]["distance_m"] - expected) < 1.0
    # by hand: one degree of longitude at 31° on WGS84 is (π/180)·a·cos φ / √(1 − e² sin² φ)
    # = 95 504 m, so 0.005° is 477.5 m
    assert expected == pytest.approx(477.5, abs=0.1)


def test_outside_catalogue_applies_to_sites_outside_every_zone(tmp_path, territory):
    outside = """
    zone = "outside"
    title = "功能区以外"
    source = "测试文件〔2025〕3号"
    [[entries]]
    list = "prohibited"
    codes = ["26"]
    text = "危险化学品生产须进入化工园区。"
    """
    adm = load_admission(write_admission(tmp_path / "o", {"P.toml": PARK, "out.toml": outside}))
    out = check(point(120.025, 31.005), "wgs84", "2614", territory, adm)
    assert out["outside_zones"] and out["verdict"] == "prohibited"
    assert out["reasons"][0]["source"] == "测试文件〔2025〕3号"
    assert out["outside_catalogue"]["title"] == "功能区以外"


def test_zone_without_catalogue_is_allowed_and_says_so(territory, tmp_path):
    adm = load_admission(write_admission(tmp_path / "p", {"P.toml": PARK}))
    out = check(point(120.015, 31.005), "wgs84", "2614", territory, adm)
    assert out["zones"][0]["code"] == "H" and out["zones"][0]["catalogue"] is None
    assert out["verdict"] == "allowed"


# ---------------------------------------------------------------- coordinates


def test_gcj02_and_bd09_give_the_wgs84_result(territory, adm):
    lon, lat = 120.0095, 31.0052  # 48 m from the P/H boundary: GCJ-02's ~500 m offset matters
    wgs = check(point(lon, lat), "wgs84", "2614", territory, adm)
    g = [float(v[0]) for v in crs_mod.wgs84_to_gcj02([lon], [lat])]
    b = [float(v[0]) for v in crs_mod.wgs84_to_bd09([lon], [lat])]
    gcj = check(point(*g), "gcj02", "2614", territory, adm)
    bd = check(point(*b), "BD-09", "2614", territory, adm)
    # the offset input, read as WGS84, lands in the other zone: the conversion is not a no-op
    assert check(point(*g), "wgs84", "2614", territory, adm)["zones"][0]["code"] == "H"
    for other, used in ((gcj, "gcj02"), (bd, "bd09")):
        assert other["crs_used"] == used
        assert other["verdict"] == wgs["verdict"] == "restricted"
        assert [z["code"] for z in other["zones"]] == ["P"]
        assert [c["code"] for c in other["cells"]] == ["A"]
        got = [(h["id"], h["distance_m"]) for h in other["nearby_major_hazards"]]
        want = [(h["id"], h["distance_m"]) for h in wgs["nearby_major_hazards"]]
        assert [i for i, _ in got] == [i for i, _ in want]
        assert np.allclose([d for _, d in got], [d for _, d in want], atol=0.01)
        x, y = other["site"]["coordinates"]
        assert abs(x - lon) < 1e-7 and abs(y - lat) < 1e-7  # round trip within 1 cm


def test_cgcs2000_is_taken_as_wgs84(territory, adm):
    a = check(IN_PARK, "cgcs2000", "2614", territory, adm)
    b = check(IN_PARK, "wgs84", "2614", territory, adm)
    assert a["zones"] == b["zones"] and a["nearby_major_hazards"] == b["nearby_major_hazards"]


# ---------------------------------------------------------------- distances


def test_distances_match_the_geodesic_within_a_metre(territory, adm):
    out = check(IN_PARK, "wgs84", "2614", territory, adm)
    found = {h["id"]: h for h in out["nearby_major_hazards"]}
    # radius per grade: 三级 at 381 m is beyond its 300 m; 一级 at ~1456 m beyond 1000 m;
    # 四级 at 166 m within 200 m; ungraded at 238 m within the default 250 m
    assert sorted(found) == [3, 4]
    for hid, (_i, _n, _g, geom) in enumerate(HAZARDS, 1):
        if hid in found:
            assert abs(found[hid]["distance_m"] - geodesic(120.005, 31.005, geom.x, geom.y)) < 1
    assert found[3]["distance_m"] == pytest.approx(166.3, abs=0.5)  # 0.0015° × 110.9 km/°
    assert found[3]["radius_m"] == 200 and found[4]["radius_m"] == 250
    assert [h["id"] for h in out["nearby_major_hazards"]] == [3, 4]  # nearest first


def test_polygon_distance_is_from_its_nearest_edge(territory, adm):
    # a site whose north edge is at 31.0095: the 一级 installation is 0.0086081° north of it
    site = {"type": "Polygon", "coordinates": [[
        [120.004, 31.008], [120.006, 31.008], [120.006, 31.0095], [120.004, 31.0095],
        [120.004, 31.008]]]}
    out = check(site, "wgs84", "2614", territory, adm)
    first = next(h for h in out["nearby_major_hazards"] if h["id"] == 1)
    hz = HAZARDS[0][3]
    assert abs(first["distance_m"] - geodesic(120.005, 31.0095, hz.x, hz.y)) < 1
    # by hand: a degree of latitude at 31° is (π/180)·a(1 − e²)/(1 − e² sin² φ)^1.5 = 110 869 m
    assert first["distance_m"] == pytest.approx(0.0086081 * 110_869, abs=1)
    # the buffer drawn on the map is the 1000 m (一级) search area around the polygon
    radii = {b["radius_m"] for b in out["buffers"]}
    assert radii == {200.0, 250.0, 300.0, 500.0, 1000.0}


def test_installation_inside_a_polygon_site_is_at_zero(territory, adm):
    site = {"type": "Polygon", "coordinates": [[
        [120.004, 31.003], [120.006, 31.003], [120.006, 31.006], [120.004, 31.006],
        [120.004, 31.003]]]}
    out = check(site, "wgs84", "2614", territory, adm)
    assert next(h for h in out["nearby_major_hazards"] if h["id"] == 3)["distance_m"] == 0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("site", "crs", "industry", "field", "error"), [
    (IN_PARK, "EPSG:4326", "2614", "crs", "unknown_crs"),
    (IN_PARK, "mars", "2614", "crs", "unknown_crs"),
    (IN_PARK, None, "2614", "crs", "unknown_crs"),
    ({"type": "LineString", "coordinates": [[120, 31], [120.1, 31]]}, "wgs84", "2614",
     "site", "bad_geometry"),
    ({"type": "Point", "coordinates": [31.005, 120.005]}, "wgs84", "2614", "site",
     "bad_geometry"),
    ({"type": "Point", "coordinates": []}, "wgs84", "2614", "site", "bad_geometry"),
    ({"type": "Polygon", "coordinates": [[[120.0, 31.0], [120.01, 31.01], [120.01, 31.0],
                                          [120.0, 31.01], [120.0, 31.0]]]}, "wgs84", "2614",
     "site", "bad_geometry"),  # a bow tie
    ("POINT (120 31)", "wgs84", "2614", "site", "bad_geometry"),
    (IN_PARK, "wgs84", "9999", "industry", "unknown_industry"),
    (IN_PARK, "wgs84", "2699", "industry", "unknown_industry"),
    (IN_PARK, "wgs84", "A2614", "industry", "unknown_industry"),
    (IN_PARK, "wgs84", "化工", "industry", "unknown_industry"),
    (point(121.0, 31.0), "wgs84", "2614", "site", "outside_extent"),
])
def test_bad_input_names_the_field(territory, adm, site, crs, industry, field, error):
    with pytest.raises(AdmissionInputError) as info:
        check(site, crs, industry, territory, adm)
    assert (info.value.field, info.value.error) == (field, error)
    assert info.value.message


def test_within_the_margin_outside_the_cells_is_accepted(territory, adm):
    out = check(point(120.035, 31.005), "wgs84", "2614", territory, adm)  # 1.4 km east
    assert out["outside_zones"] and out["cells"] == []


def test_no_territory(adm):
    empty = Territory(*(frame({"code": []}, []) for _ in range(3)))
    with pytest.raises(NoTerritoryError):
        check(IN_PARK, "wgs84", "2614", empty, adm)


# ---------------------------------------------------------------- catalogue files


def test_bundled_admission_folder_is_valid_and_covers_the_demo():
    adm = load_admission(bundled("layers") / "admission")
    assert sorted(adm.catalogues) == ["GNQ-01", "GNQ-02", "GNQ-03", "GNQ-04", "outside"]
    assert all(c.synthetic for c in adm.catalogues.values())
    names = adm.industries.names
    assert all(f"{d:02d}" in names for d in range(1, 98))
    for cat in adm.catalogues.values():
        for entry in cat.entries:
            assert all(code in names for code in entry.codes)
    assert names["25"] == "石油、煤炭及其他燃料加工业"
    assert names["96"] == "基层群众自治组织及其他组织"
    assert [i["code"] for i in adm.industries.search("农药")] == ["263", "2631", "2632"]


@pytest.mark.parametrize(("text", "line", "needle"), [
    (PARK.replace('codes = ["2672"]', 'codes = ["2699"]'), 16, "2699"),
    (PARK.replace('codes = ["2672"]', 'codes = ["98"]'), 16, "98"),
    (PARK.replace('list = "prohibited"', 'list = "forbidden"'), 15, "entries.1.list"),
    # an error about the whole entry points at its [[entries]] header
    (PARK.replace('conditions = ["进入园区规划的化工片区", "开展 HAZOP 分析"]', ""), 7,
     "conditions"),
    (PARK.replace('zone = "P"\n', ""), 1, "zone"),
])
def test_bad_catalogue_names_file_and_line(tmp_path, text, line, needle):
    folder = write_admission(tmp_path / "bad", {"P.toml": text})
    with pytest.raises(CatalogueError) as info:
        load_admission(folder)
    message = str(info.value)
    assert f"P.toml:{line}:" in message and needle in message, message


def test_code_on_its_own_line_is_located(tmp_path):
    folder = write_admission(tmp_path / "bad", {"H.toml": HOUSING.replace('"C26"', '"C2699"')})
    with pytest.raises(CatalogueError, match=r"H\.toml:10: .*2699"):
        load_admission(folder)


def test_two_catalogues_for_one_zone(tmp_path):
    folder = write_admission(tmp_path / "dup", {"P.toml": PARK, "P2.toml": PARK})
    with pytest.raises(CatalogueError, match=r"P2\.toml:2: zone 'P' already has a catalogue"):
        load_admission(folder)


def test_unknown_zone_names_file_and_line(adm):
    check_zones(adm, ["P", "H", "X"])  # extra stored zones are fine (no catalogue: allowed)
    with pytest.raises(CatalogueError) as info:
        check_zones(adm, ["P"])  # zones re-imported without H
    assert "H.toml:2: zone 'H'" in str(info.value)


def test_industry_list_errors_name_the_line(tmp_path):
    folder = write_admission(tmp_path / "ind", {})
    path = folder / "industries.csv"
    path.write_text(path.read_text(encoding="utf-8") + "26x,坏代码\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"industries\.csv:\d+: .*26x"):
        load_admission(folder)
    path.write_text("code,name\n01,农业\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="缺少大类 02"):
        load_admission(folder)


def test_settings_errors_name_the_file(tmp_path):
    folder = write_admission(tmp_path / "s", {}, settings=SETTINGS.replace("default = 250", ""))
    with pytest.raises(CatalogueError, match="settings.toml: major_hazard_radius_m needs"):
        load_admission(folder)


def test_readme_documents_the_settings_and_their_defaults():
    from geoapp.resources import bundled as _bundled

    readme = (_bundled("layers").parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The planner's admission check")[1].split("\n## ")[0]
    adm = load_admission(bundled("layers") / "admission")
    radii = set(adm.settings.major_hazard_radius_m.values())
    assert radii == {500.0} and "500 m for every grade" in section
    assert adm.settings.extent.margin_m == 5000 and "**5 km**" in section
    for name in ("GEOAPP_ADMISSION_DIR", "industries.csv", "settings.toml", "outside",
                 "/api/admission-check", "/admission/print"):
        assert name in section, name
