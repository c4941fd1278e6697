"""The risk engine: a point's level, escalation, and the level of an area.

Pure functions over the rules of ``layers/`` (no database, no Flask):

* inherent level: the highest level among a layer's matching rules, else the
  layer's default (rules are local policy, set in layers/*.toml);
* escalation: an open 重大事故隐患 makes its point red when
  ``escalation.open_major_hazard_is_red`` (a widespread provincial rule:
  "存在重大事故隐患的直接判定为重大风险"; switchable);
* an area (cell or zone) takes the highest level of its points, or with
  ``area.rule = "score"`` a level from weighted counts; empty areas take
  ``area.empty_level`` (blue). No national rule exists for areas.
* a chemical park with an assessed score is at least as red as its grade
  (化工园区安全风险排查治理导则: < 60 A, 60–70 B, 70–85 C, ≥ 85 D).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from geoapp.domain.layers import LEVEL_ORDER, LEVEL_RANK, AreaRule, RiskFile, RiskSpec, Rule


def highest(levels: Iterable[str], default: str = "blue") -> str:
    """The most severe of some levels.

    Examples
    --------
    >>> highest(["blue", "orange", "yellow"])
    'orange'
    >>> highest([], default="blue")
    'blue'
    """
    return max(levels, key=LEVEL_RANK.__getitem__, default=default)


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def rule_matches(rule: Rule, attrs: Mapping) -> bool:
    """Whether one rule's test holds for a point's attributes."""
    value = attrs.get(rule.field)
    if rule.missing is not None:
        return _empty(value) == rule.missing
    if _empty(value):
        return False
    if rule.in_ is not None:
        return str(value) in rule.in_
    if rule.prefix is not None:
        return str(value).startswith(rule.prefix)
    if rule.gte is not None:
        return float(value) >= rule.gte
    if rule.contains_any is not None:
        return bool(set(value) & set(rule.contains_any))
    return value == rule.equals


def inherent_level(attrs: Mapping, spec: RiskSpec) -> str:
    """A point's level from its layer's rules, before escalation.

    Examples
    --------
    >>> from geoapp.domain.layers import RiskSpec, Rule
    >>> spec = RiskSpec(default="blue", rules=(Rule(field="industry", prefix=("26",),
    ...     level="orange"), Rule(field="lec_d", gte=320, level="red")))
    >>> inherent_level({"industry": "2614"}, spec), inherent_level({"industry": "5261"}, spec)
    ('orange', 'blue')
    >>> inherent_level({"industry": "2614", "lec_d": 400}, spec)
    'red'
    """
    matched = [r.level for r in spec.rules if rule_matches(r, attrs)]
    return highest(matched, default=spec.default)


def escalated_level(inherent: str, has_open_major_hazard: bool, risk: RiskFile) -> str:
    """The point's level after escalation by an open major hazard.

    Examples
    --------
    >>> from geoapp.domain.layers import load_rules
    >>> from geoapp.resources import bundled
    >>> risk = load_rules(bundled("layers")).risk
    >>> escalated_level("blue", True, risk), escalated_level("yellow", False, risk)
    ('red', 'yellow')
    """
    if has_open_major_hazard and risk.escalation.open_major_hazard_is_red:
        return "red"
    return inherent


def area_level(counts: Mapping[str, int], rule: AreaRule) -> str:
    """An area's level from the number of its points at each level.

    Examples
    --------
    >>> from geoapp.domain.layers import AreaRule, AreaScore
    >>> area_level({"yellow": 3, "orange": 1}, AreaRule())
    'orange'
    >>> area_level({}, AreaRule())
    'blue'
    >>> score = AreaRule(rule="score", score=AreaScore(
    ...     weights={"red": 10, "orange": 4, "yellow": 1, "blue": 0},
    ...     thresholds={"red": 10, "orange": 4, "yellow": 1}))
    >>> area_level({"orange": 1, "yellow": 2}, score)   # 4 + 2 = 6 → orange
    'orange'
    """
    present = {lv: n for lv, n in counts.items() if n}
    if not present:
        return rule.empty_level
    if rule.rule == "max":
        return highest(present)
    total = sum(rule.score.weights.get(lv, 0) * n for lv, n in present.items())
    for level in LEVEL_ORDER[:-1]:
        if total >= rule.score.thresholds[level]:
            return level
    return "blue"


def park_grade(score: float) -> str:
    """Chemical-park risk grade from its assessment score (化工园区安全风险排查治理导则).

    Examples
    --------
    >>> [park_grade(s) for s in (59.9, 60, 69.9, 70, 84.9, 85)]
    ['A', 'B', 'B', 'C', 'C', 'D']
    """
    if score < 60:
        return "A"
    if score < 70:
        return "B"
    if score < 85:
        return "C"
    return "D"


def zone_level(counts: Mapping[str, int], grade: str | None, risk: RiskFile) -> str:
    """A zone's level: its points' area level, raised to its grade's colour if graded.

    ``grade`` is the one in force (geoapp.domain.zone_grades.grade_in_force: the latest
    assessment's, else the ledger score's), or None.
    """
    level = area_level(counts, risk.area)
    if grade is None:
        return level
    return highest([level, risk.zones.grade_levels[grade]])
