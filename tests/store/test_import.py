"""Import: good files land completely; every bad file is rejected with row,
column and reason, and the database is left exactly as it was."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
import sqlalchemy as sa
from shapely import box

from geoapp.domain import crs as crs_mod
from geoapp.store import importer
from geoapp.store.models import Cell, Hazard, Point, Town, Village, Zone
from tests.support.checks import rejected
from tests.support.files import write_csv, write_geojson, write_xlsx

# The hand-drawn territory of test_spatial: A B below, C D above, C holed, A owns the hole.
HOLE = box(120.003, 31.013, 120.007, 31.017)
CELLS = {
    "A": shapely.MultiPolygon([box(120, 31, 120.01, 31.01), HOLE]),
    "B": box(120.01, 31, 120.02, 31.01),
    "C": box(120, 31.01, 120.01, 31.02).difference(HOLE),
    "D": box(120.01, 31.01, 120.02, 31.02),
}


# 91320205MA00000nX + check, worked by hand (weights in test_identifiers.py): the first 16
# characters and the X give 9·1 + 1·3 + 3·9 + 2·27 + 2·26 + 5·17 + M21·20 + A10·29 + X29·28
# = 1752, plus n·30; check = 31 − (Σ mod 31).
USCC = {
    1: "91320205MA000001XG",  # 1782 mod 31 = 15 → 16 G
    2: "91320205MA000002XH",  # 1812 mod 31 = 14 → 17 H
    3: "91320205MA000003XJ",  # 1842 mod 31 = 13 → 18 J
    4: "91320205MA000004XK",  # 1872 mod 31 = 12 → 19 K
    5: "91320205MA000005XL",  # 1902 mod 31 = 11 → 20 L
    6: "91320205MA000006XM",  # 1932 mod 31 = 10 → 21 M
    7: "91320205MA000007XN",  # 1962 mod 31 = 9 → 22 N
    9: "91320205MA000009XQ",  # 2022 mod 31 = 7 → 24 Q
}


def uscc(n: int) -> str:
    return USCC[n]


def cell_props(code, village="东湖村（虚构）"):
    return {"网格编码": code, "网格名称": f"{village}{code}网格", "村社区": village,
            "镇街道": "示范镇（虚构）", "网格员": "张三、李四",
            "网格员电话": "13800000001、13800000002"}


@pytest.fixture
def cells_file(tmp_path):
    return write_geojson(tmp_path / "cells.geojson",
                         [(cell_props(c, "东湖村（虚构）" if c in "AB" else "西山社区（虚构）"), g)
                          for c, g in CELLS.items()])


@pytest.fixture
def zones_file(tmp_path):
    return write_geojson(tmp_path / "zones.geojson", [
        ({"功能区编码": "Z1", "功能区名称": "化工园区（虚构）", "功能区类型": "化工园区",
          "园区安全风险评分": 65.0}, box(120.0, 31.0, 120.012, 31.01)),
    ])


ENT_HEADER = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"]


def enterprises(tmp_path, rows, name="ent.csv", header=ENT_HEADER, encoding="utf-8"):
    return write_csv(tmp_path / name, header, rows, encoding)


@pytest.fixture
def loaded(database, rules, cells_file, zones_file):
    importer.import_cells(database, rules, cells_file)
    importer.import_zones(database, rules, zones_file)
    return database


def test_cells_create_towns_villages_and_members(database, rules, cells_file):
    summary = importer.import_cells(database, rules, cells_file)
    assert summary.created == 4
    with database.sessions() as s:
        assert s.scalars(sa.select(Town.name)).all() == ["示范镇（虚构）"]
        assert sorted(s.scalars(sa.select(Village.name))) == ["东湖村（虚构）", "西山社区（虚构）"]
        a = s.scalar(sa.select(Cell).where(Cell.code == "A"))
        assert a.members == [{"name": "张三", "phone": "13800000001"},
                             {"name": "李四", "phone": "13800000002"}]
        assert a.geom.geom_type == "MultiPolygon" and len(a.geom.geoms) == 2
        c = s.scalar(sa.select(Cell).where(Cell.code == "C"))
        assert len(c.geom.geoms[0].interiors) == 1  # the hole survived the round trip
        assert s.scalar(sa.select(Cell.risk_level).where(Cell.code == "B")) == "blue"


def test_points_are_assigned_and_graded(loaded, rules, tmp_path):
    path = enterprises(tmp_path, [
        ["甲化工（虚构）", uscc(1), "C2614", "规模以上", 120.002, 31.002],   # A, zone Z1, orange
        ["乙商店（虚构）", uscc(2), "5261", "小微", 120.015, 31.015],        # D, blue
        ["丙厂（虚构）", uscc(3), "3311", "规模以下", 120.005, 31.015],       # hole → A, yellow
        ["丁仓库（虚构）", uscc(4), "5920", "小微", 120.03, 31.005],          # outside, near B
    ])
    summary = importer.import_points(loaded, rules, path, "enterprise")
    assert (summary.created, summary.outside) == (4, 1)
    with loaded.sessions() as s:
        pts = {p.name: p for p in s.scalars(sa.select(Point))}
        levels = dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all())
        zone_level = s.scalar(sa.select(Zone.risk_level))
    assert pts["甲化工（虚构）"].cell_code == "A" and pts["甲化工（虚构）"].zone_codes == ["Z1"]
    assert pts["甲化工（虚构）"].risk_level == "orange"
    assert pts["甲化工（虚构）"].industry == "2614"
    assert pts["丙厂（虚构）"].cell_code == "A"
    far = pts["丁仓库（虚构）"]
    assert (far.outside, far.cell_code, far.nearest_cell_code) == (True, None, "B")
    assert far.distance_m == pytest.approx(954, abs=3)  # 0.01° of longitude at 31°N
    assert levels == {"A": "orange", "B": "blue", "C": "blue", "D": "blue"}
    assert zone_level == "orange"  # yellow points, raised by park score 65 → grade B → orange


def test_reimport_updates_by_key_and_moving_one_point_reassigns_only_it(loaded, rules, tmp_path):
    rows = [["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002],
            ["乙（虚构）", uscc(2), "5261", "小微", 120.015, 31.015],
            ["丙（虚构）", uscc(3), "5261", "小微", 120.015, 31.005]]
    importer.import_points(loaded, rules, enterprises(tmp_path, rows), "enterprise")
    rows[1][4:] = [120.015, 31.005]  # 乙 moves from D to B
    rows[2][0] = "丙商店（虚构）"      # 丙 renamed in place
    summary = importer.import_points(loaded, rules, enterprises(tmp_path, rows, "v2.csv"),
                                     "enterprise")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    assert summary.reassigned == 1
    with loaded.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Point)) == 3
        moved = s.scalar(sa.select(Point).where(Point.key == uscc(2)))
        assert moved.cell_code == "B"
        assert s.scalar(sa.select(Point.name).where(Point.key == uscc(3))) == "丙商店（虚构）"


def test_replacing_cells_recomputes_every_point(loaded, rules, tmp_path):
    importer.import_points(loaded, rules, enterprises(tmp_path, [
        ["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002],
        ["乙（虚构）", uscc(2), "5261", "小微", 120.015, 31.005]]), "enterprise")
    # new boundaries: one cell E covering all of A and B
    path = write_geojson(tmp_path / "cells2.geojson",
                         [(cell_props("E"), box(120, 31, 120.02, 31.01))])
    summary = importer.import_cells(loaded, rules, path, allow_delete=True)
    assert summary.created == 1
    with loaded.sessions() as s:
        assert sorted(s.scalars(sa.select(Cell.code))) == ["E"]
        assert set(s.scalars(sa.select(Point.cell_code))) == {"E"}
        assert s.scalar(sa.select(Cell.risk_level)) == "orange"


def test_gbk_shapefile_zip_without_cpg(database, rules, tmp_path):
    frame = gpd.GeoDataFrame(
        {"WGBM": ["A", "B"], "WGMC": ["东湖村一网格", "东湖村二网格"], "CSQ": ["东湖村", "东湖村"],
         "XZJD": ["示范镇", "示范镇"]},
        geometry=[box(120, 31, 120.01, 31.01), box(120.01, 31, 120.02, 31.01)], crs=4326)
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / "cells.shp", encoding="GBK")
    (shp_dir / "cells.cpg").unlink(missing_ok=True)
    assert "东湖村".encode("gbk") in (shp_dir / "cells.dbf").read_bytes()
    archive = tmp_path / "cells.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    summary = importer.import_cells(database, rules, archive)
    assert any("GB18030" in n for n in summary.notes)
    with database.sessions() as s:
        assert sorted(s.scalars(sa.select(Cell.name))) == ["东湖村一网格", "东湖村二网格"]
        assert s.scalars(sa.select(Village.name)).all() == ["东湖村"]


def test_projected_geopackage_is_reprojected(database, rules, tmp_path):
    # CGCS2000 / 3-degree Gauss-Kruger CM 120E, as official boundary data comes
    frame = gpd.GeoDataFrame([cell_props(c) for c in CELLS], geometry=list(CELLS.values()),
                             crs=4326).to_crs(4549)
    frame.to_file(tmp_path / "cells.gpkg", driver="GPKG")
    summary = importer.import_cells(database, rules, tmp_path / "cells.gpkg")
    assert any("4549" in n or "Gauss" in n for n in summary.notes)
    with database.sessions() as s:
        b = s.scalar(sa.select(Cell.geom).where(Cell.code == "B"))
    assert b.bounds == pytest.approx((120.01, 31.0, 120.02, 31.01), abs=1e-7)


@pytest.mark.parametrize("system, forward", [
    ("gcj02", crs_mod.wgs84_to_gcj02), ("bd09", crs_mod.wgs84_to_bd09)])
def test_offset_coordinates_are_converted(loaded, rules, tmp_path, system, forward):
    lon, lat = forward(np.array([120.002]), np.array([31.002]))
    path = enterprises(tmp_path, [["甲（虚构）", uscc(1), "2614", "小微", round(float(lon[0]), 7),
                                   round(float(lat[0]), 7)]])
    summary = importer.import_points(loaded, rules, path, "enterprise", crs=system)
    label = {"gcj02": "GCJ-02", "bd09": "BD-09"}[system]
    assert any(label in n for n in summary.notes), summary.notes
    with loaded.sessions() as s:
        p = s.scalar(sa.select(Point))
    assert (p.geom.x, p.geom.y) == pytest.approx((120.002, 31.002), abs=1e-6)
    assert p.cell_code == "A" and p.source_crs == system


def test_xlsx_ledger_with_chinese_headers(loaded, rules, tmp_path):
    import datetime as dt

    path = write_xlsx(tmp_path / "idle.xlsx",
                      ["编号", "名称", "类别", "面积（平方米）", "最近检查日期", "经度", "纬度"],
                      [["X1", "闲置厂房一（虚构）", "废弃厂房", 1200, dt.datetime(2026, 5, 1),
                        120.012, 31.003],
                       ["X2", "闲置院落（虚构）", "农村闲置院落", None, None, 120.025, 31.025]])
    summary = importer.import_points(loaded, rules, path, "idle_site")
    assert (summary.created, summary.outside) == (2, 1)
    with loaded.sessions() as s:
        pts = {p.key: p for p in s.scalars(sa.select(Point))}
    assert pts["X1"].attrs["last_inspection"] == "2026-05-01"
    assert pts["X1"].attrs["area_m2"] == 1200
    assert pts["X2"].risk_level == "yellow"  # never inspected
    assert pts["X2"].outside


def test_enterprise_principal_and_controller_with_phones(loaded, rules, tmp_path):
    """主要负责人 and 实际控制人, each with a phone, are read by their labels and aliases
    into the point's fields; ledgers without them still load."""
    path = enterprises(tmp_path, [
        ["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002, "赵某（虚构）", "13900001234",
         "钱某（虚构）", "13700005678"],
        ["乙（虚构）", uscc(2), "5261", "小微", 120.015, 31.015, None, None, None, None],
    ], header=[*ENT_HEADER, "法定代表人/主要负责人", "主要负责人电话", "实际控制人",
               "实控人电话"])
    assert importer.import_points(loaded, rules, path, "enterprise").created == 2
    with loaded.sessions() as s:
        attrs = {p.name: p.attrs for p in s.scalars(sa.select(Point))}
    first = attrs["甲（虚构）"]
    assert (first["principal"], first["principal_phone"], first["controller"],
            first["controller_phone"]) == ("赵某（虚构）", "13900001234", "钱某（虚构）",
                                           "13700005678")
    assert not any(attrs["乙（虚构）"].get(k) for k in ("principal", "controller"))


