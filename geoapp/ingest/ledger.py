"""Reading ledgers (CSV, XLSX) and checking every row against its layer file.

Offices keep ledgers in Excel with Chinese headers; CSV exports from Chinese
Excel are GB18030/GBK, others UTF-8 (with or without BOM). Each column is
matched to a field by its label, code name or an alias from the layer file;
each value is parsed by the field's type. Nothing here writes: the importer
calls these, collects every problem, and writes only when there are none.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geoapp.domain.identifiers import uscc_problem
from geoapp.domain.industry_list import listed_industry
from geoapp.domain.layers import FieldSpec, TableFile
from geoapp.ingest import csvtable, filecheck, xlsx
from geoapp.ingest.problems import ImportRejected, Problem

# Coordinate columns of point ledgers (and of the `assign` CLI's CSV: id, lon, lat).
LON_HEADERS = ("经度", "lon", "lng", "longitude", "x", "经度(°)")
LAT_HEADERS = ("纬度", "lat", "latitude", "y", "纬度(°)")
# Rough box around China, to catch swapped or mistyped coordinates early.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


def read_table(path: str | Path) -> pd.DataFrame:
    """A ledger as text cells: first sheet of an XLSX, or a CSV in UTF-8 or GB18030.

    Row numbers in problems are spreadsheet rows: the header is row 1. A
    header given twice (``企业名称,企业名称``) is refused here: pandas would
    rename the second ``企业名称.1`` and the value read would depend on order.
    """

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        filecheck.check_zip(path, "XLSX 文件").close()
        cells = xlsx.read_cells(path)
        if cells is None:
            raise ImportRejected(path, [Problem(None, None, "文件为空（没有表头行）")])
        return _named(path, *cells)
    elif suffix in (".csv", ".txt"):
        filecheck.require_file(path)
        raw = path.read_bytes()
        # UTF-8 goes to pyarrow as it is (pyarrow checks it is UTF-8); anything else is
        # decoded first, and a file of mixed encodings is named by decode_text
        fast = csvtable.read_text_columns(raw.removeprefix(b"\xef\xbb\xbf"))
        if fast is None:
            text = filecheck.decode_text(raw, path)
            fast = csvtable.read_text_columns(text.encode("utf-8"))
        if fast is not None:
            return _named(path, *fast)
        try:
            frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, header=None)
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame()
        except pd.errors.ParserError as exc:
            raise ImportRejected(path, [_parser_problem(exc)]) from None
    else:
        why = f"不支持的台账格式 {suffix}（CSV 或 XLSX）"
        raise ImportRejected(path, [Problem(None, None, why)])
    if frame.empty:
        raise ImportRejected(path, [Problem(None, None, "文件为空（没有表头行）")])
    header = [xlsx.cell_text(c) for c in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    return _named(path, header, frame.map(xlsx.cell_text))


def _named(path: Path, header: list[str], frame: pd.DataFrame) -> pd.DataFrame:
    """The rows under their header, once no header is given twice (blank ones named)."""
    header = [h or f"Unnamed: {i}" for i, h in enumerate(header)]
    problems = [Problem(1, h, f"列名“{h}”出现 {header.count(h)} 次，请只保留一列")
                for h in dict.fromkeys(header) if header.count(h) > 1]
    if problems:
        raise ImportRejected(path, problems)
    frame.columns = header
    return frame


def _parser_problem(exc: Exception) -> Problem:
    """pandas' tokenizer error ("Expected 4 fields in line 2, saw 6") as a row problem."""
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if match:
        want, line, got = map(int, match.groups())
        return Problem(line, None, f"有 {got} 个字段，而表头只有 {want} 列（多余的逗号？）")
    return Problem(None, None, f"无法解析 CSV：{exc}")


def match_columns(
    columns: list[str], fields: tuple[FieldSpec, ...]
) -> tuple[dict[str, str], list[Problem]]:
    """Field name → the header that holds it; problems for required fields not found."""
    found: dict[str, str] = {}
    problems = []
    for f in fields:
        headers = _headers_for(columns, f.headers())
        if len(headers) > 1:
            problems.append(_conflict(headers, f.label))
        elif headers:
            found[f.name] = headers[0]
        elif f.required:
            names = "、".join(dict.fromkeys((f.label, *f.aliases)))
            problems.append(Problem(None, f.label, f"缺少必填列（可用列名：{names}）"))
    return found, problems


_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "已上锁", "已赋码"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "未上锁", "未赋码"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y-%m-%dT%H:%M:%S")
_SPLIT = re.compile(r"[、,，;；/\s]+")


def parse_date(text: str) -> dt.date:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"日期 {text!r} 无法识别（应为 YYYY-MM-DD）")


