"""Ledger rows the importer refuses, one reason each, with the row and column named;
boundary files read with an explicit --crs.

Major hazard installations (importer._derived_fields): worked by hand with
layers/substances.toml's 氨 Q 10 t β 2, α 2.0 for 100 or more people within 500 m
(tests/domain/test_major_hazard.py has the rules). Number, integer and yes/no cells
(ledger.parse_value) on the enterprise and confined-space ledgers.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from geoapp.store import importer
from geoapp.store.models import Point
from tests.store.test_import import cells_file, loaded, rejected, zones_file  # noqa: F401  (fixtures)
from tests.support.files import write_csv, write_geojson

MH_HEADER = ["编号", "名称", "所属企业", "危险物质及数量", "500米内人数", "R值", "等级",
             "经度", "纬度"]


def _mh(code, substances="", people="", r="", grade=""):
    return [code, f"{code}罐区（虚构）", "甲化工（虚构）", substances, people, r, grade,
            120.002, 31.002]


def _problems(msg: str) -> dict[str, str]:
    """The report's lines by row: '第 3 行' → the line."""
    return {ln.strip().split("，")[0].split("：")[0]: ln.strip() for ln in msg.splitlines()
            if ln.strip().startswith("第 ")}


def test_every_rejected_major_hazard_row_names_row_column_and_reason(loaded, rules,  # noqa: F811
                                                                     tmp_path):
    path = write_csv(tmp_path / "mh.csv", MH_HEADER, [
        _mh("MH1", "液氨:30", 120),                 # row 2: S 3, R 2·2·3 = 12 → 三级: fine
        _mh("MH2", "液氨:5", 120),                  # row 3: S = 5/10 = 0.5 < 1
        _mh("MH3", "液氨:30", 120, grade="一级"),    # row 4: computed 三级, stated 一级
        _mh("MH4", "液氨:30"),                      # row 5: substances without head count
        _mh("MH5", r=60, grade="三级"),              # row 6: R 60 is 二级 (50 ≤ R < 100)
        _mh("MH6"),                                 # row 7: neither substances, R nor grade
        _mh("MH7", "液氨", 120),                     # row 8: no quantity
    ])
    msg = rejected(loaded, importer.import_points, rules, path, "major_hazard")
    by_row = _problems(msg)
    assert "第 2 行" not in by_row, msg
    assert by_row["第 3 行"] == ("第 3 行，列“危险物质及数量”：S = Σq/Q = 0.500 < 1，"
                                "不构成重大危险源（GB 18218-2018 4.2）")
    assert by_row["第 4 行"] == ("第 4 行，列“等级”：填写的等级 一级 与按物质计算的 "
                                "R = 12.0（三级）不符")
    assert by_row["第 5 行"] == ("第 5 行，列“500米内人数”："
                                "给出危险物质时须填写500米内人数（用于 α）")
    assert by_row["第 6 行"] == "第 6 行，列“等级”：填写的等级 三级 与 R 值 60.0（二级）不符"
    assert by_row["第 7 行"] == "第 7 行：需给出危险物质及数量、R值或等级之一"
    assert by_row["第 8 行"].startswith("第 8 行，列“危险物质及数量”：")
    assert len(by_row) == 6, msg


def test_major_hazard_grade_from_substances_r_or_the_ledger(loaded, rules,  # noqa: F811
                                                            tmp_path):
    path = write_csv(tmp_path / "mh.csv", MH_HEADER, [
        _mh("MH1", "液氨:30", 120, grade="三级"),   # computed 三级, stated the same: accepted
        _mh("MH2", r=60),                           # R only: 二级
        _mh("MH3", r=100),                          # R 100: 一级 (R ≥ 100)
        _mh("MH4", grade="四级"),                    # the grade as assessed
    ])
    importer.import_points(loaded, rules, path, "major_hazard")
    with loaded.sessions() as s:
        got = {key: (attrs["grade"], attrs.get("r_value"), level) for key, attrs, level in
               s.execute(sa.select(Point.key, Point.attrs, Point.risk_level))}
    assert got == {"MH1": ("三级", 12.0, "orange"), "MH2": ("二级", 60.0, "red"),
                   "MH3": ("一级", 100.0, "red"), "MH4": ("四级", None, "yellow")}


ENT_HEADER = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "从业人数", "LEC风险值",
              "经度", "纬度"]
# literal USCCs worked by hand in tests/store/test_import.py
CODES = ["91320205MA000001XG", "91320205MA000002XH", "91320205MA000003XJ",
         "91320205MA000004XK", "91320205MA000005XL", "91320205MA000006XM",
         "91320205MA000007XN"]


