"""Coordinate systems on import: parse ``--crs`` and convert everything to WGS84.

geoapp stores WGS84 (EPSG:4326); CGCS2000 (EPSG:4490) differs by centimetres and is
taken as equal. Official boundaries often come in CGCS2000 3° Gauss-Krüger zones
(EPSG:4513–4554): reprojected by pyproj in lon/lat order (``always_xy``; EPSG:4490
declares lat,lon). 高德/腾讯 coordinates are GCJ-02 and 百度 ones BD-09, offset on
purpose by hundreds of metres: un-offset with the public algorithms, inverted by
iteration rather than the usual one-step guess (which is off by metres). All of it
is numpy-vectorised: imports pass a million points. Distances are never taken in
degrees: use :func:`metric_crs` or :func:`distance_m`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

_NAMED = {"wgs84": "WGS84", "cgcs2000": "CGCS2000",
          "gcj02": "GCJ-02（高德/腾讯）", "bd09": "BD-09（百度）"}
_ACCEPTED = "wgs84, cgcs2000, gcj02, bd09, EPSG:n"
_EPSG = re.compile(r"(?:epsg\s*:\s*)?(\d+)", re.IGNORECASE)
# GCJ-02 is defined on the Krasovsky 1940 ellipsoid.
_KRASOVSKY_A, _KRASOVSKY_EE = 6378245.0, 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0
# Inverses stop once every residual is below _TOL degrees (~0.1 µm) or after _MAX_ITER
# rounds; each round gains ~3 digits because the offsets vary slowly with position.
_TOL, _MAX_ITER = 1e-12, 10
_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class CoordinateSystem:
    """A source coordinate system: ``code`` is stored per point, ``label`` goes in reports."""

    code: str
    label: str

    @property
    def is_offset(self) -> bool:
        """True for the deliberately offset web-map systems GCJ-02 and BD-09."""
        return self.code in ("gcj02", "bd09")


def parse_crs(text: str | CoordinateSystem) -> CoordinateSystem:
    """Parse a ``--crs`` value: wgs84, cgcs2000, gcj02, bd09, ``EPSG:n`` or a bare ``n``.

    Case-insensitive; ``GCJ-02`` style hyphens and a full-width colon are accepted, and
    a ``CoordinateSystem`` is passed through (so other functions take either).
    Raises ``ValueError`` (bilingual, naming the value) for unknown names, EPSG codes
    pyproj cannot build, and codes that are not 2D geographic/projected systems.

    Examples
    --------
    >>> parse_crs("GCJ02").label
    'GCJ-02（高德/腾讯）'
    >>> parse_crs("4549").label
    'EPSG:4549 CGCS2000 / 3-degree Gauss-Kruger CM 120E'
    """
    if isinstance(text, CoordinateSystem):
        return text
    raw = str(text).strip().replace("：", ":")
    name = raw.lower().replace("-", "").replace("_", "")
    if name in _NAMED:
        return CoordinateSystem(name, _NAMED[name])
    match = _EPSG.fullmatch(raw)
    if match is None:
        raise ValueError(f"未知坐标系 {text!r}（可用：{_ACCEPTED}） / "
                         f"unknown coordinate system {text!r} (accepted: {_ACCEPTED})")
    code = f"EPSG:{int(match.group(1))}"
    try:
        crs = pyproj.CRS.from_user_input(code)
    except pyproj.exceptions.CRSError:
        raise ValueError(f"未知 EPSG 代码 {text!r}，pyproj 无法识别（可用：{_ACCEPTED}） / "
                         f"unknown EPSG code {text!r} (accepted: {_ACCEPTED})") from None
    if not (crs.is_geographic or crs.is_projected):
        raise ValueError(f"{code}（{crs.name}）不是经纬度或平面坐标系 / "
                         f"{code} ({crs.name}) is not a geographic or projected 2D CRS")
    return CoordinateSystem(code, f"{code} {crs.name}")


def is_lonlat(crs: CoordinateSystem | str) -> bool:
    """True if coordinates in ``crs`` are lon/lat degrees (so lon/lat range checks apply).

    Examples
    --------
    >>> is_lonlat("bd09"), is_lonlat("EPSG:4490"), is_lonlat("EPSG:4549")
    (True, True, False)
    """
    cs = parse_crs(crs)
    return cs.code in _NAMED or pyproj.CRS.from_user_input(cs.code).is_geographic


def _floats(*arrays) -> tuple[np.ndarray, ...]:
    return tuple(np.asarray(a, dtype=np.float64) for a in arrays)


def _in_china(lon, lat):
    # The rough box of every reference implementation; outside it GCJ-02 = WGS84.
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_forward(lon, lat):
    """WGS84 (lon, lat) → GCJ-02, ignoring the China box."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + common + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    # the polynomials give metres; divide by the Krasovsky arc length of one degree
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_KRASOVSKY_A / sqrt_magic * np.cos(rad) * np.pi)
    return lon + dlon, lat + dlat


