"""Edges of geoapp.domain.spatial that the hand-drawn grid of test_spatial.py does not reach.

Written for mutants that survived the rule tests (docs/quality.md, "After the
restructure"): more than one chunk of polygons, near-ties in the nearest-cell
distance, the search radius of outside points, the empty layer. Pure: no
database. Expected cells are written by hand; expected distances are WGS84
geodesic distances (pyproj.Geod, computed once when the test was written),
or plain metres in a projected CRS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely import Point, box

from geoapp.domain import spatial
from geoapp.domain.spatial import assign

UTM51 = 32651  # a metric CRS: distances are plain coordinate differences


def frame(codes, geoms, crs):
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=crs)


def points(xy, crs):
    return gpd.GeoSeries([Point(x, y) for x, y in xy], crs=crs)


def test_more_cells_than_one_chunk():
    # 600 cells of 10 m in a row: the polygons are queried in chunks of spatial._CHUNK
    # (512), so cells 512..599 are found through the second chunk
    assert spatial._CHUNK == 512  # the row below straddles exactly one chunk boundary
    cells = frame([f"C{i:03d}" for i in range(600)],
                  [box(10 * i, 0, 10 * i + 10, 10) for i in range(600)], UTM51)
    out = assign(points([(5, 5), (5115, 5), (5120, 5), (5125, 5), (5505, 5), (5995, 5)],
                        UTM51), cells)
    # 5120 is the edge shared by C511 (first chunk) and C512 (second): the lower code
    assert out["cell_code"].tolist() == ["C000", "C511", "C511", "C512", "C550", "C599"]
    assert not out["outside"].any()


def test_nearest_cell_thirty_centimetres_nearer_is_not_a_tie():
    # From P = (120, 31): A lies 0.0027° north (299.35 m), B 0.003131° east (299.02 m).
    # Equidistant cells go to the lower code, but "equal" means to the micrometre, not
    # to the metre: B is nearer and must win over A.
    cells = frame(["A", "B"], [box(119.99, 31.0027, 120.01, 31.01),
                               box(120.003131, 30.99, 120.01, 31.01)], 4326)
    out = assign(points([(120.0, 31.0)], 4326), cells)
    assert out["nearest_cell_code"].tolist() == ["B"]
    assert out["distance_m"].iloc[0] == pytest.approx(299.02, abs=0.01)


def test_nearest_cells_equal_to_the_micrometre_are_a_tie():
    # The metric CRS is centred on P's meridian, so A (west) and B (east) at the same
    # 0.003° offset are mirror images, 286.512783 m away; A's edge is moved 3e-12° farther
    # (0.3 µm). Equal after rounding to the micrometre: the lower code, A, wins.
    cells = frame(["A", "B"], [box(119.99, 30.99, 120 - 0.003 - 3e-12, 31.01),
                               box(120.003, 30.99, 120.01, 31.01)], 4326)
    out = assign(points([(120.0, 31.0)], 4326), cells)
    assert out["nearest_cell_code"].tolist() == ["A"]
    assert out["distance_m"].iloc[0] == pytest.approx(286.512783, abs=1e-6)


def test_a_point_hundreds_of_kilometres_from_the_grid():
    # 5° due south of cell A's south edge: the search radius must keep growing past 4°
    cells = frame(["A", "B"], [box(120, 31, 120.01, 31.01), box(120.01, 31, 120.02, 31.01)],
                  4326)
    out = assign(points([(120.005, 26.0)], 4326), cells)
    assert out["nearest_cell_code"].tolist() == ["A"]
    assert out["distance_m"].iloc[0] == pytest.approx(554_140, abs=2)  # geodesic: 554 139.75


def test_a_cell_farther_in_degrees_but_nearer_in_metres_is_found():
    # At 31°N a degree of longitude is 95.5 km, of latitude 110.9 km. From P = (120, 31):
    # A lies 0.03195° north (3542.3 m), B 0.03704° east (3537.5 m). B is nearer in metres
    # though farther in degrees, and only just inside the degree radius searched
    # (found radius 0.032° / cos φ, widened by 1 %): without the 1 % it would be missed.
    cells = frame(["A", "B"], [box(119.99, 31.03195, 120.01, 31.05),
                               box(120.03704, 30.99, 120.05, 31.01)], 4326)
    out = assign(points([(120.0, 31.0)], 4326), cells)
    assert out["nearest_cell_code"].tolist() == ["B"]
    assert out["distance_m"].iloc[0] == pytest.approx(3537.5, abs=0.5)


def test_at_high_latitude_the_search_allows_for_the_latitude_of_the_far_cell():
    # At 60°N from P = (10, 60): A is 0.51° north (56 822 m), B 1.01° east (56 356 m,
    # nearer). The first degree radius that reaches a cell is 0.512°; B lies within
    # 0.512° / cos(60° + 2·0.512°) · 1.01 = 1.067°, but not within the same radius taken
    # at 60° - 2·0.512° (1.003°): the latitude margin must go poleward.
    cells = frame(["A", "B"], [box(9.8, 60.51, 10.2, 60.8), box(11.01, 59.5, 11.5, 60.5)], 4326)
    out = assign(points([(10.0, 60.0)], 4326), cells)
    assert out["nearest_cell_code"].tolist() == ["B"]
    assert out["distance_m"].iloc[0] == pytest.approx(56_356, rel=1e-4)


def test_no_points_and_no_cells():
    cells = frame([], [], UTM51)
    out = assign(gpd.GeoSeries([], crs=UTM51), cells)
    assert out.columns.tolist() == spatial.COLUMNS
    assert len(out) == 0


def test_points_and_no_cells():
    # no cell at all: every point is outside, with no nearest cell and no distance
    cells = frame([], [], UTM51)
    out = assign(points([(0, 5)], UTM51), cells)
    assert out["outside"].tolist() == [True]
    assert out["cell_code"].tolist() == [None]
    assert out["nearest_cell_code"].tolist() == [None]
    assert np.isnan(out["distance_m"].tolist()[0])


# ---- zones -----------------------------------------------------------------------------

SQUARE = [box(0, 0, 10, 10), box(10, 0, 20, 10)]  # cells P (west) and Q (east), metres


def test_a_single_zone_covering_a_single_point():
    zones = frame(["Z"], [box(0, 0, 5, 10)], UTM51)
    out = assign(points([(2, 5)], UTM51), frame(["P", "Q"], SQUARE, UTM51), zones)
    assert out["zone_codes"].tolist() == [("Z",)]


def test_zone_codes_of_points_after_the_first():
    # the second and third points are each in two zones, the first in one, the last in none
    zones = frame(["Z3", "Z1", "Z2"], [box(12, 0, 20, 10), box(0, 0, 15, 10), box(8, 0, 20, 10)],
                  UTM51)
    out = assign(points([(2, 5), (9, 5), (18, 5), (25, 5)], UTM51),
                 frame(["P", "Q"], SQUARE, UTM51), zones)
    assert out["zone_codes"].tolist() == [("Z1",), ("Z1", "Z2"), ("Z2", "Z3"), ()]


def test_an_empty_zone_layer_gives_no_zones():
    out = assign(points([(2, 5)], UTM51), frame(["P", "Q"], SQUARE, UTM51), frame([], [], UTM51))
    assert out["zone_codes"].tolist() == [()]
    assert out["cell_code"].tolist() == ["P"]


# ---- refusals, with the exact message ---------------------------------------------------


def refusal(pts, cells, zones=None) -> str:
    with pytest.raises(ValueError) as caught:
        assign(pts, cells, zones)
    return str(caught.value)


def test_zones_are_checked_like_cells():
    cells = frame(["P", "Q"], SQUARE, UTM51)
    pt = points([(2, 5)], UTM51)
    zones = frame(["Z"], [box(0, 0, 5, 10)], UTM51)
    assert refusal(pt, cells, zones.to_crs(32650)) == (
        "points are in EPSG:32651 but zones in EPSG:32650; reproject one of them first")
    assert refusal(pt, cells, zones.set_crs(None, allow_override=True)) == \
        "points and zones must both have a CRS"
    assert refusal(pt, cells, zones.rename(columns={"code": "name"})) == \
        "zones need a 'code' column"
    assert refusal(pt, cells, frame(["Z", "Z"], [box(0, 0, 5, 5), box(5, 5, 9, 9)], UTM51)) == \
        "zones codes must be present and unique"
    assert refusal(pt, cells, frame(["Z"], [Point(1, 1)], UTM51)) == "zones must be polygons"


def test_cells_refusals():
    pt = points([(2, 5)], UTM51)
    assert refusal(pt, frame(["P", "Q"], SQUARE, 4326)) == (
        "points are in EPSG:32651 but cells in EPSG:4326; reproject one of them first")
    assert refusal(gpd.GeoSeries([Point(2, 5)]), frame(["P", "Q"], SQUARE, UTM51)) == \
        "points and cells must both have a CRS"
    assert refusal(pt, frame(["P", "Q"], SQUARE, UTM51).rename(columns={"code": "id"})) == \
        "cells need a 'code' column"
    assert refusal(pt, frame(["P", None], SQUARE, UTM51)) == \
        "cells codes must be present and unique"
    assert refusal(pt, frame(["P", "L"], [SQUARE[0], SQUARE[1].exterior], UTM51)) == \
        "cells must be polygons"


def test_points_must_be_points():
    cells = frame(["P", "Q"], SQUARE, UTM51)
    assert refusal(gpd.GeoSeries([Point(2, 5), box(0, 0, 1, 1)], crs=UTM51), cells) == \
        "points must all be non-empty Point geometries"


def test_an_empty_point_is_refused():
    cells = frame(["P", "Q"], SQUARE, UTM51)
    assert refusal(gpd.GeoSeries([Point(2, 5), Point()], crs=UTM51), cells) == \
        "points must all be non-empty Point geometries"
