"""The bundled GB/T 4754-2017 list: its size, names checked against the public copies it
was built from (layers/admission/INDUSTRIES.md), its tree, and the reader's refusals."""

from __future__ import annotations

import re

import pytest

from geoapp.domain.divisions import division_label, division_of
from geoapp.domain.industry import SECTIONS, section_of
from geoapp.domain.industry_list import (
    IndustryListError,
    listed_industry,
    load_industries,
    standard,
)
from geoapp.resources import bundled

LIST = bundled("layers") / "admission" / "industries.csv"

# Classes whose code and name both copies compared (Czsx-525/Vue-init and
# qwer-of-div/1frontEnd) give alike, one or more from every section.
SAMPLE = {
    "0111": "稻谷种植", "0315": "骆驼饲养", "0532": "畜禽粪污处理活动",
    "0722": "海洋天然气及可燃冰开采", "1093": "宝石、玉石采选",
    "1363": "鱼油提取及制品制造", "2614": "有机化学原料制造", "2672": "焰火、鞭炮产品制造",
    "3493": "增材制造装备制造", "3825": "光伏设备及元器件制造", "3963": "智能无人飞行器制造",
    "4416": "太阳能发电", "4630": "海水淡化处理",
    "4853": "地下综合管廊工程建筑", "5013": "建筑幕墙装饰和装修",
    "5193": "互联网批发", "5297": "宠物食品用品零售",
    "5435": "危险货物道路运输", "5942": "危险化学品仓储",
    "6140": "露营地服务",
    "6513": "应用软件开发", "6532": "物联网技术服务",
    "6637": "网络借贷服务",
    "7020": "物业管理",
    "7224": "供应链管理服务",
    "7517": "三维（3D）打印技术推广服务",
    "7726": "土壤污染治理与修复服务",
    "8224": "宠物寄托收养服务",
    "8394": "教育辅助服务",
    "8515": "临终关怀服务",
    "9013": "网吧活动",
    "9291": "消防管理机构",
    "9700": "国际组织",
}

# Where the copies disagreed, the reading shipped (see INDUSTRIES.md for the why).
RESOLVED = {
    "15": "酒、饮料和精制茶制造业", "75": "科技推广和应用服务业",
    "87": "广播、电视、电影和录音制作业", "203": "木质制品制造",
    "204": "竹、藤、棕、草等制品制造", "339": "铸造及其他金属制品制造",
    "349": "其他通用设备制造业", "395": "非专业视听设备制造", "746": "环境与生态监测检测服务",
    "905": "文化体育娱乐活动与经纪代理服务", "7289": "其他会议、会展及相关服务",
    "1922": "皮箱、包（袋）制造", "2653": "合成纤维单（聚合）体制造",
    "8432": "专科疾病防治院（所、站）",
    # in one copy only; the other copies carry them
    "2522": "煤制合成气生产", "3969": "其他智能消费设备制造", "7123": "文化用品设备出租",
    "5267": "机动车充电销售",  # added by amendment No. 1 (2019)
}


def by_level(names):
    levels = {2: [], 3: [], 4: []}
    for code in names:
        levels[len(code)].append(code)
    return levels


def test_the_whole_standard_is_listed():
    inds = standard()
    levels = by_level(inds.names)
    assert list(inds.sections) == list(SECTIONS)  # A–T in order
    assert (len(inds.sections), len(levels[2]), len(levels[3]), len(levels[4])) == (
        20, 97, 473, 1381)
    assert levels[2] == [f"{d:02d}" for d in range(1, 98)]


def test_a_sample_of_classes_from_every_section_has_the_copies_names():
    inds = standard()
    assert {section_of(int(code[:2])) for code in SAMPLE} == set(SECTIONS)
    assert len(SAMPLE) >= 30
    assert {code: inds.name(code) for code in SAMPLE} == SAMPLE


def test_the_resolved_differences_are_shipped():
    assert {code: standard().name(code) for code in RESOLVED} == RESOLVED
    assert standard().sections["C"] == "制造业" and standard().sections["T"] == "国际组织"