def _invert(forward, lon, lat, guess):
    """Solve forward(w) = (lon, lat) by fixed-point iteration w ← w − (forward(w) − target)."""
    wl, wt = guess
    for _ in range(_MAX_ITER):
        fl, ft = forward(wl, wt)
        rl, rt = fl - lon, ft - lat
        wl, wt = wl - rl, wt - rt
        # NaN compares False, so missing coordinates do not keep the loop going
        if not (np.any(np.abs(rl) > _TOL) or np.any(np.abs(rt) > _TOL)):
            break
    return wl, wt


def wgs84_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (高德/腾讯); points outside the China box are returned unchanged.

    Examples
    --------
    >>> ["%.6f" % v for v in wgs84_to_gcj02(116.397, 39.908)]
    ['116.403243', '39.909403']
    """
    lon, lat = _floats(lon, lat)
    glon, glat = _gcj_forward(lon, lat)
    inside = _in_china(lon, lat)
    return _floats(np.where(inside, glon, lon), np.where(inside, glat, lat))


def gcj02_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84, the iterated inverse of :func:`wgs84_to_gcj02`.

    The one-step guess (subtract the offset taken at the GCJ point) is off by up to
    5e-5° (~5 m); 4–5 rounds bring the residual below 1e-12°. Round-trip error
    WGS84→GCJ-02→WGS84 on a 100×100 grid over China: 2.9e-14° (float64 rounding).
    Points outside the box are returned unchanged.

    Examples
    --------
    >>> ["%.6f" % v for v in gcj02_to_wgs84(116.403243, 39.909403)]
    ['116.397000', '39.908000']
    """
    lon, lat = _floats(lon, lat)
    glon, glat = _gcj_forward(lon, lat)  # first guess: subtract the offset seen at the GCJ point
    wlon, wlat = _invert(_gcj_forward, lon, lat, (2 * lon - glon, 2 * lat - glat))
    inside = _in_china(lon, lat)
    return _floats(np.where(inside, wlon, lon), np.where(inside, wlat, lat))


def gcj02_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (百度): the standard formula, applied everywhere as in the references.

    Examples
    --------
    >>> ["%.6f" % v for v in gcj02_to_bd09(116.404, 39.915)]
    ['116.410369', '39.921337']
    """
    lon, lat = _floats(lon, lat)
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return _floats(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02, iterated from the usual one-step formula (which is up to 2e-6° off).

    Round-trip error GCJ-02→BD-09→GCJ-02 over China: 5.7e-14°.

    Examples
    --------
    >>> ["%.6f" % v for v in bd09_to_gcj02(116.410369, 39.921337)]
    ['116.404000', '39.915000']
    """
    lon, lat = _floats(lon, lat)
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _floats(*_invert(gcj02_to_bd09, lon, lat, (z * np.cos(theta), z * np.sin(theta))))


