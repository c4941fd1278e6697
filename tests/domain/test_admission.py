"""The admission check's core (geoapp.domain.admission, geoapp.domain.catalogue), without Flask.

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

from geoapp.domain import crs as crs_mod
from geoapp.domain.admission import AdmissionInputError, NoTerritoryError, Territory, check
from geoapp.domain.catalogue import CatalogueError, check_zones, load_admission
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


OUTSIDE_CATALOGUE = """
zone = "outside"
title = "功能区以外"
source = "测试文件〔2025〕3号"
[[entries]]
list = "prohibited"
codes = ["26"]
text = "危险化学品生产须进入化工园区。"
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
    adm = load_admission(write_admission(
        tmp_path / "o", {"P.toml": PARK, "out.toml": OUTSIDE_CATALOGUE}))
    out = check(point(120.025, 31.005), "wgs84", "2614", territory, adm)
    assert out["outside_zones"] and out["verdict"] == "prohibited"
    assert out["reasons"][0]["source"] == "测试文件〔2025〕3号"
    assert out["outside_catalogue"]["title"] == "功能区以外"


def test_zone_without_catalogue_is_restricted_for_manual_review(territory, tmp_path):
    adm = load_admission(write_admission(tmp_path / "p", {"P.toml": PARK}))
    out = check(point(120.015, 31.005), "wgs84", "3491", territory, adm)
    (zone,) = out["zones"]
    assert zone["code"] == "H" and zone["catalogue"] is None
    assert zone["verdict"] == out["verdict"] == "restricted"
    (reason,) = zone["reasons"]
    assert (reason["list"], reason["code"], reason["match"]) == (
        "restricted", "3491", "no_catalogue")
    assert "尚未配置" in reason["text"] and "人工审核" in reason["text"]
    assert out["reasons"] == [dict(reason, zone="H")]


# ---------------------------------------------------------------- boundaries and the outside

def box_site(west, south, east, north):
    return {"type": "Polygon", "coordinates": [[
        [west, south], [east, south], [east, north], [west, north], [west, south]]]}


def test_polygon_partly_outside_every_zone_also_gets_the_outside_catalogue(tmp_path, territory):
    adm = load_admission(write_admission(
        tmp_path / "o", {"P.toml": PARK, "H.toml": HOUSING, "outside.toml": OUTSIDE_CATALOGUE}))
    # half in park P, half west of it, where no zone is
    out = check(box_site(119.995, 31.004, 120.005, 31.006), "wgs84", "2614", territory, adm)
    assert [(z["code"], z["verdict"]) for z in out["zones"]] == [
        ("P", "restricted"), ("outside", "prohibited")]
    assert out["verdict"] == "prohibited"  # alone, the park would say restricted
    assert out["outside_zones"] is False and out["nearest_zone"] is None
    outside = out["zones"][1]
    assert outside["catalogue"]["title"] == out["outside_catalogue"]["title"] == "功能区以外"
    assert outside["reasons"][0]["source"] == "测试文件〔2025〕3号"
    assert {r["zone"] for r in out["reasons"]} == {"P", "outside"}
    # by hand: 0.005° of longitude at 31.005° is 477.5 m, 0.002° of latitude 221.7 m
    assert outside["area_m2"] == pytest.approx(477.5 * 221.7, rel=1e-3)
    assert [c["code"] for c in out["cells"]] == ["A"]


def test_polygon_partly_outside_without_an_outside_catalogue(territory, adm):
    out = check(box_site(119.995, 31.004, 120.005, 31.006), "wgs84", "2614", territory, adm)
    assert [(z["code"], z["verdict"], (z["catalogue"] or {}).get("title"))
            for z in out["zones"]] == [
        ("P", "restricted", "测试化工园区目录"), ("outside", "allowed", None)]
    assert out["zones"][1]["catalogue"] is None  # no outside catalogue: none, not an empty one
    assert out["verdict"] == "restricted" and out["outside_zones"] is False


def test_polygon_inside_zones_or_a_point_gets_no_outside_entry(tmp_path, territory):
    adm = load_admission(write_admission(
        tmp_path / "o", {"P.toml": PARK, "H.toml": HOUSING, "outside.toml": OUTSIDE_CATALOGUE}))
    inside = check(box_site(120.008, 31.004, 120.012, 31.006), "wgs84", "2614", territory, adm)
    assert [z["code"] for z in inside["zones"]] == ["H", "P"]
    # a point on the park's outer edge is in the park, not outside it
    edge = check(point(120.0, 31.005), "wgs84", "2614", territory, adm)
    assert [z["code"] for z in edge["zones"]] == ["P"] and edge["verdict"] == "restricted"


