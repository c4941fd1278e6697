"""Why a level (定级依据): the rules of geoapp.domain.risk, told back as reasons.

The engine (risk.py) answers *which* level; this module answers *why*, from the same
rules, so a red cell with no open hazard says that one enterprise's own level is red:

* a point: the layer rules that matched at its inherent level (field, value, the rule's
  test), or the layer's default when none matched; then whether an open 重大事故隐患
  escalated it (``escalation.open_major_hazard_is_red``);
* an area: its rule — "max" (取最高: the points at the area's level decide it) or
  "score" (weighted counts against thresholds, with the arithmetic) — or that it is
  empty; followed by the reasons of the points that decide it.

A reason is data (``Reason``: its rule, the level it gives, the points it names, the
values of its text); ``describe`` writes its text in the page's language from the
templates below (marked for the catalogue with N_, translated by the caller's ``tr``)
and the labels of layers/*.toml (``label`` or ``label_en``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from geoapp.domain.layers import LEVEL_ORDER, LEVEL_RANK, AreaRule, RiskFile, Rules, TableFile
from geoapp.domain.risk import area_level, rule_matches
from geoapp.domain.texts import N_

# a cell's reasons name at most this many deciding points one by one; the rest in one line
POINTS_NAMED = 10

TEXTS = {
    "point_inherent": N_("固有风险 {level}（{test}）"),
    "point_default": N_("固有风险 {level}（{layer}默认等级，无规则命中）"),
    "open_major_hazard": N_("重大隐患未销号（{codes}）→ 升为{level}"),
    "area_max": N_("区域规则：取最高，{count} 个点位为{level}"),
    "area_score": N_("区域规则：按分值，{terms} = {score}，{threshold} → {level}"),
    "area_empty": N_("无点位 → {level}（空区域默认等级）"),
    "more_points": N_("另有 {count} 个点位为{level}"),
}
# a point's reason in an area's list names the point first
NAMED = N_("{name}：{text}")
TESTS = {
    "value": N_("{field} {value}"),
    "gte": N_("{field} {value} ≥ {bound}"),
    "missing": N_("{field}未填"),
    "present": N_("{field}已填"),
}
REACHED = N_("达到{level}门槛 {bound}")
BELOW = N_("低于{level}门槛 {bound}")
YES, NO = N_("是"), N_("否")


@dataclass(frozen=True)
class Reason:
    """One reason: ``rule`` (a key of TEXTS), the ``level`` it gives, the points it names,
    and ``args``, the values its text is written from."""

    rule: str
    level: str
    point_ids: tuple[int, ...] = ()
    args: Mapping = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class PointLevel:
    """A point as an area's reasons see it: its stored level and its own reasons."""

    id: int
    name: str
    level: str
    reasons: tuple[Reason, ...] = ()


def _number(x: float) -> str:
    return f"{x:g}"


