"""Edges of domain/admission.py and domain/site_input.py that the mutation check
(scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

import numpy as np
import pytest
import shapely.geometry
from shapely import Point, box

from geoapp.domain import crs as crs_mod
from geoapp.domain.admission import NoTerritoryError, Territory, check
from geoapp.domain.catalogue import load_admission
from geoapp.domain.site_input import AdmissionInputError, parse_crs, parse_industry, parse_site
from geoapp.resources import bundled
from tests.domain.test_admission import (
    HOUSING,
    OUTSIDE_CATALOGUE,
    PARK,
    box_site,
    frame,
    point,
    write_admission,
)

# The territory of tests/domain/test_admission.py (zones P | H, cells A | B), no installations
CELLS = frame({"code": ["A", "B"], "name": ["一网格", "二网格"], "risk_level": ["red", "blue"]},
              [box(120.0, 31.0, 120.01, 31.01), box(120.01, 31.0, 120.02, 31.01)])
ZONES = frame({"code": ["P", "H"], "name": ["测试化工园区", "近居民区园区"],
               "kind": ["化工园区", "高新区"], "risk_level": ["red", "orange"]},
              [box(120.0, 31.0, 120.01, 31.01), box(120.01, 31.0, 120.02, 31.01)])
NO_HAZARDS = frame({"id": [], "name": [], "grade": [], "risk_level": []}, [])


@pytest.fixture
def adm(tmp_path):
    return load_admission(write_admission(
        tmp_path / "adm", {"P.toml": PARK, "H.toml": HOUSING, "outside.toml": OUTSIDE_CATALOGUE}))


def test_a_point_inside_borders_nothing(adm):
    out = check(point(120.005, 31.005), "wgs84", "2614",
                Territory(CELLS, ZONES, NO_HAZARDS), adm)
    assert [z["code"] for z in out["zones"]] == ["P"]
    assert [c["code"] for c in out["cells"]] == ["A"]
    assert out["adjacent_zones"] == [] and out["adjacent_cells"] == []


def test_a_polygon_where_no_zones_are_loaded_answers_to_the_outside_catalogue(adm):
    out = check(box_site(120.004, 31.004, 120.006, 31.006), "wgs84", "2614",
                Territory(CELLS, ZONES.iloc[:0], NO_HAZARDS), adm)
    assert out["verdict"] == "prohibited" and out["outside_zones"] is True
    assert out["zones"] == [] and out["nearest_zone"] is None
    assert out["outside_catalogue"]["title"] == "功能区以外"
    assert [c["code"] for c in out["cells"]] == ["A"]


def test_the_area_outside_every_zone_is_given_to_a_tenth_of_a_square_metre(adm):
    # 0.001° of longitude west of park P at 31.005° is 95.5 m, 0.002° of latitude 221.7 m
    out = check(box_site(119.999, 31.004, 120.005, 31.006), "wgs84", "2614",
                Territory(CELLS, ZONES, NO_HAZARDS), adm)
    area = out["zones"][-1]["area_m2"]
    assert area == pytest.approx(95.5 * 221.7, rel=1e-3)
    assert repr(area) == f"{area:.1f}"  # one decimal: neither whole metres nor two decimals


# Metres per degree at 31.005°N on WGS84, by hand: longitude (π/180)·a·cos φ / √(1 − e² sin² φ)
# = 95 499 m; latitude 111 132.95 − 559.82 cos 2φ + 1.18 cos 4φ = 110 870 m.
LON_M, LAT_M = 95_499.0, 110_870.0
SITE = (120.00512345678, 31.00512345678)
INSTALLATIONS = frame(
    {"id": ["MH-9", "7", "2"], "name": ["甲", "乙", "丙"], "grade": ["五级", np.nan, "一级"],
     "risk_level": ["orange", np.nan, "red"]},
    [Point(SITE[0], SITE[1] - 0.001)] * 2 + [Point(SITE[0], 31.0121)])


def test_the_whole_answer_for_a_point_in_the_park(adm):
    out = check(point(*SITE), "wgs84", "2614", Territory(CELLS, ZONES, INSTALLATIONS), adm)
    assert sorted(out) == [
        "adjacent_cells", "adjacent_zones", "buffers", "cells", "crs_label", "crs_used",
        "industry", "nearby_major_hazards", "nearest_zone", "outside_catalogue",
        "outside_zones", "radius_m", "reasons", "site", "synthetic_catalogues", "verdict",
        "verdict_label", "zones"]
    assert (out["verdict"], out["verdict_label"], out["crs_used"], out["crs_label"]) == (
        "restricted", "限制", "wgs84", "WGS84")
    assert out["radius_m"] == {"一级": 1000, "二级": 500, "三级": 300, "四级": 200, "default": 250}
    assert out["synthetic_catalogues"] is True  # park P's catalogue is marked synthetic
    # the echo of the site on the 1e-7° grid
    assert out["site"]["type"] == "Point"
    assert out["site"]["coordinates"] == pytest.approx([120.0051235, 31.0051235], abs=1e-10)
    [cell] = out["cells"]
    assert sorted(cell) == ["code", "geometry", "name", "risk_level"]
    assert (cell["code"], cell["name"], cell["risk_level"]) == ("A", "一网格", "red")
    assert shapely.geometry.shape(cell["geometry"]).equals(box(120.0, 31.0, 120.01, 31.01))
    # 110.9 m south: an ungraded one (NaN grade and level) and one of a grade the settings
    # do not name, both within the default 250 m, tied on distance, so by id as text;
    # the 一级 one 0.0069766° (773.5 m) north is within its 1000 m
    near = out["nearby_major_hazards"]
    assert [{k: h[k] for k in ("id", "name", "grade", "risk_level", "radius_m", "lon", "lat")}
            for h in near] == [
        {"id": 7, "name": "乙", "grade": None, "risk_level": None, "radius_m": 250.0,
         "lon": 120.0051235, "lat": 31.0041235},
        {"id": "MH-9", "name": "甲", "grade": "五级", "risk_level": "orange", "radius_m": 250.0,
         "lon": 120.0051235, "lat": 31.0041235},
        {"id": 2, "name": "丙", "grade": "一级", "risk_level": "red", "radius_m": 1000.0,
         "lon": 120.0051235, "lat": 31.0121}]
    assert type(near[0]["id"]) is int and sorted(near[0]) == [
        "distance_m", "grade", "id", "lat", "lon", "name", "radius_m", "risk_level"]
    assert [h["distance_m"] for h in near] == pytest.approx(
        [0.001 * LAT_M, 0.001 * LAT_M, (31.0121 - SITE[1]) * LAT_M], abs=0.1)
    assert all(repr(h["distance_m"]) == f"{h['distance_m']:.1f}" for h in near)
    # one search area per distinct radius, smallest first, 64 segments, WGS84 lon/lat order
    assert [(b["radius_m"], b["grades"], sorted(b)) for b in out["buffers"]] == [
        (r, [g], ["geometry", "grades", "radius_m"]) for r, g in
        ((200.0, "四级"), (250.0, "default"), (300.0, "三级"), (500.0, "二级"), (1000.0, "一级"))]
    for b in out["buffers"]:
        ring = np.array(b["geometry"]["coordinates"][0])
        assert len(ring) == 65
        assert ring[:, 0].max() == pytest.approx(SITE[0] + b["radius_m"] / LON_M, abs=3e-6)
        assert ring[:, 1].min() == pytest.approx(SITE[1] - b["radius_m"] / LAT_M, abs=3e-6)


def test_outside_every_zone_the_nearest_is_decided_to_the_micrometre(adm):
    # 0.001° south of P's corner at lon 120.0099: P is 110.9 m away, H (0.0001° east too)
    # 111.3 m; whole metres would tie them and the code would wrongly pick H
    out = check(point(120.0099, 30.999), "wgs84", "2614",
                Territory(CELLS, ZONES, NO_HAZARDS), adm)
    nearest = out["nearest_zone"]
    assert (nearest["code"], nearest["name"]) == ("P", "测试化工园区")
    assert nearest["distance_m"] == pytest.approx(0.001 * LAT_M, abs=0.1)
    assert repr(nearest["distance_m"]) == f"{nearest['distance_m']:.1f}"
    # outside every zone, the reasons carry no zone
    assert [sorted(r) for r in out["reasons"]] == [[
        "catalogue", "clause", "code", "conditions", "industry_name", "list", "match",
        "source", "text"]]


def test_synthetic_catalogues_counts_only_the_catalogues_applied(tmp_path):
    synthetic_outside = OUTSIDE_CATALOGUE.replace(
        'source = "测试文件〔2025〕3号"', 'source = "测试文件〔2025〕3号"\nsynthetic = true')
    adm = load_admission(write_admission(
        tmp_path / "s", {"P.toml": PARK, "H.toml": HOUSING, "outside.toml": synthetic_outside}))
    territory = Territory(CELLS, ZONES, NO_HAZARDS)
    in_h = check(point(120.015, 31.005), "wgs84", "2614", territory, adm)
    outside = check(point(120.005, 30.999), "wgs84", "2614", territory, adm)
    assert (in_h["synthetic_catalogues"], outside["synthetic_catalogues"]) == (False, True)


def test_the_extent_check_measures_from_the_territorys_box(adm):
    territory = Territory(CELLS, ZONES, NO_HAZARDS)
    # 0.01° (1108.7 m) south of the box: within the 2 km margin
    assert check(point(120.005, 30.99), "wgs84", "2614", territory, adm)["outside_zones"]
    # 0.1304° west at 31.005°: 0.1304 × 95 499 m = 12 453 m, 12.5 km to one decimal
    with pytest.raises(AdmissionInputError) as info:
        check(point(119.8696, 31.005), "wgs84", "2614", territory, adm)
    assert (info.value.field, info.value.error, info.value.text()) == (
        "site", "outside_extent",
        "场址距辖区范围 12.5 千米，超出允许的 2 千米；请检查经纬度是否颠倒或坐标系是否选对")
    # one language per message: the English page gets the catalogue's translation
    assert info.value.text(lambda s: s.replace("场址距辖区范围", "Site is")).startswith(
        "Site is 12.5 千米")


def test_no_territory_says_so(adm):
    with pytest.raises(NoTerritoryError) as info:
        check(point(120.005, 31.005), "wgs84", "2614",
              Territory(CELLS.iloc[:0], ZONES.iloc[:0], NO_HAZARDS), adm)
    assert str(info.value) == "尚未导入网格和功能区，无法核查"


# ---------------------------------------------------------------- site_input: the request's fields

WGS84 = crs_mod.parse_crs("wgs84")
BAD_SHAPE = "场址应为 GeoJSON 几何：Point、Polygon 或 MultiPolygon"
OUT_OF_RANGE = "坐标超出经纬度范围，应为 [经度, 纬度]"


def refusal(call, *args):
    with pytest.raises(AdmissionInputError) as info:
        call(*args)
    err = info.value
    assert str(err) == err.text()  # the Chinese text, its values filled in
    return err.field, err.error, err.text()


def ring(n):
    """A closed ring of ``n`` coordinates (n - 1 distinct) on a circle-ish square path."""
    step = 0.01 / (n - 1)
    pts = [[120 + i * step, 31 + (i % 2) * 1e-9] for i in range(n - 2)]
    pts.append([120.005, 31.01])
    return {"type": "Polygon", "coordinates": [pts + [pts[0]]]}


@pytest.mark.parametrize(("text", "code"), [("WGS_84", "wgs84"), ("gcj-02", "gcj02"),
                                             (" BD_09 ", "bd09")])
def test_crs_names_ignore_case_hyphens_and_underscores(text, code):
    assert parse_crs(text).code == code


def test_an_unknown_crs_lists_the_known_ones():
    assert refusal(parse_crs, "utm") == (
        "crs", "unknown_crs",
        "未知坐标系 utm，应为 wgs84, cgcs2000, gcj02, bd09 之一")


def test_a_feature_is_unwrapped():
    geom = parse_site({"type": "Feature", "properties": {},
                       "geometry": point(120.5, 31.5)}, WGS84)
    assert (geom.geom_type, geom.x, geom.y) == ("Point", 120.5, 31.5)


@pytest.mark.parametrize("site", [
    {"type": "Feature", "geometry": None}, {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
    [120, 31], {"type": "feature", "geometry": point(120, 31)}])
def test_not_a_site_geometry(site):
    assert refusal(parse_site, site, WGS84) == ("site", "bad_geometry", BAD_SHAPE)


def test_a_malformed_geometry_says_so():
    field, error, message = refusal(
        parse_site, {"type": "Polygon", "coordinates": [[[120, 31], [121, 31]]]}, WGS84)
    assert (field, error) == ("site", "bad_geometry")
    assert message == "场址几何无法解析：坐标应为数字，多边形至少三个不同的顶点"


def test_an_empty_geometry():
    assert refusal(parse_site, {"type": "Polygon", "coordinates": []}, WGS84) == (
        "site", "bad_geometry", "场址几何为空")


def test_ten_thousand_vertices_pass_one_more_is_refused():
    assert parse_site(ring(10_000), WGS84).geom_type == "Polygon"
    assert refusal(parse_site, ring(10_001), WGS84) == (
        "site", "bad_geometry", "场址顶点过多（最多 10000 个）")


def test_the_edges_of_longitude_and_latitude_are_in_range():
    assert (parse_site(point(180, 90), WGS84).x, parse_site(point(-180, -90), WGS84).y) == (
        180, -90)


@pytest.mark.parametrize(("lon", "lat"), [(180.5, 31), (-181, 31), (200, 31), (120, 90.5),
                                          (120, -91), (31, 120)])
def test_coordinates_out_of_range(lon, lat):
    assert refusal(parse_site, point(lon, lat), WGS84) == ("site", "bad_geometry", OUT_OF_RANGE)


def test_a_self_intersecting_polygon_names_where():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert refusal(parse_site, bowtie, WGS84) == (
        "site", "bad_geometry",
        "场址多边形无效（Self-intersection[0.5 0.5]），请检查边是否自相交")


def test_industry_refusals():
    adm = load_admission(bundled("layers") / "admission")
    assert refusal(parse_industry, None, adm) == (
        "industry", "unknown_industry",
        "行业代码  无效：应为 GB/T 4754-2017 的 2–4 位数字代码，可加门类字母，"
        "如 C2614（大类 01–97，门类须与大类相符）")
    assert refusal(parse_industry, "C2618", adm) == (
        "industry", "unknown_industry",
        "行业代码 2618 不在行业目录 industries.csv 中；请按名称搜索选择，"
        "如确属 GB/T 4754-2017 行业，请联系管理员将其加入行业目录")
