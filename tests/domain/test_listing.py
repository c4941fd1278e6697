"""挂牌督办's pure rules: the working-day clocks over holidays, weekends and 调休 working
days, the listing's fields, and the supervision.toml file's validation."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from geoapp.domain import listing
from geoapp.domain.layers import LayerFileError, ListingRule, WorkCalendar, load_rules
from geoapp.resources import bundled

d = dt.date
# National Day 2026 as the State Council set it: 1–7 Oct off, Saturday 10 Oct worked
GOLDEN_WEEK = WorkCalendar(holidays=tuple(d(2026, 10, n) for n in range(1, 8)),
                           workdays=(d(2026, 10, 10),))


def test_five_working_days_over_a_holiday_a_weekend_and_a_made_up_working_day():
    # listed Tuesday 29 Sep: 30 Sep (1), holiday 1–7 Oct, 8 Oct (2), 9 Oct (3),
    # Saturday 10 Oct worked (4), Sunday 11 Oct off, Monday 12 Oct (5)
    assert listing.add_working_days(d(2026, 9, 29), 5, GOLDEN_WEEK) == d(2026, 10, 12)
    # without the made-up Saturday the fifth working day is the Tuesday
    no_makeup = WorkCalendar(holidays=GOLDEN_WEEK.holidays)
    assert listing.add_working_days(d(2026, 9, 29), 5, no_makeup) == d(2026, 10, 13)
    # without any holiday: plain Monday to Friday
    assert listing.add_working_days(d(2026, 9, 29), 5, WorkCalendar()) == d(2026, 10, 6)
    assert listing.is_working_day(d(2026, 10, 10), GOLDEN_WEEK)
    assert not listing.is_working_day(d(2026, 10, 11), GOLDEN_WEEK)
    assert not listing.is_working_day(d(2026, 10, 5), GOLDEN_WEEK)  # a Monday, but a holiday


def test_the_bundled_calendar_is_the_2026_one():
    calendar = load_rules(bundled("layers")).supervision.calendar
    assert listing.add_working_days(d(2026, 9, 29), 5, calendar) == d(2026, 10, 12)
    # Spring Festival: listed Friday 13 Feb; Saturday 14 Feb worked (1), 15–23 Feb off,
    # 24 (2), 25 (3), 26 (4), 27 Feb (5)
    assert listing.add_working_days(d(2026, 2, 13), 5, calendar) == d(2026, 2, 27)


def test_a_step_on_a_day_off_counts_from_the_next_working_day():
    # listed on Saturday 3 Oct (a holiday): 8, 9, 10 (made up), 12, 13 Oct
    assert listing.add_working_days(d(2026, 10, 3), 5, GOLDEN_WEEK) == d(2026, 10, 13)
    assert listing.add_working_days(d(2026, 4, 11), 1, WorkCalendar()) == d(2026, 4, 13)


@pytest.mark.parametrize("published, today, late", [
    (None, d(2026, 10, 12), False),          # the due day itself is still in time
    (None, d(2026, 10, 13), True),           # not published, due date passed
    (d(2026, 10, 12), d(2026, 12, 1), False),
    (d(2026, 10, 13), d(2026, 12, 1), True),  # published a day late stays late
])
def test_publication_clock(published, today, late):
    clock = listing.clock(d(2026, 9, 29), published, 5, GOLDEN_WEEK, today)
    assert clock == {"due_on": d(2026, 10, 12), "late": late}


def test_a_listing_of_unknown_date_has_no_clock():
    assert listing.clock(None, None, 5, GOLDEN_WEEK, d(2030, 1, 1)) == {"due_on": None,
                                                                       "late": None}


GOOD = {"level": "town", "unit": "示范镇安监站", "deadline": "2026-10-31"}


@pytest.mark.parametrize("change, field", [
    ({"level": "province"}, "level"), ({"level": None}, "level"), ({"level": 1}, "level"),
    ({"unit": ""}, "unit"), ({"unit": "  "}, "unit"), ({"unit": ["x"]}, "unit"),
    ({"unit": "单" * 201}, "unit"),
    ({"deadline": None}, "deadline"), ({"deadline": "20261031"}, "deadline"),
    ({"deadline": "2026-W44-1"}, "deadline"), ({"deadline": "2026-02-30"}, "deadline"),
    ({"deadline": "2026-09-28"}, "deadline"),  # before the listing
    ({"deadline": "2027-09-30"}, "deadline"),  # more than 365 days after it
    ({"note": 5}, "note"), ({"colour": "red"}, "colour"),
])
def test_bad_listing_fields_name_the_field(change, field):
    with pytest.raises(listing.ListingInputError) as info:
        listing.check_listing({**GOOD, **change}, d(2026, 9, 29), ListingRule())
    assert info.value.field == field


def test_the_deadline_may_be_a_year_after_listing_and_the_limit_is_policy():
    today = d(2026, 9, 29)
    assert listing.check_listing({**GOOD, "deadline": "2027-09-29"}, today,
                                 ListingRule())["deadline"] == d(2027, 9, 29)
    with pytest.raises(listing.ListingInputError):
        listing.check_listing({**GOOD, "deadline": "2026-12-29"}, today,
                              ListingRule(max_deadline_days=60))


def test_publication_date_is_not_in_the_future():
    with pytest.raises(listing.ListingInputError) as info:
        listing.check_publication({"kind": "listed", "date": "2026-09-30"}, d(2026, 9, 29))
    assert info.value.field == "date"
    with pytest.raises(listing.ListingInputError) as info:
        listing.check_publication({"kind": "both", "date": "2026-09-29"}, d(2026, 9, 29))
    assert info.value.field == "kind"


@pytest.mark.parametrize("text, why", [
    ('[listing]\nroles = ["grid", "supervisor"]\n', "grid members may not list"),
    ("[listing]\nmax_deadline_days = 0\n", "max_deadline_days"),
    ("[calendar]\nworkdays = [2026-10-09]\n", "is a weekday"),
    ("[calendar]\nholidays = [2026-10-10]\nworkdays = [2026-10-10]\n",
     "both a holiday and a working day"),
    ("[calendar]\nholidays = ['soon']\n", "calendar.holidays.0"),
    ("[listing]\npublish_within = 5\n", "publish_within"),
])
def test_supervision_file_is_validated(tmp_path, text, why):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    (folder / "supervision.toml").write_text(text, encoding="utf-8")
    with pytest.raises(LayerFileError, match=why) as info:
        load_rules(folder)
    assert "supervision.toml" in str(info.value)


def test_without_a_supervision_file_the_defaults_apply(tmp_path):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    (folder / "supervision.toml").unlink()
    supervision = load_rules(folder).supervision
    assert supervision.listing == ListingRule() and supervision.calendar == WorkCalendar()
    assert supervision.listing.roles == ("supervisor", "leader", "admin")
    assert supervision.listing.publish_within_working_days == 5
