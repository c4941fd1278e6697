"""geoapp.domain.crs: --crs parsing, GCJ-02/BD-09 offsets and their inverses, reprojection.

Forward offsets are cross-checked against ``prcoords``, an independent
implementation (its functions take and return (lat, lon)). Inverses are checked
by round trip on a grid over China. Reference values are hand-written.
"""

from __future__ import annotations

import dataclasses
import doctest
import warnings

import geopandas as gpd
import numpy as np
import prcoords
import pyproj
import pytest
import shapely
from shapely import box

from geoapp.domain import crs
from geoapp.domain.crs import CoordinateSystem, parse_crs

# (lon, lat): Beijing, Shanghai, Urumqi, Haikou, Harbin, Lhasa
CITIES = [(116.397, 39.908), (121.4737, 31.2304), (87.6168, 43.8256),
          (110.3312, 20.0310), (126.6424, 45.7560), (91.1409, 29.6456)]
# (lon, lat) outside the rough China box: Tokyo, London, Sydney, Jakarta, Anchorage
ABROAD = [(139.6917, 35.6895), (-0.1276, 51.5072), (151.2093, -33.8688),
          (106.8456, -6.2088), (-149.9003, 61.2181)]


def china_grid(n=100):
    """n×n WGS84 points across mainland China and Hainan, clear of the box edges."""
    lon, lat = np.meshgrid(np.linspace(73.5, 134.8, n), np.linspace(18.2, 53.5, n))
    return lon.ravel(), lat.ravel()


def max_err(lon, lat, lon2, lat2) -> float:
    return float(max(np.max(np.abs(lon2 - lon)), np.max(np.abs(lat2 - lat))))


# --- parse_crs ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, code", [
    ("wgs84", "wgs84"), ("WGS84", "wgs84"), ("WGS-84", "wgs84"), ("cgcs2000", "cgcs2000"),
    ("CGCS2000", "cgcs2000"), ("gcj02", "gcj02"), ("GCJ-02", "gcj02"), ("Gcj_02", "gcj02"),
    ("bd09", "bd09"), ("BD-09", "bd09"), (" bd09 ", "bd09"),
    ("EPSG:4549", "EPSG:4549"), ("epsg:4549", "EPSG:4549"), ("Epsg : 4549", "EPSG:4549"),
    ("EPSG：4549", "EPSG:4549"), ("4549", "EPSG:4549"), (4549, "EPSG:4549"),
    ("EPSG:4326", "EPSG:4326"), ("EPSG:4490", "EPSG:4490"), ("32651", "EPSG:32651"),
])
def test_parse_crs_accepts(text, code):
    assert parse_crs(text).code == code


def test_parse_crs_labels_and_offset_flag():
    assert parse_crs("gcj02") == CoordinateSystem("gcj02", "GCJ-02（高德/腾讯）")
    assert parse_crs("bd09").label == "BD-09（百度）"
    assert parse_crs("wgs84").label == "WGS84"
    assert parse_crs("cgcs2000").label == "CGCS2000"
    assert parse_crs("epsg:4549").label == "EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E"
    assert parse_crs("4490").label == "EPSG:4490 China Geodetic Coordinate System 2000"
    assert [parse_crs(t).is_offset for t in ("wgs84", "cgcs2000", "gcj02", "bd09", "4549")] \
        == [False, False, True, True, False]
    cs = parse_crs("gcj02")
    assert parse_crs(cs) is cs
    with pytest.raises(dataclasses.FrozenInstanceError):
        cs.code = "wgs84"


@pytest.mark.parametrize("text", ["xyz", "mars", "", "   ", "wgs 84", "gcj", "EPSG:",
                                  "EPSG:abc", "EPSG:4549.5", "EPSG:-4549", "4549x", "utm51"])
def test_parse_crs_rejects_bad_strings(text):
    with pytest.raises(ValueError) as exc:
        parse_crs(text)
    msg = str(exc.value)
    assert f"未知坐标系 {text!r}" in msg and "unknown coordinate system" in msg
    assert "wgs84, cgcs2000, gcj02, bd09, EPSG:n" in msg


@pytest.mark.parametrize("text", ["EPSG:999999", "1", "epsg:12345678"])
def test_parse_crs_rejects_unknown_epsg(text):
    with pytest.raises(ValueError, match="未知 EPSG 代码") as exc:
        parse_crs(text)
    assert repr(text) in str(exc.value) and "EPSG:n" in str(exc.value)


@pytest.mark.parametrize("text, kind", [("EPSG:5773", "EGM96 height"), ("EPSG:4978", "WGS 84")])
def test_parse_crs_rejects_non_2d_systems(text, kind):
    with pytest.raises(ValueError, match="not a geographic or projected") as exc:
        parse_crs(text)
    assert kind in str(exc.value)


