"""The six place layers of layers/ (消防安全重点单位, 人员密集场所, 经营性自建房, 燃气,
在建工程, 电动自行车停放充电场所): their risk rules on hand-made points.

Each case is a point as the importer parses it (field names, bools as True/False)
and the level its layer file's rules give, worked by hand from the rules and the
sources the files cite (docs/domain.md, "Place layers").
"""

from __future__ import annotations

import pytest

from geoapp.domain.layers import load_rules
from geoapp.domain.risk import inherent_level
from geoapp.resources import bundled

RULES = load_rules(bundled("layers"))
TEAM = {"team_town": "甲", "team_village": "乙", "team_grid": "丙", "team_fire": "丁",
        "team_department": "戊"}
FIRE_OK = {"category": "人员密集场所", "fire_responsible": "张", "fire_manager": "李",
           "mini_station": True, **TEAM}

CASES = [
    # 消防安全重点单位: at least yellow by being one
    ("fire_unit", FIRE_OK, "yellow"),
    ("fire_unit", {**FIRE_OK, "category": "火灾高危单位"}, "red"),
    ("fire_unit", {**FIRE_OK, "mini_station": False}, "orange"),
    ("fire_unit", {**FIRE_OK, "fire_manager": None}, "orange"),
    ("fire_unit", {**FIRE_OK, "team_fire": None}, "yellow"),  # 五包一 incomplete
    # 微型消防站 not stated at all: no rule fires (only a stated 否 does)
    ("fire_unit", {**FIRE_OK, "mini_station": None}, "yellow"),
    # 人员密集场所 / 九小场所
    ("crowded_place", {"kind": "餐饮", "capacity": 80}, "blue"),
    ("crowded_place", {"kind": "餐饮", "capacity": 300}, "yellow"),  # ≥ 300: a large crowd
    ("crowded_place", {"kind": "餐饮", "capacity": 299}, "blue"),
    ("crowded_place", {"kind": "网吧"}, "yellow"),
    ("crowded_place", {"kind": "养老", "capacity": 40}, "orange"),
    ("crowded_place", {"kind": "小商店", "mixed_use": True}, "orange"),
    ("crowded_place", {"kind": "小生产加工", "mixed_use": True, "residential": True}, "red"),
    ("crowded_place", {"kind": "小商店", "residential": False, "mixed_use": False}, "blue"),
    # 经营性自建房 (JGJ 125-2016 A–D)
    ("self_built_house", {"floors": 2, "appraisal": "A"}, "blue"),
    ("self_built_house", {"floors": 2, "appraisal": "B"}, "blue"),
    ("self_built_house", {"floors": 3, "appraisal": "A"}, "yellow"),
    ("self_built_house", {"floors": 2}, "yellow"),  # never appraised
    ("self_built_house", {"floors": 2, "appraisal": "B", "altered": True}, "orange"),
    ("self_built_house", {"floors": 1, "appraisal": "C"}, "orange"),
    ("self_built_house", {"floors": 5, "appraisal": "D", "altered": True}, "red"),
    # 燃气
    ("gas_site", {"kind": "餐饮用户", "alarm": True, "bottle_to_pipe": "已完成"}, "blue"),
    ("gas_site", {"kind": "餐饮用户", "alarm": True, "bottle_to_pipe": "计划中"}, "yellow"),
    ("gas_site", {"kind": "餐饮用户", "alarm": False}, "orange"),
    ("gas_site", {"kind": "加气站", "alarm": True}, "yellow"),
    ("gas_site", {"kind": "门站", "alarm": False}, "orange"),
    # 在建工程
    ("construction_site", {"work_at_height": False, "confined_work": False}, "blue"),
    ("construction_site", {"work_at_height": True}, "yellow"),
    ("construction_site", {"work_at_height": True, "confined_work": True}, "orange"),
    ("construction_site", {"major_works": True, "confined_work": False}, "red"),
    # 电动自行车集中停放充电场所
    ("ebike_charging", {"capacity": 60, "smart_charging": True, "complaints": 0}, "blue"),
    ("ebike_charging", {"capacity": 60, "smart_charging": False, "complaints": 0}, "yellow"),
    ("ebike_charging", {"capacity": 60, "smart_charging": True, "complaints": 1}, "yellow"),
    ("ebike_charging", {"capacity": 60, "smart_charging": True, "complaints": 2}, "yellow"),
    ("ebike_charging", {"capacity": 60, "smart_charging": True, "complaints": 3}, "orange"),
]


@pytest.mark.parametrize(("layer", "attrs", "level"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_place_layer_rules(layer, attrs, level):
    assert inherent_level(attrs, RULES.layers[layer].risk) == level


def test_each_place_layer_is_complete():
    """Loaded as any layer: a Chinese label, an English one, a checklist, a description."""
    for layer in ("fire_unit", "crowded_place", "self_built_house", "gas_site",
                  "construction_site", "ebike_charging"):
        spec = RULES.layers[layer]
        assert spec.label and spec.label_en and spec.description and spec.description_en
        assert len(spec.inspection.checklist) >= 4
        assert all(item.label_en for item in spec.inspection.checklist)
    # the 五包一 team: five named persons, one field per role
    labels = {f.label for f in RULES.layers["fire_unit"].fields}
    assert {"包保镇街领导", "包保村干部", "包保网格员", "包保消防站/派出所",
            "包保行业部门"} <= labels
