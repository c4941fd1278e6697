"""Layer and rule files: the bundled folder loads; every broken file is refused by name.

Each broken case copies the bundled ``layers/`` folder into ``tmp_path``, breaks
one file by a textual edit (the edit asserts that the text it replaces is still
there, so a change to the bundled files shows up here rather than silently
testing nothing) and checks that ``load_rules`` names the file and the key path.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from geoapp.domain.layers import LayerFileError, load_rules
from geoapp.domain.risk import inherent_level
from geoapp.resources import bundled


@pytest.fixture
def folder(tmp_path):
    """A private copy of the bundled layers folder, free to break."""
    return shutil.copytree(bundled("layers"), tmp_path / "layers")


def edit(folder, name, old, new):
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{name} no longer contains {old!r} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def load_error(folder) -> str:
    with pytest.raises(LayerFileError) as info:
        load_rules(folder)
    return str(info.value)


# ---------------------------------------------------------------- the bundled files


def test_bundled_layers_load():
    rules = load_rules(bundled("layers"))
    # ten point layers, in the `order` their files give (1–10): the first four, then the
    # six place layers of the campaign plans (tests/domain/test_place_layers.py)
    assert list(rules.layers) == ["enterprise", "idle_site", "confined_space", "major_hazard",
                                  "fire_unit", "crowded_place", "self_built_house", "gas_site",
                                  "construction_site", "ebike_charging"]
    # the accident ledger (layers/accident.toml) is a table too: not a point layer
    assert set(rules.tables) == {"cell", "zone", "hazard", "accident"}
    # risk.toml: the four levels in severity order, with the colours written there
    assert [lv.code for lv in rules.risk.levels] == ["red", "orange", "yellow", "blue"]
    assert [lv.label for lv in rules.risk.levels] == ["重大风险", "较大风险", "一般风险", "低风险"]
    assert rules.risk.levels[0].colour == "#e60012"
    assert rules.risk.escalation.open_major_hazard_is_red is True
    assert rules.risk.area.rule == "max"
    assert rules.risk.area.empty_level == "blue"
    assert rules.risk.area.score.weights == {"red": 10, "orange": 4, "yellow": 1, "blue": 0}
    assert rules.risk.zones.grade_levels == {"A": "red", "B": "orange", "C": "yellow",
                                             "D": "blue"}
    assert rules.risk.hazards.stock_cutoff == dt.date(2024, 1, 1)
    assert rules.risk.hazards.timezone == "Asia/Shanghai"


def test_bundled_point_layers_keys_and_rules():
    rules = load_rules(bundled("layers"))
    enterprise = rules.layers["enterprise"]
    assert enterprise.key == ("uscc", "code")
    assert enterprise.label == "企业"
    # enterprise.toml: three LEC bands then two industry-prefix rules
    assert [(r.field, r.level) for r in enterprise.risk.rules] == [
        ("lec_d", "red"), ("lec_d", "orange"), ("lec_d", "yellow"),
        ("industry", "orange"), ("industry", "yellow")]
    assert [r.gte for r in enterprise.risk.rules[:3]] == [320, 160, 70]
    # defaults as written in each file's [risk] table
    assert {name: t.risk.default for name, t in rules.layers.items()} == {
        "confined_space": "yellow", "enterprise": "blue", "idle_site": "blue",
        "major_hazard": "yellow", "fire_unit": "yellow", "crowded_place": "blue",
        "self_built_house": "blue", "gas_site": "blue", "construction_site": "blue",
        "ebike_charging": "blue"}
    # confined_space.toml: `equals = false` stays a bool, not the string "False"
    assert rules.layers["confined_space"].risk.rules[1].equals is False
    # tables carry no risk rules; the hazard ledger's state choices are the four Chinese states
    assert rules.tables["hazard"].risk is None
    assert rules.tables["hazard"].field("state").choices == ("待整改", "整改中", "待验收", "已销号")
    assert rules.layer_by_label("闲置场所") is rules.layers["idle_site"]
    assert rules.layer_by_label("idle_site") is rules.layers["idle_site"]
    assert rules.layer_by_label("加油站") is None


# ---------------------------------------------------------------- broken files


def test_unknown_level_names_file_and_rule_path(folder):
    # enterprise.toml rule 2 (0-based) is the LEC ≥ 70 → yellow band
    edit(folder, "enterprise.toml", 'gte = 70\nlevel = "yellow"', 'gte = 70\nlevel = "purple"')
    msg = load_error(folder)
    assert "enterprise.toml" in msg
    assert "risk.rules.2.level" in msg


def test_rule_with_two_tests(folder):
    # idle_site.toml rule 0 gets a second test (gte) beside its `in`
    edit(folder, "idle_site.toml", 'in = ["废弃厂房", "园区外租厂房"]\n',
         'in = ["废弃厂房", "园区外租厂房"]\ngte = 1\n')
    msg = load_error(folder)
    assert "idle_site.toml" in msg
    assert "risk.rules.0" in msg
    assert "exactly one of" in msg


def test_rule_on_undeclared_field(folder):
    # major_hazard.toml rule 1 (三级 → orange) tests a field that does not exist
    edit(folder, "major_hazard.toml", 'field = "grade"\nin = ["三级"]',
         'field = "grad"\nin = ["三级"]')
    msg = load_error(folder)
    assert "major_hazard.toml" in msg
    assert "risk.rules.1.field" in msg
    assert "'grad'" in msg


def test_choice_field_without_choices(folder):
    # idle_site.toml field 2 (0-based: code, name, category) loses its choices
    edit(folder, "idle_site.toml",
         'choices = ["城乡结合部闲置厂房", "农村闲置院落", "废弃厂房", "园区外租厂房"]\n', "")
    msg = load_error(folder)
    assert "idle_site.toml" in msg
    assert "fields.2" in msg
    assert "'category'" in msg


def test_missing_risk_file(folder):
    (folder / "risk.toml").unlink()
    msg = load_error(folder)
    assert "risk.toml" in msg
    assert "missing" in msg


def test_invalid_toml_syntax(folder):
    # line 6 of cell.toml is `label_en = "Grid cell"`; drop the closing quote
    edit(folder, "cell.toml", 'label_en = "Grid cell"\n', 'label_en = "Grid cell\n')
    msg = load_error(folder)
    assert "cell.toml" in msg
    assert "not valid TOML" in msg
    assert "line 6" in msg


def test_key_field_not_among_fields(folder):
    edit(folder, "zone.toml", 'key = ["code"]', 'key = ["zone_code"]')
    msg = load_error(folder)
    assert "zone.toml" in msg
    assert re.search(r"\bkey\b", msg)
    assert "'zone_code'" in msg


def test_risk_file_with_three_levels(folder):
    # cut the fourth [[levels]] table (blue) out of risk.toml
    edit(folder, "risk.toml",
         '[[levels]]\ncode = "blue"\nlabel = "低风险"\nlabel_en = "Low"\ncolour = "#0068b7"\n', "")
    msg = load_error(folder)
    assert "risk.toml" in msg
    assert "levels" in msg


def test_score_area_rule_without_score_table(folder):
    edit(folder, "risk.toml", 'rule = "max"', 'rule = "score"')
    edit(folder, "risk.toml", "[area.score]\n", "")
    edit(folder, "risk.toml", "weights = { red = 10, orange = 4, yellow = 1, blue = 0 }\n", "")
    edit(folder, "risk.toml", "thresholds = { red = 10, orange = 4, yellow = 1 }\n", "")
    msg = load_error(folder)
    assert "risk.toml" in msg
    assert re.search(r"\barea\b", msg)
    assert "[area.score]" in msg


def test_unknown_key_is_refused(folder):
    # a typo in a key (extra="forbid"): `lable` instead of `label` in the first field
    edit(folder, "zone.toml", 'name = "code"\nlabel = "功能区编码"',
         'name = "code"\nlable = "功能区编码"')
    msg = load_error(folder)
    assert "zone.toml" in msg
    assert "fields.0.lable" in msg
    assert "fields.0.label" in msg  # and the real key is now missing


def test_duplicate_layer_name_in_two_files(folder):
    # a second file declaring layer = "enterprise"; it sorts after enterprise.toml
    shutil.copy(folder / "enterprise.toml", folder / "zz_enterprise_copy.toml")
    msg = load_error(folder)
    assert "zz_enterprise_copy.toml" in msg
    assert "'enterprise'" in msg
    assert "already declared in" in msg and msg.rstrip().endswith("enterprise.toml")


def test_duplicate_table_in_two_files(folder):
    # Beyond the brief: the same check for tables. A second `table = "hazard"` file would
    # silently replace the hazard ledger's field declarations, exactly as a duplicate
    # layer would; load_rules refuses duplicate layers, so it must refuse this too.
    shutil.copy(folder / "hazard.toml", folder / "zz_hazard_copy.toml")
    msg = load_error(folder)
    assert "zz_hazard_copy.toml" in msg
    assert "'hazard'" in msg
    assert "already declared in" in msg and msg.rstrip().endswith("hazard.toml")


# ---------------------------------------------------------------- a fifth point layer

GAS_STATION = """\
# 加油站 — a fifth point layer, copy-adapted from idle_site.toml: no code changes.
layer = "gas_station"
label = "加油站"
label_en = "Filling station"
key = ["code"]