def test_polygon_sharing_only_an_edge_gets_no_verdict_from_that_zone(territory, adm):
    # inside P, its east edge on the P/H boundary (lon 120.01): H prohibits 26, P restricts
    out = check(box_site(120.005, 31.004, 120.01, 31.006), "wgs84", "2614", territory, adm)
    assert [(z["code"], z["verdict"]) for z in out["zones"]] == [("P", "restricted")]
    assert out["verdict"] == "restricted"
    assert out["adjacent_zones"] == [{"code": "H", "name": "近居民区园区"}]
    assert [c["code"] for c in out["cells"]] == ["A"]
    assert out["adjacent_cells"] == [{"code": "B", "name": "二网格", "risk_level": "blue"}]


def test_polygon_touching_a_zone_only_along_its_edge_is_outside(territory, adm):
    # east of H, sharing H's east edge (lon 120.02) and nothing else
    out = check(box_site(120.02, 31.004, 120.025, 31.006), "wgs84", "2614", territory, adm)
    assert out["zones"] == [] and out["outside_zones"] is True and out["cells"] == []
    assert out["adjacent_zones"] == [{"code": "H", "name": "近居民区园区"}]
    assert [c["code"] for c in out["adjacent_cells"]] == ["B"]
    assert out["nearest_zone"] == {"code": "H", "name": "近居民区园区", "distance_m": 0.0}


def test_polygon_overlapping_a_zone_by_a_sliver_is_in_it(territory, adm):
    # 1e-5° (0.95 m) into H over 0.002° (221.7 m): about 211 m², well above the 1 m² tolerance
    out = check(box_site(120.005, 31.004, 120.01001, 31.006), "wgs84", "2614", territory, adm)
    assert [z["code"] for z in out["zones"]] == ["H", "P"] and out["adjacent_zones"] == []


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
     "swapped_coordinates"),  # inside once exchanged: the refusal offers the exchange
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
    # by name, a class before its group
    assert [i["code"] for i in adm.industries.search("农药")] == ["2631", "2632", "263", "5167"]


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


def test_malformed_code_in_a_multi_line_list_names_its_own_line(tmp_path):
    # "C26x" fails the code's shape (not just the list): line 10 holds it, line 8 the `codes =`
    folder = write_admission(tmp_path / "bad", {"H.toml": HOUSING.replace('"C26"', '"C26x"')})
    with pytest.raises(CatalogueError, match=r"H\.toml:10: entries\.0\.codes\.1: .*C26x"):
        load_admission(folder)


@pytest.mark.parametrize("zone", [" ", "", " P", "OUTSIDE", "Outside"])
def test_blank_or_reserved_zone_is_refused_at_load(tmp_path, zone):
    text = PARK.replace('zone = "P"', f'zone = "{zone}"')
    folder = write_admission(tmp_path / "z", {"P.toml": text})
    with pytest.raises(CatalogueError, match=r"P\.toml:2: zone"):
        load_admission(folder)


def test_outside_in_lower_case_is_the_outside_catalogue(tmp_path):
    adm = load_admission(write_admission(tmp_path / "o", {"x.toml": OUTSIDE_CATALOGUE}))
    assert list(adm.catalogues) == ["outside"]


def test_class_without_its_group_is_refused_naming_the_line(tmp_path):
    folder = write_admission(tmp_path / "ind", {})
    path = folder / "industries.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    line = rows.index("352,化工、木材、非金属加工专用设备制造") + 1  # 1-based; 3521 moves up to it
    path.write_text("\n".join(r for r in rows if not r.startswith("352,")) + "\n",
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match=rf"industries\.csv:{line}: 行业代码 3521 的上级 352"):
        load_admission(folder)


