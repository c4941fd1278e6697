"""The leaders' statistics without a database: periods, history, figures, the tie rule.

Hand-made hazards with known dates; every expected figure is written by hand.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as E

import pytest

from geoapp.domain import figures, periods, ranks, timeline
from geoapp.domain.divisions import division_of
from geoapp.domain.periods import Period
from geoapp.domain.timeline import HazardRecord
from geoapp.reports import tables

D = dt.date
TZ = "Asia/Shanghai"
CUTOFF = D(2024, 1, 1)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# ---- periods --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "202603", "", "abcd-ef",
                                  "2026-03-01", " 2026-3 ", "0000-01"])
def test_bad_months_name_the_parameter(text):
    with pytest.raises(periods.PeriodError) as info:
        periods.parse_month(text)
    assert info.value.param == "month"


def test_months_have_their_real_last_day():
    assert periods.parse_month("2024-02") == Period(D(2024, 2, 1), D(2024, 2, 29))
    assert periods.parse_month("2026-02").end == D(2026, 2, 28)
    assert periods.parse_month("2026-12").end == D(2026, 12, 31)
    assert periods.parse_month("2026-03").month == "2026-03"
    assert Period(D(2026, 3, 1), D(2026, 3, 30)).month is None
    assert periods.previous_month(periods.parse_month("2026-01")).month == "2025-12"
    assert [p.month for p in periods.months_ending(Period(D(2026, 1, 5), D(2026, 2, 3)), 4)] == \
        ["2025-11", "2025-12", "2026-01", "2026-02"]


@pytest.mark.parametrize("start,end,param", [("", "2026-03-31", "from"),
                                             ("2026-03-01", None, "to"),
                                             ("2026-02-30", "2026-03-31", "from"),
                                             ("2026-03-01", "2026/03/31", "to"),
                                             ("2026-04-01", "2026-03-31", "to")])
def test_bad_ranges_name_the_parameter(start, end, param):
    with pytest.raises(periods.PeriodError) as info:
        periods.parse_range(start, end)
    assert info.value.param == param


def test_a_future_month_is_refused():
    today = D(2026, 3, 15)
    assert periods.not_future(periods.parse_month("2026-03"), today).month == "2026-03"
    with pytest.raises(periods.PeriodError):
        periods.not_future(periods.parse_month("2026-04"), today)


@pytest.mark.parametrize("start,end,param", [("2026-03-01", "2026-03-16", "to"),
                                             ("2026-03-16", "2026-03-20", "from"),
                                             ("2026-03-01", "9999-12-31", "to")])
def test_a_range_ending_after_today_is_refused(start, end, param):
    # the ranking and trend of such a range would be labelled with months yet to come
    with pytest.raises(periods.PeriodError) as info:
        periods.range_not_future(periods.parse_range(start, end), D(2026, 3, 15))
    assert info.value.param == param
    assert periods.range_not_future(periods.parse_range("2026-03-01", "2026-03-15"), D(2026, 3, 15))


@pytest.mark.parametrize("start,end,param", [("0001-01-01", "0001-01-31", "from"),
                                             ("1899-12-01", "2026-01-31", "from"),
                                             ("2026-01-01", "0001-01-31", "to")])
def test_range_years_are_bounded_like_months(start, end, param):
    with pytest.raises(periods.PeriodError) as info:
        periods.parse_range(start, end)
    assert info.value.param == param


def test_the_last_representable_month_does_not_overflow():
    # "first of next month minus one day" overflowed on December 9999 (a 500 on to=9999-12-31)
    assert periods.month_of(D(9999, 12, 31)) == Period(D(9999, 12, 1), D(9999, 12, 31))
    assert periods.parse_month("9999-12").end == D(9999, 12, 31)
    assert periods.parse_range("1900-01-01", "9999-12-31").end == D(9999, 12, 31)
    assert periods.months_ending(periods.parse_month("1900-01"), 36)[0].month == "1897-02"


# ---- history ---------------------------------------------------------------------------


def test_local_day_is_the_configured_time_zone():
    # 23:59:59 Beijing time on 31 March is 15:59:59 UTC; one second later it is April
    assert timeline.local_day(utc(2026, 3, 31, 15, 59, 59), TZ) == D(2026, 3, 31)
    assert timeline.local_day(utc(2026, 3, 31, 16, 0, 0), TZ) == D(2026, 4, 1)
    assert timeline.local_day(utc(2026, 3, 31, 16, 0, 0), "UTC") == D(2026, 3, 31)
    with pytest.raises(ValueError):
        timeline.local_day(dt.datetime(2026, 3, 31, 12), TZ)


def test_history_of_a_hazard_closed_reopened_and_closed_again():
    events = [E(at=utc(2026, 1, 10, 2), to_state="open"),          # created
              E(at=utc(2026, 1, 20, 2), to_state="closed"),        # ledger import: closed
              E(at=utc(2026, 2, 3, 2), to_state="rectifying"),     # re-import reopens it
              E(at=utc(2026, 2, 5, 2), to_state="awaiting_acceptance"),
              E(at=utc(2026, 2, 27, 17), to_state="closed")]       # 28 Feb 01:00 local
    closes, steps = timeline.history(events, "closed", D(2026, 2, 28), D(2026, 1, 10), TZ)
    assert closes == ((D(2026, 1, 20), D(2026, 2, 3)), (D(2026, 2, 28), None))
    r = HazardRecord(1, "general", "inspection", D(2026, 1, 10), D(2026, 3, 1),
                     closes=closes, steps=steps)
    assert [timeline.state_on(r, D(2026, 1, d)) for d in (9, 10, 19, 20, 31)] == \
        [None, "open", "open", "closed", "closed"]
    assert [timeline.state_on(r, D(2026, 2, d)) for d in (2, 3, 4, 5, 27, 28)] == \
        ["closed", "rectifying", "rectifying", "awaiting_acceptance", "awaiting_acceptance",
         "closed"]


def test_closed_and_reopened_within_one_day_is_open_at_its_end():
    events = [E(at=utc(2026, 1, 10, 1), to_state="closed"),
              E(at=utc(2026, 1, 10, 9), to_state="rectifying")]
    closes, _ = timeline.history(events, "rectifying", None, D(2026, 1, 1), TZ)
    assert closes == ()


def test_imported_closed_hazard_closes_on_the_ledger_date_not_the_import_date():
    events = [E(at=utc(2026, 11, 30, 3), to_state="closed")]   # imported much later
    closes, _ = timeline.history(events, "closed", D(2024, 5, 10), D(2023, 6, 1), TZ)
    assert closes == ((D(2024, 5, 10), None),)


# ---- figures ---------------------------------------------------------------------------


def records() -> list[HazardRecord]:
    """Five hazards; March 2026 is the month under test (as in test_reports.py)."""
    return [
        # found 2 Mar, listed major, closed 31 Mar (local): found, closed, delisted in March
        HazardRecord(1, "major", "inspection", D(2026, 3, 2), D(2026, 3, 20), listed=True,
                     state="closed", closes=((D(2026, 3, 31), None),), division="26"),
        # found 10 Mar, deadline 31 Mar, closed 1 Apr: open at March's end, not overdue
        HazardRecord(2, "general", "self_check", D(2026, 3, 10), D(2026, 3, 31),
                     state="closed", closes=((D(2026, 4, 1), None),), division="26"),
        # found 1 Feb, deadline 28 Feb, still open: overdue at March's end
        HazardRecord(3, "general", "public_report", D(2026, 2, 1), D(2026, 2, 28)),
        # stock (found 2023), closed in 2024
        HazardRecord(4, "major", "inspection", D(2023, 6, 1), D(2023, 12, 31),
                     state="closed", closes=((D(2024, 5, 10), None),), division="26"),
        # found 15 Mar, open, deadline in April
        HazardRecord(5, "general", "public_report", D(2026, 3, 15), D(2026, 4, 30)),
    ]


def test_figures_of_a_month_by_hand():
    f = figures.hazard_figures(records(), periods.parse_month("2026-03"), D(2026, 6, 1), CUTOFF)
    assert f["as_of"] == "2026-03-31"
    assert (f["found"], f["closed"], f["open"], f["overdue"]) == (3, 1, 3, 1)
    assert (f["total"], f["closed_total"]) == (5, 2)
    assert f["rectification_rate"] == 0.4
    assert f["avg_days_to_close"] == 29.0          # hazard 1: 2 → 31 March
    assert f["major_open"] == 0
    assert f["by_level"] == {"general": {"found": 2, "closed": 0, "open": 3, "overdue": 1},
                             "major": {"found": 1, "closed": 1, "open": 0, "overdue": 0}}
    assert f["by_source"]["public_report"] == {"found": 1, "closed": 0, "open": 2, "overdue": 1}
    assert f["by_source"]["inspection"] == {"found": 1, "closed": 1, "open": 0, "overdue": 0}
    assert f["by_source"]["self_check"] == {"found": 1, "closed": 0, "open": 1, "overdue": 0}
    assert f["listed"] == {"listed": 1, "delisted": 1, "open": 0, "by_level": {
        "general": {"listed": 0, "delisted": 0, "open": 0},
        "major": {"listed": 1, "delisted": 1, "open": 0}}}
    assert f["zeroing"]["major"] == {"stock_open": 0,
                                     "increment_year": {"found": 1, "closed": 1}}
    assert f["zeroing"]["all"] == {"stock_open": 0, "increment_year": {"found": 4, "closed": 1}}


def test_the_next_month_and_the_running_month():
    april = figures.hazard_figures(records(), periods.parse_month("2026-04"), D(2026, 6, 1), CUTOFF)
    assert (april["found"], april["closed"], april["open"], april["overdue"]) == (0, 1, 2, 1)
    assert april["avg_days_to_close"] == 22.0      # hazard 2: 10 March → 1 April
    # the running month is described at the end of today, not of its last day
    march = periods.parse_month("2026-03")
    running = figures.hazard_figures(records(), march, D(2026, 3, 20), CUTOFF)
    assert running["as_of"] == "2026-03-20"
    # 1, 2, 3 and 5 open; only 3 overdue (1 is due on the 20th itself)
    assert (running["found"], running["open"], running["overdue"]) == (3, 4, 1)


def test_the_deadline_day_itself_is_not_overdue():
    feb = figures.hazard_figures(records(), periods.parse_month("2026-02"), D(2026, 6, 1), CUTOFF)
    assert (feb["open"], feb["overdue"]) == (1, 0)     # hazard 3's deadline is 28 Feb


def test_a_period_of_days():
    period = periods.parse_range("2026-03-10", "2026-03-31")
    f = figures.hazard_figures(records(), period, D(2026, 6, 1), CUTOFF)
    assert (f["found"], f["closed"]) == (2, 1)         # 1 was found on 2 March


def test_listed_hazards_split_by_level():
    # the campaign asks for major hazards listed and de-listed: general ones are apart
    extra = [HazardRecord(6, "general", "inspection", D(2026, 3, 3), D(2026, 3, 30), listed=True,
                          state="closed", closes=((D(2026, 3, 9), None),)),
             HazardRecord(7, "general", "inspection", D(2026, 3, 4), D(2026, 5, 30), listed=True),
             HazardRecord(8, "major", "inspection", D(2026, 1, 4), D(2026, 5, 30), listed=True)]
    march = periods.parse_month("2026-03")
    f = figures.hazard_figures(records() + extra, march, D(2026, 6, 1), CUTOFF)
    assert f["listed"] == {"listed": 3, "delisted": 2, "open": 2, "by_level": {
        "general": {"listed": 2, "delisted": 1, "open": 1},
        "major": {"listed": 1, "delisted": 1, "open": 1}}}


def test_point_counts_per_layer_and_level():
    pts = [E(id=1, layer="enterprise"), E(id=2, layer="enterprise"), E(id=3, layer="idle_site")]
    c = tables.point_counts(pts, {1: "red", 2: "blue", 3: "yellow"},
                               ["enterprise", "idle_site", "confined_space"])
    assert c["enterprise"] == {"red": 1, "orange": 0, "yellow": 0, "blue": 1, "total": 2}
    assert c["confined_space"]["total"] == 0 and c["total"] == 3


def test_division_of_a_code_with_its_section_letter():
    assert [division_of(c) for c in ("C2614", "2614", "c26", "H62")] == ["26", "26", "26", "62"]
    assert [division_of(c) for c in ("A2614", "99", "C", "", None)] == ["", "", "", "", ""]


# ---- the tie rule ----------------------------------------------------------------------


def row(code, closed, total, overdue=0, red=0, name=None):
    return {"code": code, "name": name or code, "closed_total": closed, "total": total,
            "overdue": overdue, "red_cells": red,
            "rectification_rate": round(closed / total, 4) if total else None}


def test_tie_rule_rate_then_overdue_then_red_cells_then_code():
    ranked = ranks.rank([
        row("V5", 9, 10),                 # 90 %
        row("V4", 8, 10, overdue=1),      # 80 %, 1 overdue, 0 red
        row("V3", 4, 5, overdue=1, red=1),  # 80 %, 1 overdue, 1 red
        row("V2", 16, 20, overdue=1),     # 80 %, 1 overdue, 0 red: same as V4, code first
        row("V1", 7, 10),                 # 70 %
        row("V6", 4, 5, overdue=2),       # 80 %, 2 overdue
    ])
    assert [(r["code"], r["rank"]) for r in ranked] == [
        ("V5", 1), ("V2", 2), ("V4", 3), ("V3", 4), ("V6", 5), ("V1", 6)]


def test_rates_compare_exactly_and_no_hazards_counts_as_full():
    # 2/3 and 4/6 are equal (rounded floats could differ); 0 hazards ranks as 100 %
    ranked = ranks.rank([row("B", 4, 6), row("A", 2, 3, red=1), row("C", 0, 0),
                      row("D", 1, 1, overdue=0, red=2)])
    assert [r["code"] for r in ranked] == ["C", "D", "B", "A"]
    assert ranks.TIE_RULE.startswith("按整改率从高到低排名")


def test_a_village_without_a_code_ranks_by_its_name_among_the_codes():
    # "按代码（无代码时按名称）升序": the name stands where the code would, not ahead of all codes
    ranked = ranks.rank([row(None, 1, 2, name="Z村"), row("B01", 1, 2),
                         row(None, 1, 2, name="A村")])
    assert [r["code"] or r["name"] for r in ranked] == ["A村", "B01", "Z村"]


def test_month_on_month_change():
    now = ranks.rank([row("A", 9, 10), row("B", 5, 10), row("C", 1, 1)])
    before = ranks.rank([row("A", 5, 10), row("B", 9, 10)])
    ranks.compare(now, before)
    by = {r["code"]: r for r in now}
    assert (by["A"]["rank"], by["A"]["prev_rank"], by["A"]["rank_change"]) == (2, 2, 0)
    assert (by["B"]["rank"], by["B"]["prev_rank"], by["B"]["rank_change"]) == (3, 1, -2)
    assert by["A"]["rate_change"] == 40.0 and by["B"]["rate_change"] == -40.0
    assert by["C"]["prev_rank"] is None and by["C"]["rank_change"] is None


# ---- every hazard on a day at once (geoapp.domain.timeline) -----------------------------------


def test_timeline_agrees_with_state_on_every_day():

    from geoapp.domain import workflow
    from geoapp.domain.timeline import Timeline, history, state_on

    events = [E(at=utc(2026, 1, 10, 2), to_state="open"),
              E(at=utc(2026, 1, 20, 2), to_state="closed"),
              E(at=utc(2026, 2, 3, 2), to_state="rectifying"),
              E(at=utc(2026, 2, 5, 2), to_state="awaiting_acceptance"),
              E(at=utc(2026, 2, 27, 17), to_state="closed")]
    closes, steps = history(events, "closed", D(2026, 2, 28), D(2026, 1, 10), TZ)
    rs = [*records(), HazardRecord(9, "general", "inspection", D(2026, 1, 10), D(2026, 3, 1),
                                   closes=closes, steps=steps)]
    # made by hand, not from the database: steps out of date order, a "closed" step
    rs.append(HazardRecord(10, "major", "inspection", D(2026, 1, 5), D(2026, 2, 1),
                           steps=((D(2026, 2, 10), "awaiting_acceptance"),
                                  (D(2026, 1, 20), "rectifying"))))
    rs.append(HazardRecord(11, "major", "inspection", D(2026, 1, 5), D(2026, 2, 1),
                           steps=((D(2026, 1, 6), "closed"), (D(2026, 1, 9), "rectifying"))))
    rs += random_records(200)
    tl = Timeline(rs)
    day = D(2025, 11, 25)
    while day <= D(2026, 7, 1):
        assert tl.states(day) == [state_on(r, day) for r in rs], day
        overdue = [s is not None and workflow.is_overdue(s, r.deadline, day)
                   for r, s in zip(rs, tl.states(day), strict=True)]
        assert tl.overdue(day).tolist() == overdue, day
        day += dt.timedelta(days=1)


def random_records(n: int, seed: int = 7) -> list[HazardRecord]:
    """Random histories: steps, closes (some reopened, some twice), none; both levels."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(n):
        found = D(2023, 11, 1) + dt.timedelta(days=rng.randrange(900))
        days = sorted(found + dt.timedelta(days=rng.randrange(90))
                      for _ in range(rng.randrange(5)))
        steps = tuple((d, rng.choice(["open", "rectifying", "awaiting_acceptance"]))
                      for d in days)
        start = found + dt.timedelta(days=rng.randrange(100))
        again = start + dt.timedelta(days=rng.randrange(1, 20))
        closes = rng.choice([(), ((start, None),), ((start, again),),
                             ((start, again), (again + dt.timedelta(days=3), None))])
        out.append(HazardRecord(100 + i, rng.choice(["general", "major"]),
                                rng.choice(["self_check", "inspection", "public_report"]),
                                found, found + dt.timedelta(days=rng.randrange(-5, 60)),
                                listed=rng.random() < 0.3, closes=closes, steps=steps))
    return out


def test_grouped_figures_are_hazard_figures_of_each_group():
    import random

    import numpy as np

    from geoapp.domain.timeline import Timeline
    from geoapp.reports.groupfigures import grouped_figures

    rs = [*records(), *random_records(400)]
    tl = Timeline(rs)
    rng = random.Random(3)
    group = np.array([rng.randrange(-1, 12) for _ in rs])           # -1: in no group
    for period, today in ((periods.parse_month("2026-03"), D(2026, 6, 1)),
                          (periods.parse_month("2026-01"), D(2026, 1, 15)),   # the running month
                          (periods.parse_range("2024-02-10", "2025-07-01"), D(2026, 6, 1)),
                          (periods.parse_month("2023-10"), D(2026, 6, 1))):
        got = grouped_figures(tl, rs, group, 13, period, today, CUTOFF)
        for k in range(13):
            mine = [r for r, g in zip(rs, group.tolist(), strict=True) if g == k]
            want = figures.hazard_figures(mine, period, today, CUTOFF)
            assert got[k] == want and list(got[k]) == list(want), (period, k)
