"""A planner's request for the admission check, checked: coordinate system, site, industry.

Each bad field raises :class:`AdmissionInputError` naming it (site, crs,
industry) with one message, a Chinese text marked for translation with its
values apart (``text(translate)`` gives it in the page's language, so an
English page gets English only); a good site comes back as a valid shapely
geometry in WGS84.
"""

from __future__ import annotations

import json

import numpy as np
import shapely

from geoapp.domain import crs as crs_mod
from geoapp.domain.catalogue import Admission
from geoapp.domain.industry import normalise_industry
from geoapp.domain.texts import N_

CRS_CODES = ("wgs84", "cgcs2000", "gcj02", "bd09")
SITE_TYPES = ("Point", "Polygon", "MultiPolygon")
MAX_VERTICES = 10_000


class AdmissionInputError(ValueError):
    """A request field is unusable: ``field`` is site, crs or industry.

    ``message`` is the catalogue's Chinese text with ``%(name)s`` holes, filled
    from ``params``; ``extra`` goes into the answer as is (a suggested fix).
    """

    def __init__(self, field: str, error: str, message: str, params: dict | None = None,
                 **extra):
        self.field, self.error, self.message = field, error, message
        self.params, self.extra = dict(params or {}), extra
        super().__init__(self.text())

    def text(self, translate=lambda s: s) -> str:
        """The message in the UI language (``translate``: the web's gettext).

        >>> AdmissionInputError("crs", "unknown_crs", UNKNOWN_CRS,
        ...                     {"crs": "utm", "allowed": "wgs84"}).text()
        '未知坐标系 utm，应为 wgs84 之一'
        """
        return translate(self.message) % self.params



def parse_crs(crs) -> crs_mod.CoordinateSystem:
    name = str(crs or "").strip().lower().replace("-", "").replace("_", "")
    if name not in CRS_CODES:
        raise AdmissionInputError("crs", "unknown_crs", UNKNOWN_CRS,
                                  {"crs": str(crs)[:40], "allowed": ", ".join(CRS_CODES)})
    return crs_mod.parse_crs(name)


def parse_site(site, cs: crs_mod.CoordinateSystem):
    """A GeoJSON geometry → a valid shapely geometry in WGS84."""
    if isinstance(site, dict) and site.get("type") == "Feature":
        site = site.get("geometry")
    if not isinstance(site, dict) or site.get("type") not in SITE_TYPES:
        raise AdmissionInputError("site", "bad_geometry",
                                  N_("场址应为 GeoJSON 几何：Point、Polygon 或 MultiPolygon"))
    try:
        geom = shapely.from_geojson(json.dumps(site))
    except (shapely.errors.GEOSException, ValueError, TypeError):
        raise AdmissionInputError("site", "bad_geometry",
                                  N_("场址几何无法解析：坐标应为数字，多边形至少三个不同的顶点")
                                  ) from None
    xy = shapely.get_coordinates(geom)
    if geom.is_empty or len(xy) == 0:
        raise AdmissionInputError("site", "bad_geometry", N_("场址几何为空"))
    if len(xy) > MAX_VERTICES:
        raise AdmissionInputError("site", "bad_geometry", N_("场址顶点过多（最多 %(n)s 个）"),
                                  {"n": MAX_VERTICES})
    if not in_degrees(xy):
        raise AdmissionInputError("site", "bad_geometry",
                                  N_("坐标超出经纬度范围，应为 [经度, 纬度]"))
    if not shapely.is_valid(geom):
        raise AdmissionInputError("site", "bad_geometry",
                                  N_("场址多边形无效（%(reason)s），请检查边是否自相交"),
                                  {"reason": shapely.is_valid_reason(geom)})
    return crs_mod.geometries_to_wgs84([geom], cs)[0]


def in_degrees(xy) -> bool:
    """Are all coordinates finite longitudes (±180) and latitudes (±90)?"""
    return bool(np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all()
                and (np.abs(xy[:, 1]) <= 90).all())


def parse_industry(industry, admission: Admission) -> tuple[str, str]:
    try:
        code = normalise_industry(str(industry or ""))
    except ValueError:
        raise AdmissionInputError("industry", "unknown_industry", BAD_INDUSTRY,
                                  {"code": str(industry or "")[:40]}) from None
    name = admission.industries.name(code)
    if name is None:
        raise AdmissionInputError("industry", "unknown_industry", UNLISTED_INDUSTRY,
                                  {"code": code, "file": admission.industries.path.name})
    return code, name


UNKNOWN_CRS = N_("未知坐标系 %(crs)s，应为 %(allowed)s 之一")
BAD_INDUSTRY = N_("行业代码 %(code)s 无效：应为 GB/T 4754-2017 的 2–4 位数字代码，可加门类字母，"
                  "如 C2614（大类 01–97，门类须与大类相符）")
UNLISTED_INDUSTRY = N_("行业代码 %(code)s 不在行业目录 %(file)s 中；请按名称搜索选择，"
                       "如确属 GB/T 4754-2017 行业，请联系管理员将其加入行业目录")
