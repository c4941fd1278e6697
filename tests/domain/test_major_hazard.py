"""Major hazard identification and grading; every expected value worked out by hand.

Rules (GB 18218-2018 4.2, 4.3; 原国家安全监管总局令第40号 附件1): S = Σ q/Q, major when
S ≥ 1; R = α · Σ β·q/Q; α by people within 500 m (≥100 → 2.0, 50–99 → 1.5,
30–49 → 1.2, 1–29 → 1.0, 0 → 0.5); 一级 R ≥ 100, 二级 ≥ 50, 三级 ≥ 10, else 四级.
Q and β quoted in the comments are those of ``layers/substances.toml``: 氯 Q 5 β 4,
氨 Q 10 β 2, 甲醇 Q 500 β 1, 氢 Q 5 β 1.5.
"""

from __future__ import annotations

import pytest

from geoapp.domain.major_hazard import alpha_for_people, assess, grade_for_r, parse_substances
from geoapp.domain.substances import Substance, load_substances, name_key
from geoapp.resources import bundled

SHIPPED = bundled("layers") / "substances.toml"


@pytest.fixture(scope="module")
def table():
    return load_substances(SHIPPED)


def run(table, text, people):
    return assess(parse_substances(text), people, table)


# ---------------------------------------------------------------- S, R and grade


def test_two_substances_worked_example(table):
    # 氯 12.5 t + 液氨 30 t, 120 people (α 2.0):
    # S = 12.5/5 + 30/10 = 2.5 + 3 = 5.5
    # R = 2.0 × (4 × 2.5 + 2 × 3) = 2.0 × 16 = 32 → 三级 (10 ≤ 32 < 50)
    result = run(table, "氯:12.5; 液氨:30", 120)
    assert result.s == 5.5
    assert result.r == 32.0
    assert result.alpha == 2.0
    assert result.grade == "三级"
    assert result.is_major is True
    chlorine, ammonia = result.terms
    assert (chlorine.name, chlorine.q, chlorine.threshold_t, chlorine.beta) == ("氯", 12.5, 5, 4)
    assert (ammonia.name, ammonia.q, ammonia.threshold_t, ammonia.beta) == ("液氨", 30, 10, 2)
    assert ammonia.substance.name == "氨"  # found through its alias
    assert (chlorine.ratio, ammonia.ratio) == (2.5, 3.0)


def test_below_threshold_is_not_major(table):
    # 液氨 5 t: S = 5/10 = 0.5 < 1 → no grade; R still reported: 2.0 × 2 × 0.5 = 2
    result = run(table, "液氨:5", 120)
    assert result.s == 0.5
    assert result.is_major is False
    assert result.grade is None
    assert result.r == 2.0


def test_exactly_at_threshold_is_major(table):
    # 液氨 10 t, nobody within 500 m: S = 10/10 = 1 → major;
    # R = 0.5 × 2 × 1 = 1 → 四级
    result = run(table, "液氨:10", 0)
    assert (result.s, result.is_major, result.r, result.grade) == (1.0, True, 1.0, "四级")


def test_s_of_exactly_one_is_not_lost_to_rounding(table):
    # 氯 0.4 t + 液氨 9.2 t: S = 0.4/5 + 9.2/10 = 0.08 + 0.92 = 1 exactly
    # (summed in binary floats it comes to 0.9999999999999999)
    assert 0.4 / 5 + 9.2 / 10 < 1
    result = run(table, "氯:0.4; 液氨:9.2", 0)
    assert result.is_major is True
    assert result.s == 1.0
    # R = 0.5 × (4 × 0.08 + 2 × 0.92) = 0.5 × 2.16 = 1.08
    assert result.r == pytest.approx(1.08)
    assert result.grade == "四级"


@pytest.mark.parametrize(
    ("text", "r", "grade"),
    [
        # 10 people → α 1.0; R = 4·q(氯)/5 + 2·q(氨)/10 = 0.8·q(氯) + 0.2·q(氨)
        ("氯:1.4; 液氨:44.4", 10, "三级"),  # 1.12 + 8.88 = 10 (floats: 9.999999999999998)
        ("氯:1.4; 液氨:44.3", 9.98, "四级"),  # 1.12 + 8.86
        ("氯:0.2; 液氨:249.2", 50, "二级"),  # 0.16 + 49.84 = 50 (floats: 49.99999999999999)
        ("氯:0.2; 液氨:249.1", 49.98, "三级"),  # 0.16 + 49.82
        ("氯:0.4; 液氨:498.4", 100, "一级"),  # 0.32 + 99.68 = 100 (floats: 99.99999999999999)
        ("氯:0.4; 液氨:498.3", 99.98, "二级"),  # 0.32 + 99.66
    ],
)
def test_grade_edges_through_assess(table, text, r, grade):
    result = run(table, text, 10)
    assert result.alpha == 1.0
    assert result.r == pytest.approx(r)
    assert result.grade == grade


