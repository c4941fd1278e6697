"""The risk engine with the bundled rules; every expected level worked out by hand.

The rules quoted in the comments are those of ``layers/*.toml`` (enterprise:
LEC ≥ 320 red, ≥ 160 orange, ≥ 70 yellow; divisions 06–10, 25–28, 31, 32 orange;
other manufacturing, utilities, construction and 59 yellow; default blue).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from geoapp.domain.layers import Escalation, load_rules
from geoapp.domain.risk import (
    area_level,
    escalated_level,
    highest,
    inherent_level,
    park_grade,
    zone_level,
)
from geoapp.resources import bundled


@pytest.fixture(scope="module")
def rules():
    return load_rules(bundled("layers"))


def level(rules, layer, **attrs):
    return inherent_level(attrs, rules.layers[layer].risk)


# ---------------------------------------------------------------- enterprises


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"industry": "2614"}, "orange"),  # division 26 (chemicals) is in the orange prefix list
        ({"industry": "3311"}, "yellow"),  # division 33 (metal products): other manufacturing
        ({"industry": "5261"}, "blue"),  # division 52 (retail): no rule → default blue
        ({"industry": "0610"}, "orange"),  # division 06 (coal mining)
        ({"industry": "5920"}, "yellow"),  # division 59 (warehousing) is listed with yellow
        ({"industry": "5261", "lec_d": 400}, "red"),  # 400 ≥ 320
        ({"industry": "2614", "lec_d": 400}, "red"),  # red beats the industry's orange
        ({"industry": "5261", "lec_d": 200}, "orange"),  # 160 ≤ 200 < 320
        ({"industry": "5261", "lec_d": 320}, "red"),  # the band edge belongs to the higher band
        ({"industry": "5261", "lec_d": 160}, "orange"),
        ({"industry": "5261", "lec_d": 70}, "yellow"),  # 70 ≥ 70
        ({"industry": "5261", "lec_d": 69.9}, "blue"),  # below every band, retail → blue
        ({"industry": "2614", "lec_d": 69.9}, "orange"),  # low LEC cannot lower the industry's
        ({"industry": "3311", "lec_d": None}, "yellow"),  # an empty LEC matches no band
    ],
)
def test_enterprise_inherent_level(rules, attrs, expected):
    assert level(rules, "enterprise", **attrs) == expected


# ---------------------------------------------------------------- idle premises


def test_idle_site_levels(rules):
    # 废弃厂房 is in the `in` list → yellow, even when inspected
    assert level(rules, "idle_site", category="废弃厂房",
                 last_inspection=dt.date(2026, 3, 1)) == "yellow"
    assert level(rules, "idle_site", category="园区外租厂房",
                 last_inspection=dt.date(2026, 3, 1)) == "yellow"
    # 农村闲置院落 is not listed: only the `missing = true` rule can raise it
    assert level(rules, "idle_site", category="农村闲置院落") == "yellow"
    assert level(rules, "idle_site", category="农村闲置院落", last_inspection="") == "yellow"
    assert level(rules, "idle_site", category="农村闲置院落", last_inspection=None) == "yellow"
    assert level(rules, "idle_site", category="农村闲置院落",
                 last_inspection=dt.date(2026, 3, 1)) == "blue"


# ---------------------------------------------------------------- confined spaces


def test_confined_space_levels(rules):
    assert level(rules, "confined_space") == "yellow"  # nothing known → default yellow
    assert level(rules, "confined_space", hazards=["有毒"]) == "orange"  # contains_any 有毒/可燃
    assert level(rules, "confined_space", hazards=["缺氧", "可燃"]) == "orange"
    assert level(rules, "confined_space", locked=False) == "orange"  # equals = false
    assert level(rules, "confined_space", locked=True, hazards=["缺氧"]) == "yellow"  # neither
    assert level(rules, "confined_space", locked=True, hazards=[]) == "yellow"


# ---------------------------------------------------------------- major hazard installations


@pytest.mark.parametrize(
    ("grade", "expected"),
    [("一级", "red"), ("二级", "red"), ("三级", "orange"),
     ("四级", "yellow"),  # no rule for 四级: the default, yellow
     (None, "yellow")],
)
def test_major_hazard_grade(rules, grade, expected):
    assert level(rules, "major_hazard", grade=grade) == expected


# ---------------------------------------------------------------- escalation


def test_escalation_on_by_default(rules):
    assert rules.risk.escalation.open_major_hazard_is_red is True
    assert escalated_level("blue", True, rules.risk) == "red"
    assert escalated_level("orange", True, rules.risk) == "red"
    assert escalated_level("orange", False, rules.risk) == "orange"  # nothing open: unchanged


def test_escalation_off_by_model_copy(rules):
    off = rules.risk.model_copy(update={"escalation": Escalation(open_major_hazard_is_red=False)})
    assert escalated_level("blue", True, off) == "blue"
    assert escalated_level("yellow", True, off) == "yellow"
    assert escalated_level("red", False, off) == "red"
    # the bundled rules themselves are untouched
    assert escalated_level("blue", True, rules.risk) == "red"


def test_escalation_off_in_risk_file(tmp_path):
    folder = shutil.copytree(bundled("layers"), tmp_path / "layers")
    path = folder / "risk.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count("open_major_hazard_is_red = true") == 1
    path.write_text(text.replace("open_major_hazard_is_red = true",
                                 "open_major_hazard_is_red = false"), encoding="utf-8")
    risk = load_rules(folder).risk
    assert risk.escalation.open_major_hazard_is_red is False
    assert escalated_level("yellow", True, risk) == "yellow"


# ---------------------------------------------------------------- areas


def test_highest():
    assert highest(["blue", "yellow", "orange"]) == "orange"
    assert highest(["yellow", "red", "blue"]) == "red"
    assert highest([], default="yellow") == "yellow"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"red": 1, "blue": 20}, "red"),  # one red point makes the cell red (worst case)
        ({"yellow": 5, "orange": 1, "blue": 3}, "orange"),
        ({"yellow": 2, "blue": 1}, "yellow"),
        ({"blue": 7}, "blue"),
        ({"red": 0, "yellow": 1}, "yellow"),  # a zero count is not a point
        ({}, "blue"),  # empty cell → empty_level (blue)
        ({"red": 0, "orange": 0}, "blue"),  # all-zero counts are empty too
    ],
)
def test_area_level_max(rules, counts, expected):
    assert area_level(counts, rules.risk.area) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # weights from risk.toml: red 10, orange 4, yellow 1, blue 0;
        # thresholds: red ≥ 10, orange ≥ 4, yellow ≥ 1, else blue.
        ({"red": 1}, "red"),  # 10 → red (exactly at the threshold)
        ({"yellow": 10}, "red"),  # 10 × 1 = 10 → red: many small risks add up
        ({"orange": 2, "yellow": 1}, "orange"),  # 8 + 1 = 9, just under red
        ({"orange": 1}, "orange"),  # 4 → orange (exactly at the threshold)
        ({"yellow": 3}, "yellow"),  # 3, just under orange
        ({"yellow": 1}, "yellow"),  # 1 → yellow (exactly at the threshold)
        ({"blue": 5}, "blue"),  # 0: points but no score → blue
        ({}, "blue"),  # empty → empty_level
    ],
)
def test_area_level_score(rules, counts, expected):
    score_rule = rules.risk.area.model_copy(update={"rule": "score"})
    assert area_level(counts, score_rule) == expected


# ---------------------------------------------------------------- chemical parks and zones


@pytest.mark.parametrize(
    ("score", "grade"),
    # 导则: < 60 A, 60–70 B, 70–85 C, ≥ 85 D; each bound belongs to the band above it
    [(59.99, "A"), (60, "B"), (69.99, "B"), (70, "C"), (84.99, "C"), (85, "D"), (0, "A"),
     (100, "D")],
)
def test_park_grade(score, grade):
    assert park_grade(score) == grade


def test_zone_level(rules):
    # points yellow; score 65 → B → orange (grade_levels) → the higher, orange
    assert zone_level({"yellow": 3}, park_grade(65), rules.risk) == "orange"
    # points red; score 90 → D → blue → the points' red stands
    assert zone_level({"red": 1, "blue": 2}, park_grade(90), rules.risk) == "red"
    # no assessed score → the points' level alone
    assert zone_level({"yellow": 1}, None, rules.risk) == "yellow"
    assert zone_level({}, None, rules.risk) == "blue"
    # an empty park assessed at 50 → A → red
    assert zone_level({}, park_grade(50), rules.risk) == "red"
    # score 75 → C → yellow; orange points stay orange
    assert zone_level({"orange": 1}, park_grade(75), rules.risk) == "orange"