def test_enterprise_status_standardisation_and_insurance(loaded, rules, tmp_path):
    """经营状态, 状态日期, 安全生产标准化等级, 安责险投保, 安责险到期日 (the 红黑榜's facts) load
    into the point's fields; a bad value is refused with its row and column, nothing stored."""
    header = [*ENT_HEADER, "经营状态", "状态日期", "安全生产标准化等级", "安责险投保",
              "安责险到期日"]
    good = ["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002,
            "已关闭取缔", "2026-03-01", "二级", "是", "2027-12-31"]
    path = enterprises(tmp_path, [good, ["乙（虚构）", uscc(2), "5261", "小微", 120.015, 31.015,
                                        None, None, None, "否", None]], header=header)
    assert importer.import_points(loaded, rules, path, "enterprise").created == 2
    with loaded.sessions() as s:
        attrs = {p.name: p.attrs for p in s.scalars(sa.select(Point))}
    assert {k: attrs["甲（虚构）"][k] for k in ("status", "status_since", "standardisation",
                                             "insured", "insured_until")} == {
        "status": "已关闭取缔", "status_since": "2026-03-01", "standardisation": "二级",
        "insured": True, "insured_until": "2027-12-31"}
    assert attrs["乙（虚构）"]["insured"] is False
    path = enterprises(tmp_path, [
        [*good[:6], "停业", "2026-03-01", "二级", "是", None],          # row 2
        [*good[:6], "正常生产", "2026-13-01", "特级", "大概", None],     # row 3
    ], name="bad.csv", header=header)
    msg = rejected(loaded, importer.import_points, rules, path, "enterprise")
    for row, column in (("第 2 行", "经营状态"), ("第 3 行", "状态日期"),
                        ("第 3 行", "安全生产标准化等级"), ("第 3 行", "安责险投保")):
        assert any(row in ln and column in ln for ln in msg.splitlines()), (row, column, msg)
    with loaded.sessions() as s:  # nothing half-written
        assert s.scalars(sa.select(Point).where(Point.name == "甲（虚构）")).one().attrs[
            "status"] == "已关闭取缔"


