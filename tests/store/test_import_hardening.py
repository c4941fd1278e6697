"""Import under hostile or careless input: nothing deleted unasked, no traceback,
bounded memory, every value within the columns the layer files declare.

Each bad file must end in ``ImportRejected`` naming where (row, column) and
why, with the database exactly as it was (``rejected``); each check runs on
both backends because PostgreSQL enforces column lengths and SQLite does not.
"""

from __future__ import annotations

import datetime as dt
import os
import tracemalloc
import zipfile

import geopandas as gpd
import pytest
import shapely
import sqlalchemy as sa
from shapely import box

from geoapp.domain.identifiers import uscc_check_char
from geoapp.ingest.problems import ImportRejected
from geoapp.store import importer
from geoapp.store.models import Cell, Point, Zone
from tests.support.checks import rejected, snapshot
from tests.support.files import write_csv, write_geojson, write_xlsx

ENT_HEADER = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"]
HZ_HEADER = ["隐患编号", "点位类型", "点位编号", "隐患等级", "隐患来源", "隐患描述", "发现日期",
             "整改期限", "责任单位", "整改状态", "销号日期"]


def uscc(n: int) -> str:
    body = f"91320205MA{n:06d}X"[:17]
    return body + uscc_check_char(body)


def cell(code: str, i: int, **changes) -> tuple[dict, object]:
    props = {"网格编码": code, "网格名称": f"{code}网格", "村社区": "东湖村（虚构）",
             "镇街道": "示范镇（虚构）", **changes}
    return props, box(120 + i * 0.01, 31, 120.01 + i * 0.01, 31.01)


def cells_geojson(path, codes="ABCD", **changes):
    return write_geojson(path, [cell(c, i, **changes) for i, c in enumerate(codes)])


def zone(code: str, i: int) -> tuple[dict, object]:
    return ({"功能区编码": code, "功能区名称": f"{code}园区（虚构）", "功能区类型": "工业园区"},
            box(120 + i * 0.01, 31, 120.005 + i * 0.01, 31.005))


