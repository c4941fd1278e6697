"""The reads every request makes find their points by index, not by reading every point.

A cell's own points, the points outside every cell nearest it, and the points
whose home cell is in an area scope: on PostgreSQL each must be answerable from
an index (with sequential scans disallowed the plan must not fall back to one),
and on both backends they must be the right points. A shop (synthetic) in cell A
(tests.support.apps.shop_with_hazard), a site outside every cell nearest A.
"""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import assignment
from geoapp.store.models import Point
from geoapp.store.reads import territory
from tests.support.apps import shop_with_hazard


@pytest.fixture
def placed(database, rules):
    shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))
    with database.transaction() as s:
        s.add(Point(layer="idle_site", key="OUT", name="闲置厂房（虚构）",
                    geom=shapely.Point(119.995, 31.005), attrs={"category": "闲置厂房"}))
        s.flush()
        assignment.reassign(s)
    return database


READS = {
    "home cell in a scope": lambda: territory.points_in({"A"}),
    "in the cells": lambda: territory.in_cells({"A"}),
    "outside, nearest the cell": lambda: Point.outside & (Point.nearest_cell_code == "A"),
}
EXPECTED = {"home cell in a scope": {"K1", "OUT"}, "in the cells": {"K1"},
            "outside, nearest the cell": {"OUT"}}


@pytest.mark.parametrize("read", READS)
def test_the_read_finds_its_points_by_index(placed, read):
    where = READS[read]()
    with placed.sessions() as s:
        assert set(s.scalars(sa.select(Point.key).where(where))) == EXPECTED[read]
        if s.get_bind().dialect.name != "postgresql":
            return  # the embedded database's plans are not this test's concern
        s.execute(sa.text("SET LOCAL enable_seqscan = off"))
        sql = sa.select(Point.id).where(where).compile(
            s.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(s.scalars(sa.text(f"EXPLAIN {sql}")))
    assert "Seq Scan on point" not in plan, plan