def wgs84_to_bd09(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 via GCJ-02 (outside China only the BD-09 step applies, as in prcoords).

    Examples
    --------
    >>> ["%.6f" % v for v in wgs84_to_bd09(116.397, 39.908)]
    ['116.409616', '39.915744']
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84, both steps iterated; round-trip error over China: 5.7e-14°.

    Examples
    --------
    >>> ["%.6f" % v for v in bd09_to_wgs84(116.409616, 39.915744)]
    ['116.397000', '39.908000']
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


@functools.lru_cache(maxsize=64)
def _transformer(code: str) -> pyproj.Transformer:
    # always_xy: EPSG:4490/4326 declare lat,lon order, but our arrays are x=lon, y=lat
    return pyproj.Transformer.from_crs(code, "EPSG:4326", always_xy=True)


def to_wgs84_xy(x, y, crs: CoordinateSystem | str) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinates in ``crs`` to WGS84 (lon, lat) float64 arrays.

    wgs84 and cgcs2000 come back unchanged, gcj02/bd09 are un-offset, and ``EPSG:n``
    goes through pyproj in x/y (lon/lat) order.

    Examples
    --------
    >>> [a.tolist() for a in to_wgs84_xy([120.3], [31.6], "cgcs2000")]
    [[120.3], [31.6]]
    """
    cs = parse_crs(crs)
    x, y = _floats(x, y)
    if cs.code in ("wgs84", "cgcs2000"):
        return x.copy(), y.copy()
    if cs.is_offset:
        return (gcj02_to_wgs84 if cs.code == "gcj02" else bd09_to_wgs84)(x, y)
    return _floats(*_transformer(cs.code).transform(x, y))


def geometries_to_wgs84(geoms, crs: CoordinateSystem | str) -> np.ndarray:
    """Convert every vertex of shapely geometries (list, array or GeoSeries) to WGS84.

    Holes and parts are kept (``shapely.transform`` rewrites coordinates in place
    of structure); Z values are dropped, the map is 2D.

    Examples
    --------
    >>> geometries_to_wgs84([shapely.Point(120.3, 31.6)], "wgs84")[0].wkt
    'POINT (120.3 31.6)'
    """
    cs = parse_crs(crs)
    arr = np.asarray(getattr(geoms, "values", geoms), dtype=object)

    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs84_xy(xy[:, 0], xy[:, 1], cs))

    return shapely.transform(arr, convert)


def metric_crs(lon, lat) -> pyproj.CRS:
    """A transverse Mercator CRS in metres centred on the mean WGS84 lon/lat given.

    Why centred, not UTM: the scale error of transverse Mercator grows with the
    square of the distance from the central meridian, (d/R)²/2. Centred on the
    data it is 3e-5 at 50 km, so distances across a county are exact to a few
    centimetres per kilometre; a UTM zone edge (±3°) would be off by 0.06 % at
    31°N. (Degrees are not even isotropic: at 30°N one degree of longitude is
    96 km, of latitude 111 km.)

    Examples
    --------
    >>> c = metric_crs([120.3], [31.6])
    >>> c.is_projected, c.coordinate_operation.method_name
    (True, 'Transverse Mercator')
    """
    lon, lat = _floats(lon, lat)
    if not np.isfinite(lon).any():
        raise ValueError("metric_crs 需要至少一个有效坐标 / needs at least one finite coordinate")
    mean_lon = round(float(np.nanmean(lon)), 4)
    return pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={mean_lon} +k=1 +x_0=500000 +y_0=0 "
        "+ellps=WGS84 +units=m +no_defs"
    )


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres on the WGS84 ellipsoid (vectorised, broadcasting).

    Examples
    --------
    >>> print(f"{distance_m(120.0, 31.0, 120.0, 32.0):.0f}")
    110878
    """
    # np.array copies the broadcast views into the contiguous buffers pyproj needs
    arrays = [np.array(a) for a in np.broadcast_arrays(*_floats(lon1, lat1, lon2, lat2))]
    return np.asarray(_GEOD.inv(*arrays)[2], dtype=np.float64)
