"""Hazard and point history is append-only in the database itself, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import edits, hazards
from geoapp.store.models import Cell, Hazard, HazardEvent, Point, PointEvent, Town, Village


@pytest.fixture
def hazard_id(database):
    with database.transaction() as s:
        town = Town(name="示范镇")
        village = Village(town=town, name="东湖村")
        s.add(Cell(code="A", name="一网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)])))
        point = Point(layer="enterprise", key="K1", name="甲（虚构）",
                      geom=shapely.Point(120.005, 31.005), attrs={})
        h = Hazard(code="H1", point=point, level="major", source="inspection",
                   description="消防通道堵塞", found_on=dt.date(2026, 3, 1),
                   deadline=dt.date(2026, 3, 31), state="open")
        s.add(h)
        hazards.transition(h, "start", "网格员甲", "已安排整改",
                                 at=dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
        s.flush()
        return h.id


def test_event_time_is_an_aware_instant(database, hazard_id):
    with database.sessions() as s:
        event = s.scalar(sa.select(HazardEvent))
    assert event.at == dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
    assert event.at.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("statement", [
    sa.update(HazardEvent).values(note="改写历史"),
    sa.delete(HazardEvent),
])
def test_bulk_statements_cannot_rewrite_history(database, hazard_id, statement):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with database.transaction() as s:
            s.execute(statement)
    with database.sessions() as s:
        notes = s.scalars(sa.select(HazardEvent.note)).all()
    assert notes == ["已安排整改"]


def test_edits_and_point_history_cannot_be_rewritten(database, hazard_id):
    with database.transaction() as s:
        h = s.get(Hazard, hazard_id)
        hazards.record(h, "网格员甲", "edit", from_state=h.state,
                       changes={"responsible_person": [None, "王五"]})
        edits.record_point(s, h.point, "import: ent.csv", {"name": ["甲", "甲（虚构）"]})
    for statement in (sa.update(HazardEvent).values(changes=None),
                      sa.update(PointEvent).values(changes={}), sa.delete(PointEvent)):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with database.transaction() as s:
                s.execute(statement)
    with pytest.raises(PermissionError):
        with database.transaction() as s:
            s.scalar(sa.select(PointEvent)).note = "改写历史"
    with database.sessions() as s:
        assert s.scalars(sa.select(HazardEvent.changes).order_by(HazardEvent.id)).all() == [
            None, {"responsible_person": [None, "王五"]}]
        assert [(e.actor, e.changes) for e in s.scalars(sa.select(PointEvent))] == [
            ("import: ent.csv", {"name": ["甲", "甲（虚构）"]})]


def test_stale_write_is_refused(database, hazard_id):
    from sqlalchemy.orm.exc import StaleDataError

    first, second = database.sessions(), database.sessions()
    h1, h2 = first.get(Hazard, hazard_id), second.get(Hazard, hazard_id)
    second.commit()  # the second writer's read was its own request; its write comes in a new one
    hazards.transition(h1, "submit", "网格员甲", "整改完成")
    first.commit()
    hazards.transition(h2, "submit", "网格员乙", "我也提交")
    with pytest.raises(StaleDataError):
        second.commit()
    second.rollback()
    with database.sessions() as s:
        h = s.get(Hazard, hazard_id)
        assert h.state == "awaiting_acceptance" and h.version == 2
        assert [e.actor for e in h.events] == ["网格员甲", "网格员甲"]
    first.close()
    second.close()
