"""The first worksheet of an XLSX ledger as rows of text cells.

python-calamine (Rust) reads a 100,000-row ledger about ten times faster than
openpyxl did through ``pandas.read_excel``. Every cell's text is the one that
reader gave (``read_excel(engine="openpyxl", dtype=object)`` then ``cell_text``;
kept as ``read_openpyxl``), which tests/store/test_xlsx_engines.py checks cell by
cell on every workbook the tests and the demo use. Where the two differ, this
module does what openpyxl's reader did:

- rows end at their last non-empty cell and the sheet at its last non-empty row:
  calamine's range also covers cells holding an empty string (a formula giving ""
  filled down a column), which would otherwise become blank rows refused for
  their missing coordinates;
- pandas' default missing-value words ("NA", "N/A", "null", "None", "#N/A"…) read
  as blank, as ``read_excel`` made them (the CSV reader keeps them);
- calamine reads every number as a float: an integer with more digits than a
  float holds (an 18-digit code stored as a number by a tool other than Excel,
  which itself keeps 15 digits) would come out rounded, so such a workbook is
  read again with openpyxl, which keeps the digits written.

Known, accepted differences: a trailing row or column holding nothing but Excel
error values (#DIV/0!…) is dropped (openpyxl kept it as blank cells), and an
inline string (not a shared one) is matched against the missing-value words
after calamine trimmed its spaces.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from geoapp.ingest.problems import ImportRejected, Problem

# pandas' default na_values (read_csv's documentation), which read_excel applied
NA_WORDS = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
    "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})
# integers from 2**53 on are not all floats: calamine may have rounded the digits
_EXACT_LIMIT = float(2**53)


class _Inexact(Exception):
    """A whole number too large for calamine's float to be sure of its digits."""


def cell_text(value) -> str:
    """A cell as text: integers without ".0", dates as ISO dates, blanks as ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(value) -> str:
    """cell_text of a calamine cell, the common types first (it runs on every cell)."""
    kind = type(value)
    if kind is str:
        return "" if value in NA_WORDS else value.strip()
    if kind is float and value.is_integer():
        if abs(value) >= _EXACT_LIMIT:
            raise _Inexact
        return str(int(value))
    return cell_text(value)


def read_cells(path: Path) -> tuple[list[str], pd.DataFrame] | None:
    """The header and the rows under it as text; None for a sheet with no cells."""
    import python_calamine

    try:
        book = python_calamine.load_workbook(path)
        # the first worksheet, as openpyxl's reader took it (a chart sheet is not one)
        first = next(s.name for s in book.sheets_metadata
                     if s.typ == python_calamine.SheetTypeEnum.WorkSheet)
        rows = book.get_sheet_by_name(first).to_python(skip_empty_area=False)
        book.close()
    except Exception as exc:  # calamine: not a workbook, a broken part, no sheet…
        raise _not_xlsx(path, exc) from None
    try:
        text = [[_text(v) for v in row] for row in rows]
    except _Inexact:
        return read_openpyxl(path)
    return _framed(text)


def _framed(text: list[list[str]]) -> tuple[list[str], pd.DataFrame] | None:
    """Trailing blank cells and rows dropped, as openpyxl's reader did, rows padded."""
    width = 0
    last_row = -1
    for i, row in enumerate(text):
        end = len(row)
        while end and not row[end - 1]:
            end -= 1
        if end:
            last_row = i
            width = max(width, end)
    if last_row < 0:
        return None
    text = [row[:width] + [""] * (width - len(row)) for row in text[: last_row + 1]]
    return text[0], pd.DataFrame(text[1:], columns=range(width))


def read_openpyxl(path: Path) -> tuple[list[str], pd.DataFrame] | None:
    """The same through openpyxl (pandas), for integers calamine may have rounded."""
    try:
        frame = pd.read_excel(path, dtype=object, engine="openpyxl", header=None)
    except Exception as exc:  # openpyxl: not a workbook, a broken part, no sheet…
        raise _not_xlsx(path, exc) from None
    if frame.empty:
        return None
    header = [cell_text(c) for c in frame.iloc[0]]
    frame = frame.iloc[1:].reset_index(drop=True)
    frame.columns = range(frame.shape[1])
    return header, frame.map(cell_text)


def _not_xlsx(path: Path, exc: Exception) -> ImportRejected:
    why = f"不是有效的 XLSX 文件（{exc.__class__.__name__}: {exc}）"
    return ImportRejected(path, [Problem(None, None, why)])