@pytest.fixture
def grid(database, rules, tmp_path):
    """Cells A–D, zones Z1–Z2 and one enterprise in A."""
    importer.import_cells(database, rules, cells_geojson(tmp_path / "cells.geojson"))
    importer.import_zones(database, rules, write_geojson(
        tmp_path / "zones.geojson", [zone("Z1", 0), zone("Z2", 1)]))
    ledger = write_csv(tmp_path / "ent.csv", ENT_HEADER,
                       [["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002]])
    importer.import_points(database, rules, ledger, "enterprise")
    return database


def cell_codes(database) -> list[str]:
    with database.sessions() as s:
        return sorted(s.scalars(sa.select(Cell.code)))


# ------------------------------------------------ 1. several layers; deleting needs --replace

def two_layer_gpkg(path):
    """A GeoPackage whose first layer holds one cell and whose second holds all four."""
    for layer, codes in (("first", "A"), ("all", "ABCD")):
        props, geoms = zip(*(cell(c, i) for i, c in enumerate(codes)), strict=True)
        gpd.GeoDataFrame(list(props), geometry=list(geoms), crs=4326).to_file(
            path, layer=layer, driver="GPKG")
    return path


def test_geopackage_with_several_layers_needs_one_named(grid, rules, tmp_path):
    path = two_layer_gpkg(tmp_path / "two.gpkg")
    msg = rejected(grid, importer.import_cells, rules, path, allow_delete=True)
    assert "2 个图层" in msg and "first" in msg and "all" in msg, msg
    msg = rejected(grid, importer.import_cells, rules, path, layer="nope")
    assert "nope" in msg and "first" in msg and "all" in msg, msg
    summary = importer.import_cells(grid, rules, path, layer="all")
    assert summary.unchanged == 4 and cell_codes(grid) == list("ABCD")


def test_boundary_import_that_deletes_needs_confirmation(grid, rules, tmp_path):
    path = cells_geojson(tmp_path / "some.geojson", codes="AB")
    msg = rejected(grid, importer.import_cells, rules, path)
    assert "删除 2 个网格" in msg and "C、D" in msg, msg
    with pytest.raises(importer.DeletionNotConfirmed) as info:
        importer.import_cells(grid, rules, path)
    assert info.value.codes == ["C", "D"]  # what an admin page would ask to confirm
    summary = importer.import_cells(grid, rules, path, allow_delete=True)
    assert cell_codes(grid) == ["A", "B"] and summary.updated + summary.unchanged == 2

    zones = write_geojson(tmp_path / "z.geojson", [zone("Z1", 0)])
    msg = rejected(grid, importer.import_zones, rules, zones)
    assert "删除 1 个功能区" in msg and "Z2" in msg, msg
    importer.import_zones(grid, rules, zones, allow_delete=True)
    with grid.sessions() as s:
        assert s.scalars(sa.select(Zone.code)).all() == ["Z1"]


# ------------------------------------------------------------------------ 7. zip bombs

def shapefile_zip(tmp_path, dbf_padding: int = 0):
    """A zipped Shapefile of two cells; ``dbf_padding`` bytes of blanks follow the .dbf
    records (a bomb: they compress about a thousandfold)."""
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    props, geoms = zip(*(cell(c, i) for i, c in enumerate("AB")), strict=True)
    frame = gpd.GeoDataFrame(list(props), geometry=list(geoms), crs=4326).rename(columns={
        "网格编码": "WGBM", "网格名称": "WGMC", "村社区": "CSQ", "镇街道": "XZJD"})
    frame.to_file(folder / "cells.shp", encoding="UTF-8")
    (folder / "cells.cpg").unlink(missing_ok=True)
    archive = tmp_path / "cells.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(folder.iterdir()):
            if part.suffix != ".dbf":
                zf.write(part, part.name)
        with zf.open("cells.dbf", "w", force_zip64=True) as out:
            out.write((folder / "cells.dbf").read_bytes())
            chunk = b" " * (1 << 20)
            for _ in range(dbf_padding >> 20):
                out.write(chunk)
    return archive


def peak_bytes(fn, *args, **kwargs) -> tuple[object, int]:
    """fn's result (or the exception it raised) and the peak of Python memory it took."""
    tracemalloc.start()
    try:
        try:
            result = fn(*args, **kwargs)
        except ImportRejected as exc:
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_zip_bomb_is_refused_naming_the_member_in_bounded_memory(database, rules, tmp_path,
                                                                  monkeypatch):
    bomb = shapefile_zip(tmp_path, dbf_padding=96 << 20)
    assert bomb.stat().st_size < 1 << 20  # under 1 MB on disk, 96 MiB inflated
    before = snapshot(database)
    exc, peak = peak_bytes(importer.import_cells, database, rules, bomb)
    assert isinstance(exc, ImportRejected) and snapshot(database) == before
    assert "成员“cells.dbf”的压缩比" in str(exc), exc
    assert peak < 16 << 20, f"peak {peak >> 20} MiB: the member was inflated"
    # allowed through, the .dbf's encoding is still guessed from a sample, not the whole
    monkeypatch.setenv("GEOAPP_IMPORT_MAX_ZIP_RATIO", "100000")
    summary, peak = peak_bytes(importer.import_cells, database, rules, bomb)
    assert summary.created == 2 and "属性表无 .cpg，按 UTF-8 解码" in summary.notes
    assert peak < 16 << 20, f"peak {peak >> 20} MiB: the .dbf was read whole"


def test_unzipped_size_limit_is_configurable_and_covers_xlsx(grid, rules, tmp_path,
                                                             monkeypatch):
    archive = shapefile_zip(tmp_path)
    monkeypatch.setenv("GEOAPP_IMPORT_MAX_UNZIPPED_MB", "0.001")
    msg = rejected(grid, importer.import_cells, rules, archive, allow_delete=True)
    assert "解压后" in msg and "GEOAPP_IMPORT_MAX_UNZIPPED_MB" in msg, msg
    ledger = write_xlsx(tmp_path / "ent.xlsx", ENT_HEADER,
                        [["乙（虚构）", uscc(2), "2614", "小微", 120.012, 31.002]])
    msg = rejected(grid, importer.import_points, rules, ledger, "enterprise")
    assert "解压后" in msg, msg
    monkeypatch.delenv("GEOAPP_IMPORT_MAX_UNZIPPED_MB")
    importer.import_cells(grid, rules, archive, allow_delete=True)  # an ordinary zip passes
    assert cell_codes(grid) == ["A", "B"]


# ---------------------------------------------------- 8. lengths, headers, broken files

def test_lengths_come_from_the_layer_files_and_fit_the_columns(rules, tmp_path):
    """Bundled text fields declare a length; a stored one never exceeds its column."""
    import shutil

    from geoapp.domain.layers import LayerFileError, load_rules
    from geoapp.resources import bundled

    for spec in [*rules.layers.values(), *rules.tables.values()]:
        for f in spec.fields:
            assert f.type not in ("str", "substances") or f.max_length, (spec.label, f.name)
    folder = shutil.copytree(bundled("layers"), tmp_path / "layers")
    cell_toml = folder / "cell.toml"
    text = cell_toml.read_text(encoding="utf-8")
    assert text.count("max_length = 200\n") == 2  # 网格名称, 监管单位
    cell_toml.write_text(text.replace("max_length = 200\n", "", 1), encoding="utf-8")
    assert load_rules(folder).tables["cell"].field("name").max_length == 200  # Cell.name
    cell_toml.write_text(text.replace("max_length = 200\n", "max_length = 300\n", 1),
                         encoding="utf-8")
    with pytest.raises(LayerFileError, match=r"cell.toml: fields.1.max_length: 300 .*\(200\)"):
        load_rules(folder)


def test_overlong_values_are_reported_on_both_backends(grid, rules, tmp_path):
    path = cells_geojson(tmp_path / "long.geojson", codes="ABCD", 网格名称="名" * 300)
    msg = rejected(grid, importer.import_cells, rules, path)
    assert "第 1 行，列“网格名称”：长度 300 超过上限 200" in msg, msg
    path = write_csv(tmp_path / "ent.csv", ENT_HEADER, [
        ["乙（虚构）", uscc(2), "2614", "小微", 120.012, 31.002],
        ["企" * 2_000_000, uscc(3), "2614", "小微", 120.012, 31.003]])
    msg = rejected(grid, importer.import_points, rules, path, "enterprise")
    assert "第 3 行，列“企业名称”：长度 2000000 超过上限 300" in msg, msg
    assert len(msg) < 1000  # the value itself is not quoted back
    path = write_csv(tmp_path / "ent.csv", ENT_HEADER, [  # nor in a number column
        ["乙（虚构）", uscc(2), "2614", "小微", "9" * 100_000, 31.002]])
    msg = rejected(grid, importer.import_points, rules, path, "enterprise")
    assert "第 2 行，列“经度”" in msg and len(msg) < 2000, msg[:3000]
    path = write_csv(tmp_path / "hz.csv", HZ_HEADER, [
        ["H1", "企业", uscc(1), "一般", "企业自查", "消防通道堵塞", "2025-01-02", "2025-01-30",
         "单" * 201, "待整改", ""]])
    msg = rejected(grid, importer.import_hazards, rules, path)
    assert "第 2 行，列“责任单位”：长度 201 超过上限 200" in msg, msg


@pytest.mark.parametrize(("header", "named"), [
    (["企业名称", "企业名称", "编号", "行业代码", "经度", "纬度"], "“企业名称”出现 2 次"),
    (["企业名称", "单位名称", "编号", "行业代码", "经度", "纬度"], "企业名称、单位名称"),
    (["企业名称", "编号", "行业代码", "经度", "纬度", "lon"], "经度、lon"),
])
def test_duplicate_or_conflicting_headers_are_refused(grid, rules, tmp_path, header, named):
    row = {"企业名称": "乙（虚构）", "单位名称": "丙（虚构）", "编号": "E2", "行业代码": "2614",
           "经度": 120.012, "纬度": 31.002, "lon": 120.013}
    path = write_csv(tmp_path / "dup.csv", header, [[row[h] for h in header]])
    msg = rejected(grid, importer.import_points, rules, path, "enterprise")
    assert named in msg, msg
    path = write_xlsx(tmp_path / "dup.xlsx", header, [[row[h] for h in header]])
    assert named in rejected(grid, importer.import_points, rules, path, "enterprise")


def _broken_files(tmp_path):
    from openpyxl import Workbook

    empty_book = tmp_path / "emptybook.xlsx"
    Workbook().save(empty_book)
    empty_zip = tmp_path / "empty.zip"
    zipfile.ZipFile(empty_zip, "w").close()
    files = {
        "empty.csv": b"", "blank.csv": b"\r\n\r\n", "empty.xlsx": b"",
        "fake.xlsx": "企业名称,经度\n甲,120\n".encode(), "random.xlsx": os.urandom(4096),
        "random.csv": os.urandom(4096), "zero.zip": b"", "random.zip": os.urandom(4096),
        "ragged.csv": "企业名称,行业代码,经度,纬度\n甲,2614,120.1,31.0,多余,多余\n".encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return {**{n: tmp_path / n for n in files}, "emptybook.xlsx": empty_book,
            "empty.zip": empty_zip, "missing.csv": tmp_path / "missing.csv",
            "missing.zip": tmp_path / "missing.zip"}


@pytest.mark.parametrize(("name", "why"), [
    ("empty.csv", "文件为空"), ("blank.csv", "文件为空"), ("empty.xlsx", "不是有效的 XLSX"),
    ("fake.xlsx", "不是有效的 XLSX"), ("random.xlsx", "不是有效的 XLSX"),
    ("random.csv", "编码"), ("emptybook.xlsx", "文件为空"), ("ragged.csv", "第 2 行"),
    ("missing.csv", "文件不存在"), ("zero.zip", "不是有效的 zip"),
    ("random.zip", "不是有效的 zip"), ("empty.zip", "找到 0 个"), ("missing.zip", "文件不存在"),
])
def test_broken_files_are_reported_not_tracebacks(grid, rules, tmp_path, name, why):
    path = _broken_files(tmp_path)[name]
    if name.endswith(".zip"):
        msg = rejected(grid, importer.import_cells, rules, path, allow_delete=True)
    else:
        msg = rejected(grid, importer.import_points, rules, path, "enterprise")
        assert why in rejected(grid, importer.import_hazards, rules, path)
    assert why in msg, msg


def test_mixed_utf8_and_gbk_rows_are_named(grid, rules, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(",".join(ENT_HEADER).encode() + b"\n"
                     + f"乙（虚构）,{uscc(2)},2614,小微,120.012,31.002\n".encode()
                     + f"丙（虚构）,{uscc(3)},2614,小微,120.012,31.003\n".encode("gbk"))
    msg = rejected(grid, importer.import_points, rules, path, "enterprise")
    assert "第 3 行：文件编码混杂：表头是 UTF-8，本行不是（疑似 GBK）" in msg, msg
    assert "缺少坐标列" not in msg
    # and the other way round: a GBK export with a row pasted from a UTF-8 one
    path.write_bytes(",".join(ENT_HEADER).encode("gbk") + b"\n"
                     + f"乙（虚构）,{uscc(2)},2614,小微,120.012,31.002\n".encode("gbk")
                     + f"丙商贸有限公司（虚构），滨湖路,{uscc(3)},2614,小微,120.012,31.003\n"
                     .encode())
    msg = rejected(grid, importer.import_points, rules, path, "enterprise")
    assert "第 3 行：文件编码混杂：表头是 GBK，本行是 UTF-8" in msg, msg


def test_gbk_ledger_whose_short_rows_pass_as_utf8_is_read_as_gbk(grid, rules, tmp_path):
    """"小微" in GBK (D0 A1 CE A2) happens to be valid UTF-8: the header decides, not a row."""
    assert "小微".encode("gbk").decode("utf-8")
    path = write_csv(tmp_path / "gbk.csv", ENT_HEADER,
                     [["Acme (fictitious)", uscc(2), "2614", "小微", 120.012, 31.002]], "gbk")
    assert importer.import_points(grid, rules, path, "enterprise").created == 1
    with grid.sessions() as s:
        assert s.scalar(sa.select(Point.attrs).where(Point.key == uscc(2)))["scale"] == "小微"


# ------------------------------------------------------------------- 10. the date window

def hazard_rows(**dates):
    found, deadline, state, closed = (dates.get(k, v) for k, v in (
        ("found", "2025-01-02"), ("deadline", "2025-01-30"), ("state", "待整改"), ("closed", "")))
    return ["H1", "企业", uscc(1), "一般", "企业自查", "消防通道堵塞", found, deadline, "",
            state, closed]


@pytest.mark.parametrize(("dates", "expect"), [
    ({"found": "0001-01-01", "deadline": "0001-01-02"}, "列“发现日期”：不能早于 1949-10-01"),
    ({"found": "2025-01-02", "deadline": "2099-01-01"}, "列“整改期限”：不能晚于"),
    ({"found": "2099-01-01", "deadline": "2099-01-02"}, "列“发现日期”：不能晚于今天"),
    ({"found": "2025-01-02", "deadline": "2025-01-01"}, "列“整改期限”：不能早于发现日期"),
    ({"state": "已销号", "closed": "2099-01-01"}, "列“销号日期”：不能晚于今天"),
    ({"state": "已销号", "closed": "2025-01-01"}, "列“销号日期”：不能早于发现日期"),
])
def test_hazard_ledger_dates_outside_the_window_are_refused(grid, rules, tmp_path, dates,
                                                            expect):
    path = write_csv(tmp_path / "hz.csv", HZ_HEADER, [hazard_rows(**dates)])
    msg = rejected(grid, importer.import_hazards, rules, path)
    assert f"第 2 行，{expect}" in msg, msg


def test_the_window_is_one_rule():
    from geoapp.domain import hazarddates

    today = dt.date(2026, 4, 15)
    check = hazarddates.problems
    assert check(dt.date(1949, 10, 1), dt.date(2036, 4, 15), None, today) == []
    assert [f for f, _ in check(dt.date(1949, 9, 30), dt.date(2036, 4, 16), None, today)] == [
        "found_on", "deadline"]


def test_nul_in_a_ledger_cell_is_reported(grid, rules, tmp_path):
    """PostgreSQL refuses NUL in text and SQLite would keep it: a report, on both backends."""
    path = write_csv(tmp_path / "nul.csv", ENT_HEADER, [
        ["乙（虚构）", uscc(2), "2614", "小微", 120.012, 31.002],
        ["丙\x00（虚构）", uscc(3), "2614", "小微", 120.012, 31.003]])
    msg = rejected(grid, importer.import_points, rules, path, "enterprise")
    assert "第 3 行，列“企业名称”：含有空字符（NUL）" in msg, msg


def test_new_points_inserted_in_bulk_are_whole_and_in_file_order(grid, rules, tmp_path):
    """New points go in as multi-row INSERTs beside an existing row: ids in the file's
    order, the columns' defaults as an object had them, assigned, levelled, visited."""
    rows = [["丁（虚构）", uscc(4), "2614", "小微", 120.032, 31.002],  # cell D
            ["甲（虚构）", uscc(1), "2614", "小微", 120.002, 31.002],  # the existing one
            ["乙（虚构）", uscc(2), "2614", "小微", 120.012, 31.002],  # cell B, zone Z2
            ["外（虚构）", uscc(3), "2614", "小微", 121.5, 31.5]]  # outside every cell
    ledger = write_xlsx(tmp_path / "more.xlsx", ENT_HEADER, rows)
    summary = importer.import_points(grid, rules, ledger, "enterprise")
    assert (summary.created, summary.unchanged, summary.outside) == (3, 1, 1)
    with grid.sessions() as s:
        points = s.scalars(sa.select(Point).order_by(Point.id)).all()
        assert [p.key for p in points] == [uscc(1), uscc(4), uscc(2), uscc(3)]
        d, b, out = points[1:]
        assert (d.name, d.cell_code, d.zone_codes, d.outside) == ("丁（虚构）", "D", [], False)
        assert (b.cell_code, b.zone_codes, out.cell_code, out.outside) == ("B", ["Z2"], None,
                                                                          True)
        assert d.attrs == {**points[0].attrs, "uscc": uscc(4)} and d.industry == "2614"
        assert d.source_crs == "wgs84" and d.geom.equals(shapely.Point(120.032, 31.002))
        assert {p.risk_level for p in points} == {points[0].risk_level}
