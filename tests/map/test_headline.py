"""The map's headline made from the snapshot (geoapp.map.headline) equals the one read
from every hazard (``pages.summary``, /api/summary): on the demo county, for the
territory and for area scopes, and after a hazard move patched into the snapshot."""

from __future__ import annotations

import datetime as dt

import shapely
import sqlalchemy as sa

from geoapp.map import headline
from geoapp.map.cache import MapCache
from geoapp.store import assignment, hazards
from geoapp.store.models import Cell, Hazard, Point
from geoapp.store.reads import pages
from tests.support.apps import shop_with_hazard
from tests.support.constants import TODAY


def _both(session, rules, snap, only, today):
    cutoff = rules.risk.hazards.stock_cutoff
    return (headline.summary(snap, only, pages.outside_hazards(session, only), today, cutoff),
            pages.summary(session, rules, today, only))


def test_the_demo_county_and_its_areas(demo_database, rules):
    with demo_database.sessions() as s:
        snap = MapCache().load(s, rules, TODAY)
        outside = s.execute(sa.select(Point.nearest_cell_code).join(Hazard).where(
            Point.cell_code.is_(None))).scalars().all()
        assert outside  # the demo has hazards at points outside every cell: they count too
        codes = s.scalars(sa.select(Cell.code).order_by(Cell.code)).all()
        village = set(s.scalars(sa.select(Cell.code).where(
            Cell.village_id == sa.select(Cell.village_id).where(Cell.code == outside[0])
            .scalar_subquery())))
        for only in (None, village, set(codes[:7]) | set(outside), {"NO-SUCH-CELL"}, set()):
            made, read = _both(s, rules, snap, only, TODAY)
            assert made == read, only
        assert made["hazards"]["total"] == 0
        territory, _ = _both(s, rules, snap, None, TODAY)
        assert territory["hazards"]["total"] > 100 and territory["points_outside_cells"] > 0


def test_after_a_move_and_at_an_outside_point(database, rules):
    today = dt.date(2030, 6, 14)
    point_id, hazard_id = shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1))
    with database.transaction() as s:  # a point outside both cells, with a major hazard
        far = Point(layer="enterprise", key="K2", name="外部商店（虚构）",
                    geom=shapely.Point(120.5, 31.5), attrs={"industry": "5261"})
        h = Hazard(point=far, code="H2", level="major", source="inspection",
                   description="测试", found_on=dt.date(2023, 5, 1),
                   deadline=dt.date(2023, 6, 1), state="open", listed=True)
        s.add(h)
        hazards.record(h, "测试", "create")
        s.flush()
        assignment.reassign(s)
    cache = MapCache()
    with database.sessions() as s:
        made, read = _both(s, rules, cache.load(s, rules, today), None, today)
        assert made == read and made["points_outside_cells"] == 1
        assert made["major"] == {"open": 2, "overdue": 2, "listed_open": 1}  # H1 due 31 May
        assert made["zeroing"]["major"] == {"stock_open": 1,
                                            "increment_year": {"found": 1, "closed": 0}}
    with database.transaction() as s:
        hazards.move(s, rules, hazard_id, "start", actor="测试", role="admin")
    with database.sessions() as s:
        snap = cache.load(s, rules, today)
        assert cache.patches == 1  # patched, not rebuilt
        for only in (None, {"A"}, {"B"}):
            made, read = _both(s, rules, snap, only, today)
            assert made == read, only
        assert made["hazards"]["total"] == 1  # B: the outside point's nearest cell
        assert _both(s, rules, snap, None, today)[0]["hazards"]["by_state"]["rectifying"] == 1
