"""The data's fingerprint (geoapp.store.fingerprint) sees every new row, a row that
commits after a later id (two workers writing at once) included, without counting
whole tables."""

from __future__ import annotations

import datetime as dt

from geoapp.store.fingerprint import data_fingerprint, hazards_changed
from geoapp.store.models import HazardEvent
from tests.support.apps import shop_with_hazard


def _event(database, event_id: int, hazard_id: int) -> None:
    with database.transaction() as s:
        s.add(HazardEvent(id=event_id, hazard_id=hazard_id, actor="测试", action="note",
                          from_state="open", to_state="open",
                          at=dt.datetime(2030, 5, 2, tzinfo=dt.UTC)))


def _fingerprint(database) -> tuple:
    with database.transaction() as s:
        return data_fingerprint(s)


def test_a_new_event_is_patched_and_a_late_one_rebuilds(database, rules):
    point_id, hazard_id = shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1))
    _event(database, 100, hazard_id)
    _event(database, 200, hazard_id)
    before = _fingerprint(database)

    # an id below the highest, committed after it: the highest id alone would miss it
    _event(database, 150, hazard_id)
    late = _fingerprint(database)
    assert late != before
    assert late[:-1] != before[:-1] and late[-1] == before[-1]  # not the import counter
    with database.transaction() as s:
        assert hazards_changed(s, before, late) is None  # read everything again

    # an ordinary move: a new highest id, patched in
    _event(database, 300, hazard_id)
    moved = _fingerprint(database)
    assert moved != late
    with database.transaction() as s:
        assert hazards_changed(s, late, moved) == {hazard_id: point_id}
        assert hazards_changed(s, moved, moved) == {}


def test_nothing_new_nothing_changed(database, rules):
    shop_with_hazard(database, rules, found_on=dt.date(2030, 5, 1))
    assert _fingerprint(database) == _fingerprint(database)
