"""Edges of domain/periods.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

import datetime as dt

import pytest

from geoapp.domain.periods import Period, PeriodError, not_future, parse_month, parse_range

D = dt.date


def test_to_dict_names_from_to_and_the_kind():
    assert parse_month("2024-02").to_dict() == {
        "from": "2024-02-01", "to": "2024-02-29", "month": "2024-02", "quarter": None,
        "year": None, "kind": "month", "label": "2024-02"}
    assert Period(D(2026, 1, 5), D(2026, 1, 31)).to_dict() == {
        "from": "2026-01-05", "to": "2026-01-31", "month": None, "quarter": None,
        "year": None, "kind": "range", "label": "2026-01-05 至 2026-01-31"}


@pytest.mark.parametrize("text", [None, "", "2026-3", "2026-00", "1899-12"])
def test_a_bad_month_is_refused_with_its_message(text):
    with pytest.raises(PeriodError) as info:
        parse_month(text, "prev")
    assert (info.value.param, info.value.message) == (
        "prev", "月份须为 YYYY-MM 格式的有效月份（如 2026-03）")


def test_parse_range_names_a_missing_date():
    with pytest.raises(PeriodError) as info:
        parse_range("2026-01-01", None)
    assert (info.value.param, info.value.message) == (
        "to", "日期须为 YYYY-MM-DD 格式的有效日期（1900 年以后）")


def test_a_month_starting_today_is_not_future():
    april = parse_month("2026-04")
    assert not_future(april, D(2026, 4, 1)) is april
    with pytest.raises(PeriodError) as info:
        not_future(april, D(2026, 3, 31))
    assert (info.value.param, info.value.message) == (
        "month", "不能晚于今天（2026-03-31）所在的月份")
