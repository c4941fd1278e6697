"""The rectification rate (整改率) rounded on a tie, as docs/domain.md states it.

closed ÷ all found, rounded half up (四舍五入) to four decimals on the exact
fraction. ``round(closed / total, 4)`` rounded the float instead, which lies a
hair above or below a tie: 109 of 160 went up (0.6813) but 1 of 32 went down
(0.0312). Hand-made hazards with known dates; pure (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from geoapp.domain import figures, periods
from geoapp.domain.channels import coverage
from geoapp.domain.timeline import HazardRecord, Timeline
from geoapp.domain.workflow import rate
from geoapp.reports.groupfigures import grouped_figures

D = dt.date
MARCH = periods.parse_month("2026-03")
TODAY, CUTOFF = D(2026, 6, 1), D(2024, 1, 1)


def village(closed: int, total: int) -> list[HazardRecord]:
    """``total`` hazards found by March's end, ``closed`` of them closed by then; one
    more closed in April (open at March's end) and one found in April (not counted)."""
    found, deadline = D(2026, 3, 2), D(2026, 5, 1)
    rows = [HazardRecord(i, "general", "inspection", found, deadline, state="closed",
                         closes=((D(2026, 3, 20), None),)) for i in range(closed)]
    rows += [HazardRecord(closed + i, "general", "inspection", found, deadline)
             for i in range(total - closed - 1)]
    rows.append(HazardRecord(total, "general", "inspection", found, deadline, state="closed",
                             closes=((D(2026, 4, 2), None),)))
    rows.append(HazardRecord(total + 1, "general", "inspection", D(2026, 4, 3), deadline))
    return rows


@pytest.mark.parametrize(("closed", "total", "expected"), [
    (1, 32, 0.0313),     # 0.03125: the float is below the tie; round() gave 0.0312
    (5, 32, 0.1563),     # 0.15625, likewise (0.1562 before)
    (109, 160, 0.6813),  # 0.68125: the village the benchmark's peer disagreed on
    (1, 3, 0.3333),      # no tie: as before
    (2, 3, 0.6667),
])
def test_a_village_rate_is_rounded_half_up_on_the_exact_fraction(closed, total, expected):
    records = village(closed, total)
    one = figures.hazard_figures(records, MARCH, TODAY, CUTOFF)
    assert (one["total"], one["closed_total"]) == (total, closed)
    assert one["rectification_rate"] == expected
    # the reports' page computes every village at once: the same rule
    many = grouped_figures(Timeline(records), records, np.zeros(len(records), np.int64), 1,
                           MARCH, TODAY, CUTOFF)
    assert many[0]["rectification_rate"] == expected


def test_no_hazards_has_no_rate_and_all_closed_is_one():
    assert rate(0, 0) is None
    assert rate(7, 7) == 1.0
    assert rate(0, 7) == 0.0
    assert coverage(1, 32) == 0.0313  # the other four-decimal rates round the same way
