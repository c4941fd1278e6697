"""Edges of geoapp.domain.timeline that the month figures do not reach.

Written for mutants that survived the rule tests (docs/quality.md, "After the
restructure"). Pure: no database. Every expected value is written by hand.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as E

import pytest

from geoapp.domain import timeline
from geoapp.domain.timeline import HazardRecord, Timeline

D = dt.date
TZ = "Asia/Shanghai"


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_naive_instant_is_refused_with_its_reason():
    with pytest.raises(ValueError) as caught:
        timeline.local_day(dt.datetime(2026, 3, 31, 12), TZ)
    # the exact text: the message is what a developer reading the traceback acts on
    assert str(caught.value) == "naive datetime: event instants are timezone-aware"


def test_closed_without_a_close_date_closes_on_the_closing_event_not_the_finding():
    # closed_on unknown (None): the local day of the closing event starts the close,
    # not found_on. 20 Jan 18:00 UTC is 21 Jan 02:00 in Beijing.
    events = [E(at=utc(2026, 1, 5, 2), to_state="open"),
              E(at=utc(2026, 1, 20, 18), to_state="closed")]
    closes, steps = timeline.history(events, "closed", None, D(2026, 1, 5), TZ)
    assert closes == ((D(2026, 1, 21), None),)
    assert steps == ((D(2026, 1, 5), "open"),)


def test_closed_without_a_close_date_or_closing_event_closes_on_the_finding_day():
    closes, steps = timeline.history([], "closed", None, D(2025, 7, 1), TZ)
    assert closes == ((D(2025, 7, 1), None),)
    assert steps == ()


def test_snapshot_items_carry_the_record_fields():
    r = HazardRecord(7, "major", "self_check", D(2026, 1, 5), D(2026, 2, 28), listed=True)
    before, after = timeline.snapshot([r], D(2026, 1, 4)), timeline.snapshot([r], D(2026, 1, 5))
    assert before == []
    [item] = after
    assert (item.state, item.level, item.deadline, item.found_on, item.listed, item.record) == \
        ("open", "major", D(2026, 2, 28), D(2026, 1, 5), True, r)


def test_a_timeline_of_hazards_without_closes_or_steps():
    # never closed, never moved: open from found_on, overdue after the deadline
    rs = [HazardRecord(1, "general", "inspection", D(2026, 1, 10), D(2026, 1, 31)),
          HazardRecord(2, "major", "inspection", D(2026, 2, 1), D(2026, 3, 31))]
    tl = Timeline(rs)
    assert tl.states(D(2026, 1, 9)) == [None, None]
    assert tl.states(D(2026, 1, 10)) == ["open", None]
    assert tl.states(D(2026, 2, 1)) == ["open", "open"]
    assert tl.overdue(D(2026, 1, 31)).tolist() == [False, False]
    assert tl.overdue(D(2026, 2, 1)).tolist() == [True, False]


def test_a_timeline_with_steps_but_no_closes():
    rs = [HazardRecord(1, "general", "inspection", D(2026, 1, 10), D(2026, 1, 31),
                       steps=((D(2026, 1, 12), "rectifying"),))]
    tl = Timeline(rs)
    assert [tl.states(D(2026, 1, d))[0] for d in (9, 10, 11, 12, 13)] == \
        [None, "open", "open", "rectifying", "rectifying"]


def test_a_timeline_with_closes_but_no_steps():
    rs = [HazardRecord(1, "general", "inspection", D(2026, 1, 10), D(2026, 1, 31),
                       state="closed", closes=((D(2026, 1, 15), D(2026, 1, 18)),
                                               (D(2026, 1, 25), None)))]
    tl = Timeline(rs)
    assert [tl.states(D(2026, 1, d))[0] for d in (14, 15, 17, 18, 24, 25, 31)] == \
        ["open", "closed", "closed", "open", "open", "closed", "closed"]
    assert tl.overdue(D(2026, 2, 1)).tolist() == [False]  # closed: never overdue


def test_the_codes_of_a_day_are_read_only():
    # codes() hands out its memo: a caller writing into it would change every later answer
    tl = Timeline([HazardRecord(1, "general", "inspection", D(2026, 1, 10), D(2026, 1, 31))])
    codes = tl.codes(D(2026, 1, 20))
    assert codes.tolist() == [timeline.STATES.index("open")]
    with pytest.raises(ValueError, match="read-only"):
        codes[0] = timeline.CLOSED
    assert tl.states(D(2026, 1, 20)) == ["open"]


def test_an_empty_timeline():
    tl = Timeline([])
    assert tl.states(D(2026, 1, 1)) == []
    assert tl.overdue(D(2026, 1, 1)).tolist() == []