def explain_point(attrs: Mapping, layer: TableFile | None, open_major: Sequence[str],
                  risk: RiskFile, point_id: int | None = None, name: str = "",
                  layer_code: str = "") -> tuple[Reason, ...]:
    """Why a point has its level: the rules matched at its inherent level (or the
    layer's default), then the escalation by an open 重大事故隐患 (``open_major``: their
    codes) when the rules switch it on.

    Examples
    --------
    >>> from geoapp.domain.layers import load_rules
    >>> from geoapp.resources import bundled
    >>> rules = load_rules(bundled("layers"))
    >>> ent = rules.layers["enterprise"]
    >>> [(r.rule, r.level, dict(r.args)["field"], dict(r.args)["bound"]) for r in
    ...  explain_point({"industry": "3484", "lec_d": 360}, ent, [], rules.risk)]
    [('point_inherent', 'red', 'lec_d', 320.0)]
    >>> [(r.rule, r.level) for r in explain_point({"industry": "5261"}, ent, ["YH1"], rules.risk)]
    [('point_default', 'blue'), ('open_major_hazard', 'red')]
    """
    spec = layer.risk if layer is not None else None
    ids = (point_id,) if point_id is not None else ()
    base = {"name": name, "layer": layer_code or (layer.layer if layer else "")}
    matched = [r for r in (spec.rules if spec else ()) if rule_matches(r, attrs)]
    out = []
    if matched:
        top = max(LEVEL_RANK[r.level] for r in matched)
        for rule in (r for r in matched if LEVEL_RANK[r.level] == top):
            test = ("gte" if rule.gte is not None else
                    "missing" if rule.missing else "present" if rule.missing is False
                    else "value")
            value = attrs.get(rule.field)
            if rule.contains_any is not None:  # the chosen values that matched
                value = [v for v in value if v in rule.contains_any]
            out.append(Reason("point_inherent", rule.level, ids,
                              {**base, "field": rule.field, "value": value, "test": test,
                               "bound": rule.gte}))
    else:
        out.append(Reason("point_default", spec.default if spec else "blue", ids, base))
    if open_major and risk.escalation.open_major_hazard_is_red:
        out.append(Reason("open_major_hazard", "red", ids,
                          {**base, "codes": tuple(open_major)}))
    return tuple(out)


def _counts(points: Iterable[PointLevel]) -> dict[str, int]:
    counts = dict.fromkeys(LEVEL_ORDER, 0)
    for p in points:
        counts[p.level] += 1
    return counts


def explain_area(points: Sequence[PointLevel], rule: AreaRule,
                 named: int = POINTS_NAMED) -> tuple[Reason, ...]:
    """Why an area has its level: its rule's reason, then the reasons of the points that
    decide it ("max": those at the area's level; "score": those that add to the score,
    most severe first), ``named`` of them one by one and the rest in one reason.

    Examples
    --------
    >>> from geoapp.domain.layers import AreaRule, AreaScore
    >>> own = Reason("point_inherent", "red", (7,), {"name": "甲"})
    >>> pts = [PointLevel(7, "甲", "red", (own,)), PointLevel(8, "乙", "yellow")]
    >>> [(r.rule, r.level, r.point_ids) for r in explain_area(pts, AreaRule())]
    [('area_max', 'red', (7,)), ('point_inherent', 'red', (7,))]
    >>> [(r.rule, r.level) for r in explain_area([], AreaRule())]
    [('area_empty', 'blue')]
    >>> score = AreaRule(rule="score", score=AreaScore(
    ...     weights={"red": 10, "orange": 4, "yellow": 1, "blue": 0},
    ...     thresholds={"red": 10, "orange": 4, "yellow": 1}))
    >>> first = explain_area(pts, score)[0]   # 1×10 + 1×1 = 11 ≥ 10
    >>> first.rule, first.level, first.point_ids, first.args["score"]
    ('area_score', 'red', (7, 8), 11.0)
    """
    counts = _counts(points)
    level = area_level(counts, rule)
    if not points:
        return (Reason("area_empty", level),)
    ordered = sorted(points, key=lambda p: (-LEVEL_RANK[p.level], p.name, p.id))
    if rule.rule == "max":
        deciding = [p for p in ordered if p.level == level]
        head = Reason("area_max", level, tuple(p.id for p in deciding),
                      {"count": len(deciding)})
    else:
        weights, thresholds = rule.score.weights, rule.score.thresholds
        deciding = [p for p in ordered if weights.get(p.level, 0)]
        score = float(sum(weights.get(lv, 0) * n for lv, n in counts.items()))
        terms = tuple((lv, n, float(weights.get(lv, 0))) for lv, n in counts.items()
                      if n and weights.get(lv, 0))
        # the threshold reached, else the lowest one (the score stays below it)
        reached = next((lv for lv in LEVEL_ORDER[:-1] if score >= thresholds[lv]), None)
        lowest = LEVEL_ORDER[-2]
        head = Reason("area_score", level, tuple(p.id for p in deciding),
                      {"terms": terms, "score": score, "reached": reached is not None,
                       "threshold_level": reached or lowest,
                       "bound": float(thresholds[reached or lowest])})
    out = [head]
    for p in deciding[:named]:
        out.extend(r for r in p.reasons if LEVEL_RANK[r.level] >= LEVEL_RANK[p.level])
    rest = deciding[named:]
    if rest:
        out.append(Reason("more_points", level, tuple(p.id for p in rest),
                          {"count": len(rest)}))
    return tuple(out)


