"""Export → import is a round trip, on both backends (GET /api/export/<layer>.<format>).

The demo, with the awkward cases added (a text that looks like a formula, an
extension that moved a deadline, a listing, a hazard from a public report),
is downloaded through the web as an administrator and fed to the real
importer (geoapp.store.importer): into the same database it changes nothing;
into a fresh one it gives the same rows. An edit made in the workbook changes
that row alone.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import shapely
import sqlalchemy as sa

from geoapp.domain.layers import load_rules
from geoapp.resources import bundled
from geoapp.store import importer
from geoapp.store.demo import load_demo
from geoapp.store.models import Cell, Hazard, Listing, Point, PublicReport, Village, Zone
from tests.support.apps import AuthActions, make_app
from tests.support.checks import snapshot
from tests.support.constants import TODAY
from tests.support.databases import _fresh
from tests.support.demo_files import demo_counts

# every point layer of the bundled layers/ (a new layer file is exported as the others)
POINT_LAYERS = tuple(load_rules(bundled("layers")).layers)

# an import counts itself (data_version) and raises the hazard code counters, and every
# download is itself recorded (audit_log): bookkeeping, not the data
_BOOKKEEPING = {"data_version", "hazard_code_counter", "audit_log"}
PHONE = "13912345678"  # a public reporter's (synthetic): never in a download


def _stored(database) -> dict:
    return {k: v for k, v in snapshot(database).items() if k not in _BOOKKEEPING}


@pytest.fixture
def demo(database, rules):
    """The demo with the cases a round trip could trip on, and an admin's client."""
    load_demo(database, rules, echo=lambda _m: None, today=TODAY)
    with database.transaction() as s:
        point = s.scalars(sa.select(Point).where(Point.layer == "enterprise")
                          .order_by(Point.key)).first()
        point.attrs = {**point.attrs, "contact": "=HYPERLINK(\"x\")", "address": "+86 路口"}
        hazards = s.scalars(sa.select(Hazard).order_by(Hazard.code)).all()
        extended = next(h for h in hazards if h.state != "closed")
        extended.original_deadline = extended.deadline
        extended.deadline = extended.deadline + dt.timedelta(days=20)  # an extension granted
        listed = next(h for h in hazards if h.state != "closed" and not h.listed)
        listed.listed = True
        s.add(Listing(hazard=listed, level="county", unit="县应急管理局（虚构）",
                      listed_on=listed.found_on, deadline=listed.deadline, listed_by="admin"))
        public = hazards[-1]
        public.source = "public_report"
        now = dt.datetime(2030, 6, 1, 8, tzinfo=dt.UTC)
        s.add(PublicReport(code="JB-TEST-1", created_at=now, updated_at=now,
                           lon=point.geom.x, lat=point.geom.y, cell_code=point.cell_code,
                           outside=False, category="other",
                           description="群众举报（虚构）", phone=PHONE, state="verified",
                           hazard_id=public.id, point_id=point.id))
    client = make_app(database).test_client()
    AuthActions(client).login("admin")
    return client


def _download(client, tmp_path, name: str, **query) -> object:
    response = client.get(f"/api/export/{name}", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert PHONE.encode() not in response.data
    path = tmp_path / name
    path.write_bytes(response.data)
    return path


def test_every_ledger_imports_back_into_the_same_database_unchanged(demo, database, rules,
                                                                    tmp_path):
    before = _stored(database)
    for layer in POINT_LAYERS:
        path = _download(demo, tmp_path, f"{layer}.xlsx")
        summary = importer.import_points(database, rules, path, layer)
        assert (summary.created, summary.updated) == (0, 0), (layer, str(summary))
        assert summary.unchanged > 0
    summary = importer.import_hazards(database, rules, _download(demo, tmp_path, "hazards.xlsx"))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, demo_counts()["hazards"])
    assert _stored(database) == before  # not one event, not one value


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp.zip"])
def test_cells_and_zones_import_back_unchanged_from_every_gis_format(demo, database, rules,
                                                                     tmp_path, fmt):
    before = _stored(database)
    counts = demo_counts()  # the demo's files: the whole county
    for encoding in ("utf-8", "gbk") if fmt == "shp.zip" else ("utf-8",):
        query = {"encoding": encoding} if fmt == "shp.zip" else {}
        cells = importer.import_cells(database, rules,
                                      _download(demo, tmp_path, f"cells.{fmt}", **query))
        assert (cells.created, cells.updated, cells.unchanged) == (0, 0, counts["cells"]), \
            str(cells)
        zones = importer.import_zones(database, rules,
                                      _download(demo, tmp_path, f"zones.{fmt}", **query))
        assert (zones.created, zones.updated, zones.unchanged) == (0, 0, counts["zones"]), \
            str(zones)
    assert _stored(database) == before


