"""`geoapp assign` on GeoParquet (points, cells, zones in; points out) and on missing files."""

from __future__ import annotations

import csv

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely import box

from geoapp.cli import main
from tests.support.files import write_csv, write_geojson

POINTS = [  # id, lon, lat: as in test_cli.test_assign_csv
    ("p1", 120.002, 31.008),   # A only
    ("p2", 120.01, 31.002),    # A|B edge → A; in Z1 and Z2
    ("p3", 120.019, 31.009),   # B
    ("p4", 120.03, 31.005),    # outside, nearest B
]
CELLS = [({"code": "A"}, box(120, 31, 120.01, 31.01)),
         ({"code": "B"}, box(120.01, 31, 120.02, 31.01))]
ZONES = [({"code": "Z1"}, box(120.005, 31, 120.015, 31.01)),
         ({"code": "Z2"}, box(120.0, 31, 120.012, 31.005))]
COLUMNS = ["point_id", "cell_code", "zone_codes", "outside", "nearest_cell_code",
           "distance_m", "lon", "lat"]


def _parquet(path, features):
    frame = gpd.GeoDataFrame([p for p, _ in features], geometry=[g for _, g in features],
                             crs=4326)
    frame.to_parquet(path)
    return path


def _run(*args):
    return CliRunner().invoke(main, ["assign", *map(str, args)])


@pytest.fixture
def parquet_inputs(tmp_path):
    points = _parquet(tmp_path / "points.parquet",
                      [({"id": i}, shapely.Point(x, y)) for i, x, y in POINTS])
    return (tmp_path, points, _parquet(tmp_path / "cells.parquet", CELLS),
            _parquet(tmp_path / "zones.parquet", ZONES))


def test_geoparquet_in_and_out_round_trips(parquet_inputs):
    tmp, points, cells, zones = parquet_inputs
    out = tmp / "out.parquet"
    result = _run("--cells", cells, "--points", points, "--zones", zones, "--out", out)
    assert result.exit_code == 0, result.output
    assert "4 points" in result.output and "1 outside" in result.output
    got = gpd.read_parquet(out)
    assert got.crs.to_epsg() == 4326
    assert list(got.columns) == [*COLUMNS, "geometry"]
    missing = got.isna()  # no cell: a null in the file (NaN once in pandas)
    got = got.astype(object).where(~missing, None)
    assert [(r.point_id, r.cell_code, r.zone_codes, bool(r.outside), r.nearest_cell_code)
            for r in got.itertuples()] == [
        ("p1", "A", "", False, None), ("p2", "A", "Z1;Z2", False, None),
        ("p3", "B", "", False, None), ("p4", None, "", True, "B")]
    assert got["distance_m"].iloc[3] == pytest.approx(954, abs=3)
    # the geometry is the point itself, the lon/lat columns its coordinates
    assert [(g.x, g.y) for g in got.geometry] == [(x, y) for _, x, y in POINTS]
    assert got["lon"].tolist() == [x for _, x, _ in POINTS]


def test_parquet_output_holds_what_the_csv_output_holds(parquet_inputs):
    """The same answers whichever way in (CSV + GeoJSON or GeoParquet) and out."""
    tmp, points, cells, zones = parquet_inputs
    csv_points = write_csv(tmp / "points.csv", ["id", "lon", "lat"], [list(p) for p in POINTS])
    geojson_cells = write_geojson(tmp / "cells.geojson", CELLS)
    geojson_zones = write_geojson(tmp / "zones.geojson", ZONES)
    assert _run("--cells", geojson_cells, "--points", csv_points, "--zones", geojson_zones,
                "--out", tmp / "out.csv").exit_code == 0
    assert _run("--cells", cells, "--points", points, "--zones", zones,
                "--out", tmp / "out.parquet").exit_code == 0
    with open(tmp / "out.csv", encoding="utf-8", newline="") as fh:
        text_rows = list(csv.reader(fh))
    assert text_rows[0] == COLUMNS  # a plain header line, as pandas wrote it
    from_csv = pd.read_csv(tmp / "out.csv", keep_default_na=False, dtype=str)
    from_parquet = pd.DataFrame(gpd.read_parquet(tmp / "out.parquet").drop(columns="geometry"))
    assert from_csv["point_id"].tolist() == from_parquet["point_id"].tolist()
    assert from_csv["cell_code"].tolist() == from_parquet["cell_code"].fillna("").tolist()
    assert from_csv["zone_codes"].tolist() == from_parquet["zone_codes"].tolist()
    assert from_csv["outside"].tolist() == [str(bool(v)) for v in from_parquet["outside"]]
    assert from_csv["distance_m"].astype(float).tolist() == from_parquet["distance_m"].tolist()
    assert from_csv["lat"].astype(float).tolist() == from_parquet["lat"].tolist()


def test_a_parquet_file_without_points_is_refused(parquet_inputs):
    tmp, _, cells, _ = parquet_inputs
    out = tmp / "out.csv"
    result = _run("--cells", cells, "--points", cells, "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert "点文件中应只有点（Point）" in result.output
    plain = tmp / "plain.parquet"
    pd.DataFrame({"id": ["p1"], "lon": [120.0], "lat": [31.0]}).to_parquet(plain)
    result = _run("--cells", cells, "--points", plain, "--out", out)
    assert result.exit_code == 1 and not out.exists() and "无法读取" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("missing", ["points.csv", "points.parquet", "cells.parquet",
                                     "cells.geojson", "zones.parquet"])
def test_a_missing_input_file_is_a_short_report(parquet_inputs, missing):
    tmp, points, cells, zones = parquet_inputs
    files = {"--points": points, "--cells": cells, "--zones": zones}
    option = "--" + missing.split(".")[0]
    files[option] = tmp / "absent" / missing
    out = tmp / "out.csv"
    result = _run(*[x for kv in files.items() for x in kv], "--out", out)
    assert result.exit_code == 1 and not out.exists()
    assert result.output.splitlines() == [
        f"{tmp / 'absent' / missing}: 1 处错误，未写出 {out}", "  文件不存在"]
