"""The rules of a supervisory measure (geoapp.domain.measures), with hand-made dates."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.domain import measures
from geoapp.domain.measures import MeasureInputError, check, check_target

TODAY = dt.date(2026, 4, 15)


def fields(**change) -> dict:
    return {"kind": "letter", "date": "2026-04-10", "unit": "示范镇安监站",
            "recipient": "某公司（虚构）", **change}


def test_the_six_kinds_have_the_plans_labels_in_order():
    assert [measures.KIND_LABELS[k] for k in measures.KINDS] == [
        "函告", "通报", "约谈", "曝光", "三函一会", "移送执法"]
    assert measures.labels_in_order()[-1] == ("referral", "移送执法")


def test_a_good_measure_is_checked_and_trimmed():
    got = check(fields(unit=" 示范镇安监站 ", note=" 限期十日 "), TODAY)
    assert got == measures.MeasureFields(kind="letter", date=dt.date(2026, 4, 10),
                                         unit="示范镇安监站", recipient="某公司（虚构）",
                                         note="限期十日", referred_to=None)


def test_a_referral_names_the_department_it_went_to():
    got = check(fields(kind="referral", referred_to="县应急管理局执法大队"), TODAY)
    assert got.referred_to == "县应急管理局执法大队"
    with pytest.raises(MeasureInputError) as missing:
        check(fields(kind="referral"), TODAY)
    assert missing.value.field == "referred_to"
    with pytest.raises(MeasureInputError) as stray:
        check(fields(referred_to="县应急管理局"), TODAY)
    assert stray.value.field == "referred_to"


@pytest.mark.parametrize("date, ok", [
    ("2026-04-15", True),    # today
    ("2026-04-16", False),   # tomorrow
    ("2026-04-01", True),    # the hazard's found day
    ("2026-03-31", False),   # the day before it was found
    ("1949-09-30", False),   # before any ledger
    ("2026-02-30", False),
    ("20260410", False),
])
def test_the_date_is_between_the_hazards_found_day_and_today(date, ok):
    found_on = dt.date(2026, 4, 1)
    if ok:
        assert check(fields(date=date), TODAY, found_on=found_on).date.isoformat() == date
    else:
        with pytest.raises(MeasureInputError) as info:
            check(fields(date=date), TODAY, found_on=found_on)
        assert info.value.field == "date"


def test_a_closed_hazards_measure_is_not_after_its_close_out():
    closed = dt.date(2026, 4, 12)
    assert check(fields(date="2026-04-12"), TODAY, closed_on=closed).date == closed
    with pytest.raises(MeasureInputError, match="2026-04-12 销号"):
        check(fields(date="2026-04-13"), TODAY, closed_on=closed)


@pytest.mark.parametrize("change, field", [
    ({"kind": "warning"}, "kind"), ({"kind": 3}, "kind"),
    ({"unit": ""}, "unit"), ({"unit": "单" * 201}, "unit"), ({"unit": 5}, "unit"),
    ({"recipient": "  "}, "recipient"), ({"recipient": "人" * 201}, "recipient"),
    ({"note": "说" * 2001}, "note"),
])
def test_each_bad_field_is_named(change, field):
    with pytest.raises(MeasureInputError) as info:
        check(fields(**change), TODAY)
    assert info.value.field == field


def test_the_limits_themselves_pass():
    got = check(fields(unit="单" * 200, recipient="人" * 200, note="说" * 2000), TODAY)
    assert (len(got.unit), len(got.recipient), len(got.note)) == (200, 200, 2000)


@pytest.mark.parametrize("enterprise_id, hazard_id, expected", [
    (5, None, ("enterprise", 5)), (None, 7, ("hazard", 7)), ("12", "", ("enterprise", 12)),
    (None, None, "enterprise_id"), (5, 7, "hazard_id"), (0, None, "enterprise_id"),
    (True, None, "enterprise_id"), (None, "七", "hazard_id"), (None, 2**31, "hazard_id"),
])
def test_exactly_one_target(enterprise_id, hazard_id, expected):
    if isinstance(expected, tuple):
        assert check_target(enterprise_id, hazard_id) == expected
    else:
        with pytest.raises(MeasureInputError) as info:
            check_target(enterprise_id, hazard_id)
        assert info.value.field == expected


def test_who_records_measures():
    assert [r for r in ("leader", "grid", "planner", "admin", "supervisor")
            if measures.may_record(r)] == ["leader", "admin", "supervisor"]
