"""Ledgers read and checked column by column (pyarrow) report exactly what the row-by-row
reader did: same rows, same cells, same problems with the same row, column and words.

The reference below is the reader and coordinate check as they were before the
columns were read whole (pandas ``read_csv`` + ``str.strip`` per cell, ``float``
per row); each test feeds both the same file.
"""

from __future__ import annotations

import csv
import math
import sys
from io import StringIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from geoapp.ingest import csvtable, filecheck
from geoapp.ingest.ledger import _lonlat_problem, coordinate_columns, parse_coordinates, read_table
from geoapp.ingest.problems import ImportRejected, Problem
from tests.support.files import write_csv


def reference_table(path) -> pd.DataFrame:
    """The CSV reader before: pandas, then every cell stripped in Python."""
    text = filecheck.decode_text(path.read_bytes(), path)
    frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, header=None)
    header = [str(c).strip() or f"Unnamed: {i}" for i, c in enumerate(frame.iloc[0])]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return frame.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                     else str(v).strip())


def reference_coordinates(frame, geographic, first_row=2):
    """The coordinate check before: float() and the China box, one row at a time."""
    lon_col, lat_col = coordinate_columns(list(frame.columns))
    out, problems = [], []

    def number(text):
        try:
            return math.isfinite(float(text))
        except ValueError:
            return False

    for i, (xs, ys) in enumerate(zip(frame[lon_col], frame[lat_col], strict=True)):
        rownum = first_row + i
        if not (number(xs) and number(ys)):
            bad, text = (lon_col, xs) if not number(xs) else (lat_col, ys)
            problems.append(Problem(rownum, bad, f"坐标应为数字，而不是 {text!r}"))
            out.append(None)
            continue
        x, y = float(xs), float(ys)
        problem = _lonlat_problem(x, y, lon_col, lat_col) if geographic else None
        if problem:
            problems.append(Problem(rownum, problem[0], problem[1]))
            out.append(None)
            continue
        out.append((x, y))
    return out, problems


AWKWARD = [  # (经度, 纬度) as offices type them, good and bad
    ("120.1", "31.2"), (" 120.5 ", "\u300031.5\u3000"), ("", "31"), ("120", ""), ("abc", "x"),
    ("1_20", "31"), ("１２０", "３１"), ("inf", "31"), ("120", "nan"), ("31.2", "120.1"),
    ("200", "31"), ("120", "95"), ("10", "10"), ("1e2", "3.1e1"), ("+120.", ".5e2"),
    ("120,5", "31"), ("-120", "-31"), ("120.0000001", "31.0000001"), ("0x78", "31"),
]


@pytest.mark.parametrize("geographic", [True, False])
def test_coordinates_give_the_problems_the_row_by_row_check_gave(tmp_path, geographic):
    path = write_csv(tmp_path / "pts.csv", ["编号", "经度", "纬度"],
                     [[f"P{i}", x, y] for i, (x, y) in enumerate(AWKWARD)])
    frame = read_table(path)
    assert frame.astype(object).values.tolist() == reference_table(path).values.tolist()
    got = parse_coordinates(frame, geographic)
    want = reference_coordinates(reference_table(path), geographic)
    assert got == want
    rows = {p.row: p for p in got[1]}
    # spelled out for a few, so the reference cannot drift unnoticed
    assert rows[4] == Problem(4, "经度", "坐标应为数字，而不是 ''")
    assert rows[5] == Problem(5, "纬度", "坐标应为数字，而不是 ''")
    assert rows[6] == Problem(6, "经度", "坐标应为数字，而不是 'abc'")
    assert rows[9] == Problem(9, "经度", "坐标应为数字，而不是 'inf'")
    # U+3000 around a number, 1_20 and full-width digits: float() read them, so do we
    assert 3 not in rows and 7 not in rows and 8 not in rows
    assert got[0][1] == (120.5, 31.5) and got[0][5] == got[0][6] == (120.0, 31.0)
    if geographic:
        assert rows[11] == Problem(11, "经度/纬度", "经纬度疑似填反（经度 31.2，纬度 120.1）")
        assert rows[12] == Problem(12, "经度", "经度 200.0 超出 −180～180")
    else:
        assert 11 not in rows and 12 not in rows


