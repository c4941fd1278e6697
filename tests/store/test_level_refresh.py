"""Levels after a hazard write, on both backends: the point, its cell and its zones follow
the write at once, as a full refresh would have them; other areas are not recomputed.

A shop (synthetic, retail: blue) in cell A with an open general hazard
(tests.support.apps.shop_with_hazard); cell B east of it, empty. Zones: Z1 and
Z2 both over the shop (a point in two zones), Z3 over B only.
"""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import assignment, edits, hazards
from geoapp.store.models import Cell, Point, Zone
from tests.support.apps import shop_with_hazard

DAY = dt.date(2030, 6, 1)
MAJOR = {"level": "major", "source": "inspection", "description": "储罐区未设防火堤（虚构）",
         "found_on": DAY.isoformat(), "deadline": "2030-06-30",
         "plan": {"goal": "设防火堤", "measures": "施工", "funds": "5万元",
                  "emergency_plan": "已编制"}}


@pytest.fixture
def zoned(database, rules):
    point_id, _hazard_id = shop_with_hazard(database, rules, found_on=DAY, level="general")
    with database.transaction() as s:
        for code, box in (("Z1", (120.0, 31.0, 120.008, 31.01)),
                          ("Z2", (120.004, 31.0, 120.02, 31.01)),
                          ("Z3", (120.012, 31.0, 120.02, 31.01))):
            s.add(Zone(code=code, name=f"{code}园区（虚构）", kind="工业园区",
                       geom=shapely.MultiPolygon([shapely.box(*box)])))
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
    return database, point_id


def _levels(database) -> dict[str, str]:
    with database.sessions() as s:
        return {**dict(s.execute(sa.select(Point.key, Point.risk_level)).all()),
                **dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all()),
                **dict(s.execute(sa.select(Zone.code, Zone.risk_level)).all())}


def _fully_refreshed(database, rules) -> dict[str, str]:
    """The levels every point, cell and zone would have after a full refresh (rolled back)."""
    with database.sessions() as s:
        assignment.refresh_levels(s, rules)
        levels = {**dict(s.execute(sa.select(Point.key, Point.risk_level)).all()),
                  **dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all()),
                  **dict(s.execute(sa.select(Zone.code, Zone.risk_level)).all())}
        s.rollback()
    return levels


def test_a_major_hazard_raises_its_point_cell_and_zones_and_an_edit_lowers_them(zoned, rules):
    database, point_id = zoned
    with database.sessions() as s:
        assert s.get(Point, point_id).zone_codes == ["Z1", "Z2"]
    assert _levels(database) == {"K1": "blue", "A": "blue", "B": "blue",
                                 "Z1": "blue", "Z2": "blue", "Z3": "blue"}
    with database.transaction() as s:
        hazard_id = hazards.create_hazard(s, rules, point_id, MAJOR, "admin", DAY).id
    raised = _levels(database)
    assert raised == {"K1": "red", "A": "red", "B": "blue", "Z1": "red", "Z2": "red",
                      "Z3": "blue"}
    assert raised == _fully_refreshed(database, rules)
    with database.transaction() as s:  # graded down by the authority: escalation ends
        edits.edit_hazard(s, rules, hazard_id, {"level": "general"}, "admin", None,
                          may_decide=True)
    assert _levels(database) == _fully_refreshed(database, rules) == {
        "K1": "blue", "A": "blue", "B": "blue", "Z1": "blue", "Z2": "blue", "Z3": "blue"}


def test_a_hazard_write_recomputes_only_its_points_areas(zoned, rules):
    """The write's cost does not grow with the territory: B and Z3 hold no point of the write,
    so their levels are not recomputed (a level set by hand stays as it was)."""
    database, point_id = zoned
    with database.transaction() as s:
        s.execute(sa.update(Cell).where(Cell.code == "B").values(risk_level="yellow"))
        s.execute(sa.update(Zone).where(Zone.code == "Z3").values(risk_level="yellow"))
    with database.transaction() as s:
        hazards.create_hazard(s, rules, point_id, MAJOR, "admin", DAY)
    levels = _levels(database)
    assert (levels["A"], levels["Z1"], levels["Z2"]) == ("red", "red", "red")
    assert (levels["B"], levels["Z3"]) == ("yellow", "yellow")
