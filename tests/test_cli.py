"""The `geoapp` command on real files: assign, import, layers check."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import write_csv, write_geojson
from shapely import box

from geoapp import crs as crs_mod
from geoapp.cli import main


@pytest.fixture
def files(tmp_path):
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"code": "A"}, box(120, 31, 120.01, 31.01)),
        ({"code": "B"}, box(120.01, 31, 120.02, 31.01)),
    ])
    zones = write_geojson(tmp_path / "zones.geojson", [
        ({"code": "Z1"}, box(120.005, 31, 120.015, 31.01)),
        ({"code": "Z2"}, box(120.0, 31, 120.012, 31.005)),
    ])
    return tmp_path, cells, zones


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_assign_csv(files):
    tmp, cells, zones = files
    points = write_csv(tmp / "pts.csv", ["id", "lon", "lat"], [
        ["p1", 120.002, 31.008],   # A only
        ["p2", 120.01, 31.002],    # A|B edge → A; in Z1 and Z2
        ["p3", 120.019, 31.009],   # B
        ["p4", 120.03, 31.005],    # outside, nearest B
    ])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--zones", str(zones), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert list(rows[0])[:6] == ["point_id", "cell_code", "zone_codes", "outside",
                                 "nearest_cell_code", "distance_m"]
    got = [(r["point_id"], r["cell_code"], r["zone_codes"], r["outside"], r["nearest_cell_code"])
           for r in rows]
    assert got == [("p1", "A", "", "False", ""), ("p2", "A", "Z1;Z2", "False", ""),
                   ("p3", "B", "", "False", ""), ("p4", "", "", "True", "B")]
    assert float(rows[3]["distance_m"]) == pytest.approx(954, abs=3)
    assert "1 outside" in result.output


def test_assign_gcj02_points(files):
    tmp, cells, _ = files
    lon, lat = crs_mod.wgs84_to_gcj02(np.array([120.009]), np.array([31.005]))
    points = write_csv(tmp / "gcj.csv", ["编号", "经度", "纬度"],
                       [["G1", float(lon[0]), float(lat[0])]])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out), "--points-crs", "gcj02"])
    assert result.exit_code == 0, result.output
    row = read_rows(out)[0]
    # read as WGS84 it would be several hundred metres east, in B
    assert row["cell_code"] == "A"
    assert float(row["lon"]) == pytest.approx(120.009, abs=1e-6)


def test_assign_geojson_points(files):
    tmp, cells, _ = files
    points = write_geojson(tmp / "pts.geojson", [({"id": "q1"}, shapely.Point(120.015, 31.005))])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_rows(out)[0]["cell_code"] == "B"


def test_assign_bad_points_exit_nonzero_with_row(files):
    tmp, cells, _ = files
    points = write_csv(tmp / "bad.csv", ["id", "lon", "lat"],
                       [["p1", 120.002, 31.008], ["p2", "abc", 31.0]])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out)])
    assert result.exit_code != 0
    assert "第 3 行" in result.output and "lon" in result.output
    assert not out.exists()


def test_import_cli_rejects_and_accepts(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"网格编码": "A", "网格名称": "一网格", "村社区": "东湖村", "镇街道": "示范镇"},
         box(120, 31, 120.01, 31.01))])
    runner = CliRunner()
    ok = runner.invoke(main, ["import", "cells", str(cells)])
    assert ok.exit_code == 0, ok.output
    assert "新增 1" in ok.output
    bad = write_csv(tmp_path / "idle.csv", ["编号", "名称", "类别", "经度", "纬度"],
                    [["X1", "闲置（虚构）", "不存在的类别", 120.005, 31.005]])
    result = runner.invoke(main, ["import", "points", "--layer", "idle_site", str(bad)])
    assert result.exit_code == 1
    assert "第 2 行，列“类别”" in result.output and "未导入任何数据" in result.output


def test_layers_check():
    result = CliRunner().invoke(main, ["layers", "check"])
    assert result.exit_code == 0, result.output
    assert "enterprise: 企业" in result.output and "area rule: max" in result.output
