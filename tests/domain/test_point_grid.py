"""The grid's candidate pairs are exactly those of an STRtree query by envelope."""

from __future__ import annotations

import numpy as np
import shapely
from shapely import box

from geoapp.domain import point_grid


def grid_pairs(xy, polygons, parts=3):
    runs = point_grid.envelope_runs(xy, shapely.bounds(polygons))
    if runs is None:
        return None
    found = [runs.pairs(part) for part in runs.parts(parts)]
    points = np.concatenate([f[0] for f in found])
    cells = np.concatenate([f[1] for f in found])
    assert np.array_equal(np.concatenate([f[2] for f in found]), xy[points, 0])
    assert np.array_equal(np.concatenate([f[3] for f in found]), xy[points, 1])
    return set(zip(points.tolist(), cells.tolist(), strict=True))


def tree_pairs(xy, polygons):
    cells, points = shapely.STRtree(shapely.points(xy)).query(polygons)
    return set(zip(points.tolist(), cells.tolist(), strict=True))


def test_uneven_cells_and_points_on_their_envelopes_edges():
    rng = np.random.default_rng(11)
    # cells from a few metres to a few kilometres across, overlapping, some far apart
    corner = rng.uniform([120, 31], [120.5, 31.5], (400, 2))
    size = rng.choice([1e-5, 1e-3, 0.01, 0.05], 400)[:, None] * rng.uniform(0.5, 2, (400, 2))
    polygons = shapely.buffer(box(*corner.T, *(corner + size).T), 0)  # boxes, as polygons
    bounds = shapely.bounds(polygons)
    xy = np.concatenate([
        rng.uniform([119.9, 30.9], [120.7, 31.7], (5000, 2)),  # some outside every envelope
        bounds[:50, :2], bounds[50:100, 2:],  # on corners and edges, exactly
        np.c_[bounds[100:150, 0], rng.uniform(bounds[100:150, 1], bounds[100:150, 3])],
        np.full((3, 2), np.nan),  # no envelope holds NaN
    ])
    got = grid_pairs(xy, polygons)
    assert got is not None and got == tree_pairs(xy, polygons)
    assert len(got) > 3000


def test_the_grid_gives_way_to_the_tree_when_it_would_not_pay():
    # a thousand tiny cells set the bucket size; one cell spans a million bucket rows
    tiny = box(np.arange(1000) * 1e-4, 0, np.arange(1000) * 1e-4 + 1e-5, 1e-5)
    polygons = np.append(tiny, box(0, 0, 10, 10))
    xy = np.random.default_rng(2).uniform(0, 10, (100, 2))
    assert point_grid.envelope_runs(xy, shapely.bounds(polygons)) is None
    # points all in one bucket that many envelopes span: pairs past the budget
    many = box(np.zeros(50), np.zeros(50), np.ones(50), np.ones(50))
    assert point_grid.envelope_runs(np.full((100, 2), 0.5), shapely.bounds(many)) is None
    # no points, or polygons without area (bounds of zero size): the tree
    assert point_grid.envelope_runs(np.empty((0, 2)), shapely.bounds(many)) is None
    flat = shapely.bounds(np.array([box(1, 1, 1, 1), box(2, 2, 2, 2)]))
    assert point_grid.envelope_runs(xy, flat) is None
