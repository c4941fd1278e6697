"""Property-based tests (hypothesis) of the invariants users rely on.

Examples are drawn deterministically (the hypothesis profile in tests/conftest.py: derandomize,
a bounded number of examples), so a CI run is reproducible and fast; set
HYPOTHESIS_PROFILE=explore for a longer random search.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import assume, given
from hypothesis import strategies as st

from geoapp.domain import crs, spatial, workflow
from geoapp.store import hazards
from geoapp.store.models import Hazard

# ---------------------------------------------------------------- spatial join
# A territory of rectangular cells on a grid (columns × rows of 0.01°), cells sharing
# their edges; some grid positions left empty (a gap in the territory). Points are
# drawn on and around the grid, many exactly on grid lines (shared edges and corners).

STEP = 0.01
X0, Y0 = 120.0, 31.0


@st.composite
def territories(draw):
    cols = draw(st.integers(1, 4))
    rows = draw(st.integers(1, 3))
    slots = [(i, j) for i in range(cols) for j in range(rows)]
    kept = draw(st.lists(st.sampled_from(slots), min_size=1, max_size=len(slots), unique=True))
    codes = draw(st.lists(st.text("ABCXYZ019", min_size=1, max_size=3), min_size=len(kept),
                          max_size=len(kept), unique=True))
    cells = {code: shapely.box(X0 + i * STEP, Y0 + j * STEP, X0 + (i + 1) * STEP,
                               Y0 + (j + 1) * STEP)
             for code, (i, j) in zip(codes, kept, strict=True)}
    # coordinates in grid steps: integers are grid lines, halves are cell interiors
    coord = st.one_of(st.integers(-2, 2 * cols + 2).map(lambda k: k / 2),
                      st.floats(-1, cols + 1, allow_nan=False))
    ys = st.one_of(st.integers(-2, 2 * rows + 2).map(lambda k: k / 2),
                   st.floats(-1, rows + 1, allow_nan=False))
    points = draw(st.lists(st.tuples(coord, ys), min_size=1, max_size=12))
    return cells, [shapely.Point(X0 + x * STEP, Y0 + y * STEP) for x, y in points]


def _assign(cells: dict, points: list, cell_order=None, point_order=None):
    codes = list(cell_order or cells)
    frame = gpd.GeoDataFrame({"code": codes}, geometry=[cells[c] for c in codes], crs=4326)
    index = list(point_order or range(len(points)))
    series = gpd.GeoSeries([points[i] for i in index], index=index, crs=4326)
    return spatial.assign(series, frame).sort_index()


@given(territories())
def test_every_point_gets_exactly_one_cell_or_is_outside_with_a_nearest(territory):
    cells, points = territory
    out = _assign(cells, points)
    assert len(out) == len(points)
    for i, p in enumerate(points):
        rec = out.loc[i]
        covering = sorted(c for c, g in cells.items() if g.covers(p))
        if covering:
            # inside: the one cell whose code sorts first among those covering it
            assert (rec.cell_code, bool(rec.outside)) == (covering[0], False)
            assert rec.nearest_cell_code is None and rec.distance_m == 0
        else:
            assert rec.cell_code is None and bool(rec.outside)
            assert rec.nearest_cell_code in cells
            assert rec.distance_m >= 0 and np.isfinite(rec.distance_m)
            # the nearest cell really is a nearest one (by degrees, up to the metric
            # projection's distortion over a few hundred metres)
            nearest = min(g.distance(p) for g in cells.values())
            assert cells[rec.nearest_cell_code].distance(p) <= nearest + 1e-4


@given(territories(), st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_row_or_cell_order(territory, random):
    cells, points = territory
    cell_order = list(cells)
    random.shuffle(cell_order)
    point_order = list(range(len(points)))
    random.shuffle(point_order)
    a = _assign(cells, points)
    b = _assign(cells, points, cell_order, point_order)
    assert a["cell_code"].tolist() == b["cell_code"].tolist()
    assert a["nearest_cell_code"].tolist() == b["nearest_cell_code"].tolist()
    assert a["outside"].tolist() == b["outside"].tolist()
    np.testing.assert_allclose(a["distance_m"], b["distance_m"], rtol=0, atol=1e-6)


@given(st.text("ABCXYZ019", min_size=1, max_size=3), st.text("ABCXYZ019", min_size=1,
       max_size=3), st.floats(0, 1), st.booleans())
def test_a_point_on_a_shared_edge_goes_to_the_same_cell_whichever_is_listed_first(
        left, right, t, vertical):
    assume(left != right)
    if vertical:  # left | right, the shared edge x = 120.01
        cells = {left: shapely.box(120, 31, 120.01, 31.01),
                 right: shapely.box(120.01, 31, 120.02, 31.01)}
        point = shapely.Point(120.01, 31 + 0.01 * t)
    else:  # left below right, the shared edge y = 31.01
        cells = {left: shapely.box(120, 31, 120.01, 31.01),
                 right: shapely.box(120, 31.01, 120.01, 31.02)}
        point = shapely.Point(120 + 0.01 * t, 31.01)
    first = _assign(cells, [point], [left, right]).loc[0, "cell_code"]
    second = _assign(cells, [point], [right, left]).loc[0, "cell_code"]
    assert first == second == min(left, right)


# ---------------------------------------------------------------- GCJ-02 / BD-09
# Over China's extent (the box every reference implementation uses) the iterated
# inverses bring a point back within 1e-9° (about 0.1 mm) — the docstrings in
# geoapp.domain.crs measure ~1e-13°; 1e-9° leaves room for platforms' libm.

TOLERANCE = 1e-9
LON = st.floats(73.5, 135.0, allow_nan=False)
LAT = st.floats(3.9, 53.5, allow_nan=False)


@given(LON, LAT)
def test_gcj02_round_trip(lon, lat):
    g = crs.wgs84_to_gcj02(lon, lat)
    w = crs.gcj02_to_wgs84(*g)
    assert abs(w[0] - lon) < TOLERANCE and abs(w[1] - lat) < TOLERANCE
    assert max(abs(g[0] - lon), abs(g[1] - lat)) < 0.01  # the offset is a few hundred metres


@given(LON, LAT)
def test_bd09_round_trips(lon, lat):
    b = crs.gcj02_to_bd09(lon, lat)
    g = crs.bd09_to_gcj02(*b)
    assert abs(g[0] - lon) < TOLERANCE and abs(g[1] - lat) < TOLERANCE
    w = crs.bd09_to_wgs84(*crs.wgs84_to_bd09(lon, lat))
    assert abs(w[0] - lon) < TOLERANCE and abs(w[1] - lat) < TOLERANCE


# ---------------------------------------------------------------- the rectification workflow

ACTIONS = [*workflow.TRANSITIONS, "close", "reopen", ""]


@given(st.lists(st.sampled_from(ACTIONS), max_size=20))
def test_the_workflow_stays_in_its_table_and_events_chain(actions):
    hazard = Hazard(code="H1", level="general", state="open", events=[])
    hazards.record(hazard, "测试", "create")
    for action in actions:
        before = hazard.state
        allowed = workflow.allowed_actions(before)
        if action in allowed:
            event = hazards.transition(hazard, action, "测试")
            t = workflow.TRANSITIONS[action]
            assert (event.from_state, event.to_state) == (t.source, t.target) == (before,
                                                                                   hazard.state)
        else:
            with pytest.raises(workflow.IllegalTransition):
                hazards.transition(hazard, action, "测试")
            assert hazard.state == before
        assert hazard.state in workflow.STATES
        assert (hazard.closed_on is not None) == (hazard.state == "closed")
    events = hazard.events
    assert events[0].from_state is None and events[0].to_state == "open"
    for previous, event in zip(events, events[1:], strict=False):
        assert event.from_state == previous.to_state
    assert events[-1].to_state == hazard.state