def test_three_substances_different_alpha(table):
    # 甲醇 300 t + 氢 4 t + 液氯 2 t, 40 people (α 1.2):
    # S = 300/500 + 4/5 + 2/5 = 0.6 + 0.8 + 0.4 = 1.8
    # R = 1.2 × (1 × 0.6 + 1.5 × 0.8 + 4 × 0.4) = 1.2 × (0.6 + 1.2 + 1.6) = 1.2 × 3.4 = 4.08 → 四级
    result = run(table, "甲醇：300吨\n氢气：4t\n液氯：2", 40)
    assert result.s == pytest.approx(1.8)
    assert result.r == pytest.approx(4.08)
    assert result.grade == "四级"


# ---------------------------------------------------------------- α


@pytest.mark.parametrize(
    ("people", "alpha"),
    [(0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0),
     (5000, 2.0)],
)
def test_alpha_bands(people, alpha):
    assert alpha_for_people(people) == alpha


def test_alpha_changes_r(table):
    # 液氨 20 t: Σβq/Q = 2 × 20/10 = 4; R = α × 4
    assert [run(table, "液氨:20", n).r for n in (0, 1, 30, 50, 100)] == [2.0, 4.0, 4.8, 6.0, 8.0]


def test_missing_people_is_an_error(table):
    with pytest.raises(ValueError, match="缺少500米内人数"):
        alpha_for_people(None)
    with pytest.raises(ValueError, match="缺少500米内人数"):
        run(table, "液氨:20", None)


@pytest.mark.parametrize("people", [-1, 12.5, True, "100"])
def test_bad_people(people):
    with pytest.raises(ValueError, match="500米内人数"):
        alpha_for_people(people)


# ---------------------------------------------------------------- grade


@pytest.mark.parametrize(
    ("r", "grade"),
    [(1000, "一级"), (100, "一级"), (99.99, "二级"), (50, "二级"), (49.99, "三级"), (10, "三级"),
     (9.99, "四级"), (0, "四级")],
)
def test_grade_for_r(r, grade):
    assert grade_for_r(r) == grade


@pytest.mark.parametrize("r", [-1, float("nan"), float("inf"), None])
def test_grade_for_bad_r(r):
    with pytest.raises(ValueError, match="R值"):
        grade_for_r(r)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("氯:12.5; 液氨:30", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯：12.5；液氨：30", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯:12.5、液氨:30", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯:12.5, 液氨:30", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯:12.5，液氨:30", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯:12.5\n液氨:30\n", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯: 12.5 t; 液氨: 30吨;", [("氯", 12.5, None, None), ("液氨", 30.0, None, None)]),
        ("氯:１２．５Ｔ", [("氯", 12.5, None, None)]),  # full-width digits and unit
        ("某物质:5:50:1.5", [("某物质", 5.0, 50.0, 1.5)]),
        ("某物质：5t：50吨：1.5", [("某物质", 5.0, 50.0, 1.5)]),
        ("硝酸铵肥料(含可燃物≤0.4%):10:300", [("硝酸铵肥料(含可燃物≤0.4%)", 10.0, 300.0, None)]),
        ("甲醇:600::1.5", [("甲醇", 600.0, None, 1.5)]),
        # a comma between digits inside a name is part of the name
        ("1,3-丁二烯:2, 氯:1", [("1,3-丁二烯", 2.0, None, None), ("氯", 1.0, None, None)]),
        ("氯:1,1,3-丁二烯:2", [("氯", 1.0, None, None), ("1,3-丁二烯", 2.0, None, None)]),
    ],
)
def test_parse(text, expected):
    assert parse_substances(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("氯12.5; 液氨:30", "无法解析危险物质“氯12.5”：应为 名称:数量(吨)"),
        ("氯：12.5；液氨30", "无法解析危险物质“液氨30”"),
        ("氯:12.5,30", "无法解析危险物质“30”"),
        ("氯:5:5:4:1", "无法解析危险物质“氯:5:5:4:1”"),
        (":5", "缺少名称"),
        ("氯:0", "危险物质“氯”的数量“0”无效"),
        ("氯:-3", "危险物质“氯”的数量“-3”无效"),
        ("氯:十吨", "危险物质“氯”的数量“十吨”无效"),
        ("氯:5kg", "危险物质“氯”的数量“5kg”无效"),
        ("某物质:5:0:1.5", "危险物质“某物质”的临界量“0”无效"),
        ("某物质:5:x:1.5", "危险物质“某物质”的临界量“x”无效"),
        ("某物质:5:50:0.5", "危险物质“某物质”的校正系数β“0.5”无效"),
        ("某物质:5:50:1.5t", "校正系数β“1.5t”无效"),
        ("某物质:5:", "无法解析危险物质“某物质:5:”"),
        ("", "未给出危险物质"),
        (" ;；\n", "未给出危险物质"),
    ],
)
def test_parse_errors(text, message):
    with pytest.raises(ValueError) as err:
        parse_substances(text)
    assert message in str(err.value)


