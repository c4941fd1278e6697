"""Spatial assignment on hand-drawn geometry with hand-written expectations.

The cells (degrees, near 120°E 31°N; d = 0.01°):

      31.02 +-------+-------+
            |   C   |   D   |      C has a hole H (a 0.004° square in its middle);
      31.01 +-------+-------+      H is the second part of A (an enclave, 飞地).
            |   A   |   B   |
      31.00 +-------+-------+
          120.00  120.01  120.02
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import Point, box

from geoapp.domain import spatial
from geoapp.domain.spatial import CRSMismatchError, PointIndex, assign

D = 0.01
HOLE = box(120.003, 31.013, 120.007, 31.017)
A = shapely.MultiPolygon([box(120, 31, 120 + D, 31 + D), HOLE])
B = box(120 + D, 31, 120 + 2 * D, 31 + D)
C = box(120, 31 + D, 120 + D, 31 + 2 * D).difference(HOLE)
D_ = box(120 + D, 31 + D, 120 + 2 * D, 31 + 2 * D)


@pytest.fixture
def cells():
    # file order deliberately not code order: the tie rule must not depend on it
    return gpd.GeoDataFrame({"code": ["D", "C", "B", "A"]}, geometry=[D_, C, B, A], crs=4326)


def run(cells, *xy, zones=None):
    pts = gpd.GeoSeries([Point(x, y) for x, y in xy], crs=4326)
    return assign(pts, cells, zones)


def test_inside_each_cell(cells):
    out = run(cells, (120.002, 31.002), (120.015, 31.005), (120.001, 31.019), (120.015, 31.015))
    assert out["cell_code"].tolist() == ["A", "B", "C", "D"]
    assert not out["outside"].any()
    assert (out["distance_m"] == 0).all()
    assert out["nearest_cell_code"].isna().all()


def test_shared_edge_goes_to_lowest_code(cells):
    # on the A|B edge, the B|D edge, and the C|D edge
    out = run(cells, (120.01, 31.005), (120.015, 31.01), (120.01, 31.015))
    assert out["cell_code"].tolist() == ["A", "B", "C"]


def test_shared_vertex_of_four_cells(cells):
    out = run(cells, (120.01, 31.01))
    assert out["cell_code"].tolist() == ["A"]


def test_outer_boundary_counts_as_inside(cells):
    # west edge of A and north edge of D: covered, not outside
    out = run(cells, (120.0, 31.005), (120.015, 31.02))
    assert out["cell_code"].tolist() == ["A", "D"]
    assert not out["outside"].any()


def test_hole_belongs_to_the_enclave_not_the_holed_cell(cells):
    # centre of the hole: in A's second part, not in C
    out = run(cells, (120.005, 31.015), (120.0015, 31.015))
    assert out["cell_code"].tolist() == ["A", "C"]


def test_edge_of_hole_is_shared_by_enclave_and_holed_cell(cells):
    # west edge of the hole: both A (enclave) and C (hole rim) cover it → A
    out = run(cells, (120.003, 31.015))
    assert out["cell_code"].tolist() == ["A"]


def test_outside_point_is_kept_with_nearest_cell_and_metres(cells):
    geod = Geod(ellps="WGS84")
    # 0.005° east of B's east edge at 31.005°N; and 0.003° south of A's south edge
    out = run(cells, (120.025, 31.005), (120.005, 30.997))
    assert out["outside"].tolist() == [True, True]
    assert out["cell_code"].isna().all()
    assert out["nearest_cell_code"].tolist() == ["B", "A"]
    expected_east = geod.inv(120.02, 31.005, 120.025, 31.005)[2]  # ≈ 477 m
    expected_south = geod.inv(120.005, 31.0, 120.005, 30.997)[2]  # ≈ 333 m
    assert out["distance_m"].iloc[0] == pytest.approx(expected_east, rel=1e-3)
    assert out["distance_m"].iloc[1] == pytest.approx(expected_south, rel=1e-3)
    assert 470 < expected_east < 480 and 330 < expected_south < 336  # sanity of the fixture


def test_outside_point_equidistant_from_two_cells_takes_lowest_code(cells):
    # due south of the A|B edge: as near to A as to B
    out = run(cells, (120.01, 30.995))
    assert out["nearest_cell_code"].tolist() == ["A"]


def test_zones_overlap_and_all_codes_are_listed(cells):
    zones = gpd.GeoDataFrame(
        {"code": ["Z2", "Z1"]},
        geometry=[box(120.012, 31.0, 120.02, 31.02), box(120.0, 31.0, 120.015, 31.01)],
        crs=4326,
    )
    out = run(cells, (120.013, 31.005), (120.002, 31.002), (120.018, 31.018), (120.005, 31.015),
              zones=zones)
    assert out["zone_codes"].tolist() == [("Z1", "Z2"), ("Z1",), ("Z2",), ()]


def test_index_is_kept(cells):
    pts = gpd.GeoSeries([Point(120.002, 31.002), Point(120.015, 31.015)], index=[17, 4], crs=4326)
    out = assign(pts, cells)
    assert out.index.tolist() == [17, 4]
    assert out.loc[4, "cell_code"] == "D"


def test_crs_mismatch_raises(cells):
    pts = gpd.GeoSeries([Point(120.002, 31.002)], crs=4490)
    with pytest.raises(CRSMismatchError, match="reproject"):
        assign(pts, cells)


def test_missing_crs_raises(cells):
    pts = gpd.GeoSeries([Point(120.002, 31.002)])
    with pytest.raises(CRSMismatchError, match="must both have a CRS"):
        assign(pts, cells)


def test_projected_input_gives_metres_directly(cells):
    metric = cells.to_crs(32651)
    pts = gpd.GeoSeries([Point(120.025, 31.005)], crs=4326).to_crs(32651)
    out = assign(pts, metric)
    assert out["nearest_cell_code"].tolist() == ["B"]
    assert out["distance_m"].iloc[0] == pytest.approx(477, abs=3)


def test_duplicate_cell_codes_rejected(cells):
    cells.loc[0, "code"] = "A"
    with pytest.raises(ValueError, match="unique"):
        run(cells, (120.002, 31.002))


def test_many_points_match_pointwise_covers(cells):
    # a random cloud checked against a direct covers() test, point by point
    rng = np.random.default_rng(3)
    xy = np.c_[rng.uniform(119.995, 120.025, 3000), rng.uniform(30.995, 31.025, 3000)]
    out = run(cells, *map(tuple, xy))
    by_code = dict(zip(cells["code"], cells.geometry, strict=True))
    for (x, y), got in zip(xy, out["cell_code"], strict=True):
        covering = sorted(c for c, g in by_code.items() if g.covers(Point(x, y)))
        assert got == (covering[0] if covering else None)


def test_a_point_index_built_beforehand_gives_the_same_answers(cells):
    rng = np.random.default_rng(5)
    n = 12_000  # over 5,000 outside: their nearest cells are found on two threads
    x, y = rng.uniform(119.98, 120.04, n), rng.uniform(30.98, 31.04, n)
    pts = gpd.GeoSeries(shapely.points(x, y), crs=4326)
    zones = gpd.GeoDataFrame({"code": ["Z"]}, geometry=[box(120.005, 31.005, 120.015, 31.015)],
                             crs=4326)
    out = assign(pts, cells, zones)
    assert out.equals(assign(PointIndex(pts), cells, zones))
    # as geoapp assign does: from the ledger's coordinates, no Point made but outside
    assert out.equals(assign(PointIndex.from_xy(x, y, 4326), cells, zones))
    outside = out["outside"].to_numpy()
    assert outside.sum() > spatial._SPLIT_NEAREST
    # the nearest cell of each outside point is the one it gets when searched alone
    metric = spatial.metric_for(pts[outside])
    for i in np.flatnonzero(outside)[::401]:
        code, dist = spatial.nearest_cells(pts.iloc[[i]], cells, metric)
        assert (out["nearest_cell_code"].iloc[i], out["distance_m"].iloc[i]) == (code[0], dist[0])
    # the cells were tested prepared, but the caller's geometries are left as they came
    assert not shapely.is_prepared(np.asarray(cells.geometry.values)).any()


def test_the_points_tree_gives_the_grids_answers(cells, monkeypatch):
    # the tree serves where the grid would not pay (geoapp.domain.point_grid)
    rng = np.random.default_rng(8)
    pts = gpd.GeoSeries(shapely.points(rng.uniform([119.995, 30.995], [120.025, 31.025],
                                                   (3000, 2))), crs=4326)
    zones = gpd.GeoDataFrame({"code": ["Z", "Y"]}, crs=4326,
                             geometry=[box(120.005, 31.005, 120.015, 31.015), C])
    by_grid = assign(pts, cells, zones)
    monkeypatch.setattr(spatial.point_grid, "envelope_runs", lambda xy, bounds: None)
    assert assign(pts, cells, zones).equals(by_grid)
    assert by_grid["zone_codes"].map(len).max() == 2  # overlapping zones
