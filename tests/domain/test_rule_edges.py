"""Edges of the pure rules that mutation testing found unchecked (docs/quality.md).

Each test pins a boundary or a user-facing message exactly, written by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest

from geoapp.domain import hazard_input, periods, risk, workflow
from geoapp.domain.identifiers import uscc_check_char, uscc_problem
from geoapp.domain.layers import RiskSpec, Rule
from geoapp.domain.major_hazard import (
    _exact,
    _split_items,
    alpha_for_people,
    assess,
    parse_substances,
)
from geoapp.domain.substances import load_substances
from geoapp.resources import bundled
from geoapp.store import hazards

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
    assert workflow.zeroing(hs, D(2024, 6, 1), cutoff) == {
        "stock_open": 1, "increment_year": {"found": 1, "closed": 0}}


# ---------------------------------------------------------------- periods


def test_period_messages_and_a_one_day_range():
    assert periods.parse_range("2026-03-05", "2026-03-05").to_dict()["to"] == "2026-03-05"
    with pytest.raises(periods.PeriodError) as bad:
        periods.parse_range(None, "2026-03-05")
    assert (bad.value.param, bad.value.message) == (
        "from", "日期须为 YYYY-MM-DD 格式的有效日期（1900 年以后）")
    with pytest.raises(periods.PeriodError) as bad:
        periods.parse_range("2026-03-06", "2026-03-05")
    assert (bad.value.param, bad.value.message) == ("to", "结束日期不能早于开始日期")
    for start, end, param, message in [
        ("2026-05-01", "2026-05-02", "from", "开始日期不能晚于今天（2026-04-30）"),
        ("2026-04-01", "2026-05-01", "to", "结束日期不能晚于今天（2026-04-30）"),
    ]:
        with pytest.raises(periods.PeriodError) as bad:
            periods.range_not_future(periods.parse_range(start, end), D(2026, 4, 30))
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


# ---------------------------------------------------------------- hazard dates and codes


def test_hazard_date_window_edges_and_messages():
    from geoapp.domain.hazarddates import latest_deadline, problems

    today = D(2026, 4, 15)
    assert latest_deadline(today) == D(2036, 4, 15)
    assert latest_deadline(D(2028, 2, 29)) == D(2038, 2, 28)
    # every edge of the window is inside it
    assert problems(D(1949, 10, 1), D(1949, 10, 1), D(1949, 10, 1), today) == []
    assert problems(D(2026, 4, 15), D(2036, 4, 15), D(2026, 4, 15), today) == []
    assert problems(None, None, None, today) == []
    # one day past each edge, with the message the user reads
    assert problems(D(1949, 9, 30), None, None, today) == [("found_on", "不能早于 1949-10-01")]
    assert problems(None, None, D(1949, 9, 30), today) == [("closed_on", "不能早于 1949-10-01")]
    assert problems(D(2026, 4, 16), None, D(2026, 4, 16), today) == [
        ("found_on", "不能晚于今天（2026-04-15）"), ("closed_on", "不能晚于今天（2026-04-15）")]
    # a deadline may lie in the future (up to ten years), only not before the found date
    assert problems(None, D(2030, 1, 1), None, today) == []
    assert problems(None, D(2036, 4, 16), None, today) == [
        ("deadline", "不能晚于 2036-04-15（今天起 10 年内）")]
    assert problems(D(2026, 4, 10), D(2026, 4, 9), D(2026, 4, 9), today) == [
        ("deadline", "不能早于发现日期"), ("closed_on", "不能早于发现日期")]
    assert problems(D(2026, 4, 10), D(2026, 4, 10), D(2026, 4, 10), today) == []
    # with no found date, nothing is compared with it
    assert problems(None, D(2000, 1, 1), D(2000, 1, 1), today) == []


@pytest.mark.parametrize("code, parts", [
    ("YH20260415-012", ("20260415", 12)),
    ("YH20260415-7", ("20260415", 7)),
    ("XC20260415-012", (None, 0)),
    ("20260415-012", (None, 0)),
    ("YH20260415012", (None, 0)),
    ("YH2026041-012", (None, 0)),
    ("YH202604150-012", (None, 0)),
    ("YH2026041x-012", (None, 0)),
    ("YH20260415-01a", (None, 0)),
    ("YH20260415-", (None, 0)),
    ("YH２０２６０４１５-012", (None, 0)),  # full-width digits are digits to Python, not to us
    ("YH20260415-０１２", (None, 0)),
])
def test_generated_code_parts(code, parts):
    from geoapp.store.hazardcodes import _code_parts

    assert _code_parts(code) == parts


# ---------------------------------------------------------------- a new hazard's fields

TODAY = D(2026, 4, 15)
GOOD = {"level": "general", "source": "inspection", "description": "  消防通道堵塞  ",
        "found_on": "2026-04-10", "deadline": "2026-05-10"}


def test_check_fields_returns_the_columns():
    assert hazard_input.check_fields(dict(GOOD), TODAY) == {
        "level": "general", "source": "inspection", "description": "消防通道堵塞",
        "found_on": D(2026, 4, 10), "deadline": D(2026, 5, 10), "listed": False,
        "plan": None, "responsible_unit": None, "responsible_person": None}
    with pytest.raises(hazard_input.HazardInputError) as refused:  # a listing step, not a field
        hazard_input.check_fields({**GOOD, "listed": True}, TODAY)
    assert refused.value.field == "listed"
    full = {**GOOD, "level": "major", "listed": False, "found_on": D(2026, 4, 15),
            "deadline": D(2026, 4, 15), "responsible_unit": " 某化工厂 ",
            "responsible_person": "张三",
            "plan": {"goal": " 清理通道 ", "measures": "", "funds": None,
                     "emergency_plan": "预案"}}
    assert hazard_input.check_fields(full, TODAY) == {
        "level": "major", "source": "inspection", "description": "消防通道堵塞",
        "found_on": D(2026, 4, 15), "deadline": D(2026, 4, 15), "listed": False,
        "plan": {"goal": "清理通道", "emergency_plan": "预案"},
        "responsible_unit": "某化工厂", "responsible_person": "张三"}
    # listed: null means not listed; an empty plan means none
    assert hazard_input.check_fields({**GOOD, "listed": None, "plan": {}}, TODAY)[
        "listed"] is False
    blank_plan = {**GOOD, "level": "major", "plan": {"goal": " ", "funds": ""}}
    assert hazard_input.check_fields(blank_plan, TODAY)["plan"] is None
    for source in ("self_check", "public_report"):
        assert hazard_input.check_fields({**GOOD, "source": source}, TODAY)["source"] == source


@pytest.mark.parametrize("change, field, message", [
    ({"colour": "red"}, "colour", "未知字段"),
    ({"aaa": 1, "zzz": 2}, "aaa", "未知字段"),
    ({"level": None}, "level", "隐患等级须为 general（一般）或 major（重大）"),
    ({"level": "一般"}, "level", "隐患等级须为 general（一般）或 major（重大）"),
    ({"source": "rumour"}, "source",
     "隐患来源须为 self_check（企业自查）、inspection（督导检查）、public_report（群众举报）"),
    ({"description": "   "}, "description", "不能为空"),
    ({"description": None}, "description", "不能为空"),
    ({"description": 5}, "description", "须为文本"),
    ({"description": "字" * 2001}, "description", "不能超过 2000 个字符"),
    ({"responsible_unit": "单" * 201}, "responsible_unit", "不能超过 200 个字符"),
    ({"responsible_person": "人" * 101}, "responsible_person", "不能超过 100 个字符"),
    ({"responsible_person": ["张三"]}, "responsible_person", "须为文本"),
    ({"found_on": None}, "found_on", "不能为空"),
    ({"found_on": ""}, "found_on", "不能为空"),
    ({"deadline": "20260510"}, "deadline", "日期须为 YYYY-MM-DD 格式的有效日期"),
    ({"deadline": "2026-02-30"}, "deadline", "日期须为 YYYY-MM-DD 格式的有效日期"),
    ({"deadline": "2026-05-10T00:00"}, "deadline", "日期须为 YYYY-MM-DD 格式的有效日期"),
    ({"deadline": dt.datetime(2026, 5, 10)}, "deadline", "日期须为 YYYY-MM-DD 格式的有效日期"),
    ({"deadline": 20260510}, "deadline", "日期须为 YYYY-MM-DD 格式的有效日期"),
    ({"found_on": "2026-04-16"}, "found_on", "发现日期不能晚于今天（2026-04-15）"),
    ({"found_on": "2026-04-16", "deadline": "2026-04-01"}, "found_on",
     "发现日期不能晚于今天（2026-04-15）"),
    ({"deadline": "2026-04-09"}, "deadline", "整改期限不能早于发现日期"),
    ({"listed": "yes"}, "listed", "挂牌督办须为 true 或 false"),
    ({"listed": 1}, "listed", "挂牌督办须为 true 或 false"),
    ({"plan": {"goal": "x"}}, "plan", "只有重大事故隐患填写治理方案"),
    ({"level": "major", "plan": ["x"]}, "plan", "治理方案须为 JSON 对象"),
    ({"level": "major", "plan": {"goal": "x", "budget": 1, "aim": 2}}, "plan.aim", "未知字段"),
    ({"level": "major", "plan": {"funds": 100}}, "plan.funds", "须为文本"),
    ({"level": "major", "plan": {"measures": "措" * 2001}}, "plan.measures",
     "不能超过 2000 个字符"),
])
def test_check_fields_names_the_first_bad_field(change, field, message):
    with pytest.raises(hazard_input.HazardInputError) as err:
        hazard_input.check_fields({**GOOD, **change}, TODAY)
    assert (err.value.field, err.value.message) == (field, message)
    assert str(err.value) == f"{field}: {message}"


def test_check_fields_refuses_a_body_that_is_not_an_object():
    with pytest.raises(hazard_input.HazardInputError) as err:
        hazard_input.check_fields(["level"], TODAY)
    assert (err.value.field, err.value.message) == ("body", "须为 JSON 对象")


def test_the_longest_texts_are_accepted():
    values = hazard_input.check_fields(
        {**GOOD, "description": "字" * 2000, "responsible_unit": "单" * 200,
         "responsible_person": "人" * 100}, TODAY)
    assert (len(values["description"]), len(values["responsible_unit"]),
            len(values["responsible_person"])) == (2000, 200, 100)


def test_plan_note_lists_the_plan_in_its_fixed_order():
    assert hazard_input.plan_note(None) == ""
    assert hazard_input.plan_note({}) == ""
    assert hazard_input.plan_note({"emergency_plan": "预案", "goal": "清理通道"}) == (
        "治理方案（五到位）\n治理目标和任务：清理通道\n安全措施和应急预案：预案")


def test_move_keeps_the_note_and_names_what_is_wrong(database, rules):
    from tests.support.apps import add_shop

    point_id = add_shop(database)
    with database.transaction() as s:
        hazard = hazards.create_hazard(s, rules, point_id, dict(GOOD), "甲", TODAY)
        assert hazard.code == "YH20260415-001"
        hazard_id = hazard.id
    with database.transaction() as s:
        hazards.move(s, rules, hazard_id, "start", "乙", role="grid")
        hazard = hazards.move(s, rules, hazard_id, "submit", "乙", "已清理", role="grid")
        assert [(e.action, e.note) for e in hazard.events] == [
            ("create", ""), ("start", ""), ("submit", "已清理")]
        version = hazard.version
    with database.transaction() as s:
        with pytest.raises(hazards.VersionConflict) as err:
            hazards.move(s, rules, hazard_id, "accept", "丙", "合格", expected_version=version - 1,
                         role="supervisor")
        assert str(err.value) == f"hazard changed meanwhile (now version {version})"
        with pytest.raises(LookupError) as missing:
            hazards.move(s, rules, hazard_id + 1000, "accept", "丙", "合格", role="supervisor")
        assert str(missing.value) == f"no hazard {hazard_id + 1000}"
