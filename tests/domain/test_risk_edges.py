"""Edges of domain/risk.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

from geoapp.domain.layers import AreaRule, AreaScore
from geoapp.domain.risk import area_level, highest


def test_highest_of_nothing_is_blue():
    assert highest([]) == "blue"
    assert highest([], default="yellow") == "yellow"


def test_the_max_rule_takes_the_highest_level_present():
    assert area_level({"yellow": 3, "orange": 1, "red": 0}, AreaRule()) == "orange"
    assert area_level({"blue": 2}, AreaRule(rule="max")) == "blue"


def test_a_level_without_a_weight_counts_nothing():
    rule = AreaRule(rule="score", score=AreaScore(
        weights={"red": 10}, thresholds={"red": 10, "orange": 4, "yellow": 1}))
    assert area_level({"yellow": 3}, rule) == "blue"
    assert area_level({"yellow": 3, "red": 1}, rule) == "red"
