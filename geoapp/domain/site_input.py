"""A planner's request for the admission check, checked: coordinate system, site, industry.

Each bad field raises :class:`AdmissionInputError` naming it (site, crs,
industry) with a message in Chinese and English; a good site comes back as a
valid shapely geometry in WGS84.
"""

from __future__ import annotations

import json

import numpy as np
import shapely

from geoapp.domain import crs as crs_mod
from geoapp.domain.catalogue import Admission
from geoapp.domain.industry import normalise_industry

CRS_CODES = ("wgs84", "cgcs2000", "gcj02", "bd09")
SITE_TYPES = ("Point", "Polygon", "MultiPolygon")
MAX_VERTICES = 10_000


class AdmissionInputError(ValueError):
    """A request field is unusable: ``field`` is site, crs or industry."""

    def __init__(self, field: str, error: str, message: str):
        super().__init__(message)
        self.field, self.error, self.message = field, error, message



def parse_crs(crs) -> crs_mod.CoordinateSystem:
    name = str(crs or "").strip().lower().replace("-", "").replace("_", "")
    if name not in CRS_CODES:
        raise AdmissionInputError(
            "crs", "unknown_crs",
            f"未知坐标系 {crs!r}，应为 {', '.join(CRS_CODES)} 之一 / "
            f"unknown crs {crs!r}: use one of {', '.join(CRS_CODES)}")
    return crs_mod.parse_crs(name)


def parse_site(site, cs: crs_mod.CoordinateSystem):
    """A GeoJSON geometry → a valid shapely geometry in WGS84."""
    if isinstance(site, dict) and site.get("type") == "Feature":
        site = site.get("geometry")
    if not isinstance(site, dict) or site.get("type") not in SITE_TYPES:
        raise AdmissionInputError(
            "site", "bad_geometry",
            "场址应为 GeoJSON 几何：Point、Polygon 或 MultiPolygon / "
            "site must be a GeoJSON Point, Polygon or MultiPolygon geometry")
    try:
        geom = shapely.from_geojson(json.dumps(site))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise AdmissionInputError("site", "bad_geometry",
                                  f"场址几何无法解析 / site geometry is malformed: {exc}") from None
    xy = shapely.get_coordinates(geom)
    if geom.is_empty or len(xy) == 0:
        raise AdmissionInputError("site", "bad_geometry", "场址几何为空 / site geometry is empty")
    if len(xy) > MAX_VERTICES:
        raise AdmissionInputError("site", "bad_geometry",
                                  f"场址顶点过多（最多 {MAX_VERTICES}） / too many vertices")
    if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or \
            (np.abs(xy[:, 1]) > 90).any():
        raise AdmissionInputError(
            "site", "bad_geometry",
            "坐标超出经纬度范围，应为 [经度, 纬度] / coordinates must be [lon, lat] in degrees")
    if not shapely.is_valid(geom):
        raise AdmissionInputError(
            "site", "bad_geometry",
            f"场址多边形无效（{shapely.is_valid_reason(geom)}），请检查边是否自相交 / "
            f"invalid polygon: {shapely.is_valid_reason(geom)}")
    return crs_mod.geometries_to_wgs84([geom], cs)[0]


def parse_industry(industry, admission: Admission) -> tuple[str, str]:
    try:
        code = normalise_industry(str(industry or ""))
    except ValueError as exc:
        raise AdmissionInputError("industry", "unknown_industry", str(exc)) from None
    name = admission.industries.name(code)
    if name is None:
        raise AdmissionInputError(
            "industry", "unknown_industry",
            f"行业代码 {code} 不在行业目录 {admission.industries.path.name} 中；"
            "请按名称搜索选择，如确属 GB/T 4754-2017 行业，请联系管理员将其加入行业目录 / "
            f"industry code {code} is not in the industry list "
            f"({admission.industries.path.name}); an administrator can add it")
    return code, name
