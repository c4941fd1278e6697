"""Input files as users hand them in: GeoJSON, CSV (any encoding) and Excel."""

from __future__ import annotations

import json
import os

import pytest


@pytest.fixture(autouse=True)
def xlsx_crosscheck(monkeypatch):
    """With GEOAPP_XLSX_CROSSCHECK=1, every XLSX a test has read (in this process) is
    also read through openpyxl and must give the same header and cells: the suite's
    workbooks as a corpus for tests/store/test_xlsx_engines.py (a book only calamine
    can read passes)."""
    if os.environ.get("GEOAPP_XLSX_CROSSCHECK") != "1":
        yield
        return
    import pandas as pd

    from geoapp.ingest import xlsx
    from geoapp.ingest.problems import ImportRejected

    calamine, openpyxl = xlsx.read_cells, xlsx.read_openpyxl

    def both(path):
        new = calamine(path)  # a bad file raises here, as it would without the check
        try:
            old = openpyxl(path)
        except ImportRejected:  # calamine reads some books openpyxl could not (chart sheets)
            return new
        assert (new is None) == (old is None), path
        if new is not None:
            assert new[0] == old[0], path
            pd.testing.assert_frame_equal(new[1], old[1], check_column_type=False)
        both.count += 1
        return new

    both.count = 0
    monkeypatch.setattr(xlsx, "read_cells", both)
    yield
    if both.count:
        print(f"xlsx cross-checked: {both.count}")


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
