"""The period a report shows by default (periods.default_period): this month, except in
its first days, when the last full month is the one to report on."""

import datetime as dt

import pytest

from geoapp.domain.periods import DEFAULT_GRACE_DAYS, default_period

D = dt.date


@pytest.mark.parametrize("today,month", [
    (D(2026, 12, 1), "2026-11"),   # the 1st: last month
    (D(2026, 12, 2), "2026-11"),   # the day every figure of "this month" was 0
    (D(2026, 12, 5), "2026-11"),   # the last day of the grace
    (D(2026, 12, 6), "2026-12"),   # the first day this month is shown
    (D(2026, 12, 31), "2026-12"),
    (D(2027, 1, 1), "2026-12"),    # January → December of last year
    (D(2027, 1, 5), "2026-12"),
    (D(2027, 1, 6), "2027-01"),
    (D(2028, 3, 4), "2028-02"),    # a leap February, whole
])
def test_default_period_on_both_sides_of_the_boundary(today, month):
    period = default_period(today)
    assert period.kind == "month" and period.month == month
    assert period.end < today or period.start <= today <= period.end


def test_the_grace_is_five_days():
    assert DEFAULT_GRACE_DAYS == 5
    assert default_period(D(2028, 3, 4)).end == D(2028, 2, 29)