# ---------------------------------------------------------------- lookup and overrides


@pytest.mark.parametrize(
    ("written", "name"),
    [("液氯", "氯"), ("氯气", "氯"), ("光气", "碳酰氯"), ("氯化氢", "氯化氢(无水)"),
     ("氯化氢（无水）", "氯化氢(无水)"), ("天然气", "甲烷"), ("一氧化碳", "煤气"),
     ("LPG", "液化石油气"), ("氢气", "氢"), ("电石", "碳化钙")],
)
def test_alias_lookup(table, written, name):
    assert table[name_key(written)].name == name
    (term,) = run(table, f"{written}:1", 0).terms
    assert term.substance.name == name


def test_unknown_substance_needs_q_and_beta(table):
    message = "危险物质“某物质”不在临界量表中，请在台账中给出临界量和校正系数"
    with pytest.raises(ValueError, match=message):
        run(table, "氯:10; 某物质:5", 120)
    with pytest.raises(ValueError, match="不在临界量表中"):
        run(table, "某物质:5:50", 120)  # Q without β is not enough for R
    with pytest.raises(ValueError, match="不在临界量表中"):
        run(table, "硝酸铵:10", 120)  # three 表1 rows, so no bare 硝酸铵 alias


def test_explicit_q_and_beta_for_unlisted(table):
    # 某物质 60 t with Q 50 t and β 1.5, 100 people (α 2.0):
    # S = 60/50 = 1.2; R = 2.0 × 1.5 × 1.2 = 3.6 → 四级
    result = run(table, "某物质:60:50:1.5", 100)
    assert result.s == pytest.approx(1.2)
    assert result.r == pytest.approx(3.6)
    assert result.grade == "四级"
    (term,) = result.terms
    assert (term.threshold_t, term.beta, term.substance) == (50, 1.5, None)


def test_explicit_values_override_the_table(table):
    # 甲醇 600 t handled above its boiling point: W5.1, β 1.5 instead of the table's 1;
    # Q stays 500 from the table. 0 people (α 0.5):
    # S = 600/500 = 1.2; R = 0.5 × 1.5 × 1.2 = 0.9
    result = run(table, "甲醇:600::1.5", 0)
    assert result.s == pytest.approx(1.2)
    assert result.r == pytest.approx(0.9)
    assert (result.terms[0].threshold_t, result.terms[0].beta) == (500, 1.5)
    # an explicit Q is used as given: 液氨 10 t against Q 20 → S = 0.5, not major
    assert run(table, "液氨:10:20", 0).is_major is False


def test_assess_checks_its_input(table):
    with pytest.raises(ValueError, match="未给出危险物质"):
        assess([], 10, table)
    with pytest.raises(ValueError, match="数量应大于0"):
        assess([("氯", 0, None, None)], 10, table)
    with pytest.raises(ValueError, match="校正系数β应不小于1"):
        assess([("氯", 1, None, 0.5)], 10, table)
    with pytest.raises(ValueError, match="临界量应大于0"):
        assess([("氯", 1, -5, None)], 10, table)


# ---------------------------------------------------------------- the table file

GOOD = """
[[substances]]
name = "氯"
aliases = ["液氯", "氯气"]
cas = "7782-50-5"
threshold_t = 5
beta = 4
beta_basis = "表3 毒性气体 氯"

[[substances]]
name = "氨"
aliases = ["液氨"]
cas = "7664-41-7"
threshold_t = 10
beta = 2
beta_basis = "表3 毒性气体 氨"
"""


def write(tmp_path, text):
    path = tmp_path / "substances.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_maps_names_and_aliases(tmp_path):
    table = load_substances(write(tmp_path, GOOD))
    assert sorted(table) == ["氨", "氯", "氯气", "液氨", "液氯"]
    assert table["液氯"] is table["氯"]
    assert table["液氨"] == Substance("氨", ("液氨",), "7664-41-7", 10.0, 2.0, "表3 毒性气体 氨")


def test_load_rejects_duplicate_alias(tmp_path):
    # 氨's second alias "液氯" is already 氯's alias
    path = write(tmp_path, GOOD.replace('aliases = ["液氨"]', 'aliases = ["液氨", "液氯"]'))
    with pytest.raises(ValueError) as err:
        load_substances(path)
    msg = str(err.value)
    assert str(path) in msg and "substances[1] (氨)" in msg and "'液氯'" in msg and "'氯'" in msg


