"""Rectification on real ORM rows in a real SQLite file: transitions, history, locking.

Overdue and the rollup, pure rules: tests/domain/test_workflow.py.

The path (原安监总局令第16号):

    open --start--> rectifying --submit--> awaiting_acceptance --accept--> closed
                         ^                         |
                         +---------reject----------+
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from geoapp.domain.workflow import STATES, IllegalTransition, allowed_actions
from geoapp.store.database import Database
from geoapp.store.hazards import transition
from geoapp.store.models import Cell, Hazard, HazardEvent, Point, Town, Village

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
LEGAL = {("open", "start"), ("rectifying", "submit"), ("awaiting_acceptance", "accept"),
         ("awaiting_acceptance", "reject")}
# the shortest legal path from `open` to each state
PATH_TO = {"open": [], "rectifying": ["start"], "awaiting_acceptance": ["start", "submit"],
           "closed": ["start", "submit", "accept"]}


@pytest.fixture
def db(tmp_path):
    database = Database("sqlite:///" + str(tmp_path / "t.sqlite3"))
    database.create_all()
    yield database
    database.dispose()


@pytest.fixture
def hazard_id(db):
    """One open major hazard at one enterprise in one cell; returns the hazard's id."""
    with db.transaction() as s:
        town = Town(name="城关镇")
        village = Village(town=town, name="东村", code="330100001")
        cell = Cell(code="W001", name="东村一网格", village=village,
                    geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)]))
        point = Point(layer="enterprise", key="K1", name="某化工有限公司",
                      geom=shapely.Point(120.005, 31.005), cell_code="W001")
        hazard = Hazard(code="YH-2026-001", point=point, level="major", source="inspection",
                        description="储罐区可燃气体报警器失效", found_on=dt.date(2026, 3, 1),
                        deadline=dt.date(2026, 4, 30), listed=True, state="open")
        s.add_all([town, village, cell, point, hazard])
        s.flush()
        return hazard.id