# ------------------------------------------------------------------ bad input

def test_missing_required_column(loaded, rules, tmp_path):
    path = enterprises(tmp_path, [[uscc(1), "2614", "小微", 120.002, 31.002]],
                       header=["统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"])
    msg = rejected(loaded, importer.import_points, rules, path, "enterprise")
    assert "企业名称" in msg and "缺少必填列" in msg


def test_bad_rows_are_all_reported_and_nothing_is_written(loaded, rules, tmp_path):
    good = ["好（虚构）", uscc(9), "2614", "小微", 120.002, 31.002]
    bad_check = uscc(2)[:-1] + ("0" if uscc(2)[-1] != "0" else "1")
    path = enterprises(tmp_path, [
        good,                                                      # row 2
        ["坐标非数字（虚构）", uscc(1), "2614", "小微", "东经120", 31.0],   # row 3
        ["纬度越界（虚构）", uscc(3), "2614", "小微", 120.0, 95.0],        # row 4
        ["经纬颠倒（虚构）", uscc(4), "2614", "小微", 31.002, 120.002],     # row 5
        ["校验位错（虚构）", bad_check, "2614", "小微", 120.002, 31.002],   # row 6
        ["重复（虚构）", uscc(9), "2614", "小微", 120.003, 31.003],        # row 7
        ["行业错（虚构）", uscc(5), "9999", "小微", 120.003, 31.003],       # row 8
        ["", uscc(6), "2614", "小微", 120.003, 31.003],                   # row 9
        ["规模错（虚构）", uscc(7), "2614", "特大", 120.003, 31.003],       # row 10
    ])
    msg = rejected(loaded, importer.import_points, rules, path, "enterprise")
    expected = [("第 3 行", "经度", "坐标应为数字"), ("第 4 行", "纬度", "超出"),
                ("第 5 行", "经度/纬度", "填反"), ("第 6 行", "统一社会信用代码", "校验位"),
                ("第 7 行", None, "与第 2 行重复"), ("第 8 行", "行业代码", "不存在"),
                ("第 9 行", "企业名称", "必填项为空"), ("第 10 行", "企业规模", "不在可选值中")]
    lines = msg.splitlines()
    for row, column, reason in expected:
        hits = [ln for ln in lines if row + "，" in ln or row + "：" in ln]
        assert any(reason in ln and (column is None or column in ln) for ln in hits), (row, msg)
    assert not any(ln.lstrip().startswith("第 2 行") for ln in lines)  # the good row is fine


