"""/api/summary on a small hand-made territory: every figure written out by hand.

Today is the apps' pinned date (tests.support.constants.TODAY = 2030-06-14); the stock cutoff is
layers/risk.toml's 2024-01-01. Four cells side by side, A–D; points and hazards:

    P1 enterprise, retail 5261 (blue), in A:   H1 major open, listed; H4 general open, listed
    P2 enterprise, chemicals 2614 (orange), B:  H2 major rectifying; H3 major closed, listed;
                                                H6 general closed
    P3 enterprise, chemicals 2614, in C:        H5 general awaiting_acceptance
    P4 idle site, outside every cell

P1 and P2 are red (an open or rectifying major hazard escalates), P3 stays orange,
Found on / due: see HAZARDS. D has no point: cells red 2 (A, B), orange 1 (C), blue 1 (D).
"""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import assignment, hazards
from geoapp.store.models import Cell, Hazard, Point, Town, Village
from tests.support.apps import make_app

D = dt.date
HAZARDS = [  # code, point, level, state, listed, found_on, deadline
    ("H1", "P1", "major", "open", True, D(2023, 5, 1), D(2023, 6, 1)),
    ("H4", "P1", "general", "open", True, D(2029, 5, 1), D(2029, 6, 1)),
    ("H2", "P2", "major", "rectifying", False, D(2030, 2, 1), D(2030, 7, 1)),
    ("H3", "P2", "major", "closed", True, D(2030, 3, 1), D(2030, 3, 31)),
    ("H6", "P2", "general", "closed", False, D(2030, 1, 1), D(2030, 1, 31)),
    ("H5", "P3", "general", "awaiting_acceptance", False, D(2023, 12, 31), D(2030, 6, 14)),
]


def _cell(code: str, i: int, village) -> Cell:
    box = shapely.box(120 + 0.01 * i, 31, 120.01 + 0.01 * i, 31.01)
    return Cell(code=code, name=f"{code}网格", village=village, geom=shapely.MultiPolygon([box]))


@pytest.fixture
def territory(database, rules):
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇（虚构）"), name="东湖村（虚构）")
        s.add_all([_cell(code, i, village) for i, code in enumerate("ABCD")])
        points = {
            "P1": Point(layer="enterprise", key="P1", name="商店（虚构）",
                        geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"}),
            "P2": Point(layer="enterprise", key="P2", name="化工甲（虚构）",
                        geom=shapely.Point(120.015, 31.005), attrs={"industry": "2614"}),
            "P3": Point(layer="enterprise", key="P3", name="化工乙（虚构）",
                        geom=shapely.Point(120.025, 31.005), attrs={"industry": "2614"}),
            "P4": Point(layer="idle_site", key="P4", name="闲置厂房（虚构）",
                        geom=shapely.Point(120.2, 31.005), attrs={"category": "闲置厂房"}),
        }
        s.add_all(points.values())
        for code, point, level, state, listed, found, deadline in HAZARDS:
            h = Hazard(code=code, point=points[point], level=level, source="inspection",
                       description="测试", found_on=found, deadline=deadline, state=state,
                       listed=listed)
            s.add(h)
            hazards.record(h, "测试", "create")
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    return database


def test_every_summary_figure(client, territory):
    s = client.get("/api/summary").get_json()
    assert s["today"] == "2030-06-14"
    assert s["cells_by_level"] == {"red": 2, "orange": 1, "yellow": 0, "blue": 1}
    # every layer of the bundled layers/ is counted, the six place layers (none here) too
    assert s["points"] == {"enterprise": 3, "idle_site": 1, "confined_space": 0,
                           "major_hazard": 0, "fire_unit": 0, "crowded_place": 0,
                           "self_built_house": 0, "gas_site": 0, "construction_site": 0,
                           "ebike_charging": 0}
    assert s["points_outside_cells"] == 1
    assert s["hazards"] == {
        "total": 6, "open": 4, "closed": 2,
        "overdue": 2,  # H1, H4; H5 is due today, not overdue
        "major_open": 2,  # H1, H2
        "listed_open": 2,  # H1, H4 (H3 is listed but closed)
        "major_overdue": 1,  # H1 (the headline's 重大隐患逾期)
        "major_stock_open": 1,  # H1 (动态清零: major, found before 2024-01-01, open)
        "major_increment_year": 2,  # H2, H3: major, found in 2030 (H3 closed)
        "major_increment_year_closed": 1,  # H3
        "major_listed_open": 1,  # H1: H3 is closed, H4 is general
        "increment_year": 3,  # H2, H3, H6: found in 2030 (H4 is 2029)
        "increment_year_closed": 2,  # H3, H6
        "by_state": {"open": 2, "rectifying": 1, "awaiting_acceptance": 1, "closed": 2},
        "stock": {"total": 2, "open": 2},  # H1, H5: found before 2024-01-01
        "increment": {"total": 4, "open": 2},  # H2, H3, H4, H6; open H2, H4
        "rectification_rate": 0.3333,  # 2 closed of 6
    }
    assert s["major"] == {
        "open": 2,  # H1, H2
        "overdue": 1,  # H1
        "listed_open": 1,  # H1: H3 is closed, H4 is general
    }
    assert s["zeroing"] == {
        "cutoff": "2024-01-01", "year": 2030,
        # major: H1 is stock still open; found in 2030: H2, H3 (H3 closed)
        "major": {"stock_open": 1, "increment_year": {"found": 2, "closed": 1}},
        # all: H1, H5 stock open; found in 2030: H2, H3, H6 (H3, H6 closed); H4 is 2029
        "all": {"stock_open": 2, "increment_year": {"found": 3, "closed": 2}},
    }


def _levels(database) -> dict[str, tuple[str, str]]:
    with database.sessions() as s:
        return {key: (inherent, level) for key, inherent, level in s.execute(
            sa.select(Point.key, Point.inherent_level, Point.risk_level))}


@pytest.mark.parametrize("state", ["open", "rectifying", "awaiting_acceptance"])
@pytest.mark.parametrize("some", [False, True], ids=["all-points", "given-points"])
def test_a_major_hazard_in_every_open_state_makes_its_point_red(territory, rules, state,
                                                                some):
    """P3 (orange) gets a major hazard in each open state: red; once closed: orange again."""
    with territory.transaction() as s:
        p3 = s.scalar(sa.select(Point).where(Point.key == "P3"))
        s.add(Hazard(code="H9", point=p3, level="major", source="inspection",
                     description="测试", found_on=D(2030, 6, 1), deadline=D(2030, 6, 30),
                     state=state))
        s.flush()
        assignment.refresh_levels(s, rules, [p3.id] if some else None)
    assert _levels(territory)["P3"] == ("orange", "red")
    with territory.transaction() as s:
        s.execute(sa.update(Hazard).where(Hazard.code == "H9").values(state="closed"))
        assignment.refresh_levels(s, rules, [p3.id] if some else None)
    assert _levels(territory)["P3"] == ("orange", "orange")


def test_today_is_pinned_by_geoapp_today(database, monkeypatch):
    monkeypatch.setenv("GEOAPP_TODAY", "2031-01-02")
    app = make_app(database, TODAY=None)
    try:
        summary = app.test_client().get("/api/summary").get_json()
        assert (summary["today"], summary["zeroing"]["year"]) == ("2031-01-02", 2031)
    finally:
        app.extensions["geoapp.db"].dispose()
    monkeypatch.setenv("GEOAPP_TODAY", "2031-13-01")
    with pytest.raises(ValueError, match="GEOAPP_TODAY 应为 YYYY-MM-DD 日期，而不是 '2031-13-01'"):
        make_app(database, TODAY=None)