def events_in_db(db, hazard_id):
    """The stored events as plain tuples, read straight from the table."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.select(HazardEvent.action, HazardEvent.from_state, HazardEvent.to_state,
                      HazardEvent.actor, HazardEvent.note)
            .where(HazardEvent.hazard_id == hazard_id).order_by(HazardEvent.id)).all()
    return [tuple(r) for r in rows]


def state_in_db(db, hazard_id):
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(Hazard.state, Hazard.closed_on, Hazard.version)
                           .where(Hazard.id == hazard_id)).one()
    return tuple(row)


# ---------------------------------------------------------------- the legal path

T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
STEPS = [
    # (action, actor, note, at, from_state, to_state)
    ("start", "张网格员", "已通知企业", T0, "open", "rectifying"),
    ("submit", "企业安全员", "报警器已更换", T0 + dt.timedelta(days=3), "rectifying",
     "awaiting_acceptance"),
    ("reject", "李科长", "未做联动测试", T0 + dt.timedelta(days=4), "awaiting_acceptance",
     "rectifying"),
    ("submit", "企业安全员", "联动测试记录附后", T0 + dt.timedelta(days=6), "rectifying",
     "awaiting_acceptance"),
    # 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Shanghai (UTC+8)
    ("accept", "李科长", "", dt.datetime(2026, 3, 31, 16, 30, tzinfo=UTC), "awaiting_acceptance",
     "closed"),
]


def test_every_legal_transition_appends_an_event(db, hazard_id):
    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        for i, (action, actor, note, at, src, dst) in enumerate(STEPS):
            event = transition(hazard, action, actor, note=note, at=at)
            assert hazard.state == dst
            assert len(hazard.events) == i + 1
            assert hazard.events[-1] is event
            assert (event.action, event.actor, event.from_state, event.to_state, event.note) == (
                action, actor, src, dst, note)
            assert event.at == at
            assert event.at.tzinfo is not None and event.at.utcoffset() is not None
            if dst != "closed":
                assert hazard.closed_on is None  # in particular after the reject
        assert hazard.closed_on == dt.date(2026, 4, 1)  # the Shanghai date, not 2026-03-31

    # after commit, from the table itself: in order, nothing lost
    assert events_in_db(db, hazard_id) == [
        (action, src, dst, actor, note) for action, actor, note, _at, src, dst in STEPS]
    # state, close-out date, and the version bumped once per committed transaction (1 → 2)
    assert state_in_db(db, hazard_id) == ("closed", dt.date(2026, 4, 1), 2)
    # and through the ORM relationship in a fresh session, ordered by id
    with db.sessions() as s:
        hazard = s.get(Hazard, hazard_id)
        assert [e.action for e in hazard.events] == ["start", "submit", "reject", "submit",
                                                     "accept"]


def test_event_time_reads_back_as_the_same_instant(db, hazard_id):
    # HazardEvent.at is DateTime(timezone=True): what is stored must read back as the
    # same, timezone-aware instant, whatever offset the caller used.
    start = dt.datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
    submit = dt.datetime(2026, 4, 1, 0, 40, tzinfo=SHANGHAI)  # = 2026-03-31 16:40 UTC
    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        transition(hazard, "start", "张网格员", at=start)
        transition(hazard, "submit", "企业安全员", at=submit)
    with db.sessions() as s:
        times = [e.at for e in s.get(Hazard, hazard_id).events]
    assert all(t.tzinfo is not None for t in times), times
    assert times == [start, submit]  # aware comparison: equal instants
    assert times[1] - times[0] == dt.timedelta(minutes=10)


def test_closed_on_is_the_local_date_of_acceptance(db, hazard_id):
    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        transition(hazard, "start", "甲", at=T0)
        transition(hazard, "submit", "甲", at=T0)
        # 15:59 UTC is 23:59 in Shanghai: still 2026-03-31 there
        transition(hazard, "accept", "乙", at=dt.datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
        assert hazard.closed_on == dt.date(2026, 3, 31)


def test_closed_on_stays_empty_after_reject(db, hazard_id):
    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        transition(hazard, "start", "甲", at=T0)
        transition(hazard, "submit", "甲", at=T0)
        transition(hazard, "reject", "乙", note="不合格", at=T0)
    assert state_in_db(db, hazard_id)[:2] == ("rectifying", None)


# ---------------------------------------------------------------- illegal moves

ILLEGAL = sorted(
    [(state, action) for state in STATES for action in ("start", "submit", "accept", "reject")
     if (state, action) not in LEGAL]
    + [(state, "delete") for state in STATES]
)


def test_illegal_pairs_are_the_expected_sixteen():
    # 4 states × 4 actions − 4 legal = 12, plus the unknown "delete" from each state = 16
    assert len(ILLEGAL) == 16
    assert allowed_actions("open") == ["start"]
    assert allowed_actions("rectifying") == ["submit"]
    assert allowed_actions("awaiting_acceptance") == ["accept", "reject"]
    assert allowed_actions("closed") == []


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_transition_changes_nothing(db, hazard_id, state, action):
    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        for step in PATH_TO[state]:
            transition(hazard, step, "甲", at=T0)
    before_db = (state_in_db(db, hazard_id), events_in_db(db, hazard_id))
    assert before_db[0][0] == state

    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        closed_on = hazard.closed_on
        with pytest.raises(IllegalTransition):
            transition(hazard, action, "乙", note="不该发生", at=T0)
        assert hazard.state == state
        assert hazard.closed_on == closed_on
        assert len(hazard.events) == len(PATH_TO[state])
    assert (state_in_db(db, hazard_id), events_in_db(db, hazard_id)) == before_db


@pytest.mark.parametrize("actor", ["", None])
def test_transition_needs_an_actor(db, hazard_id, actor):
    with db.transaction() as s:
        hazard = s.get(Hazard, hazard_id)
        with pytest.raises(ValueError, match="actor"):
            transition(hazard, "start", actor, at=T0)
        assert hazard.state == "open"
        assert hazard.events == []
    assert events_in_db(db, hazard_id) == []


# ---------------------------------------------------------------- history is append-only


@pytest.fixture
def one_event(db, hazard_id):
    with db.transaction() as s:
        transition(s.get(Hazard, hazard_id), "start", "张网格员", note="已通知企业", at=T0)
    return events_in_db(db, hazard_id)


def test_changing_a_committed_event_is_refused(db, hazard_id, one_event):
    with pytest.raises(PermissionError):
        with db.transaction() as s:
            event = s.get(Hazard, hazard_id).events[0]
            event.note = "改写历史"
    assert events_in_db(db, hazard_id) == one_event


def test_deleting_a_committed_event_is_refused(db, hazard_id, one_event):
    with pytest.raises(PermissionError):
        with db.transaction() as s:
            s.delete(s.get(Hazard, hazard_id).events[0])
    assert events_in_db(db, hazard_id) == one_event


def test_detaching_a_committed_event_is_refused(db, hazard_id, one_event):
    # removing it from the hazard's list would re-point (update) the row: refused too
    with pytest.raises(PermissionError):
        with db.transaction() as s:
            hazard = s.get(Hazard, hazard_id)
            hazard.events.remove(hazard.events[0])
    assert events_in_db(db, hazard_id) == one_event


# ---------------------------------------------------------------- optimistic locking


def test_concurrent_change_is_stale(db, hazard_id):
    first, second = db.sessions(), db.sessions()
    try:
        mine = first.get(Hazard, hazard_id)
        theirs = second.get(Hazard, hazard_id)
        assert mine.version == theirs.version == 1
        second.commit()  # their read was its own request; their write comes in a new one

        transition(mine, "start", "甲", note="first", at=T0)
        first.commit()

        # `theirs` still believes the hazard is open at version 1
        transition(theirs, "start", "乙", note="second", at=T0 + dt.timedelta(minutes=1))
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()

    assert state_in_db(db, hazard_id) == ("rectifying", None, 2)
    assert events_in_db(db, hazard_id) == [("start", "open", "rectifying", "甲", "first")]