[[fields]]
name = "code"
label = "编号"
type = "str"
required = true

[[fields]]
name = "name"
label = "名称"
aliases = ["加油站名称"]
type = "str"
required = true

[[fields]]
name = "kind"
label = "类别"
type = "choice"
choices = ["加油站", "加油加气合建站"]
required = true

[[fields]]
name = "last_inspection"
label = "最近检查日期"
type = "date"

[risk]
default = "yellow"

[[risk.rules]]
field = "kind"
in = ["加油加气合建站"]
level = "orange"

[[risk.rules]]
field = "last_inspection"
missing = true
level = "orange"

[inspection]
every_days = 14
remind_days = 3
ledger_field = "last_inspection"

[[inspection.checklist]]
key = "extinguishers"
label = "灭火器完好"
"""


def test_another_point_layer_is_just_a_file(folder):
    (folder / "gas_station.toml").write_text(GAS_STATION, encoding="utf-8")
    rules = load_rules(folder)
    # no `order` in its file (default 100): it comes after the ten ordered layers
    assert list(rules.layers)[-1] == "gas_station" and len(rules.layers) == 11
    gas = rules.layers["gas_station"]
    assert gas.key == ("code",)
    # its file's fields, then 主管部门, which every point layer takes (departments.toml)
    assert [f.name for f in gas.fields] == ["code", "name", "kind", "last_inspection",
                                            "authority"]
    assert gas.risk.default == "yellow"
    assert (gas.inspection.every_days, gas.inspection.remind_days,
            gas.inspection.ledger_field) == (14, 3, "last_inspection")
    assert [(i.key, i.label) for i in gas.inspection.checklist] == [("extinguishers", "灭火器完好")]
    assert [(r.field, r.level) for r in gas.risk.rules] == [("kind", "orange"),
                                                            ("last_inspection", "orange")]
    assert rules.layer_by_label("加油站") is gas
    # its rules work in the engine like any other layer's
    inspected = {"kind": "加油站", "last_inspection": dt.date(2026, 3, 1)}
    assert inherent_level(inspected, gas.risk) == "yellow"  # no rule matches → default
    assert inherent_level({**inspected, "kind": "加油加气合建站"}, gas.risk) == "orange"
    assert inherent_level({"kind": "加油站"}, gas.risk) == "orange"  # never inspected


@pytest.mark.parametrize("change, message", [
    (lambda t: t.split("[inspection]")[0], "a point layer needs an [inspection] table"),
    (lambda t: t.replace("every_days = 14", "every_days = 0"),
     "inspection.every_days: Input should be greater than or equal to 1"),
    (lambda t: t.replace("remind_days = 3", "remind_days = 14"),
     "remind_days must be less than every_days"),
    (lambda t: t.replace('ledger_field = "last_inspection"', 'ledger_field = "kind"'),
     "inspection.ledger_field 'kind' is not a date field"),
    (lambda t: t + '\n[[inspection.checklist]]\nkey = "extinguishers"\nlabel = "又一项"\n',
     "duplicate checklist keys: ['extinguishers']"),
    (lambda t: t.replace('key = "extinguishers"', 'key = "灭火器"'),
     "inspection.checklist.0.key: String should match pattern"),
])
def test_inspection_table_is_checked(folder, change, message):
    (folder / "gas_station.toml").write_text(change(GAS_STATION), encoding="utf-8")
    with pytest.raises(LayerFileError, match=re.escape(message)):
        load_rules(folder)


def test_bundled_checklists_follow_the_industry():
    from geoapp.resources import bundled

    rules = load_rules(bundled("layers"))
    spec = rules.layers["enterprise"].inspection
    common = ["responsibility", "exits", "fire_equipment", "training"]
    assert [i.key for i in spec.items_for(None)] == common
    assert [i.key for i in spec.items_for("2614")] == common + ["hazmat_storage"]
    assert [i.key for i in spec.items_for("3311")] == common + ["dust", "melting"]
    assert {name: layer.inspection.every_days for name, layer in rules.layers.items()} == {
        "enterprise": 30, "idle_site": 7, "confined_space": 30, "major_hazard": 14,
        "fire_unit": 30, "crowded_place": 30, "self_built_house": 90, "gas_site": 30,
        "construction_site": 14, "ebike_charging": 30}
    assert rules.tables["hazard"].evidence.major_submit_needs_photo is True


def test_bundled_steps_are_the_review_rule():
    steps = load_rules(bundled("layers")).tables["hazard"].steps
    # the rectifying side registers, starts and submits: the enterprise on its own points
    assert (steps.create, steps.start, steps.submit) == (
        ("grid", "supervisor", "admin", "enterprise"),) * 3
    assert steps.accept == steps.reject == ("supervisor", "admin")
    assert (steps.submitter_may_accept, steps.major_needs_supervisor) == (False, True)
    assert steps.needs_note == ("accept", "reject")


@pytest.mark.parametrize("old, new, message", [
    ('accept = ["supervisor", "admin"]', 'accept = ["supervisor", "boss"]',
     "hazard.toml: steps.accept.1: Input should be 'leader', 'grid', 'planner', 'admin', "
     "'supervisor' or 'enterprise'"),
    ('reject = ["supervisor", "admin"]', 'reject = []', "hazard.toml: steps.reject: "),
    ('accept = ["supervisor", "admin"]', 'accept = ["admin"]',
     "nobody could accept a major hazard"),
    ("submitter_may_accept = false", 'submitter_may_accept = "maybe"',
     "hazard.toml: steps.submitter_may_accept: "),
    ('needs_note = ["accept", "reject"]', 'needs_note = ["accept", "close"]',
     "hazard.toml: steps.needs_note.1: "),
    ("major_needs_supervisor = true", "major_needs_supervisor = true\nreview = true",
     "hazard.toml: steps.review: Extra inputs are not permitted"),
])
def test_steps_table_is_checked(folder, old, new, message):
    edit(folder, "hazard.toml", old, new)
    assert message in load_error(folder)


def test_steps_only_in_the_hazard_file(folder):
    with (folder / "cell.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[steps]\naccept = ["admin"]\nmajor_needs_supervisor = false\n')
    assert "only the hazard file has a [steps] table" in load_error(folder)


def test_a_hazard_file_without_steps_gets_the_defaults(folder):
    path = folder / "hazard.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("[steps]")], encoding="utf-8")
    from geoapp.domain.duties import StepsSpec

    assert load_rules(folder).tables["hazard"].steps is None
    assert StepsSpec().accept == ("supervisor", "admin")