def test_is_lonlat():
    assert [crs.is_lonlat(t) for t in ("wgs84", "cgcs2000", "gcj02", "bd09",
                                       "EPSG:4326", "EPSG:4490", "EPSG:4549", "32651")] \
        == [True] * 6 + [False] * 2


# --- GCJ-02 / BD-09 forward, against prcoords ----------------------------------------------

@pytest.mark.parametrize("lon, lat", CITIES)
def test_gcj02_forward_matches_prcoords(lon, lat):
    ref = prcoords.wgs_gcj((lat, lon))
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert abs(glon - ref.lon) < 1e-9 and abs(glat - ref.lat) < 1e-9


def test_gcj02_forward_known_value_beijing():
    # hand-checked against prcoords 1.0.2: Coords(lat=39.90940335390724, lon=116.40324337854781)
    glon, glat = crs.wgs84_to_gcj02(116.397, 39.908)
    assert (float(glon), float(glat)) == pytest.approx((116.40324337854781, 39.90940335390724),
                                                       abs=1e-9)


@pytest.mark.parametrize("lon, lat", CITIES)
def test_bd09_forward_matches_prcoords(lon, lat):
    ref = prcoords.wgs_bd((lat, lon))
    blon, blat = crs.wgs84_to_bd09(lon, lat)
    assert abs(blon - ref.lon) < 1e-9 and abs(blat - ref.lat) < 1e-9
    ref = prcoords.gcj_bd((lat, lon))  # the GCJ-02 → BD-09 step alone
    blon, blat = crs.gcj02_to_bd09(lon, lat)
    assert abs(blon - ref.lon) < 1e-9 and abs(blat - ref.lat) < 1e-9


def test_scalars_and_shapes():
    lon, lat = crs.wgs84_to_gcj02(116.397, 39.908)
    assert isinstance(lon, np.ndarray) and lon.shape == () and lon.dtype == np.float64
    grid = np.array([[116.397, 121.4737], [87.6168, 110.3312]])
    for fn in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84, crs.wgs84_to_bd09, crs.bd09_to_wgs84,
               crs.gcj02_to_bd09, crs.bd09_to_gcj02):
        out = fn(grid, grid - 80)
        assert isinstance(out, tuple) and [a.shape for a in out] == [(2, 2), (2, 2)]
        assert all(a.dtype == np.float64 for a in out)
    lon, lat = crs.wgs84_to_gcj02([116, 121], [40, 31])  # ints and lists are fine too
    assert lon.dtype == np.float64 and lon.shape == (2,)


def test_gcj02_offset_at_beijing_is_hundreds_of_metres():
    glon, glat = crs.wgs84_to_gcj02(116.397, 39.908)
    d = float(crs.distance_m(116.397, 39.908, glon, glat))
    assert 100 < d < 700, d  # ~556 m
    blon, blat = crs.wgs84_to_bd09(116.397, 39.908)
    assert float(crs.distance_m(116.397, 39.908, blon, blat)) > d  # BD-09 adds its own shift