# ---- texts ---------------------------------------------------------------------------


def _identity(text: str) -> str:
    return text


def describe(reason: Reason, rules: Rules, english: bool = False,
             tr: Callable[[str], str] = _identity, with_name: bool = True) -> str:
    """A reason's text: its template through ``tr`` (gettext), the labels of layers/*.toml
    in the page's language; a point's reason starts with its name when ``with_name``.

    Examples
    --------
    >>> from geoapp.domain.layers import load_rules
    >>> from geoapp.resources import bundled
    >>> rules = load_rules(bundled("layers"))
    >>> r = explain_point({"industry": "3484", "lec_d": 360}, rules.layers["enterprise"], [],
    ...                   rules.risk, 69, "禾润精密机械")[0]
    >>> describe(r, rules)
    '禾润精密机械：固有风险 重大风险（LEC风险值 360 ≥ 320）'
    >>> describe(r, rules, english=True, with_name=False)
    '固有风险 Major（LEC risk value (D) 360 ≥ 320）'
    """
    a = reason.args
    levels = {lv.code: lv.label_en if english else lv.label for lv in rules.risk.levels}
    layer = rules.layers.get(a.get("layer", ""))

    def field_label(name: str) -> str:
        spec = next((f for f in layer.fields if f.name == name), None) if layer else None
        if spec is None:
            return name
        # as the point popup's fields (pages.point_detail): the field's name where a layer
        # file has no English label
        return (spec.label_en or spec.name) if english else spec.label

    values = {"level": levels.get(reason.level, reason.level)}
    if reason.rule == "point_inherent":
        value = a["value"]
        if isinstance(value, list | tuple):
            value = "、".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = tr(YES) if value else tr(NO)
        elif isinstance(value, float):
            value = _number(value)
        values["test"] = tr(TESTS[a["test"]]).format(
            field=field_label(a["field"]), value=value,
            bound=_number(a["bound"]) if a.get("bound") is not None else "")
    elif reason.rule == "point_default":
        values["layer"] = ((layer.label_en if english else layer.label) if layer
                           else a.get("layer", ""))
    elif reason.rule == "open_major_hazard":
        values["codes"] = "、".join(a["codes"])
    elif reason.rule in ("area_max", "more_points"):
        values["count"] = a["count"]
    elif reason.rule == "area_score":
        values["terms"] = " + ".join(f"{levels[lv]} {n}×{_number(w)}" for lv, n, w in a["terms"]) \
            or "0"
        values["score"] = _number(a["score"])
        values["threshold"] = tr(REACHED if a["reached"] else BELOW).format(
            level=levels[a["threshold_level"]], bound=_number(a["bound"]))
    text = tr(TEXTS[reason.rule]).format(**values)
    if with_name and a.get("name") and reason.rule in ("point_inherent", "point_default",
                                                       "open_major_hazard"):
        text = tr(NAMED).format(name=a["name"], text=text)
    return text


def as_dicts(reasons: Iterable[Reason], rules: Rules, english: bool = False,
             tr: Callable[[str], str] = _identity, with_name: bool = True) -> list[dict]:
    """Reasons for the API: ``rule``, ``level``, ``text``, ``point_ids``."""
    return [{"rule": r.rule, "level": r.level,
             "text": describe(r, rules, english, tr, with_name),
             "point_ids": list(r.point_ids)} for r in reasons]
