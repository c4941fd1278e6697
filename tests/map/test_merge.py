"""geoapp.map.vtiles.merge: the union behind a zoomed-out cells tile, for cells that form
a clean coverage and for ledgers whose cells do not (no 500 and no warm-up failure)."""

from __future__ import annotations

import shapely
from shapely import Polygon, box

from geoapp.map.vtiles import merge


def test_cells_sharing_edges_merge_into_one_shape():
    merged = merge([box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 2, 2)])
    assert merged.is_valid and merged.equals(box(0, 0, 2, 2))


def test_a_vertex_on_one_side_of_a_shared_edge_only():
    # GEOS' coverage union refuses these ("incorrectly noded")
    odd = Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])
    merged = merge([box(0, 0, 1, 1), odd])
    assert merged.is_valid and merged.equals(box(0, 0, 2, 1))


def test_overlapping_cells():
    # the coverage union returns an invalid shape for these
    merged = merge([box(0, 0, 1, 1), box(0.5, 0, 1.5, 1)])
    assert merged.is_valid and shapely.equals(merged, box(0, 0, 1.5, 1))