def test_unknown_crs_and_layer(loaded, rules, tmp_path):
    path = enterprises(tmp_path, [["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002]])
    assert "mars" in rejected(loaded, importer.import_points, rules, path, "enterprise",
                              crs="mars")
    assert "未知图层" in rejected(loaded, importer.import_points, rules, path, "shop")


def test_unrepairable_polygon_is_rejected(database, rules, tmp_path):
    importer.import_cells(database, rules, write_geojson(tmp_path / "ok.geojson",
                                                         [(cell_props("A"), CELLS["A"])]))
    flat = shapely.Polygon([(120, 31), (120.01, 31), (120.02, 31), (120, 31)])  # no area
    path = write_geojson(tmp_path / "bad.geojson",
                         [(cell_props("B"), CELLS["B"]), (cell_props("C"), flat)])
    msg = rejected(database, importer.import_cells, rules, path)
    assert "第 2 行" in msg and "几何" in msg and "无法修复" in msg


def test_self_intersecting_polygon_is_repaired(database, rules, tmp_path):
    bowtie = shapely.Polygon([(120, 31), (120.01, 31.01), (120.01, 31), (120, 31.01), (120, 31)])
    assert not bowtie.is_valid
    summary = importer.import_cells(database, rules, write_geojson(
        tmp_path / "bow.geojson", [(cell_props("A"), bowtie)]))
    assert any("已自动修复" in n for n in summary.notes)
    with database.sessions() as s:
        geom = s.scalar(sa.select(Cell.geom))
    assert geom.is_valid and geom.area == pytest.approx(0.00005, rel=1e-6)


def test_boundary_problems(database, rules, tmp_path):
    path = write_geojson(tmp_path / "cells.geojson", [
        (cell_props("A"), CELLS["A"]),
        (cell_props("A"), CELLS["B"]),                          # duplicate code
        ({**cell_props("C"), "村社区": ""}, CELLS["C"]),           # missing village
        (cell_props("D"), shapely.Point(120.015, 31.015)),      # not a polygon
        (cell_props("E"), None),                                # no geometry
    ])
    msg = rejected(database, importer.import_cells, rules, path)
    for expect in ("第 2 行：标识 A 与第 1 行重复", "第 3 行，列“村社区”：必填项为空",
                   "第 4 行，列“几何”：应为面", "第 5 行，列“几何”：几何为空"):
        assert expect in msg, msg


def test_projected_file_without_crs_is_rejected(database, rules, tmp_path):
    metres = shapely.affinity.translate(box(0, 0, 1000, 1000), 500000, 3430000)
    path = write_geojson(tmp_path / "noprj.geojson", [(cell_props("A"), metres)])
    msg = rejected(database, importer.import_cells, rules, path)
    assert "--crs" in msg


def test_hazard_ledger_problems(loaded, rules, tmp_path):
    importer.import_points(loaded, rules, enterprises(tmp_path, [
        ["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002]]), "enterprise")
    header = ["隐患编号", "点位类型", "点位编号", "隐患等级", "隐患来源", "隐患描述", "发现日期",
              "整改期限", "整改状态", "销号日期"]
    path = write_csv(tmp_path / "hz.csv", header, [
        ["H1", "企业", uscc(1), "一般", "企业自查", "消防通道堵塞", "2025-01-02", "2025-01-30",
         "待整改", ""],
        ["H2", "企业", uscc(2), "一般", "企业自查", "不存在的企业", "2025-01-02", "2025-01-30",
         "待整改", ""],
        ["H3", "企业", uscc(1), "重大", "督导检查", "期限早于发现", "2025-02-02", "2025-01-30",
         "整改中", ""],
        ["H4", "企业", uscc(1), "一般", "群众举报", "销号缺日期", "2025-01-02", "2025-01-30",
         "已销号", ""],
        ["H5", "企业", uscc(1), "特别", "群众举报", "等级错", "2025-01-02", "2025-01-30",
         "待整改", ""],
    ])
    msg = rejected(loaded, importer.import_hazards, rules, path)
    for expect in ("第 3 行，列“点位编号”", "第 4 行，列“整改期限”：不能早于发现日期",
                   "第 5 行，列“销号日期”", "第 6 行，列“隐患等级”"):
        assert expect in msg, msg
    assert not any(ln.lstrip().startswith("第 2 行") for ln in msg.splitlines())


def test_hazards_escalate_and_reimport_logs_state_change(loaded, rules, tmp_path):
    importer.import_points(loaded, rules, enterprises(tmp_path, [
        ["乙商店（虚构）", uscc(2), "5261", "小微", 120.015, 31.015]]), "enterprise")
    header = ["隐患编号", "点位类型", "点位编号", "隐患等级", "隐患来源", "隐患描述", "发现日期",
              "整改期限", "挂牌督办", "整改状态", "销号日期"]
    row = ["H1", "企业", uscc(2), "重大", "督导检查", "液化气钢瓶违规存放", "2025-03-01",
           "2025-04-01", "是", "整改中", ""]
    importer.import_hazards(loaded, rules, write_csv(tmp_path / "h1.csv", header, [row]))
    with loaded.sessions() as s:
        assert s.scalar(sa.select(Point.risk_level)) == "red"  # escalated from blue
        assert s.scalar(sa.select(Cell.risk_level).where(Cell.code == "D")) == "red"
    row[9:] = ["已销号", "2025-03-20"]
    summary = importer.import_hazards(loaded, rules, write_csv(tmp_path / "h2.csv", header, [row]))
    assert summary.updated == 1
    with loaded.sessions() as s:
        h = s.scalar(sa.select(Hazard))
        assert [(e.from_state, e.to_state) for e in h.events] == [(None, "rectifying"),
                                                                  ("rectifying", "closed")]
        assert s.scalar(sa.select(Point.risk_level)) == "blue"
        assert s.scalar(sa.select(Cell.risk_level).where(Cell.code == "D")) == "blue"


def test_zone_without_park_score_stores_null_not_nan(database, rules, tmp_path):
    # one zone with a score and one without: pandas would make the column float and the
    # missing score NaN, which PostgreSQL keeps as NaN (invalid JSON, wrong level)
    path = write_geojson(tmp_path / "zones.geojson", [
        ({"功能区编码": "Z1", "功能区名称": "化工园区（虚构）", "功能区类型": "化工园区",
          "园区安全风险评分": 65.0}, box(120.0, 31.0, 120.01, 31.01)),
        ({"功能区编码": "Z2", "功能区名称": "工业园区（虚构）", "功能区类型": "工业园区"},
         box(120.02, 31.0, 120.03, 31.01)),
    ])
    importer.import_zones(database, rules, path)
    with database.sessions() as s:
        scores = dict(s.execute(sa.select(Zone.code, Zone.park_score)).all())
    assert scores == {"Z1": 65.0, "Z2": None}
