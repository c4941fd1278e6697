"""The planner's admission check (严格准入, 源头管控): one pure function, :func:`check`.

A site (a point or a polygon, in WGS84, CGCS2000, GCJ-02 or BD-09) and a
GB/T 4754-2017 industry code are checked against

* the catalogue of every functional zone the site lies in (the overall verdict
  is the most restrictive: prohibited > restricted > allowed); a zone without
  a catalogue gives restricted, for manual review (人工审核);
* the ``outside`` catalogue when the site lies in no zone (with the nearest
  zone), or as a zone entry coded ``outside`` when part of a polygon does;
* the grid cells it lies in, with their four-colour level;
* the major hazard installations within the radius set per grade in the
  admission settings, with distances in metres.

A point lies in every zone and cell it touches (on a shared boundary, in
both). A polygon lies in one only where they share more than
``AREA_TOLERANCE_M2`` (1 m²) in the metric CRS; one that only shares an edge
is listed in ``adjacent_zones`` / ``adjacent_cells`` and gives no verdict.

Named steps, as in geoapp.domain.spatial: the request's fields
(geoapp.domain.site_input: crs, site, industry) → ``_check_extent`` →
``_zone_verdicts`` → ``_cells`` → ``_nearby_major_hazards``. Bad input raises
:class:`AdmissionInputError` naming the request field (site, crs, industry).

Metres are measured in a transverse Mercator CRS centred on the site
(geoapp.domain.crs.metric_crs): its scale error is (d/R)²/2, under 1e-5 within
20 km, so a 500 m distance is exact to millimetres; never in degrees.
GCJ-02 and BD-09 input is un-offset by geoapp.domain.crs (iterated inverses:
the round trips WGS84 → GCJ-02 → WGS84 and WGS84 → BD-09 → WGS84 are both
within 3e-14°, under 4e-9 m, measured on a 100×100 grid over China,
lon 73.5–134.7°, lat 18.2–53.5°).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from geoapp.domain import crs as crs_mod
from geoapp.domain import site_input
from geoapp.domain.catalogue import (
    OUTSIDE,
    VERDICT_LABELS,
    Admission,
    matches,
    most_restrictive,
)
from geoapp.domain.site_input import AdmissionInputError
from geoapp.domain.texts import N_

_DIGITS = 7  # output coordinates: 1e-7° is about 1 cm
# A polygon site is in a zone or cell only where they share more than this many m²
# (metric CRS): a shared edge has area 0 but `intersects`, and no project fits in 1 m².
AREA_TOLERANCE_M2 = 1.0
OUTSIDE_NAME = "功能区以外区域"


class NoTerritoryError(RuntimeError):
    """No cells or zones are loaded, so there is nothing to check a site against."""


@dataclass(frozen=True)
class Territory:
    """What a site is checked against, all WGS84 (EPSG:4326).

    ``cells``: code, name, risk_level; ``zones``: code, name, kind, risk_level;
    ``major_hazards``: id, name, grade (一级…四级 or None), risk_level; points.
    """

    cells: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    major_hazards: gpd.GeoDataFrame


def check(site, crs: str, industry: str, territory: Territory, admission: Admission) -> dict:
    """Check a site and an industry against zones, catalogues, cells and major hazards.

    Parameters
    ----------
    site : dict
        A GeoJSON geometry (Point, Polygon or MultiPolygon; a Feature is
        unwrapped), coordinates ``[lon, lat]`` in ``crs``.
    crs : str
        wgs84, cgcs2000, gcj02 or bd09 (case and hyphens ignored).
    industry : str
        A GB/T 4754-2017 code in the industry list, with or without its
        section letter: ``C2614``, ``2614``, ``26``.
    territory : Territory
    admission : Admission
        Catalogues, industry list and settings (geoapp.domain.catalogue).

    Returns
    -------
    dict with ``verdict`` (prohibited|restricted|allowed), ``zones`` [{code,
    name, kind, verdict, reasons, catalogue}] (plus ``area_m2`` on the
    ``outside`` entry), ``adjacent_zones`` [{code, name}], ``cells`` [{code,
    name, risk_level, geometry}], ``adjacent_cells`` [{code, name,
    risk_level}], ``nearby_major_hazards`` [{id, name, grade, distance_m,
    radius_m, …}], ``outside_zones`` (the site lies in no zone),
    ``nearest_zone``, ``reasons`` (every zone's, with its zone), and the
    echo: ``industry``, ``crs_used``, ``site`` (WGS84 GeoJSON), ``buffers``.

    Examples
    --------
    >>> from pathlib import Path
    >>> from shapely import Point, box
    >>> from geoapp.domain.catalogue import load_admission
    >>> from geoapp.resources import bundled
    >>> adm = load_admission(bundled("layers") / "admission")
    >>> frame = lambda cols, geoms: gpd.GeoDataFrame(cols, geometry=geoms, crs=4326)
    >>> t = Territory(
    ...     cells=frame({"code": ["C1"], "name": ["一网格"], "risk_level": ["blue"]},
    ...                 [box(120.0, 31.0, 120.02, 31.02)]),
    ...     zones=frame({"code": ["GNQ-02"], "name": ["化工园区"], "kind": ["化工园区"],
    ...                  "risk_level": ["red"]}, [box(120.0, 31.0, 120.01, 31.02)]),
    ...     major_hazards=frame({"id": [7], "name": ["罐区"], "grade": ["一级"],
    ...                          "risk_level": ["red"]}, [Point(120.005, 31.0)]))
    >>> out = check({"type": "Point", "coordinates": [120.005, 31.002]}, "wgs84", "C2614", t, adm)
    >>> out["verdict"], [z["verdict"] for z in out["zones"]], out["cells"][0]["code"]
    ('restricted', ['restricted'], 'C1')
    >>> [(h["id"], round(h["distance_m"])) for h in out["nearby_major_hazards"]]
    [(7, 222)]
    """
    cs = site_input.parse_crs(crs)
    margin = admission.settings.extent.margin_m
    try:
        geom = site_input.parse_site(site, cs)
    except AdmissionInputError as exc:
        _offer_swap(exc, site, cs, territory, margin)
        raise
    code, industry_name = site_input.parse_industry(industry, admission)
    try:
        _check_extent(geom, territory, margin)
    except AdmissionInputError as exc:
        _offer_swap(exc, site, cs, territory, margin)
        raise
    metric = crs_mod.metric_crs(*_centre(geom))
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    site_m = shapely.transform(geom, lambda xy: np.column_stack(to_metric.transform(*xy.T)))

    zones, adjacent, nearest, uncovered = _zone_verdicts(
        geom, site_m, code, territory.zones, admission, to_metric)
    outside = not zones  # the contract's meaning: the site lies in no zone at all
    if outside or uncovered > AREA_TOLERANCE_M2:
        # the part of the site beyond every zone answers to the outside catalogue too
        # (严格准入): a site reaching into a park must not escape it
        zones.append(_outside_entry(code, admission, None if outside else uncovered))
    verdict = most_restrictive(z["verdict"] for z in zones)
    reasons = [dict(r, zone=z["code"]) for z in zones for r in z["reasons"]]
    outside_entry = next((z for z in zones if z["code"] == OUTSIDE), None)
    if outside:  # the contract keeps `zones` empty then: outside_catalogue and reasons say it
        zones, reasons = [], [{k: v for k, v in r.items() if k != "zone"} for r in reasons]
    cells, adjacent_cells = _cells(geom, site_m, territory.cells, to_metric)
    radii = admission.settings.major_hazard_radius_m
    hazards = _nearby_major_hazards(site_m, territory.major_hazards, radii, to_metric)
    applied = {z["code"] for z in zones} | ({OUTSIDE} if outside_entry else set())
    return {
        "verdict": verdict,
        "verdict_label": VERDICT_LABELS[verdict],
        "zones": zones,
        "adjacent_zones": adjacent,
        "cells": cells,
        "adjacent_cells": adjacent_cells,
        "nearby_major_hazards": hazards,
        "outside_zones": outside,
        "nearest_zone": nearest,
        "reasons": reasons,
        "outside_catalogue": outside_entry["catalogue"] if outside_entry else None,
        "industry": {"code": code, "name": industry_name, "input": str(industry)},
        "crs_used": cs.code,
        "crs_label": cs.label,
        "site": _geojson(geom),
        "radius_m": dict(radii),
        "buffers": _buffers(site_m, radii, metric),
        "synthetic_catalogues": any(c.synthetic for c in admission.catalogues.values()
                                    if c.zone in applied),
    }


# ---------------------------------------------------------------- input


def _centre(geom) -> tuple[float, float]:
    c = geom.centroid if geom.geom_type != "Point" else geom
    return c.x, c.y


def _check_extent(geom, territory: Territory, margin_m: float) -> None:
    """Refuse a site farther than ``margin_m`` from the bounding box of cells and zones."""
    frames = [f for f in (territory.cells, territory.zones) if len(f)]
    if not frames:
        raise NoTerritoryError(NO_TERRITORY)
    bounds = np.array([f.total_bounds for f in frames])
    extent = shapely.box(bounds[:, 0].min(), bounds[:, 1].min(),
                         bounds[:, 2].max(), bounds[:, 3].max())
    if extent.intersects(geom):
        return
    metric = crs_mod.metric_crs(*_centre(extent))
    far = gpd.GeoSeries([extent, geom], crs=4326).to_crs(metric)
    distance = float(far.iloc[0].distance(far.iloc[1]))
    if distance > margin_m:
        raise AdmissionInputError(
            "site", "outside_extent",
            N_("场址距辖区范围 %(km)s 千米，超出允许的 %(limit)s 千米；"
               "请检查经纬度是否颠倒或坐标系是否选对"),
            {"km": f"{distance / 1000:.1f}", "limit": f"{margin_m / 1000:g}"})


def swap_lon_lat(site):
    """A GeoJSON geometry with every position's first two numbers exchanged.

    >>> swap_lon_lat({"type": "Point", "coordinates": [31.5, 120.3]})
    {'type': 'Point', 'coordinates': [120.3, 31.5]}
    """
    def swap(value):
        if isinstance(value, list) and len(value) >= 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return [value[1], value[0], *value[2:]]
        return [swap(v) for v in value] if isinstance(value, list) else value
    return {**site, "coordinates": swap(site.get("coordinates"))}


def _offer_swap(exc: AdmissionInputError, site, cs, territory: Territory,
                margin_m: float) -> None:
    """Raise ``swapped_coordinates`` instead of ``exc`` when the site, refused for lying
    outside the degrees or the territory, lies inside once 经度 and 纬度 are exchanged
    (a latitude typed in the longitude field): the answer carries the exchanged site
    as ``suggestion`` for the page to offer. Returns when the exchange does not help."""
    if exc.field != "site" or exc.error not in ("bad_geometry", "outside_extent"):
        return
    if isinstance(site, dict) and site.get("type") == "Feature":
        site = site.get("geometry")
    if not isinstance(site, dict) or site.get("type") not in site_input.SITE_TYPES:
        return
    swapped = swap_lon_lat(site)
    try:
        geom = site_input.parse_site(swapped, cs)
        _check_extent(geom, territory, margin_m)
    except (AdmissionInputError, NoTerritoryError):
        return
    lon, lat = shapely.get_coordinates(shapely.from_geojson(json.dumps(swapped)))[0]
    raise AdmissionInputError(
        "site", "swapped_coordinates",
        N_("经纬度似乎填反了：场址不在辖区范围内，交换经度和纬度后（经度 %(lon)s，纬度 %(lat)s）"
           "位于辖区内"),
        {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}"},
        suggestion={"site": swapped, "crs": cs.code}) from None


NO_TERRITORY = N_("尚未导入网格和功能区，无法核查")


# ---------------------------------------------------------------- zones, cells, hazards


def _catalogue_info(cat) -> dict | None:
    if cat is None:
        return None
    return {"title": cat.title, "source": cat.source, "synthetic": cat.synthetic,
            "file": cat.path.name}


def _to_metric(geoms, to_metric):
    return shapely.transform(np.asarray(geoms),
                             lambda xy: np.column_stack(to_metric.transform(*xy.T)))


def _overlapping(frame, geom, site_m, to_metric):
    """The rows of ``frame`` the site lies in, the rows it only borders, and the overlaps
    (metric CRS) of the first.

    A point is in every polygon it intersects (on a shared boundary: both). A
    polygon site is in a polygon only where they share more than
    AREA_TOLERANCE_M2 of area in the metric CRS: ``intersects`` counts a shared
    edge, and a site drawn against a park's fence is not in the park.
    """
    cand = frame[frame.geometry.intersects(geom)].sort_values("code")
    if geom.geom_type == "Point" or not len(cand):
        return cand, cand.iloc[:0], None
    parts = shapely.intersection(_to_metric(cand.geometry.values, to_metric), site_m)
    inside = shapely.area(parts) > AREA_TOLERANCE_M2
    return cand[inside], cand[~inside], parts[inside]


def _zone_verdicts(geom, site_m, code, zones, admission: Admission, to_metric):
    """Zones the site lies in with their verdicts, zones it only borders, the nearest
    zone when it lies in none, and the site's area in m² outside every zone (0 for a point).
    """
    if not len(zones):
        return [], [], None, 0.0 if geom.geom_type == "Point" else float(site_m.area)
    hit, borders, parts = _overlapping(zones, geom, site_m, to_metric)
    out = []
    for row in hit.itertuples():
        cat = admission.catalogues.get(row.code)
        if cat is None:
            reasons = [_manual_review(code, admission)]
        else:
            reasons = matches(cat, code, admission.industries)
        verdict = most_restrictive(r["list"] for r in reasons)
        out.append({
            "code": row.code, "name": row.name, "kind": row.kind, "risk_level": row.risk_level,
            "verdict": verdict, "verdict_label": VERDICT_LABELS[verdict],
            "reasons": reasons, "catalogue": _catalogue_info(cat),
        })
    adjacent = [{"code": r.code, "name": r.name} for r in borders.itertuples()]
    uncovered = 0.0 if geom.geom_type == "Point" else float(
        site_m.difference(shapely.union_all(parts)).area if len(hit) else site_m.area)
    nearest = None
    if not out:
        dist = shapely.distance(_to_metric(zones.geometry.values, to_metric), site_m)
        i = int(np.lexsort((zones["code"].to_numpy(dtype=str), np.round(dist, 6)))[0])
        nearest = {"code": zones["code"].iloc[i], "name": zones["name"].iloc[i],
                   "distance_m": round(float(dist[i]), 1)}
    return out, adjacent, nearest, uncovered


def _manual_review(code: str, admission: Admission) -> dict:
    """The reason a zone without a catalogue gives: nothing says the project may go
    there, so it is not 'allowed' (严格准入) but restricted pending manual review."""
    return {
        "list": "restricted", "code": code, "industry_name": admission.industries.name(code),
        "match": "no_catalogue", "clause": "",
        "text": "该功能区尚未配置安全生产禁止和限制类产业目录，无法自动判定，项目须人工审核。",
        "conditions": ["经功能区管理机构和应急管理部门人工审核同意"],
        "source": None, "catalogue": None,
    }


def _outside_entry(code: str, admission: Admission, area_m2: float | None) -> dict:
    """The outside catalogue's verdict, shaped as a zone (code OUTSIDE); ``area_m2`` is
    the part of the site outside every zone, None when the whole site is."""
    cat = admission.catalogues.get(OUTSIDE)
    reasons = matches(cat, code, admission.industries)
    verdict = most_restrictive(r["list"] for r in reasons)
    return {"code": OUTSIDE, "name": OUTSIDE_NAME, "kind": None, "risk_level": None,
            "verdict": verdict, "verdict_label": VERDICT_LABELS[verdict], "reasons": reasons,
            "catalogue": _catalogue_info(cat),
            "area_m2": None if area_m2 is None else round(area_m2, 1)}


def _cells(geom, site_m, cells, to_metric) -> tuple[list[dict], list[dict]]:
    """Cells the site lies in (as zones: area for polygons) and cells it only borders."""
    if not len(cells):
        return [], []
    hit, borders, _parts = _overlapping(cells, geom, site_m, to_metric)
    return ([{"code": r.code, "name": r.name, "risk_level": r.risk_level,
              "geometry": _geojson(r.geometry)} for r in hit.itertuples()],
            [{"code": r.code, "name": r.name, "risk_level": r.risk_level}
             for r in borders.itertuples()])


def _nearby_major_hazards(site_m, hazards, radii: dict, to_metric) -> list[dict]:
    """Installations within their grade's radius of the site, nearest first, metres."""
    if not len(hazards):
        return []
    xy = shapely.get_coordinates(np.asarray(hazards.geometry.values))
    mx, my = to_metric.transform(xy[:, 0], xy[:, 1])
    dist = shapely.distance(shapely.points(mx, my), site_m)
    # pandas may turn a missing grade into NaN: anything but a grade name is "not graded"
    grades = [g if isinstance(g, str) and g else None for g in hazards["grade"].tolist()]
    limit = np.array([radii.get(g, radii["default"]) if g else radii["default"] for g in grades])
    out = []
    for i in np.flatnonzero(dist <= limit):
        row = hazards.iloc[i]
        out.append({
            "id": int(row["id"]) if str(row["id"]).isdigit() else row["id"],
            "name": row["name"], "grade": grades[i],
            "risk_level": row["risk_level"] if isinstance(row.get("risk_level"), str) else None,
            "distance_m": round(float(dist[i]), 1), "radius_m": float(limit[i]),
            "lon": round(float(xy[i, 0]), _DIGITS), "lat": round(float(xy[i, 1]), _DIGITS),
        })
    out.sort(key=lambda h: (h["distance_m"], str(h["id"])))
    return out


def _buffers(site_m, radii: dict, metric) -> list[dict]:
    """The search area around the site for each distinct radius, as WGS84 GeoJSON."""
    back = pyproj.Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    by_radius: dict[float, list[str]] = {}
    for grade, r in radii.items():
        by_radius.setdefault(float(r), []).append(grade)
    out = []
    for r, grades in sorted(by_radius.items()):
        ring = shapely.transform(site_m.buffer(r, quad_segs=16),
                                 lambda xy: np.column_stack(back.transform(*xy.T)))
        out.append({"radius_m": r, "grades": grades, "geometry": _geojson(ring)})
    return out


def _geojson(geom) -> dict:
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 10 ** -_DIGITS)))
