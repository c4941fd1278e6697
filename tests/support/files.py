"""Input files as users hand them in: GeoJSON, CSV (any encoding) and Excel."""

from __future__ import annotations

import json


def write_geojson(path, features: list[tuple[dict, object]], crs_name: str | None = None):
    """features: (properties, shapely geometry) pairs."""
    import shapely

    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None}
        for props, geom in features]}
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(path, header: list[str], rows: list[list], encoding="utf-8"):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, header: list[str], rows: list[list]):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
