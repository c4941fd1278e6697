"""行业主管部门 (三管三必须): the mapping rule on hand-made examples, and the file's checks.

A small mapping written here (not the bundled file, which is local policy and may change):
section E 建筑业 → 住建, division 54 道路运输业 → 交通运输, class 5942 危险化学品仓储 →
应急管理 inside section G → 交通运输, idle premises → 住建 but idle premises of section C
→ 应急管理.
"""

from __future__ import annotations

import shutil

import pytest

from geoapp.domain.departments import DepartmentMap, DepartmentsFile
from geoapp.domain.layers import LayerFileError, load_rules
from geoapp.resources import bundled

SMALL = DepartmentsFile.model_validate({
    "departments": ["应急管理", "住建", "交通运输", "消防救援"], "default": "消防救援",
    "rules": [{"industry": "E", "department": "住建"},
              {"industry": "G", "department": "交通运输"},
              {"industry": "54", "department": "交通运输"},
              {"industry": "5942", "department": "应急管理"},
              {"layer": "idle_site", "department": "住建"},
              {"layer": "idle_site", "industry": "C", "department": "应急管理"}]})
MAP = DepartmentMap.of(SMALL, ["enterprise", "idle_site", "confined_space"])


@pytest.mark.parametrize(("layer", "industry", "own", "expected"), [
    ("enterprise", "4710", None, "住建"),          # class 4710 → section E
    ("enterprise", "E47", None, "住建"),           # the section letter given with the code
    ("enterprise", "5411", None, "交通运输"),       # division 54
    ("enterprise", "5942", None, "应急管理"),       # the class beats its section G
    ("enterprise", "5941", None, "交通运输"),       # its sibling class keeps the section's
    ("enterprise", "2614", None, "消防救援"),       # no rule for C on this layer: the default
    ("enterprise", None, None, "消防救援"),         # no code, no layer rule: the default
    ("idle_site", None, None, "住建"),              # the layer's rule
    ("idle_site", "2614", None, "应急管理"),        # layer and section beat the layer alone
    ("idle_site", "4710", None, "住建"),            # an industry rule for every layer
    ("enterprise", "4710", "交通运输", "交通运输"),  # the ledger's 主管部门 wins
    ("enterprise", "4710", "教育", "住建"),          # … when it is a configured one
    ("enterprise", "化工", None, "消防救援"),        # a code that is none: the default
])
def test_the_most_specific_rule_wins(layer, industry, own, expected):
    assert MAP.department_of(layer, industry, own) == expected


def test_a_longer_industry_code_beats_a_layer_rule():
    """The class rule for every layer outranks the idle-site rule naming only the layer."""
    assert MAP.department_of("idle_site", "5942") == "应急管理"
    assert MAP.department_of("idle_site", "5411") == "交通运输"


@pytest.mark.parametrize(("data", "message"), [
    ({"departments": ["住建"], "default": "教育"}, "default '教育' is not among"),
    ({"departments": ["住建", "住建"], "default": "住建"}, "each a distinct name"),
    ({"departments": ["住建"], "default": "住建",
      "rules": [{"industry": "E", "department": "教育"}]}, "rules.0.department '教育'"),
    ({"departments": ["住建"], "default": "住建", "rules": [{"department": "住建"}]},
     "names a `layer`, an `industry`"),
    ({"departments": ["住建"], "default": "住建",
      "rules": [{"industry": "E", "department": "住建"}, {"industry": "e", "department": "住建"}]},
     "a second rule for the same layer and industry"),
])
def test_the_files_mistakes_are_named(data, message):
    with pytest.raises(ValueError, match=message):
        DepartmentsFile.model_validate(data)


def _folder_with(tmp_path, text: str):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    (folder / "departments.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("rule", "message"), [
    ('layer = "no_such"', "rules.0.layer 'no_such' is not a point layer"),
    ('industry = "2618"', "rules.0.industry: 行业代码 2618 不是 GB/T 4754-2017 的行业"),
])
def test_a_rule_naming_no_layer_or_no_industry_stops_the_start(tmp_path, rule, message):
    folder = _folder_with(tmp_path, f'departments = ["住建"]\ndefault = "住建"\n'
                                    f'[[rules]]\n{rule}\ndepartment = "住建"\n')
    with pytest.raises(LayerFileError, match=message):
        load_rules(folder)


def test_every_point_layer_takes_the_column_and_the_bundled_file_loads():
    rules = load_rules(bundled("layers"))
    assert "应急管理" in rules.departments.names and len(rules.departments.names) >= 8
    for spec in rules.layers.values():
        field = spec.field("authority")
        assert (field.label, field.type, field.choices) == (
            "主管部门", "choice", rules.departments.names)
    # the bundled mapping: 建筑业 to 住建, 危险化学品仓储 kept by 应急管理 inside section G
    of = rules.departments.department_of
    assert (of("enterprise", "4710"), of("enterprise", "5942"), of("enterprise", "5411")) == (
        "住建", "应急管理", "交通运输")


def test_without_the_file_every_point_answers_to_one_department(tmp_path):
    folder = tmp_path / "layers"
    shutil.copytree(bundled("layers"), folder)
    (folder / "departments.toml").unlink()
    rules = load_rules(folder)
    assert rules.departments.names == ("应急管理",)
    assert rules.departments.department_of("idle_site", "4710") == "应急管理"
