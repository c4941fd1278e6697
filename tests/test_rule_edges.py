"""Edges of the pure rules that mutation testing found unchecked (docs/quality.md).

Each test pins a boundary or a user-facing message exactly, written by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from geoapp import rectification, risk
from geoapp import statistics as st
from geoapp.identifiers import uscc_check_char, uscc_problem
from geoapp.layers import RiskSpec, Rule
from geoapp.major_hazard import (
    _exact,
    _split_items,
    alpha_for_people,
    assess,
    load_substances,
    parse_substances,
)
from geoapp.resources import bundled

D = dt.date


# ---------------------------------------------------------------- identifiers


@pytest.mark.parametrize("first", ["9132020", "91320205MA000000QQ"])
def test_check_char_needs_exactly_17_characters(first):
    with pytest.raises(ValueError):
        uscc_check_char(first)


def test_every_forbidden_letter_is_named():
    assert uscc_problem("91320205IO000000Q0") == (
        "统一社会信用代码含非法字符 IO（不得含 I、O、Z、S、V）")


# ---------------------------------------------------------------- risk


def test_missing_rule_counts_an_empty_tuple_as_missing():
    spec = RiskSpec(default="blue", rules=(Rule(field="permit", missing=True, level="yellow"),))
    for empty in (None, "", [], ()):
        assert risk.inherent_level({"permit": empty}, spec) == "yellow", empty
    assert risk.inherent_level({"permit": ("有",)}, spec) == "blue"


# ---------------------------------------------------------------- stock and increment


def test_a_hazard_found_on_the_cutoff_day_is_increment_not_stock():
    cutoff = D(2024, 1, 1)
    hs = [SimpleNamespace(found_on=cutoff, state="open"),
          SimpleNamespace(found_on=D(2023, 12, 31), state="open")]
    assert rectification.zeroing(hs, D(2024, 6, 1), cutoff) == {
        "stock_open": 1, "increment_year": {"found": 1, "closed": 0}}


# ---------------------------------------------------------------- periods


def test_period_messages_and_a_one_day_range():
    assert st.parse_range("2026-03-05", "2026-03-05").to_dict()["to"] == "2026-03-05"
    with pytest.raises(st.PeriodError) as bad:
        st.parse_range(None, "2026-03-05")
    assert (bad.value.param, bad.value.message) == (
        "from", "日期须为 YYYY-MM-DD 格式的有效日期（1900 年以后）")
    with pytest.raises(st.PeriodError) as bad:
        st.parse_range("2026-03-06", "2026-03-05")
    assert (bad.value.param, bad.value.message) == ("to", "结束日期不能早于开始日期")
    for start, end, param, message in [
        ("2026-05-01", "2026-05-02", "from", "开始日期不能晚于今天（2026-04-30）"),
        ("2026-04-01", "2026-05-01", "to", "结束日期不能晚于今天（2026-04-30）"),
    ]:
        with pytest.raises(st.PeriodError) as bad:
            st.range_not_future(st.parse_range(start, end), D(2026, 4, 30))
        assert (bad.value.param, bad.value.message) == (param, message)


# ---------------------------------------------------------------- major hazards


@pytest.mark.parametrize(("text", "items"), [
    ("1,3-丁二烯:10,氯:1", ["1,3-丁二烯:10", "氯:1"]),  # a comma between digits in a name stays
    ("甲,1:5", ["甲", "1:5"]),  # no digit before the comma: a separator
    ("1,甲", ["1", "甲"]),  # no digit after it
    (",1:5", ["1:5"]),  # at the very start
    ("12,", ["12"]),  # at the very end
    ("1,3", ["1,3"]),  # the last-but-one character
])
def test_split_items_commas(text, items):
    assert _split_items(text) == items


@pytest.fixture(scope="module")
def table():
    return load_substances(bundled("layers") / "substances.toml")


def test_smallest_valid_threshold_and_beta_are_accepted(table):
    # explicit Q 0.5 t and β 1 (the least allowed): S = 1/0.5 = 2, R = 0.5 · 1 · 2 = 1 (nobody)
    items = parse_substances("甲:1:0.5:1")
    result = assess(items, 0, table)
    assert (result.s, result.r, result.grade) == (2.0, 1.0, "四级")


def test_exact_arithmetic_on_int_fraction_and_decimal_quantities(table):
    # S = 3/1 + 1/4 with int quantities: 3.25 exactly; R = 0.5 · (1 · 3 + 2 · 0.25) = 1.75
    result = assess([("甲", 3, 1, 1), ("乙", 1, 4, 2)], 0, table)
    assert (result.s, result.r) == (3.25, 1.75)
    assert assess([("甲", Fraction(1, 3), Fraction(1, 3), 1)], 120, table).s == 1.0
    assert _exact(Decimal("0.1")) == Fraction(1, 10) and _exact(0.1) == Fraction(1, 10)


@pytest.mark.parametrize(("call", "message"), [
    (lambda t: parse_substances(12), "危险物质应为文字，而不是 12"),
    (lambda t: parse_substances(" "), "未给出危险物质"),
    (lambda t: alpha_for_people(None), "缺少500米内人数"),
    (lambda t: assess([], 10, t), "未给出危险物质"),
    (lambda t: assess([("甲", 1)], 10, t),
     "危险物质条目应为 (名称, 数量, 临界量, β)，而不是 ('甲', 1)"),
    (lambda t: assess([("无名物质", 1, None, None)], 10, t),
     "危险物质“无名物质”不在临界量表中，请在台账中给出临界量和校正系数（名称:数量:临界量:校正系数）"),
])
def test_major_hazard_messages(table, call, message):
    with pytest.raises(ValueError) as error:
        call(table)
    assert str(error.value) == message