def test_points_outside_china_are_not_offset():
    lon, lat = np.array(ABROAD).T
    for fn in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84):
        out_lon, out_lat = fn(lon, lat)
        np.testing.assert_array_equal(out_lon, lon)
        np.testing.assert_array_equal(out_lat, lat)
    # BD-09 outside China: only the GCJ→BD step applies, exactly as in prcoords
    blon, blat = crs.wgs84_to_bd09(lon, lat)
    np.testing.assert_array_equal(np.column_stack([blon, blat]),
                                  np.column_stack(crs.gcj02_to_bd09(lon, lat)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prcoords warns about non-Chinese coordinates
        ref = np.array([prcoords.wgs_bd((y, x)) for x, y in ABROAD])
    np.testing.assert_allclose(blat, ref[:, 0], atol=1e-9)
    np.testing.assert_allclose(blon, ref[:, 1], atol=1e-9)
    rlon, rlat = crs.bd09_to_wgs84(blon, blat)
    assert max_err(lon, lat, rlon, rlat) < 1e-7
    # a mixed batch: only the Chinese point moves
    mlon, mlat = crs.wgs84_to_gcj02([139.6917, 116.397], [35.6895, 39.908])
    assert mlon[0] == 139.6917 and mlat[0] == 35.6895 and abs(mlon[1] - 116.397) > 1e-3


# --- inverses ------------------------------------------------------------------------------

@pytest.mark.parametrize("forward, inverse", [
    (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84), (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    (crs.gcj02_to_bd09, crs.bd09_to_gcj02)], ids=["gcj02", "bd09", "gcj02-bd09"])
def test_round_trip_over_china(forward, inverse):
    lon, lat = china_grid()
    assert lon.size == 10_000
    err = max_err(lon, lat, *inverse(*forward(lon, lat)))
    print(f"{forward.__name__} → {inverse.__name__}: max round-trip error {err:.2e}°")
    assert err < 1e-7


def test_inverse_is_not_the_one_step_approximation():
    lon, lat = china_grid()
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    # the crude inverse: subtract the offset as seen at the GCJ-02 point
    flon, flat = crs.wgs84_to_gcj02(glon, glat)
    crude = max_err(lon, lat, 2 * glon - flon, 2 * glat - flat)
    assert crude > 1e-6  # metre-level, which is why we iterate
    assert max_err(lon, lat, *crs.gcj02_to_wgs84(glon, glat)) < crude / 1e4


def test_missing_values_stay_missing():
    lon, lat = crs.gcj02_to_wgs84([np.nan, 116.403243], [39.9, 39.909403])
    assert np.isnan(lon[0]) and abs(lon[1] - 116.397) < 1e-6
    lon, lat = crs.bd09_to_wgs84([np.nan], [np.nan])
    assert np.isnan(lon[0]) and np.isnan(lat[0])


# --- to_wgs84_xy ---------------------------------------------------------------------------

def test_to_wgs84_xy_gauss_kruger_zone():
    lon = np.array([120.3, 119.2, 121.5])
    lat = np.array([31.6, 30.1, 32.7])
    fwd = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    x, y = fwd.transform(lon, lat)
    assert 300_000 < x[0] < 700_000 and 3_000_000 < y[0] < 4_000_000  # easting, northing
    for system in ("EPSG:4549", "4549", parse_crs("epsg:4549")):
        back_lon, back_lat = crs.to_wgs84_xy(x, y, system)
        assert max_err(lon, lat, back_lon, back_lat) < 1e-8
    assert crs._transformer("EPSG:4549") is crs._transformer("EPSG:4549")  # one, reused


def test_to_wgs84_xy_epsg_4490_is_not_axis_swapped():
    lon, lat = crs.to_wgs84_xy([120.3], [31.6], "EPSG:4490")
    assert lon[0] == pytest.approx(120.3, abs=1e-9) and lat[0] == pytest.approx(31.6, abs=1e-9)
    lon, lat = crs.to_wgs84_xy([120.3], [31.6], "EPSG:4326")
    assert (lon[0], lat[0]) == pytest.approx((120.3, 31.6), abs=1e-12)


def test_to_wgs84_xy_wgs84_and_cgcs2000_unchanged_as_floats():
    x, y = np.array([120, 121]), np.array([31, 32])
    for system in ("wgs84", "cgcs2000"):
        lon, lat = crs.to_wgs84_xy(x, y, system)
        assert lon.dtype == np.float64 and lon.tolist() == [120.0, 121.0]
        assert lat.tolist() == [31.0, 32.0]
        lon[0] = 0  # a copy: the caller's array is untouched
        assert x[0] == 120


def test_to_wgs84_xy_offset_systems():
    lon, lat = np.array(CITIES).T
    for system, forward in (("gcj02", crs.wgs84_to_gcj02), ("BD-09", crs.wgs84_to_bd09)):
        back = crs.to_wgs84_xy(*forward(lon, lat), system)
        assert max_err(lon, lat, *back) < 1e-7
    with pytest.raises(ValueError, match="mars"):
        crs.to_wgs84_xy(lon, lat, "mars")


# --- geometries ----------------------------------------------------------------------------

def gcj_geoms():
    """A polygon with a hole and a two-part multipolygon, in WGS84 and shifted to GCJ-02."""
    hole = box(120.003, 31.003, 120.007, 31.007)
    holed = box(120.0, 31.0, 120.01, 31.01).difference(hole)
    multi = shapely.MultiPolygon([box(120.02, 31.0, 120.03, 31.01),
                                  box(120.04, 31.0, 120.05, 31.01)])
    wgs = np.array([holed, multi], dtype=object)

    def to_gcj(xy):
        return np.column_stack(crs.wgs84_to_gcj02(xy[:, 0], xy[:, 1]))

    return wgs, shapely.transform(wgs, to_gcj)


@pytest.mark.parametrize("container", [np.asarray, list, gpd.GeoSeries])
def test_geometries_to_wgs84_keeps_holes_and_parts(container):
    wgs, gcj = gcj_geoms()
    assert not shapely.equals_exact(gcj, wgs, tolerance=1e-3).any()  # really offset
    out = crs.geometries_to_wgs84(container(list(gcj)), "gcj02")
    assert isinstance(out, np.ndarray) and len(out) == 2
    assert out[0].geom_type == "Polygon" and len(out[0].interiors) == 1
    assert out[1].geom_type == "MultiPolygon" and shapely.get_num_geometries(out[1]) == 2
    assert shapely.equals_exact(out, wgs, tolerance=1e-9).all()


def test_geometries_to_wgs84_bd09_and_epsg():
    wgs, _ = gcj_geoms()

    def to_bd(xy):
        return np.column_stack(crs.wgs84_to_bd09(xy[:, 0], xy[:, 1]))

    out = crs.geometries_to_wgs84(shapely.transform(wgs, to_bd), crs.parse_crs("bd09"))
    assert shapely.equals_exact(out, wgs, tolerance=1e-9).all()
    gk = gpd.GeoSeries(wgs, crs=4326).to_crs(4549)
    out = crs.geometries_to_wgs84(gk, "EPSG:4549")
    assert shapely.equals_exact(out, wgs, tolerance=1e-8).all()
    assert len(out[0].interiors) == 1


# --- metric CRS and distances --------------------------------------------------------------

@pytest.mark.parametrize("lon, lat", [(120.3, 31.6), (87.6168, 43.8256), (151.2093, -33.8688)])
def test_metric_crs_is_centred_transverse_mercator(lon, lat):
    c = crs.metric_crs(np.array([lon]), np.array([lat]))
    assert c.is_projected and c.coordinate_operation.method_name == "Transverse Mercator"
    assert c.axis_info[0].unit_name == "metre"
    assert central_meridian(c) == pytest.approx(lon, abs=1e-4)


def central_meridian(c):
    return {p.name: p.value for p in c.coordinate_operation.params}[
        "Longitude of natural origin"]


def test_metric_crs_uses_mean_and_rejects_empty():
    assert central_meridian(crs.metric_crs([119.9, 120.7], [31.0, 32.0])) == pytest.approx(120.3)
    assert central_meridian(crs.metric_crs([np.nan, 120.3], [np.nan, 31.6])) == pytest.approx(120.3)
    with pytest.raises(ValueError):
        crs.metric_crs(np.array([]), np.array([]))


def test_metric_crs_distances_match_geodesic_within_a_county():
    # a 1° × 1° "county" (straddling the 120°E UTM zone edge, where UTM is worst)
    rng = np.random.default_rng(7)
    lon = rng.uniform(119.6, 120.6, 200)
    lat = rng.uniform(31.1, 32.1, 200)
    metric = crs.metric_crs(lon, lat)
    x, y = pyproj.Transformer.from_crs(4326, metric, always_xy=True).transform(lon, lat)
    planar = np.hypot(x[1:] - x[:-1], y[1:] - y[:-1])
    geodesic = crs.distance_m(lon[:-1], lat[:-1], lon[1:], lat[1:])
    rel = np.max(np.abs(planar / geodesic - 1))
    print(f"max relative distance error in {metric.name}: {rel:.2e}")
    assert rel < 1e-4  # (55 km / 6371 km)² / 2 ≈ 4e-5 at the county's edge


def test_distance_m():
    # one degree of longitude on the equator is a·π/180 for the WGS84 a = 6378137 m
    assert float(crs.distance_m(0, 0, 1, 0)) == pytest.approx(111319.4908, abs=1e-3)
    # one degree of latitude near 31°N: ~110.88 km (meridian arc)
    assert float(crs.distance_m(120, 31, 120, 32)) == pytest.approx(110878, abs=1)
    d = crs.distance_m(np.array([120.0, 120.0]), 31.0, 120.0, np.array([31.0, 32.0]))  # broadcast
    assert d.shape == (2,) and d[0] == 0 and d[1] == pytest.approx(110878, abs=1)


# --- scale and docs ------------------------------------------------------------------------

def test_million_points_vectorised():
    rng = np.random.default_rng(0)
    lon = rng.uniform(73.5, 134.8, 1_000_000)
    lat = rng.uniform(18.2, 53.5, 1_000_000)
    blon, blat = crs.wgs84_to_bd09(lon, lat)
    back_lon, back_lat = crs.to_wgs84_xy(blon, blat, "bd09")
    assert back_lon.shape == (1_000_000,)
    assert max_err(lon, lat, back_lon, back_lat) < 1e-7
    assert crs.metric_crs(back_lon, back_lat).is_projected
    assert np.isfinite(crs.distance_m(lon, lat, back_lon, back_lat)).all()


def test_docstring_examples():
    result = doctest.testmod(crs)
    assert result.attempted >= 13 and result.failed == 0