def parse_value(text: str, field: FieldSpec):
    """Parse one cell by its field type; raises ValueError with a Chinese reason."""
    t = field.type
    if t in ("str", "substances"):
        return text
    if t == "int":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"应为整数，而不是 {text!r}") from None
        if not value.is_integer() or value < 0:
            raise ValueError(f"应为非负整数，而不是 {text!r}")
        return int(value)
    if t == "float":
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"应为数字，而不是 {text!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"应为有限数字，而不是 {text!r}")
        return value
    if t == "date":
        return parse_date(text).isoformat()
    if t == "bool":
        key = text.strip().lower()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
        raise ValueError(f"应为 是/否，而不是 {text!r}")
    if t == "choice":
        if text not in field.choices:
            raise ValueError(f"{text!r} 不在可选值中（{'、'.join(field.choices)}）")
        return text
    if t == "choices":
        parts = [p for p in _SPLIT.split(text) if p]
        bad = [p for p in parts if p not in field.choices]
        if bad:
            raise ValueError(f"{'、'.join(bad)} 不在可选值中（{'、'.join(field.choices)}）")
        return parts
    if t == "uscc":
        problem = uscc_problem(text)
        if problem:
            raise ValueError(problem)
        return text.strip().upper()
    if t == "industry":  # any level of the standard; a made-up class is refused
        return listed_industry(text)
    raise AssertionError(f"unhandled field type {t}")


def parse_records(
    frame: pd.DataFrame, spec: TableFile, first_row: int = 2
) -> tuple[list[dict], list[Problem]]:
    """Typed records for every row (``_row`` holds the spreadsheet row), and all problems.

    Empty cells become None; a required field that is empty is a problem. The
    stable key (the first non-empty of ``spec.key``) goes in ``_key``;
    duplicate keys within the file are problems naming both rows.
    """
    columns, problems = match_columns(list(frame.columns), spec.fields)
    if problems:
        return [], problems
    # the loop reads every cell and header: as Python str, not one Arrow scalar at a time
    frame = frame.astype(object).set_axis(pd.Index(list(frame.columns), dtype=object), axis=1)
    records = []
    seen: dict[str, int] = {}
    for i, row in enumerate(frame.itertuples(index=False)):
        rownum = first_row + i
        values = dict(zip(frame.columns, row, strict=True))
        if not any(str(v).strip() for v in values.values()):
            continue  # blank line at the end of a sheet
        rec = {"_row": rownum}
        for f in spec.fields:
            header = columns.get(f.name)
            text = str(values.get(header, "")).strip() if header else ""
            if not text:
                rec[f.name] = None
                if f.required:
                    problems.append(Problem(rownum, header or f.label, "必填项为空"))
                continue
            if "\x00" in text:  # PostgreSQL refuses it in text, SQLite would keep it silently
                problems.append(Problem(rownum, header, "含有空字符（NUL）"))
                rec[f.name] = None
                continue
            limit = f.length_limit
            if len(text) > limit:
                problems.append(Problem(rownum, header, f"长度 {len(text)} 超过上限 {limit}"))
                rec[f.name] = None
                continue
            try:
                rec[f.name] = parse_value(text, f)
            except ValueError as exc:
                problems.append(Problem(rownum, header, str(exc)))
                rec[f.name] = None
        key = next((str(rec[k]) for k in spec.key if rec.get(k)), None)
        if key is None:
            labels = "或".join(spec.field(k).label for k in spec.key)
            problems.append(Problem(rownum, None, f"缺少唯一标识（{labels}）"))
        elif key in seen:
            problems.append(Problem(rownum, None, f"标识 {key} 与第 {seen[key]} 行重复"))
        else:
            seen[key] = rownum
        rec["_key"] = key
        records.append(rec)
    return records, problems


def _headers_for(columns: list[str], names) -> list[str]:
    """Every column whose header is one of ``names`` (case-insensitive), in file order."""
    wanted = {n.lower() for n in names}
    return [c for c in columns if c.lower() in wanted]


def _conflict(headers: list[str], label: str) -> Problem:
    # taking the first would silently drop the other column's values
    return Problem(None, "、".join(headers), f"这几列都表示“{label}”，请只保留一列")


def coordinate_columns(columns: list[str]) -> tuple[str | None, str | None]:
    """The longitude and latitude headers (the first of each, when several: see
    ``coordinate_conflicts``)."""
    lon = next(iter(_headers_for(columns, LON_HEADERS)), None)
    lat = next(iter(_headers_for(columns, LAT_HEADERS)), None)
    return lon, lat


