"""A site as a printed sheet writes it: 东经/北纬 in degrees, minutes, seconds and decimals
(WGS84, EPSG:4326), a polygon's vertices (or, when there are many, its centroid) and its
area in square metres.

Seconds to 0.01″ (about 0.3 m) and decimals to 6 places (about 0.1 m): finer than
a site is drawn, coarse enough to read aloud.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from geoapp.domain import crs as crs_mod

MAX_VERTEX_ROWS = 24  # more vertices than this: the sheet gives centroid and area only


def dms(value: float) -> str:
    """Degrees, minutes and seconds of ``abs(value)`` (the sign is the hemisphere's word).

    >>> dms(117.2095833), dms(-0.5), dms(31.99999999)
    ('117°12′34.50″', '0°30′00.00″', '32°00′00.00″')
    """
    hundredths = round(abs(value) * 360000)  # carry whole: 59.999″ prints as the next minute
    degrees, rest = divmod(hundredths, 360000)
    minutes, hundredths = divmod(rest, 6000)
    return f"{degrees}°{minutes:02d}′{hundredths // 100:02d}.{hundredths % 100:02d}″"


def position(lon: float, lat: float) -> dict:
    """One position for the sheet: decimals (6 places), DMS, and each hemisphere's sign.

    >>> p = position(120.3405, 31.5805)
    >>> p["lon"], p["lat"], p["lon_dms"], p["lat_dms"], p["east"], p["north"]
    ('120.340500', '31.580500', '120°20′25.80″', '31°34′49.80″', True, True)
    """
    return {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}", "lon_dms": dms(lon), "lat_dms": dms(lat),
            "east": lon >= 0, "north": lat >= 0}


def summary(geom) -> dict:
    """What the sheet shows of a WGS84 site (shapely): ``kind`` point or polygon,
    ``centre`` (the point; a polygon's centroid), and for a polygon ``area_m2``,
    ``vertex_count`` and ``vertices`` (each ring's corners without the closing one,
    with its part and number) when there are at most MAX_VERTEX_ROWS, else [].

    >>> s = summary(shapely.box(120.0, 31.0, 120.001, 31.001))
    >>> s["kind"], s["vertex_count"], len(s["vertices"]), round(s["area_m2"])
    ('polygon', 4, 4, 10588)
    >>> summary(shapely.Point(120.3405, 31.5805))["centre"]["lon_dms"]
    '120°20′25.80″'
    """
    if geom.geom_type == "Point":
        return {"kind": "point", "centre": position(geom.x, geom.y)}
    rows = []
    for part_no, poly in enumerate(shapely.get_parts(geom), start=1):
        for ring_no, ring in enumerate((poly.exterior, *poly.interiors)):
            for i, (x, y) in enumerate(np.asarray(ring.coords)[:-1], start=1):
                rows.append({"part": part_no, "hole": ring_no > 0, "n": i, **position(x, y)})
    centre = geom.centroid
    metric = crs_mod.metric_crs([centre.x], [centre.y])
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    area = shapely.transform(geom, lambda xy: np.column_stack(to_metric.transform(*xy.T))).area
    return {"kind": "polygon", "centre": position(centre.x, centre.y), "area_m2": float(area),
            "vertex_count": len(rows), "parts": int(shapely.get_num_geometries(geom)),
            "vertices": rows if len(rows) <= MAX_VERTEX_ROWS else []}
