"""A location sketch for the printed admission sheet: SVG paths, no map tiles.

The printed sheet must stand on its own (and print offline), so instead of a
screenshot of the web map it carries a small vector sketch: the cells around
the site in their four colours, the zones, the search area, the site and the
major hazard installations numbered as in the sheet's table, with a scale bar.
Drawn in the same metric projection the check measured in (transverse
Mercator centred on the site), so the scale bar is true.
"""

from __future__ import annotations

import numpy as np
import pyproj
import shapely

from geoapp.domain import crs as crs_mod

WIDTH, HEIGHT = 600, 280  # the SVG's user units; the sheet scales it to the page width
_NICE = (20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


def _path(geom, to_svg) -> str:
    """SVG path data of a polygonal geometry (every ring, holes with evenodd)."""
    out = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = to_svg(np.asarray(ring.coords))
            out.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + "Z")
    return "".join(out)


def sketch(result: dict, territory, colours: dict[str, str]) -> dict:
    """Paths and marks for the sheet's SVG, from an admission result and its territory.

    Returns a dict with ``cells`` [{d, fill, touched}], ``zones`` [{d}], ``buffer``
    (d), ``site`` ({d} or {cx, cy}), ``hazards`` [{cx, cy, n}] numbered as
    ``result["nearby_major_hazards"]``, ``scale`` {x, y, width, label_m} and the size.
    """
    site = shapely.geometry.shape(result["site"])
    centre = site.centroid
    metric = crs_mod.metric_crs([centre.x], [centre.y])
    fwd = pyproj.Transformer.from_crs("EPSG:4326", metric, always_xy=True)

    def project(geom):
        return shapely.transform(geom, lambda xy: np.column_stack(fwd.transform(*xy.T)))

    buffers = [shapely.geometry.shape(b["geometry"]) for b in result["buffers"]]
    outer = project(buffers[-1]) if buffers else project(site).buffer(250)
    minx, miny, maxx, maxy = outer.bounds
    pad = 0.12 * max(maxx - minx, maxy - miny)
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    # widen the shorter side so the frame has the SVG's aspect ratio (one scale for x and y)
    w, h = maxx - minx, maxy - miny
    if w / h < WIDTH / HEIGHT:
        grow = (h * WIDTH / HEIGHT - w) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (w * HEIGHT / WIDTH - h) / 2
        miny, maxy = miny - grow, maxy + grow
    scale = WIDTH / (maxx - minx)
    frame = shapely.box(minx, miny, maxx, maxy)

    def to_svg(xy):
        return np.column_stack([(xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale])

    touched = {c["code"] for c in result["cells"]}
    cells, zones = [], []
    frame_ll = shapely.transform(frame, lambda xy: np.column_stack(
        fwd.transform(*xy.T, direction="INVERSE")))
    for row in territory.cells[territory.cells.intersects(frame_ll)].itertuples():
        d = _path(project(row.geometry).intersection(frame), to_svg)
        if d:
            cells.append({"d": d, "fill": colours.get(row.risk_level, "#ccc"),
                          "touched": row.code in touched})
    cells.sort(key=lambda c: c["touched"])  # touched cells drawn last, on top
    for row in territory.zones[territory.zones.intersects(frame_ll)].itertuples():
        d = _path(project(row.geometry).intersection(frame), to_svg)
        if d:
            zones.append({"d": d})
    site_m = project(site)
    if site.geom_type == "Point":
        (cx, cy), = to_svg(np.array([[site_m.x, site_m.y]]))
        site_mark = {"cx": round(cx, 1), "cy": round(cy, 1)}
    else:
        site_mark = {"d": _path(site_m, to_svg)}
    hazards = []
    for n, hz in enumerate(result["nearby_major_hazards"], 1):
        (cx, cy), = to_svg(np.column_stack(fwd.transform([hz["lon"]], [hz["lat"]])))
        hazards.append({"cx": round(cx, 1), "cy": round(cy, 1), "n": n})
    target = (maxx - minx) / 4
    label = max((v for v in _NICE if v <= target), default=_NICE[0])
    return {
        "width": WIDTH, "height": HEIGHT, "cells": cells, "zones": zones,
        "buffer": _path(outer, to_svg), "site": site_mark, "hazards": hazards,
        "scale": {"x": 12, "y": HEIGHT - 14, "width": round(label * scale, 1),
                  "label_m": label},
    }
