"""红黑榜 rules (geoapp.domain.standing) on hand-made enterprises: every rule of the bundled
layers/standing.toml holds and fails where it should, and a bad rule file is refused."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from geoapp.domain.layers import LayerFileError, load_rules
from geoapp.domain.standing import Facts, HazardFact, StandingFile, as_of, evaluate, holds
from geoapp.resources import bundled

D = dt.date
TODAY = D(2026, 6, 15)
SPEC = load_rules(bundled("layers")).standing
RULES = {r.key: r for r in SPEC.black + SPEC.red}
# a model enterprise: every red rule holds
GOOD = {"status": "正常生产", "standardisation": "二级", "insured": True}


FOUND, DEADLINE = D(2026, 1, 5), D(2026, 2, 5)


def hz(code="YH1", level="general", found=FOUND, deadline=DEADLINE, closed=None):
    return HazardFact(code, level, found, deadline, closed)


def test_every_rule_has_a_source_or_is_local_policy():
    assert set(RULES) == {"major_overdue", "interviewed", "revived", "overdue_many",
                          "operating", "standardised", "no_overdue", "insured"}
    for rule in RULES.values():
        assert bool(rule.source) != rule.local_policy, rule.key


def test_a_model_enterprise_is_red_with_every_red_reason():
    verdict = evaluate(SPEC, Facts(GOOD), TODAY)
    assert verdict.list == "red"
    assert [r.key for r in verdict.reasons] == ["operating", "standardised", "no_overdue",
                                                "insured"]
    # an empty status reads as 正常生产 (older ledgers have no such column)
    assert evaluate(SPEC, Facts({**GOOD, "status": None}), TODAY).list == "red"


def test_major_overdue():
    rule = RULES["major_overdue"]
    assert holds(rule, Facts({}, (hz("YH9", "major", deadline=D(2026, 6, 14)),)), TODAY) == "YH9"
    # the deadline day itself is in time; a general hazard does not count; nor a closed one
    assert holds(rule, Facts({}, (hz(level="major", deadline=TODAY),)), TODAY) is None
    assert holds(rule, Facts({}, (hz(level="general"),)), TODAY) is None
    assert holds(rule, Facts({}, (hz(level="major", closed=D(2026, 3, 1)),)), TODAY) is None
    verdict = evaluate(SPEC, Facts(GOOD, (hz("YH9", "major"),)), TODAY)
    assert verdict.list == "black" and [r.key for r in verdict.reasons] == ["major_overdue"]


def test_interviewed_this_year():
    rule = RULES["interviewed"]
    assert holds(rule, Facts({}, measures=(("interview", D(2026, 1, 2)),)), TODAY) == "2026-01-02"
    assert holds(rule, Facts({}, measures=(("interview", D(2025, 12, 31)),)), TODAY) is None
    for kind in ("letter", "notice", "exposure", "referral"):  # only 约谈 counts
        assert holds(rule, Facts({}, measures=((kind, D(2026, 3, 1)),)), TODAY) is None
    assert holds(rule, Facts({}, measures=(("interview", D(2026, 7, 1)),)), TODAY) is None
    assert evaluate(SPEC, Facts(GOOD, measures=(("interview", D(2026, 5, 1)),)),
                    TODAY).list == "black"


def test_revived_after_closure_or_shutdown():
    rule = RULES["revived"]
    closed = {"status": "已关闭取缔", "status_since": "2026-03-01"}
    after = hz(found=D(2026, 4, 2), deadline=D(2026, 9, 1))
    before = hz(found=D(2026, 2, 2), deadline=D(2026, 9, 1))
    assert holds(rule, Facts(closed, (after,)),
                 TODAY) == "已关闭取缔（2026-03-01）后 2026-04-02 发现隐患"
    assert holds(rule, Facts(closed, (before,)), TODAY) is None
    stopped = {"status": "长期停产停工", "status_since": "2026-03-01"}
    assert holds(rule, Facts(stopped, (after,)), TODAY) is not None
    assert holds(rule, Facts({"status": "正常生产"}, (after,)), TODAY) is None
    # no date in the ledger: the last 365 days count
    assert holds(rule, Facts({"status": "已关闭取缔"}, (after,)), TODAY) is not None
    assert holds(rule, Facts({"status": "已关闭取缔"}, (hz(found=D(2025, 5, 1)),)), TODAY) is None


def test_three_overdue_in_a_year():
    rule = RULES["overdue_many"]
    late = [hz(f"YH{i}", deadline=D(2026, 1, 10), closed=D(2026, 1, 20)) for i in range(3)]
    assert holds(rule, Facts({}, tuple(late)), TODAY) == "YH0、YH1、YH2"
    assert holds(rule, Facts({}, tuple(late[:2])), TODAY) is None
    # closed late, but before the year's window: it no longer counts
    old = [hz(f"YH{i}", deadline=D(2025, 1, 10), closed=D(2025, 2, 1)) for i in range(3)]
    assert holds(rule, Facts({}, tuple(old)), TODAY) is None
    # closed in time: never overdue
    ok = [hz(f"YH{i}", deadline=D(2026, 1, 10), closed=D(2026, 1, 10)) for i in range(3)]
    assert holds(rule, Facts({}, tuple(ok)), TODAY) is None


@pytest.mark.parametrize("change", [
    {"status": "长期停产停工"}, {"status": "已关闭取缔"},
    {"standardisation": "三级"}, {"standardisation": "无"}, {"standardisation": None},
    {"insured": False}, {"insured": None}, {"insured_until": "2026-06-14"},
])
def test_each_red_requirement_is_needed(change):
    assert evaluate(SPEC, Facts({**GOOD, **change}), TODAY).list is None


def test_red_rules_one_by_one():
    assert holds(RULES["standardised"], Facts({"standardisation": "一级"}), TODAY) == "一级"
    assert holds(RULES["insured"], Facts({"insured": True, "insured_until": "2026-06-15"}),
                 TODAY) == "2026-06-15"
    # a hazard closed late within 12 months keeps an enterprise off the red list…
    late = hz(deadline=D(2025, 12, 1), closed=D(2025, 12, 20))
    assert holds(RULES["no_overdue"], Facts({}, (late,)), TODAY) is None
    assert evaluate(SPEC, Facts(GOOD, (late,)), TODAY).list is None
    # …but not one closed late more than 12 months ago, nor one still in time
    older = hz(deadline=D(2025, 5, 1), closed=D(2025, 6, 1))
    assert holds(RULES["no_overdue"], Facts({}, (older, hz(deadline=D(2026, 7, 1)))),
                 TODAY) == ""


def test_a_past_day_sees_the_facts_as_they_stood():
    # overdue on 2026-03-01, closed in May: black then, red after the year ends
    h = hz("YH5", "major", D(2026, 1, 5), D(2026, 2, 5), D(2026, 5, 1))
    facts = Facts(GOOD, (h,))
    assert evaluate(SPEC, facts, D(2026, 3, 1)).list == "black"
    assert evaluate(SPEC, facts, D(2026, 6, 1)).list is None  # closed late within 12 months
    assert evaluate(SPEC, facts, D(2027, 5, 2)).list == "red"
    assert as_of(facts, D(2026, 1, 1)).hazards == ()  # not yet found


def _rule(**over):
    return {"key": "x", "label": "X", "local_policy": True,
            "when": [{"test": "insured"}], **over}


@pytest.mark.parametrize(("bad", "message"), [
    ({"black": [_rule(local_policy=False)]}, "source or local_policy"),
    ({"black": [_rule(source="某文件")]}, "source or local_policy"),
    ({"black": [_rule(when=[{"test": "measure", "kinds": ["约谈"], "this_year": True}])]},
     "unknown measure kinds"),
    ({"black": [_rule(when=[{"test": "measure", "kinds": ["interview"]}])]},
     "this_year or within_days"),
    ({"black": [_rule(when=[{"test": "field_in", "field": "status"}])]}, "field and values"),
    ({"black": [_rule(when=[{"test": "weather"}])]}, "test"),
    ({"black": [_rule(), _rule()]}, "duplicate rule keys"),
])
def test_bad_rules_are_refused(bad, message):
    data = {"black": [_rule(key="b")], "red": [_rule(key="r")], **bad}
    with pytest.raises(ValueError, match=message):
        StandingFile.model_validate(data)


def test_the_rules_must_name_the_enterprise_layers_fields(tmp_path):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    path = folder / "standing.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('values = ["一级", "二级"]', 'values = ["一级", "特级"]'),
                    encoding="utf-8")
    with pytest.raises(LayerFileError, match=r"standing.toml: rule 'standardised': \['特级'\]"):
        load_rules(folder)
    path.write_text(text.replace('field = "standardisation"', 'field = "grade"'),
                    encoding="utf-8")
    with pytest.raises(LayerFileError, match="has no field 'grade'"):
        load_rules(folder)
    path.unlink()
    assert load_rules(folder).standing is None  # the 红黑榜 is optional
