"""The six place layers' ledgers (layers/fire_unit.toml … ebike_charging.toml) through the
one importer every layer uses: a ledger with bad rows is refused whole, each bad row
named with its column and reason, nothing stored; its good rows alone then load with
the level their layer's rules give (tests/domain/test_place_layers.py has the rules)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geoapp.store import importer
from geoapp.store.models import Point
from tests.store.test_import import cells_file, loaded, rejected, zones_file  # noqa: F401  (fixtures)
from tests.support.files import write_csv

XY = [120.015, 31.005]  # inside cell B of the fixtures

# layer → (header, good rows with their expected level, bad rows with the report's line)
LEDGERS = {
    "fire_unit": (
        ["编号", "单位名称", "类别", "消防安全责任人", "消防安全管理人", "包保镇街领导",
         "包保村干部",
         "包保网格员", "包保消防站/派出所", "包保行业部门", "最近消防检查日期", "微型消防站"],
        [(["XF1", "商厦（虚构）", "火灾高危单位", "张", "李", "甲", "乙", "丙", "丁", "戊",
           "2026-05-01", "是"], "red"),
         (["XF2", "酒店（虚构）", "人员密集场所", "张", "李", "甲", "乙", "丙", "丁", "戊",
           "2026-05-01", "是"], "yellow")],
        [(["XF3", "仓库（虚构）", "仓库", "张", "", "", "", "", "", "", "", ""],
          "第 {n} 行，列“类别”：'仓库' 不在可选值中"),
         (["XF4", "超市（虚构）", "人员密集场所", "", "", "", "", "", "", "", "", ""],
          "第 {n} 行，列“消防安全责任人”：必填"),
         (["XF5", "影院（虚构）", "人员密集场所", "张", "", "", "", "", "", "", "去年", "有"],
          "第 {n} 行，列“最近消防检查日期”：")]),
    "crowded_place": (
        ["编号", "场所名称", "场所类型", "建筑面积（平方米）", "容纳人数", "多业态混合", "住人"],
        [(["RM1", "小作坊（虚构）", "小生产加工", "120", "8", "是", "是"], "red"),
         (["RM2", "饭店（虚构）", "餐饮", "300", "60", "否", "否"], "blue")],
        [(["RM3", "茶馆（虚构）", "茶馆", "80", "20", "否", "否"],
          "第 {n} 行，列“场所类型”：'茶馆' 不在可选值中"),
         (["RM4", "旅馆（虚构）", "宾馆", "200", "很多", "否", "否"],
          "第 {n} 行，列“容纳人数”：应为整数，而不是 '很多'"),
         (["RM5", "网吧（虚构）", "网吧", "大", "20", "否", "否"],
          "第 {n} 行，列“建筑面积（平方米）”：应为数字，而不是 '大'")]),
    "self_built_house": (
        ["编号", "名称", "层数", "结构类型", "经营用途", "改扩建", "安全鉴定等级", "鉴定日期",
         "产权人"],
        [(["ZJ1", "沿街楼（虚构）", "4", "砖混", "餐饮", "否", "D", "2025-03-01", "王"], "red"),
         (["ZJ2", "民房（虚构）", "2", "框架", "商铺", "否", "A", "2025-03-01", "赵"], "blue")],
        [(["ZJ3", "楼（虚构）", "3", "砖混", "餐饮", "否", "E", "", "王"],
          "第 {n} 行，列“安全鉴定等级”：'E' 不在可选值中"),
         (["ZJ4", "楼（虚构）", "", "砖混", "餐饮", "否", "B", "", "王"],
          "第 {n} 行，列“层数”：必填"),
         (["ZJ5", "楼（虚构）", "3", "砖混", "餐饮", "否", "B", "", ""],
          "第 {n} 行，列“产权人”：必填")]),
    "gas_site": (
        ["编号", "名称", "燃气场所类型", "瓶改管", "燃气泄漏报警装置"],
        [(["RQ1", "餐馆（虚构）", "餐饮用户", "计划中", "否"], "orange"),
         (["RQ2", "面馆（虚构）", "餐饮用户", "已完成", "是"], "blue")],
        [(["RQ3", "储配站（虚构）", "储配站", "不适用", "是"],
          "第 {n} 行，列“燃气场所类型”：'储配站' 不在可选值中"),
         (["RQ4", "供应点（虚构）", "瓶装液化气供应点", "一半", "是"],
          "第 {n} 行，列“瓶改管”：'一半' 不在可选值中"),
         (["RQ5", "餐馆（虚构）", "餐饮用户", "计划中", "装了"],
          "第 {n} 行，列“燃气泄漏报警装置”：应为 是/否，而不是 '装了'")]),
    "construction_site": (
        ["编号", "项目名称", "建设单位", "施工单位", "外包单位", "开工日期", "计划竣工日期",
         "高处作业",
         "有限空间作业", "超过一定规模的危大工程"],
        [(["GC1", "安置房项目（虚构）", "城投（虚构）", "建工（虚构）", "劳务（虚构）",
           "2026-01-05",
           "2027-06-30", "是", "是", "否"], "orange"),
         (["GC2", "道路工程（虚构）", "城投（虚构）", "建工（虚构）", "", "2026-01-05",
           "2026-12-31", "否", "否", "否"], "blue")],
        [(["GC3", "厂房项目（虚构）", "城投（虚构）", "", "", "2026-01-05", "", "是", "否", "否"],
          "第 {n} 行，列“施工单位”：必填"),
         (["GC4", "厂房项目（虚构）", "城投（虚构）", "建工（虚构）", "", "下月", "", "是", "否",
           "否"],
          "第 {n} 行，列“开工日期”："),
         (["GC5", "厂房项目（虚构）", "城投（虚构）", "建工（虚构）", "", "", "", "高", "否", "否"],
          "第 {n} 行，列“高处作业”：应为 是/否，而不是 '高'")]),
    "ebike_charging": (
        ["编号", "名称", "停放车位数", "充电口数", "智能充电", "入户充电投诉（次）"],
        [(["DC1", "充电棚（虚构）", "80", "40", "是", "4"], "orange"),
         (["DC2", "停车点（虚构）", "40", "20", "是", "0"], "blue")],
        [(["DC3", "充电棚（虚构）", "", "40", "是", "0"], "第 {n} 行，列“停放车位数”：必填"),
         (["DC4", "充电棚（虚构）", "40", "20", "是", "-1"],
          "第 {n} 行，列“入户充电投诉（次）”：应为非负整数，而不是 '-1'"),
         (["DC5", "充电棚（虚构）", "40", "20", "智能", "0"],
          "第 {n} 行，列“智能充电”：应为 是/否，而不是 '智能'")]),
}


@pytest.mark.parametrize("layer", list(LEDGERS))
def test_place_ledger_bad_rows_refused_then_good_rows_load(layer, loaded, rules,  # noqa: F811
                                                           tmp_path):
    header, good, bad = LEDGERS[layer]
    rows = [r + XY for r, _level in good] + [r + XY for r, _line in bad]
    path = write_csv(tmp_path / f"{layer}.csv", header + ["经度", "纬度"], rows)
    msg = rejected(loaded, importer.import_points, rules, path, layer)  # nothing stored
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip().startswith("第 ")]
    first_bad = 2 + len(good)  # the header is row 1
    expected = [line.format(n=first_bad + i) for i, (_row, line) in enumerate(bad)]
    assert len(lines) == len(expected), msg
    for got, want in zip(lines, expected, strict=True):
        assert got.startswith(want), (got, want)

    path = write_csv(tmp_path / f"{layer}-good.csv", header + ["经度", "纬度"],
                     [r + XY for r, _level in good])
    importer.import_points(loaded, rules, path, layer)
    with loaded.sessions() as s:
        got = dict(s.execute(sa.select(Point.key, Point.risk_level)
                             .where(Point.layer == layer)).all())
        cells = set(s.scalars(sa.select(Point.cell_code).where(Point.layer == layer)))
    assert got == {r[0]: level for r, level in good}
    assert cells == {"B"}
