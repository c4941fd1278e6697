"""定级依据 (geoapp.domain.reasons) on hand-made rules: a point's and an area's reasons agree
with the levels the engine (geoapp.domain.risk) gives, and their texts say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoapp.domain import reasons, risk
from geoapp.domain.inspection import ChecklistItem, InspectionSpec
from geoapp.domain.layers import (
    AreaRule,
    AreaScore,
    Escalation,
    FieldSpec,
    Level,
    RiskFile,
    RiskSpec,
    Rule,
    Rules,
    TableFile,
    ZoneRule,
)

SHOP = TableFile(
    layer="shop", label="商店", label_en="Shop", key=("name",),
    fields=(FieldSpec(name="name", label="名称", type="str"),
            FieldSpec(name="industry", label="行业", label_en="Industry", type="str"),
            FieldSpec(name="tanks", label="储罐数", type="float"),
            FieldSpec(name="goods", label="经营品种", type="choices",
                      choices=("烟花", "液化气", "日杂")),
            FieldSpec(name="licence", label="许可证", type="str")),
    risk=RiskSpec(default="yellow", rules=(
        Rule(field="industry", prefix=("26",), level="orange"),
        Rule(field="tanks", gte=3, level="red"),
        Rule(field="goods", contains_any=("烟花", "液化气"), level="red"),
        Rule(field="licence", missing=True, level="orange"),
    )),
    inspection=InspectionSpec(every_days=30, checklist=(ChecklistItem(key="exits", label="通道"),)))


def make_risk(open_major_is_red=True, area=None) -> RiskFile:
    return RiskFile(
        levels=(Level(code="red", label="重大风险", label_en="Major", colour="#e60012"),
                Level(code="orange", label="较大风险", label_en="Significant", colour="#f39800"),
                Level(code="yellow", label="一般风险", label_en="General", colour="#ffe100"),
                Level(code="blue", label="低风险", label_en="Low", colour="#0068b7")),
        escalation=Escalation(open_major_hazard_is_red=open_major_is_red),
        area=area or AreaRule(), zones=ZoneRule(grade_levels={
            "A": "red", "B": "orange", "C": "yellow", "D": "blue"}))


def make_rules(**kw) -> Rules:
    return Rules(folder=Path("."), layers={"shop": SHOP}, tables={}, risk=make_risk(**kw))


SCORE = AreaRule(rule="score", score=AreaScore(
    weights={"red": 10, "orange": 4, "yellow": 1, "blue": 0},
    thresholds={"red": 12, "orange": 4, "yellow": 2}))


def test_every_matching_rule_at_the_inherent_level_is_named_and_the_lower_ones_are_not():
    rules = make_rules()
    attrs = {"industry": "2614", "tanks": 4, "goods": ["液化气", "日杂"], "licence": "L1"}
    got = reasons.explain_point(attrs, SHOP, [], rules.risk, 5, "加油站")
    assert [(r.rule, r.level, r.args["field"]) for r in got] == [
        ("point_inherent", "red", "tanks"), ("point_inherent", "red", "goods")]
    assert risk.inherent_level(attrs, SHOP.risk) == "red"
    texts = [reasons.describe(r, rules) for r in got]
    assert texts == ["加油站：固有风险 重大风险（储罐数 4 ≥ 3）",
                     "加油站：固有风险 重大风险（经营品种 液化气）"]  # only the value that matched


def test_a_prefix_rule_names_the_value_and_a_missing_field_says_so():
    rules = make_rules()
    got = reasons.explain_point({"industry": "2614"}, SHOP, [], rules.risk, 1, "甲")
    assert [reasons.describe(r, rules, with_name=False) for r in got] == [
        "固有风险 较大风险（行业 2614）", "固有风险 较大风险（许可证未填）"]


def test_no_rule_matched_gives_the_layer_default():
    rules = make_rules()
    got = reasons.explain_point({"industry": "5261", "licence": "L"}, SHOP, [], rules.risk, 1, "乙")
    assert [(r.rule, r.level) for r in got] == [("point_default", "yellow")]
    assert reasons.describe(got[0], rules, with_name=False) == \
        "固有风险 一般风险（商店默认等级，无规则命中）"
    assert reasons.describe(got[0], rules, english=True, with_name=False) == \
        "固有风险 General（Shop默认等级，无规则命中）"  # labels switch; the template is tr's


def test_an_open_major_hazard_escalates_only_when_the_rules_say_so():
    on, off = make_rules(), make_rules(open_major_is_red=False)
    attrs = {"industry": "5261", "licence": "L"}
    got = reasons.explain_point(attrs, SHOP, ["YH20240101001"], on.risk, 3, "丙")
    assert [(r.rule, r.level) for r in got] == [("point_default", "yellow"),
                                                ("open_major_hazard", "red")]
    assert reasons.describe(got[1], on) == "丙：重大隐患未销号（YH20240101001）→ 升为重大风险"
    assert risk.escalated_level("yellow", True, on.risk) == got[1].level
    assert [r.rule for r in reasons.explain_point(attrs, SHOP, ["YH1"], off.risk)] == [
        "point_default"]


def test_translation_goes_through_tr():
    rules = make_rules()
    english = {"固有风险 {level}（{test}）": "inherent level {level} ({test})",
               "{field} {value}": "{field} {value}", "{name}：{text}": "{name}: {text}"}
    got = reasons.explain_point({"industry": "2614", "licence": "x"}, SHOP, [], rules.risk, 1, "A")
    assert reasons.describe(got[0], rules, english=True, tr=english.get) == \
        "A: inherent level Significant (Industry 2614)"


def points(*spec):
    return [reasons.PointLevel(i, name, level, (reasons.Reason("point_inherent", level, (i,), {
        "name": name, "layer": "shop", "field": "industry", "value": "x", "test": "value"}),))
            for i, (name, level) in enumerate(spec, start=1)]


def test_max_names_the_points_at_the_area_level():
    pts = points(("店a", "yellow"), ("店b", "orange"), ("店c", "orange"), ("店d", "blue"))
    got = reasons.explain_area(pts, AreaRule())
    assert got[0].rule == "area_max" and got[0].level == "orange"
    assert got[0].point_ids == (2, 3)
    assert risk.area_level({"yellow": 1, "orange": 2, "blue": 1}, AreaRule()) == got[0].level
    assert [r.point_ids for r in got[1:]] == [(2,), (3,)]
    assert reasons.describe(got[0], make_rules()) == "区域规则：取最高，2 个点位为较大风险"


def test_a_point_escalated_above_its_inherent_level_is_explained_by_the_hazard_only():
    own = (reasons.Reason("point_default", "yellow", (9,), {"name": "乙", "layer": "shop"}),
           reasons.Reason("open_major_hazard", "red", (9,), {"name": "乙", "codes": ("YH1",)}))
    got = reasons.explain_area([reasons.PointLevel(9, "乙", "red", own)], AreaRule())
    assert [r.rule for r in got] == ["area_max", "open_major_hazard"]


def test_max_names_at_most_some_points_and_the_rest_in_one_reason():
    pts = points(*[(f"点{i:02d}", "red") for i in range(13)])
    got = reasons.explain_area(pts, AreaRule(), named=10)
    assert len(got[0].point_ids) == 13
    assert [r.rule for r in got].count("point_inherent") == 10
    assert got[-1].rule == "more_points" and len(got[-1].point_ids) == 3
    assert reasons.describe(got[-1], make_rules()) == "另有 3 个点位为重大风险"


def test_score_shows_its_arithmetic_and_the_threshold_reached():
    rules = make_rules(area=SCORE)
    pts = points(("店a", "orange"), ("店b", "orange"), ("店c", "yellow"), ("店d", "blue"))
    got = reasons.explain_area(pts, SCORE)
    head = got[0]
    assert head.level == risk.area_level({"orange": 2, "yellow": 1, "blue": 1}, SCORE) == "orange"
    assert head.point_ids == (1, 2, 3)  # the blue point weighs nothing
    assert reasons.describe(head, rules) == \
        "区域规则：按分值，较大风险 2×4 + 一般风险 1×1 = 9，达到较大风险门槛 4 → 较大风险"


def test_score_below_every_threshold_is_blue_and_says_so():
    rules = make_rules(area=SCORE)
    head = reasons.explain_area(points(("甲", "yellow"), ("乙", "blue")), SCORE)[0]
    assert head.level == "blue"
    assert reasons.describe(head, rules) == \
        "区域规则：按分值，一般风险 1×1 = 1，低于一般风险门槛 2 → 低风险"


@pytest.mark.parametrize("rule", [AreaRule(), SCORE, AreaRule(empty_level="yellow")])
def test_an_empty_area_takes_the_empty_level(rule):
    got = reasons.explain_area([], rule)
    assert [(r.rule, r.level, r.point_ids) for r in got] == [("area_empty", rule.empty_level, ())]
    assert reasons.describe(got[0], make_rules(area=rule)).startswith("无点位 → ")