def test_divisions_33_and_35_have_every_group_and_class():
    names = load_admission(bundled("layers") / "admission").industries.names
    # GB/T 4754-2017, written out by hand
    for division, groups in {
        "33": {"331": ["3311", "3312"], "332": ["3321", "3322", "3323", "3324", "3329"],
               "333": ["3331", "3332", "3333"], "334": ["3340"],
               "335": ["3351", "3352", "3353", "3359"], "336": ["3360"],
               "337": ["3371", "3372", "3373", "3379"], "338": ["3381", "3382", "3383", "3389"],
               "339": ["3391", "3392", "3393", "3394", "3399"]},
        "35": {"351": ["3511", "3512", "3513", "3514", "3515", "3516", "3517"],
               "352": ["3521", "3522", "3523", "3524", "3525", "3529"],
               "353": ["3531", "3532", "3533", "3534"],
               "354": ["3541", "3542", "3543", "3544", "3545", "3546", "3549"],
               "355": ["3551", "3552", "3553", "3554"], "356": ["3561", "3562", "3563", "3569"],
               "357": ["3571", "3572", "3573", "3574", "3575", "3576", "3577", "3579"],
               "358": ["3581", "3582", "3583", "3584", "3585", "3586", "3587", "3589"],
               "359": ["3591", "3592", "3593", "3594", "3595", "3596", "3597", "3599"]},
    }.items():
        listed = sorted(c for c in names if c.startswith(division) and len(c) > 2)
        assert listed == sorted([*groups, *(c for cs in groups.values() for c in cs)])
    assert names["3311"] == "金属结构制造" and names["3517"] == "隧道施工专用机械制造"


def test_every_division_a_catalogue_details_is_complete_down_to_its_groups():
    """Where a bundled catalogue lists a group or class, the list has that division's groups."""
    adm = load_admission(bundled("layers") / "admission")
    names = adm.industries.names
    detailed = {c[:2] for cat in adm.catalogues.values() for e in cat.entries for c in e.codes
                if len(c) > 2}
    assert detailed == {"25", "26", "27", "33"}
    # the last group of each, per GB/T 4754-2017: all groups before it are numbered in order
    last = {"25": "254", "26": "268", "27": "278", "33": "339"}
    for d in detailed:
        assert all(f"{d}{g}" in names for g in range(1, int(last[d][2]) + 1)), d


def test_unknown_code_message_names_the_list_and_the_administrator(territory, adm):
    with pytest.raises(AdmissionInputError) as info:
        check(IN_PARK, "wgs84", "2699", territory, adm)
    message = info.value.text()  # one language: the English page translates the whole text
    assert "industries.csv" in message and "管理员" in message and " / " not in message
    assert "大类" not in message  # no longer sends the planner to the division code


def test_whole_zone_entries_without_and_with_a_catalogue(territory, tmp_path):
    """Every key of a zone's entry, by hand: a zone with no catalogue (H) and one with (P)."""
    adm = load_admission(write_admission(tmp_path / "p", {"P.toml": PARK}))
    out = check(point(120.015, 31.005), "wgs84", "3491", territory, adm)
    assert out["zones"] == [{
        "code": "H", "name": "近居民区园区", "kind": "高新区", "risk_level": "orange",
        "verdict": "restricted", "verdict_label": "限制", "catalogue": None,
        "reasons": [{
            "list": "restricted", "code": "3491", "industry_name": "工业机器人制造",
            "match": "no_catalogue", "clause": "",
            "text": "该功能区尚未配置安全生产禁止和限制类产业目录，无法自动判定，项目须人工审核。",
            "conditions": ["经功能区管理机构和应急管理部门人工审核同意"],
            "source": None, "catalogue": None}]}]
    park = check(point(120.005, 31.005), "wgs84", "2614", territory, adm)["zones"][0]
    assert {k: park[k] for k in ("code", "name", "kind", "risk_level", "verdict",
                                 "verdict_label", "catalogue")} == {
        "code": "P", "name": "测试化工园区", "kind": "化工园区", "risk_level": "red",
        "verdict": "restricted", "verdict_label": "限制",
        "catalogue": {"title": "测试化工园区目录", "source": "测试文件〔2025〕1号",
                      "synthetic": True, "file": "P.toml"}}


def test_outside_entry_keys(territory, tmp_path):
    adm = load_admission(write_admission(
        tmp_path / "o", {"P.toml": PARK, "out.toml": OUTSIDE_CATALOGUE}))
    # half in park P, half west of every zone
    out = check(box_site(119.995, 31.004, 120.005, 31.006), "wgs84", "2614", territory, adm)
    entry = out["zones"][1]
    assert {k: entry[k] for k in ("code", "name", "kind", "risk_level", "verdict",
                                  "verdict_label")} == {
        "code": "outside", "name": "功能区以外区域", "kind": None, "risk_level": None,
        "verdict": "prohibited", "verdict_label": "禁止"}
    assert entry["area_m2"] == pytest.approx(477.5 * 221.7, rel=1e-3)  # worked above
    assert entry["catalogue"]["file"] == "out.toml"