def test_load_rejects_name_reused_after_normalisation(tmp_path):
    path = write(tmp_path, GOOD.replace('aliases = ["液氨"]', 'aliases = ["液氨", " 氯 "]'))
    with pytest.raises(ValueError, match="already used by '氯'"):
        load_substances(path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("threshold_t = 10\n", "", "substances[1] (氨): missing field 'threshold_t'"),
        ("beta = 2\n", "", "substances[1] (氨): missing field 'beta'"),
        ('beta_basis = "表3 毒性气体 氨"\n', "", "missing field 'beta_basis'"),
        ("threshold_t = 10", "threshold_t = 0", "(氨): 'threshold_t' must be a number > 0"),
        ("threshold_t = 10", "threshold_t = -10", "'threshold_t' must be a number > 0"),
        ("threshold_t = 10", 'threshold_t = "10"', "'threshold_t' must be a number > 0"),
        ("beta = 2", "beta = 0.5", "(氨): 'beta' must be a number ≥ 1"),
        ('cas = "7664-41-7"', 'cas = "7664-41-8"', "(氨): 'cas' '7664-41-8' is not a CAS"),
        ("beta = 2", "beta = 2\nbeta_note = 1", "(氨): unknown field 'beta_note'"),
        ('aliases = ["液氨"]', 'aliases = "液氨"', "(氨): 'aliases' must be a list"),
        ('name = "氨"', 'name = ""', "substances[1]: 'name' must be a non-empty string"),
        ("beta = 2", "beta = 2\n[[substances", "not valid TOML"),
    ],
)
def test_load_rejects_bad_entries(tmp_path, old, new, message):
    path = write(tmp_path, _replace_in_second(GOOD, old, new))
    with pytest.raises(ValueError) as err:
        load_substances(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def _replace_in_second(text, old, new):
    """Edit the second [[substances]] table (氨) only."""
    head, sep, tail = text.rpartition("[[substances]]")
    assert old in tail
    return head + sep + tail.replace(old, new, 1)


def test_load_rejects_an_empty_file(tmp_path):
    with pytest.raises(ValueError, match=r"no \[\[substances\]\] tables"):
        load_substances(write(tmp_path, "# nothing yet\n"))


# ---------------------------------------------------------------- the shipped file

# GB 18218-2018 表3 (the same in 40号令 附件1 表2): 毒性气体 → β
TABLE_3 = {
    "一氧化碳": 2, "二氧化硫": 2, "氨": 2, "环氧乙烷": 2,
    "氯化氢": 3, "溴甲烷": 3,
    "氯": 4,
    "硫化氢": 5, "氟化氢": 5,
    "二氧化氮": 10, "氰化氢": 10,
    "碳酰氯": 20, "磷化氢": 20, "异氰酸甲酯": 20,
}


def test_shipped_table_3_betas(table):
    # every 表3 gas is shipped, found under its 表3 name, with its 表3 β
    for gas, beta in TABLE_3.items():
        assert table[gas].beta == beta, gas
        assert table[gas].beta_basis.startswith(f"表3 毒性气体 {gas}"), gas


def test_shipped_thresholds(table):
    # GB 18218-2018 表1, spot checks across the classes
    expected = {"氨": 10, "氯": 5, "氯化氢(无水)": 20, "硫化氢": 5, "二氧化硫": 20, "煤气": 20,
                "环氧乙烷": 10, "碳酰氯": 0.3, "氰化氢": 1, "氟化氢": 1, "异氰酸甲酯": 0.75,
                "甲醇": 500, "乙醇": 500, "苯": 50, "甲苯": 500, "液化石油气": 50, "甲烷": 50,
                "氢": 5, "乙炔": 1, "乙烯": 50, "丙酮": 500, "乙酸乙酯": 500, "二硫化碳": 50,
                "氯乙烯": 50, "苯乙烯": 500, "硝酸铵(含可燃物>0.2%)": 5,
                "硝酸铵(含可燃物≤0.2%)": 50, "氧(压缩的或液化的)": 200}
    assert {name: table[name].threshold_t for name in expected} == expected


def test_shipped_file_is_consistent(table):
    rows = {id(s): s for s in table.values()}.values()
    assert len(rows) >= 30
    for sub in rows:
        # a β either comes from 表3 (and then is the 表3 value) or names its 表4 class
        assert sub.beta_basis.startswith(("表3 毒性气体", "表4 ")), sub.name
        if sub.beta_basis.startswith("表3"):
            gas = sub.beta_basis.split()[2].split("（")[0]
            assert TABLE_3[gas] == sub.beta, sub.name
    # 表4 values used: W2 易燃气体 1.5; W1 爆炸物 2; the rest 1
    assert table["氢"].beta == table["甲烷"].beta == table["液化石油气"].beta == 1.5
    assert table[name_key("硝酸铵(含可燃物>0.2%)")].beta == 2
    assert table["甲醇"].beta == table["苯"].beta == table["过氧化钠"].beta == 1