def test_whole_columns_of_good_coordinates_read_as_floats(tmp_path):
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(73, 136, 5000), rng.uniform(3, 54, 5000)
    path = write_csv(tmp_path / "many.csv", ["id", "lon", "lat"],
                     [[f"p{i}", repr(float(x)), repr(float(y))]
                      for i, (x, y) in enumerate(zip(lon, lat, strict=True))])
    coords, problems = parse_coordinates(read_table(path), True)
    assert problems == []
    assert np.array_equal(np.array(coords), np.column_stack([lon, lat]))  # every bit kept


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_the_column_reader_reads_what_the_row_reader_read(tmp_path, encoding):
    rows = [
        ["甲化工（虚构）", " 91320205MA1XXXXX01 ", "120.1", "31.2", "备注, 有逗号"],
        ["\u3000乙厂（虚构）\u3000", "", "120.2", "31.3", '引号"里"'],
        ["丙厂（虚构）", "QY-3", "120.3", "31.4", "两行\n备注"],
        ["", "", "", "", ""],
        ["丁厂（虚构）\t", "QY-4", "120.4", "31.5", "\x1c"],
    ]
    path = write_csv(tmp_path / "ledger.csv", ["企业名称", "统一社会信用代码 ", "经度", "纬度", ""],
                     rows, encoding=encoding)
    got, want = read_table(path), reference_table(path)
    assert list(got.columns) == list(want.columns) == [
        "企业名称", "统一社会信用代码", "经度", "纬度", "Unnamed: 4"]
    assert got.astype(object).values.tolist() == want.values.tolist()
    assert got["企业名称"].tolist()[:2] == ["甲化工（虚构）", "乙厂（虚构）"]


def test_rows_of_the_wrong_width_are_reported_as_before(tmp_path):
    long_row = tmp_path / "long.csv"
    long_row.write_text("编号,经度,纬度\nP1,120,31\nP2,120,31,多余\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as exc:
        read_table(long_row)
    assert exc.value.problems == [Problem(3, None, "有 4 个字段，而表头只有 3 列（多余的逗号？）")]
    short_row = tmp_path / "short.csv"
    short_row.write_text("编号,经度,纬度\nP1,120\nP2,120,31\n", encoding="utf-8")
    frame = read_table(short_row)  # a short row is padded with blanks, as pandas did
    assert frame.astype(object).values.tolist() == [["P1", "120", ""], ["P2", "120", "31"]]
    assert parse_coordinates(frame, True)[1] == [Problem(2, "纬度", "坐标应为数字，而不是 ''")]


def test_every_column_is_text_however_its_values_look(tmp_path):
    # the reader counts the columns on the header line to read each of them as text: an
    # empty last column must not come back as nulls, nor numbers as floats
    path = tmp_path / "empty_last.csv"
    path.write_bytes(b"\xe7\xbc\x96\xe5\x8f\xb7,lon,lat,\r\nP1,120.10,31.2,\r\nP2,120.2,31.30,\r\n")
    header, rows = csvtable.read_text_columns(path.read_bytes())
    assert header == ["编号", "lon", "lat", ""]
    assert rows.astype(object).values.tolist() == [["P1", "120.10", "31.2", ""],
                                                   ["P2", "120.2", "31.30", ""]]
    assert read_table(path).astype(object).values.tolist() == \
        reference_table(path).values.tolist()
    # empty lines before the header are skipped by the reader: the header is counted
    path.write_bytes(b"\n\r\nid,,lat\nP1,01,31.2\nP2,,31.3\n")
    header, rows = csvtable.read_text_columns(path.read_bytes())
    assert header == ["id", "", "lat"]
    assert rows.astype(object).values.tolist() == [["P1", "01", "31.2"], ["P2", "", "31.3"]]


def test_a_header_given_twice_is_refused_by_the_column_reader(tmp_path):
    path = write_csv(tmp_path / "twice.csv", ["编号", "经度", "经度 "], [["P1", "120", "121"]])
    with pytest.raises(ImportRejected) as exc:
        read_table(path)
    assert exc.value.problems == [Problem(1, "经度", "列名“经度”出现 2 次，请只保留一列")]


def test_the_trimmed_characters_are_pythons_whitespace():
    every = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert csvtable.WHITESPACE == every


def test_the_written_csv_reads_back_in_order_quoted_only_where_needed(tmp_path, monkeypatch):
    monkeypatch.setattr(csvtable, "_WRITE_ROWS", 3)  # several chunks from ten rows
    ids = [f"p{i}" for i in range(10)]
    columns = {"point_id": pa.array(ids), "cell code": pa.array([None, *"ABCDEFGHI"]),
               "distance_m": np.arange(10) / 2}
    plain = tmp_path / "plain.csv"
    csvtable.write_csv(plain, columns)
    assert plain.read_text(encoding="utf-8").splitlines()[:3] == [
        "point_id,cell code,distance_m", "p0,,0", "p1,A,0.5"]
    ids[4], ids[8] = "甲,乙", 'say "hi"'  # these need quotes: the strings are quoted
    quoted = tmp_path / "quoted.csv"
    csvtable.write_csv(quoted, {**columns, "point_id": pa.array(ids)})
    for path, want in ((plain, [f"p{i}" for i in range(10)]), (quoted, ids)):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == ["point_id", "cell code", "distance_m"]
        assert [r[0] for r in rows[1:]] == want
        assert [r[1] for r in rows[1:]] == ["", *"ABCDEFGHI"]
        assert [float(r[2]) for r in rows[1:]] == [i / 2 for i in range(10)]