def test_bad_integer_and_number_cells(loaded, rules, tmp_path):  # noqa: F811
    def row(i, employees, lec):
        return [f"企业{i}（虚构）", CODES[i], "2614", "小微", employees, lec, 120.002, 31.002]

    path = write_csv(tmp_path / "ent.csv", ENT_HEADER, [
        row(0, 12, 80.5),      # row 2: fine
        row(1, "十二", ""),     # row 3: not a number
        row(2, "12.5", ""),    # row 4: not whole
        row(3, "-3", ""),      # row 5: negative
        row(4, "", "高"),       # row 6: not a number
        row(5, "", "inf"),     # row 7: not finite
        row(6, "", "nan"),     # row 8: not finite
    ])
    by_row = _problems(rejected(loaded, importer.import_points, rules, path, "enterprise"))
    assert by_row == {
        "第 3 行": "第 3 行，列“从业人数”：应为整数，而不是 '十二'",
        "第 4 行": "第 4 行，列“从业人数”：应为非负整数，而不是 '12.5'",
        "第 5 行": "第 5 行，列“从业人数”：应为非负整数，而不是 '-3'",
        "第 6 行": "第 6 行，列“LEC风险值”：应为数字，而不是 '高'",
        "第 7 行": "第 7 行，列“LEC风险值”：应为有限数字，而不是 'inf'",
        "第 8 行": "第 8 行，列“LEC风险值”：应为有限数字，而不是 'nan'",
    }


def test_bad_yes_no_cells(loaded, rules, tmp_path):  # noqa: F811
    header = ["编号", "名称", "所属企业", "类型", "上锁管理", "赋码管理", "经度", "纬度"]
    path = write_csv(tmp_path / "cs.csv", header, [
        ["YX1", "污水池（虚构）", "甲（虚构）", "地下", "是", "未赋码", 120.002, 31.002],
        ["YX2", "储罐（虚构）", "甲（虚构）", "密闭设备", "也许", "否", 120.002, 31.002],
        ["YX3", "地窖（虚构）", "甲（虚构）", "地下", "√", "2", 120.002, 31.002],
    ])
    by_row = _problems(rejected(loaded, importer.import_points, rules, path,
                                "confined_space"))
    assert by_row == {"第 3 行": "第 3 行，列“上锁管理”：应为 是/否，而不是 '也许'",
                      "第 4 行": "第 4 行，列“赋码管理”：应为 是/否，而不是 '2'"}


# ---------------------------------------------------------------- boundary files


def test_bare_gbk_shapefile_without_cpg_or_prj_read_with_explicit_crs(database, monkeypatch,
                                                                      tmp_path):
    """`geoapp import cells --crs EPSG:4549 cells.shp`: no .cpg (GBK names), no .prj."""
    import geopandas as gpd
    from click.testing import CliRunner
    from shapely import box

    from geoapp.cli import main
    from geoapp.store.models import Cell

    frame = gpd.GeoDataFrame(
        {"WGBM": ["A", "B"], "WGMC": ["东湖村一网格", "东湖村二网格"], "CSQ": ["东湖村", "东湖村"],
         "XZJD": ["示范镇", "示范镇"]},
        geometry=[box(120, 31, 120.01, 31.01), box(120.01, 31, 120.02, 31.01)],
        crs=4326).to_crs(4549)  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
    frame.to_file(tmp_path / "cells.shp", encoding="GBK")
    for part in ("cells.cpg", "cells.prj"):
        (tmp_path / part).unlink(missing_ok=True)
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database.url)
    result = CliRunner().invoke(main, ["import", "cells", "--crs", "EPSG:4549",
                                       str(tmp_path / "cells.shp")])
    assert result.exit_code == 0, result.output
    assert "按 --crs 指定" in result.output and "GB18030" in result.output, result.output
    with database.sessions() as s:
        cells = {c.code: c for c in s.scalars(sa.select(Cell))}
        assert sorted(c.name for c in cells.values()) == ["东湖村一网格", "东湖村二网格"]
        assert cells["B"].geom.bounds == pytest.approx((120.01, 31.0, 120.02, 31.01), abs=1e-7)


def test_offset_boundaries_with_explicit_crs(database, rules, tmp_path):
    """--crs gcj02 on a GeoJSON of cells drawn on a 高德 map: converted to WGS84."""
    from shapely import box

    from geoapp.domain import crs as crs_mod
    from geoapp.store.models import Cell

    wgs = box(120.01, 31, 120.02, 31.01)
    gcj = shapely.transform(wgs, lambda xy: np.column_stack(
        crs_mod.wgs84_to_gcj02(xy[:, 0], xy[:, 1])))
    path = write_geojson(tmp_path / "cells.geojson", [(
        {"网格编码": "B", "网格名称": "二网格", "村社区": "东湖村", "镇街道": "示范镇"}, gcj)])
    summary = importer.import_cells(database, rules, path, crs="gcj02")
    assert any("GCJ-02" in n and "--crs" in n for n in summary.notes), summary.notes
    with database.sessions() as s:
        b = s.scalar(sa.select(Cell.geom))
    assert b.bounds == pytest.approx(wgs.bounds, abs=1e-7)