def test_every_class_and_group_hangs_under_a_listed_group_and_division_of_its_section():
    inds = standard()
    for code in inds.names:
        for n in range(2, len(code)):
            assert code[:n] in inds.names, code
        assert section_of(int(code[:2])) in inds.sections, code
    # every group has a class, every division a group: no dangling branch either
    levels = by_level(inds.names)
    assert {c[:3] for c in levels[4]} == set(levels[3])
    assert {c[:2] for c in levels[3]} == set(levels[2])


def test_names_are_clean_and_in_the_standards_order():
    inds = standard()
    for code, name in inds.names.items():
        assert name == name.strip() and "(" not in name and ")" not in name, code
    codes = [c for c in inds.names]
    assert codes == sorted(codes)  # parents before children, as in the standard's table


def test_english_names_for_every_section_and_division():
    inds = standard()
    expected = set(inds.sections) | {c for c in inds.names if len(c) == 2}
    assert set(inds.names_en) == expected
    for code, name in inds.names_en.items():
        assert name and not re.search(r"[\u3400-\u9fff]", name), code
    assert inds.names_en["I"] == (
        "Information transmission, software and information technology services")
    assert inds.names_en["65"] == "Software and information technology services"


def test_levels_and_search_by_section_letter():
    inds = standard()
    assert [inds.level(c) for c in ("I", "65", "651", "6513", "6510")] == [
        "section", "division", "group", "class", None]
    assert [i["code"] for i in inds.search("I")] == ["63", "64", "65"]
    assert [i["code"] for i in inds.search("I651")] == ["651", "6511", "6512", "6513", "6519"]


def test_codes_at_every_level_are_accepted_and_made_up_ones_refused():
    assert [listed_industry(c) for c in ("I6513", "651", "65", "c2614")] == [
        "6513", "651", "65", "2614"]
    # the 2011 edition's class, split into 6511–6519 in 2017
    with pytest.raises(ValueError, match="6510 不是 GB/T 4754-2017 的行业（651 软件开发 下没有"):
        listed_industry("6510")
    with pytest.raises(ValueError, match="26 化学原料和化学制品制造业 下没有 269"):
        listed_industry("2699")
    with pytest.raises(ValueError, match="门类应为 C"):
        listed_industry("A2614")


def test_reports_count_every_class_under_its_division():
    for code in standard().names:
        assert division_of(code) == code[:2], code
        assert division_label(code[:2]).endswith(standard().names[code[:2]])


def write(tmp_path, text):
    path = tmp_path / "industries.csv"
    path.write_text(text, encoding="utf-8")
    return path


def divisions_csv():
    return "".join(f"{d:02d},第{d}大类\n" for d in range(1, 98))


def test_the_older_code_name_form_is_still_read(tmp_path):
    inds = load_industries(write(tmp_path, "code,name\n" + divisions_csv() + "261,基础\n"))
    assert len(inds.names) == 98 and inds.sections == {} and inds.names_en == {}


@pytest.mark.parametrize(("text", "needle"), [
    ("code,title\n", ":1: the header must be code,name,name_en"),
    ("code,name,name_en\nC,制造业,\nC,制造业,\n", ":3: 门类 C 重复"),
    ("code,name,name_en\nX,未知,\n", ":2: 行业代码 'X' 格式不符"),
    ("code,name,name_en\n2614,有机化学原料制造,\n", ":2: 行业代码 2614 的上级 26 不在"),
    ("code,name,name_en\n26,,\n", ":2: expected code,name,name_en"),
    ("code,name,name_en\n26,化学,Chemicals,x\n", ":2: expected code,name,name_en"),
    ("code,name\n26,化学,Chemicals\n", ":2: expected code,name"),
])
def test_bad_lists_name_file_and_line(tmp_path, text, needle):
    with pytest.raises(IndustryListError) as info:
        load_industries(write(tmp_path, text))
    assert needle in str(info.value), str(info.value)


def test_the_bundled_file_reads_as_the_standard():
    assert load_industries(LIST).names == standard().names
