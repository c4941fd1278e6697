"""The GIS downloads read back with pyogrio (GDAL): CRS, features, attributes, encoding.

On the demo, both backends. Every layer in every GIS format is WGS84 with as
many features as the ledger has rows and the stored levels; a Shapefile has
a .cpg, field names of at most 10 bytes (the documented choice), its 字段对照.csv,
and with ``encoding=gbk`` a GBK table that reads back to the same text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter

import pyogrio
import pyproj
import pytest
import sqlalchemy as sa

from geoapp.domain.layers import load_rules
from geoapp.resources import bundled
from geoapp.store.models import Cell, Hazard, Point, Town, Zone

# every point layer of the bundled layers/ (a new layer file is exported as the others)
POINT_LAYERS = tuple(load_rules(bundled("layers")).layers)

GIS = ("gpkg", "geojson", "shp.zip")


@pytest.fixture
def admin_client(demo_client, demo_auth):
    demo_auth.login("admin")
    return demo_client


def _read(tmp_path, client, name: str, **query):
    response = client.get(f"/api/export/{name}", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    path = tmp_path / name
    path.write_bytes(response.data)
    return pyogrio.read_dataframe(path), path, response


def _stored(demo_database) -> dict:
    with demo_database.sessions() as s:
        return {
            "cells": dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all()),
            "zones": dict(s.execute(sa.select(Zone.code, Zone.risk_level)).all()),
            # names repeat within a layer: (name, level) pairs counted
            **{layer: Counter(tuple(r) for r in s.execute(sa.select(Point.name, Point.risk_level)
                                        .where(Point.layer == layer)))
               for layer in POINT_LAYERS},
            "hazards": dict(s.execute(sa.select(Hazard.code, Hazard.state)).all()),
        }


@pytest.mark.parametrize("fmt", GIS)
def test_every_layer_reads_back_in_wgs84_with_its_levels(admin_client, demo_database, tmp_path,
                                                         fmt, rules):
    stored = _stored(demo_database)
    key = {"cells": "网格编码", "zones": "功能区编码", "hazards": "隐患编号"}
    for layer, expected in stored.items():
        frame, _path, response = _read(tmp_path, admin_client, f"{layer}.{fmt}")
        assert frame.crs.equals(pyproj.CRS.from_epsg(4326)), (layer, fmt)
        rows = sum(expected.values()) if layer in POINT_LAYERS else len(expected)
        assert len(frame) == rows == int(response.headers["X-Export-Rows"]), (layer, fmt)
        if fmt == "shp.zip":
            continue  # its names are checked below
        if layer == "hazards":
            labels = {v: k for k, v in {"open": "待整改", "rectifying": "整改中",
                                        "awaiting_acceptance": "待验收",
                                        "closed": "已销号"}.items()}
            got = {c: labels[s] for c, s in zip(frame["隐患编号"], frame["整改状态"], strict=True)}
            assert got == expected
            assert set(frame.geometry.geom_type) == {"Point"}
            continue
        name = key.get(layer) or next(f.label for f in rules.layers[layer].fields
                                      if f.name == "name")
        pairs = zip(frame[name], frame["risk_level"], strict=True)
        got = Counter(pairs) if layer in POINT_LAYERS else dict(pairs)
        assert got == expected, (layer, fmt)
        geom = {"cells": "MultiPolygon", "zones": "MultiPolygon"}.get(layer, "Point")
        assert set(frame.geometry.geom_type) == {geom}


def test_the_figures_are_those_of_the_api(admin_client, tmp_path):
    frame, _path, _r = _read(tmp_path, admin_client, "cells.gpkg")
    api = {f["id"]: f["properties"] for f in admin_client.get("/api/cells").json["features"]}
    for row in frame.to_dict("records"):
        props = api[row["网格编码"]]
        assert row["hazards_open"] == props["hazards"]["open"]
        assert row["hazards_overdue"] == props["hazards"]["overdue"]
        assert row["hazards_major_open"] == props["hazards"]["major_open"]
        assert row["points_enterprise"] == props["counts"]["enterprise"]
        assert row["risk_label"] in ("重大风险", "较大风险", "一般风险", "低风险")
    assert frame["hazards_total"].sum() > 0
    major, _p, _r = _read(tmp_path, admin_client, "major_hazard.geojson")
    assert {"R值", "等级", "s_value", "alpha", "hazards_open", "cell_code"} <= set(major.columns)


def _dbf_names(raw: bytes, encoding: str) -> list[str]:
    """The field names in a .dbf header (32-byte descriptors after the 32-byte header)."""
    names, at = [], 32
    while raw[at] != 0x0D:
        names.append(raw[at:at + 11].split(b"\0")[0].decode(encoding))
        at += 32
    return names


@pytest.mark.parametrize(("encoding", "cpg", "python"), [
    (None, "UTF-8", "utf-8"), ("gbk", "936", "gbk")])
def test_the_shapefile_has_a_cpg_short_names_and_their_table(admin_client, demo_database,
                                                             tmp_path, encoding, cpg, python):
    query = {"encoding": encoding} if encoding else {}
    frame, path, _r = _read(tmp_path, admin_client, "cells.shp.zip", **query)
    with zipfile.ZipFile(path) as zf:
        assert zf.read("cells.cpg").decode() == cpg
        raw = zf.read("cells.dbf")
        table = list(csv.reader(io.StringIO(zf.read("字段对照.csv").decode("utf-8-sig"))))
    names = _dbf_names(raw, python)
    assert all(len(n.encode(python)) <= 10 for n in names)
    assert table[0] == ["字段", "完整名称", "含义"]
    assert [row[0] for row in table[1:]] == names  # every field, in order, documented
    mapping = {row[1]: row[0] for row in table[1:]}
    if encoding == "gbk":
        assert mapping["网格编码"] == "网格编码" and mapping["村社区代码"] == "村社区代码"
        assert "示范镇（虚构）".encode("gbk") in raw and "示范镇".encode() not in raw
    else:
        assert mapping["网格编码"] == "code" and mapping["村社区代码"] == "CSQDM"
        assert "示范镇（虚构）".encode() in raw
    assert mapping["hazards_overdue"] == "hz_overdue"
    assert mapping["points_enterprise"] == "n_enterpri"
    town = mapping["镇街道"]
    with demo_database.sessions() as s:  # the demo's towns (a county: more than one)
        towns = set(s.scalars(sa.select(Town.name)))
    assert "示范镇（虚构）" in towns and len(towns) > 1
    assert set(frame[town]) == towns  # GDAL reads the .cpg: the text comes back


def test_point_layers_in_a_gbk_shapefile_keep_their_chinese_text(admin_client, tmp_path):
    frame, path, _r = _read(tmp_path, admin_client, "enterprise.shp.zip", encoding="gbk")
    gpkg, _p, _r = _read(tmp_path, admin_client, "enterprise.gpkg")
    with zipfile.ZipFile(path) as zf:
        table = {row[1]: row[0] for row in csv.reader(
            io.StringIO(zf.read("字段对照.csv").decode("utf-8-sig")))}
    assert sorted(frame[table["企业名称"]]) == sorted(gpkg["企业名称"])
    assert sorted(frame[table["地址"]].fillna("")) == sorted(gpkg["地址"].fillna(""))
