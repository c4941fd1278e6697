"""Edges of domain/admission.py and domain/site_input.py that the mutation check
(scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

import pytest
from shapely import box

from geoapp.domain import crs as crs_mod
from geoapp.domain.admission import Territory, check
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


# ---------------------------------------------------------------- site_input: the request's fields

WGS84 = crs_mod.parse_crs("wgs84")
BAD_SHAPE = ("场址应为 GeoJSON 几何：Point、Polygon 或 MultiPolygon / "
             "site must be a GeoJSON Point, Polygon or MultiPolygon geometry")
OUT_OF_RANGE = ("坐标超出经纬度范围，应为 [经度, 纬度] / "
                "coordinates must be [lon, lat] in degrees")


def refusal(call, *args):
    with pytest.raises(AdmissionInputError) as info:
        call(*args)
    err = info.value
    assert str(err) == err.message
    return err.field, err.error, err.message


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
        "未知坐标系 'utm'，应为 wgs84, cgcs2000, gcj02, bd09 之一 / "
        "unknown crs 'utm': use one of wgs84, cgcs2000, gcj02, bd09")


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
    assert message.startswith("场址几何无法解析 / site geometry is malformed: ")
    assert len(message) > len("场址几何无法解析 / site geometry is malformed: ")


def test_an_empty_geometry():
    assert refusal(parse_site, {"type": "Polygon", "coordinates": []}, WGS84) == (
        "site", "bad_geometry", "场址几何为空 / site geometry is empty")


def test_ten_thousand_vertices_pass_one_more_is_refused():
    assert parse_site(ring(10_000), WGS84).geom_type == "Polygon"
    assert refusal(parse_site, ring(10_001), WGS84) == (
        "site", "bad_geometry", "场址顶点过多（最多 10000） / too many vertices")


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
        "场址多边形无效（Self-intersection[0.5 0.5]），请检查边是否自相交 / "
        "invalid polygon: Self-intersection[0.5 0.5]")


def test_industry_refusals():
    adm = load_admission(bundled("layers") / "admission")
    assert refusal(parse_industry, None, adm) == (
        "industry", "unknown_industry",
        "行业代码 '' 格式不符（应为门类字母加 2–4 位数字，如 C2614）")
    assert refusal(parse_industry, "C2618", adm) == (
        "industry", "unknown_industry",
        "行业代码 2618 不在行业目录 industries.csv 中；请按名称搜索选择，"
        "如确属 GB/T 4754-2017 行业，请联系管理员将其加入行业目录 / "
        "industry code 2618 is not in the industry list (industries.csv); "
        "an administrator can add it")
