"""Visit status and checklists (geoapp.domain.inspection), with dates written out."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.domain.inspection import ChecklistItem, InspectionSpec, next_due, visit_status

WEEKLY = InspectionSpec(every_days=7, remind_days=2,
                        checklist=[ChecklistItem(key="guarded", label="有人看管")])
DAILY = InspectionSpec(every_days=1, checklist=[ChecklistItem(key="guarded", label="有人看管")])


@pytest.mark.parametrize("last, today, expected", [
    (None, dt.date(2026, 12, 5), "overdue"),            # never visited
    (dt.date(2026, 12, 1), dt.date(2026, 12, 1), "visited"),  # visited today
    (dt.date(2026, 12, 1), dt.date(2026, 12, 5), "visited"),  # due 8th, 3 days ahead
    (dt.date(2026, 12, 1), dt.date(2026, 12, 6), "due"),      # 2 days ahead: reminded
    (dt.date(2026, 12, 1), dt.date(2026, 12, 8), "due"),      # falls due today
    (dt.date(2026, 12, 1), dt.date(2026, 12, 9), "overdue"),  # the day passed
    (dt.date(2026, 12, 28), dt.date(2027, 1, 4), "due"),      # across the year
])
def test_weekly_visit_status(last, today, expected):
    assert visit_status(last, WEEKLY, today) == expected


def test_daily_visits_fall_due_the_next_day():
    day = dt.date(2026, 2, 28)
    assert next_due(day, 1) == dt.date(2026, 3, 1)
    assert [visit_status(day, DAILY, day + dt.timedelta(days=n)) for n in (0, 1, 2)] == [
        "visited", "due", "overdue"]


def test_industry_items():
    spec = InspectionSpec(every_days=30, checklist=[
        ChecklistItem(key="a", label="甲"),
        ChecklistItem(key="b", label="乙", industries=("26",)),
        ChecklistItem(key="c", label="丙", industries=("2614", "33")),
    ])
    assert [i.key for i in spec.items_for("2614")] == ["a", "b", "c"]
    assert [i.key for i in spec.items_for("2619")] == ["a", "b"]
    assert [i.key for i in spec.items_for("3311")] == ["a", "c"]
    assert [i.key for i in spec.items_for("")] == ["a"]
    assert [i.key for i in spec.items_for(None)] == ["a"]