def coordinate_conflicts(columns: list[str]) -> list[Problem]:
    """Problems for a ledger giving longitude (or latitude) in two columns."""
    return [_conflict(found, label) for names, label in ((LON_HEADERS, "经度"),
                                                          (LAT_HEADERS, "纬度"))
            if len(found := _headers_for(columns, names)) > 1]


def parse_coordinates(
    frame: pd.DataFrame, geographic: bool, first_row: int = 2
) -> tuple[list[tuple[float, float] | None], list[Problem]]:
    """(x, y) per row from the 经度/纬度 columns (None for a row with a problem), and problems.

    The list form of ``coordinate_arrays`` for the importer, which works row by row.
    """
    x, y, problems = coordinate_arrays(frame, geographic, first_row)
    if x is None:
        return [], problems
    out: list[tuple[float, float] | None] = list(zip(x.tolist(), y.tolist(), strict=True))
    for i in np.flatnonzero(np.isnan(x)):
        out[i] = None
    return out, problems


def coordinate_arrays(
    frame: pd.DataFrame, geographic: bool, first_row: int = 2
) -> tuple[np.ndarray | None, np.ndarray | None, list[Problem]]:
    """x and y arrays from the 经度/纬度 columns (NaN on a row with a problem), and problems.

    ``geographic`` is True for lon/lat input (WGS84, CGCS2000, GCJ-02, BD-09):
    values must lie in the box around China, and lon/lat given the wrong way
    round is named as such. Projected input (EPSG:n in metres) is only checked
    for being numbers here and for landing in China after conversion. Whole
    columns are parsed at once; only rows with a problem are looked at one by
    one, to word the problem. x and y are None when a column is missing.
    """
    lon_col, lat_col = coordinate_columns(list(frame.columns))
    problems = coordinate_conflicts(list(frame.columns))
    for col, label in ((lon_col, "经度"), (lat_col, "纬度")):
        if col is None:
            problems.append(Problem(None, label, "缺少坐标列（经度/纬度 或 lon/lat）"))
    if problems:
        return None, None, problems
    x, y = _floats(frame[lon_col]), _floats(frame[lat_col])
    x_ok, y_ok = np.isfinite(x), np.isfinite(y)
    bad = ~(x_ok & y_ok)
    if geographic:
        inside = ((x >= CHINA_LON[0]) & (x <= CHINA_LON[1])
                  & (y >= CHINA_LAT[0]) & (y <= CHINA_LAT[1]))
        bad |= ~inside
    for i in np.flatnonzero(bad):
        rownum = first_row + int(i)
        if not (x_ok[i] and y_ok[i]):
            col = lon_col if not x_ok[i] else lat_col
            problems.append(Problem(rownum, col, f"坐标应为数字，而不是 {frame[col].iloc[i]!r}"))
        else:
            problems.append(Problem(rownum, *_lonlat_problem(float(x[i]), float(y[i]),
                                                             lon_col, lat_col)))
    x[bad] = np.nan
    y[bad] = np.nan
    return x, y, problems


# A decimal number pyarrow and Python's float() read alike; other text (blank, "abc",
# "1_000", full-width digits) goes through float() itself, so nothing reads differently.
_PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _floats(column: pd.Series) -> np.ndarray:
    """float(text) of every cell as a float64 array; NaN where float() refuses the text."""
    values = pa.array(column, type=pa.string(), from_pandas=True)
    try:
        return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False).copy()
    except pa.ArrowInvalid:  # some cell is not a plain number: parse the others at once
        pass
    plain = pc.match_substring_regex(values, _PLAIN_NUMBER)
    out = pc.cast(pc.if_else(plain, values, "nan"), pa.float64()).to_numpy(
        zero_copy_only=False).copy()
    for i in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)):
        try:
            out[i] = float(values[i].as_py())
        except ValueError:
            out[i] = np.nan
    return out


def _lonlat_problem(x, y, lon_col, lat_col) -> tuple[str, str] | None:
    in_lon = CHINA_LON[0] <= x <= CHINA_LON[1]
    in_lat = CHINA_LAT[0] <= y <= CHINA_LAT[1]
    if in_lon and in_lat:
        return None
    if CHINA_LON[0] <= y <= CHINA_LON[1] and CHINA_LAT[0] <= x <= CHINA_LAT[1]:
        return f"{lon_col}/{lat_col}", f"经纬度疑似填反（经度 {x}，纬度 {y}）"
    if not -180 <= x <= 180:
        return lon_col, f"经度 {x} 超出 −180～180"
    if not -90 <= y <= 90:
        return lat_col, f"纬度 {y} 超出 −90～90"
    return f"{lon_col}/{lat_col}", f"坐标 ({x}, {y}) 不在中国范围内"