def _rows(database) -> dict:
    """What the data are, without ids: cells, zones, points, hazards as comparable tuples."""
    with database.sessions() as s:
        cells = {c.code: (c.name, v, vc, c.members, c.supervising_unit, c.supervisor,
                          c.risk_level, shapely.to_wkb(c.geom))
                 for c, v, vc in s.execute(sa.select(Cell, Village.name, Village.code)
                                           .join(Village, Cell.village_id == Village.id))}
        zones = {z.code: (z.name, z.kind, z.park_score, z.risk_level, shapely.to_wkb(z.geom))
                 for z in s.scalars(sa.select(Zone))}
        points = {(p.layer, p.key): (p.name, p.attrs, p.geom.x, p.geom.y, p.cell_code,
                                     p.zone_codes, p.outside, p.nearest_cell_code,
                                     p.inherent_level, p.risk_level)
                  for p in s.scalars(sa.select(Point))}
        hazards = {h.code: (h.point.layer, h.point.key, h.level, h.source, h.description,
                            h.found_on, h.deadline, h.responsible_unit, h.responsible_person,
                            h.listed, h.state, h.closed_on)
                   for h in s.scalars(sa.select(Hazard))}
    return {"cells": cells, "zones": zones, "points": points, "hazards": hazards}


def test_a_fresh_database_loaded_from_the_downloads_holds_the_same_rows(demo, database, rules,
                                                                        tmp_path):
    files = {"cells": _download(demo, tmp_path, "cells.gpkg"),
             "zones": _download(demo, tmp_path, "zones.shp.zip"),
             **{layer: _download(demo, tmp_path, f"{layer}.xlsx") for layer in POINT_LAYERS},
             "hazards": _download(demo, tmp_path, "hazards.xlsx")}
    expected = _rows(database)
    demo.application.extensions["geoapp.db"].dispose()
    other = _fresh(database.url)  # the same backend, emptied: a fresh database
    try:
        importer.import_cells(other, rules, files["cells"])
        importer.import_zones(other, rules, files["zones"])
        for layer in POINT_LAYERS:
            importer.import_points(other, rules, files[layer], layer)
        importer.import_hazards(other, rules, files["hazards"])
        got = _rows(other)
    finally:
        other.dispose()
    for kind in ("cells", "zones", "points", "hazards"):
        assert got[kind] == expected[kind], kind
    counts = demo_counts()  # the demo's files: the whole county
    assert len(got["points"]) == counts["points"] and len(got["hazards"]) == counts["hazards"]


def test_an_edit_in_the_workbook_changes_that_row_alone(demo, database, rules, tmp_path):
    path = _download(demo, tmp_path, "hazards.xlsx", state="open,rectifying")
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = header.index("责任人") + 1
    code = sheet.cell(row=2, column=header.index("隐患编号") + 1).value
    sheet.cell(row=2, column=column).value = "王五（虚构）"
    book.save(path)
    summary = importer.import_hazards(database, rules, path)
    assert (summary.created, summary.updated) == (0, 1)
    with database.sessions() as s:
        hazard = s.scalar(sa.select(Hazard).where(Hazard.code == code))
        assert hazard.responsible_person == "王五（虚构）"
        assert hazard.events[-1].action == "edit"
        assert set(hazard.events[-1].changes) == {"responsible_person"}


def test_the_workbook_has_the_importers_headers_and_keeps_formula_text_as_text(demo, rules,
                                                                               tmp_path):
    for layer in (*POINT_LAYERS, "hazards", "cells", "zones"):
        path = _download(demo, tmp_path, f"{layer}.xlsx")
        spec = {"hazards": rules.tables["hazard"], "cells": rules.tables["cell"],
                "zones": rules.tables["zone"]}.get(layer) or rules.layers[layer]
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
        header = [c.value for c in book.worksheets[0][1]]
        coordinates = ["经度", "纬度"] if layer in POINT_LAYERS else []
        # the zones' last column is the grade in force, which no import reads
        graded = ["安全风险等级"] if layer == "zones" else []
        assert header == [f.label for f in spec.fields] + coordinates + graded, layer
        assert book.sheetnames[1] == "说明"
    book = openpyxl.load_workbook(tmp_path / "enterprise.xlsx")
    values = [c.value for row in book.worksheets[0].iter_rows(min_row=2) for c in row]
    assert '=HYPERLINK("x")' in values  # stored as text, not as a formula
    assert not any(c.data_type == "f" for row in book.worksheets[0].iter_rows() for c in row)
