"""Overdue and the rollup of a set of hazards (geoapp.domain.workflow): pure rules, no database.

The hazards are ORM objects built in memory and never stored; every expected figure is
worked out by hand in the comments. Transitions on stored rows:
tests/store/test_rectification.py.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain.workflow import STATES, is_overdue, rollup
from geoapp.store.models import Hazard


def test_is_overdue():
    deadline = dt.date(2026, 4, 30)
    assert is_overdue("open", deadline, dt.date(2026, 4, 29)) is False
    assert is_overdue("rectifying", deadline, dt.date(2026, 4, 30)) is False  # the day itself
    assert is_overdue("rectifying", deadline, dt.date(2026, 5, 1)) is True  # the day after
    assert is_overdue("awaiting_acceptance", deadline, dt.date(2026, 5, 1)) is True
    assert is_overdue("closed", deadline, dt.date(2026, 5, 1)) is False
    assert is_overdue("closed", deadline, dt.date(2030, 1, 1)) is False


TODAY = dt.date(2026, 4, 15)
CUTOFF = dt.date(2024, 1, 1)


def hz(code, state, level, found_on, deadline, listed):
    return Hazard(code=code, state=state, level=level, found_on=found_on, deadline=deadline,
                  listed=listed)


def test_rollup_by_hand():
    hazards = [
        # H1: closed, found before the cutoff (stock), deadline long past but closed
        hz("H1", "closed", "general", dt.date(2023, 11, 1), dt.date(2023, 12, 31), False),
        # H2: open major, listed, deadline yesterday → overdue; increment
        hz("H2", "open", "major", dt.date(2025, 6, 1), dt.date(2026, 4, 14), True),
        # H3: rectifying, deadline today → not overdue; found on the cutoff day → increment
        hz("H3", "rectifying", "general", dt.date(2024, 1, 1), dt.date(2026, 4, 15), False),
        # H4: awaiting acceptance, major, listed; found the day before the cutoff → stock
        hz("H4", "awaiting_acceptance", "major", dt.date(2023, 12, 31), dt.date(2026, 6, 30),
           True),
        # H5: closed major, listed, deadline past → neither overdue nor open; increment
        hz("H5", "closed", "major", dt.date(2024, 5, 1), dt.date(2025, 1, 1), True),
        # H6: open general, far deadline; increment
        hz("H6", "open", "general", dt.date(2026, 4, 1), dt.date(2027, 1, 1), False),
    ]
    r = rollup(hazards, TODAY, CUTOFF)
    assert r["total"] == 6
    assert r["closed"] == 2  # H1, H5
    assert r["open"] == 4  # H2, H3, H4, H6 (every state but closed)
    assert r["overdue"] == 1  # H2 only (H3's deadline is today; H1, H5 are closed)
    assert r["major_open"] == 2  # H2, H4 (H5 is major but closed)
    assert r["listed_open"] == 2  # H2, H4 (H5 listed but closed)
    assert r["by_state"] == {"open": 2, "rectifying": 1, "awaiting_acceptance": 1, "closed": 2}
    assert r["rectification_rate"] == 0.3333  # 2 / 6 rounded to 4 places
    assert r["stock"] == {"total": 2, "open": 1}  # H1 (closed), H4 (open)
    assert r["increment"] == {"total": 4, "open": 3}  # H2, H3, H5 (closed), H6


def test_rollup_of_nothing():
    r = rollup([], TODAY, CUTOFF)
    assert r["total"] == 0
    assert r["rectification_rate"] is None  # no hazards: no rate, not 0 % or 100 %
    assert r["by_state"] == dict.fromkeys(STATES, 0)
    assert r["stock"] == r["increment"] == {"total": 0, "open": 0}
