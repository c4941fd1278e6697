"""`geoapp assign --engine dask`: the same answers as in-process, on a real dask cluster.

A hand-made grid where the shared-edge rule and the nearest-cell rule decide
many points, cut into Hilbert partitions whose borders run through cells and
along their edges; both engines compared row by row, then as files.
"""

from __future__ import annotations

import dask
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from distributed import Client, LocalCluster
from shapely import box

from geoapp.cli import main
from geoapp.domain.spatial import assign
from geoapp.ingest import dask_engine
from tests.support.files import write_csv, write_geojson

STEP = 0.01  # cell size in degrees; the grid is 3 × 3 cells from (120, 31)
# codes in no spatial order, so "the lowest code takes a shared edge" is not "the first cell"
CODES = ["G5", "G1", "G8", "G3", "G9", "G2", "G7", "G4", "G6"]
PARTITIONS = 7


def _cells() -> gpd.GeoDataFrame:
    geoms = [box(120 + i * STEP, 31 + j * STEP, 120 + (i + 1) * STEP, 31 + (j + 1) * STEP)
             for j in range(3) for i in range(3)]
    return gpd.GeoDataFrame({"code": CODES}, geometry=geoms, crs=4326)


def _zones() -> gpd.GeoDataFrame:
    # overlapping, with edges on lattice lines: points on their edges are in both
    return gpd.GeoDataFrame({"code": ["Z2", "Z1"]},
                            geometry=[box(120, 31, 120.015, 31.02), box(120.01, 31.005, 120.03,
                                                                        31.03)], crs=4326)


def _points() -> tuple[np.ndarray, np.ndarray]:
    # a lattice a quarter cell apart, by the cells' own arithmetic so that every cell edge
    # and vertex carries points exactly
    ticks = 120 + (np.arange(13) / 4) * STEP, 31 + (np.arange(13) / 4) * STEP
    lon, lat = (a.ravel() for a in np.meshgrid(*ticks))
    outside = [
        (120 + 2 * STEP, 30.99),  # below the edge G1|G8, as far from both: the lower code, G1
        (120.0, 30.995),          # below the grid's corner: nearest G5
        (120.045, 31.015),        # east of the grid: nearest G2
        (119.97, 31.035),         # far north-west: nearest G7 (its corner)
        (120 + STEP, 31.04),      # above the vertex G7|G4, as far from both: G4
        (120 + 2 * STEP, 30.99),  # the same place twice
    ]
    return (np.r_[lon, [x for x, _ in outside]], np.r_[lat, [y for _, y in outside]])


@pytest.fixture(scope="module")
def cluster():
    # two single-threaded workers in this process, over TCP so the CLI can reach them
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                      host="127.0.0.1", dashboard_address=":0") as local, \
            Client(local, set_as_default=False) as client:
        yield local, client


def test_both_engines_agree_on_every_point_of_the_border_case(cluster):
    _, client = cluster
    lon, lat = _points()
    cells, zones = _cells(), _zones()
    inprocess = assign(gpd.GeoSeries(shapely.points(lon, lat), crs=4326), cells, zones)
    distributed = dask_engine.assign(client, lon, lat, cells, zones, PARTITIONS)
    pd.testing.assert_frame_equal(distributed, inprocess, check_exact=True)

    # the case is what it says: partition borders cut through cells and shared edges
    parts = client.gather(dask_engine._hilbert_partitions(client, lon, lat, PARTITIONS))
    part_of = np.empty(len(lon), int)
    for number, part in enumerate(parts):
        part_of[part["pos"].to_numpy()] = number
    covering = gpd.GeoSeries(shapely.points(lon, lat)).sindex.query(
        cells.geometry, predicate="covers")
    on_edges = np.flatnonzero(np.bincount(covering[1], minlength=len(lon)) > 1)
    assert len({*part_of[on_edges]}) > 2
    spans = pd.Series(part_of[covering[1]]).groupby(covering[0]).nunique()
    assert (spans > 1).sum() >= 3  # at least three cells lie across a partition border
    # and the rules decided: a vertex of four cells → the lowest of their codes; ties outside
    def at(x, y, column):
        return inprocess.loc[(lon == x) & (lat == y), column].tolist()

    assert at(120 + STEP, 31 + STEP, "cell_code") == ["G1"]  # G5|G1|G3|G9
    assert at(120 + 2 * STEP, 31 + 2 * STEP, "cell_code") == ["G2"]  # G9|G2|G4|G6
    assert at(120 + 2 * STEP, 30.99, "nearest_cell_code") == ["G1", "G1"]
    assert at(120 + STEP, 31.04, "nearest_cell_code") == ["G4"]
    assert at(119.97, 31.035, "nearest_cell_code") == ["G7"]
    assert inprocess["outside"].sum() == 6


def test_points_on_one_parallel_or_a_single_point(cluster):
    """A flat extent (zero height) is still cut along the curve."""
    _, client = cluster
    cells = _cells()
    for lon, lat in ((120 + np.arange(9) * STEP / 2, np.full(9, 31 + STEP)),
                     (np.array([120.03]), np.array([31.0]))):
        inprocess = assign(gpd.GeoSeries(shapely.points(lon, lat), crs=4326), cells)
        pd.testing.assert_frame_equal(dask_engine.assign(client, lon, lat, cells, None, 3),
                                      inprocess, check_exact=True)


def test_the_cli_on_a_scheduler_writes_the_in_process_file(cluster, tmp_path):
    local, _ = cluster
    lon, lat = _points()
    points = write_csv(tmp_path / "points.csv", ["id", "lon", "lat"],
                       [[f"P{i:03d}", x, y] for i, (x, y) in enumerate(zip(lon, lat, strict=True))])
    cells = write_geojson(tmp_path / "cells.geojson",
                          [({"code": c}, g) for c, g in zip(CODES, _cells().geometry, strict=True)])
    zones = write_geojson(tmp_path / "zones.geojson",
                          [({"code": c}, g) for c, g in zip(*_zones().to_numpy().T, strict=True)])
    common = ["assign", "--cells", cells, "--points", points, "--zones", zones]
    one = CliRunner().invoke(main, [*map(str, common), "--out", str(tmp_path / "one.csv")])
    assert one.exit_code == 0, one.output
    many = CliRunner().invoke(main, [*map(str, common), "--out", str(tmp_path / "many.csv"),
                                     "--engine", "dask", "--scheduler",
                                     local.scheduler_address, "--partitions", "5"])
    assert many.exit_code == 0, many.output
    assert many.output.replace("many.csv", "one.csv") == one.output  # the same summary
    assert (tmp_path / "many.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert len((tmp_path / "one.csv").read_text().splitlines()) == len(lon) + 1


@pytest.mark.parametrize("args, words", [
    (["--engine", "spark"], "--engine spark"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "only go with --engine dask"),
    (["--engine", "dask", "--partitions", "0"], "--partitions 0"),
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the dask scheduler"),
    (["--engine", "dask", "--scheduler", "nonsense://here"], "cannot reach the dask scheduler"),
])
def test_a_wrong_engine_or_scheduler_is_one_line(tmp_path, args, words):
    points = write_csv(tmp_path / "points.csv", ["id", "lon", "lat"], [["P1", 120.005, 31.005]])
    cells = write_geojson(tmp_path / "cells.geojson", [({"code": "A"}, box(120, 31, 120.01,
                                                                            31.01))])
    out = tmp_path / "out.csv"
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points",
                                           str(points), "--out", str(out), *args])
    assert result.exit_code == 1, result.output
    assert words in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output and not out.exists()
