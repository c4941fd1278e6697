"""Writing XLSX sheets with openpyxl: safe cells, titled tables, print set-up.

Shared by the bulletin (geoapp.reports.bulletin and its extra sheets,
geoapp.reports.bulletin_sheets).

Every string from the data is written as a literal string: a name such as
``=HYPERLINK(...)`` or ``+1`` would otherwise become a formula (OWASP "CSV
injection"). The cell is typed as a string and, when it starts like a
formula, given the quote prefix, so it stays text in the workbook, also when
someone edits it in Excel or LibreOffice. Neither survives a CSV: CSV holds no
types and no prefix, so saving a sheet as CSV (LibreOffice's export, say)
writes the bare ``=HYPERLINK(...)``, and a spreadsheet opening that CSV may
treat it as a formula again. A workbook is to be read as one; whoever
converts it to CSV must import that CSV with its columns as text.

XML 1.0 cannot hold most control characters, and openpyxl refuses them
(IllegalCharacterError): one "\x0b" pasted into a hazard description would
lose the whole workbook. Every string written is cleaned of them first, each
replaced by U+FFFD so that the reader sees something was there.
"""

from __future__ import annotations

import re
import unicodedata

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_REPLACEMENT = "\ufffd"
HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def literal(value):
    """A value as openpyxl should store it: None as "", strings without illegal characters.

    (put() keeps strings from becoming formulas.)

    Examples
    --------
    >>> literal("=1+1"), literal(3), literal(None), literal("管道\x0b锈蚀\x07")
    ('=1+1', 3, '', '管道\ufffd锈蚀\ufffd')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(_REPLACEMENT, value)
    return value


def put(ws: Worksheet, row: int, col: int, value, fmt: str | None = None):
    """Write one cell; a string is stored as text whatever it starts with."""
    cell = ws.cell(row=row, column=col)
    value = literal(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made it "f" if it starts with "="
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    if fmt:
        cell.number_format = fmt
    return cell


def width(value) -> int:
    text = str(literal(value))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(ws: Worksheet, title: str, headers: list[str], rows: list[list],
           formats: dict[int, str] | None = None, top: int = 1) -> int:
    """Title, header and rows from ``top``; returns the next free row."""
    formats = formats or {}
    put(ws, top, 1, title).font = Font(bold=True, size=14)
    for c, h in enumerate(headers, 1):
        cell = put(ws, top + 1, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, values in enumerate(rows, top + 2):
        for c, v in enumerate(values, 1):
            cell = put(ws, r, c, v, formats.get(c))
            cell.border = BORDER
            # "—" (no value) lines up with the numbers it stands for
            cell.alignment = Alignment(vertical="top", wrap_text=True,
                                       horizontal="right" if v == "—" else None)
    return top + 2 + len(rows)


def finish(ws: Worksheet, header_row: int = 2, max_width: int = 40) -> None:
    """Column widths from the content, frozen header, A4 landscape one page wide."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), width(cell.value))
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(w + 2, 6), max_width)
    # spreadsheet programs do not grow rows for wrapped text on opening: size them here
    for row in ws.iter_rows(min_row=header_row):
        lines = max((-(-width(c.value) // max(int(ws.column_dimensions[c.column_letter].width
                                                        or 8) - 2, 1))
                     for c in row if c.value is not None and c.alignment.wrap_text), default=1)
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def note(ws: Worksheet, row: int, text: str, ncols: int) -> None:
    """A wrapped note across the table's columns (so that it does not widen the print area)."""
    cell = put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    room = sum(ws.column_dimensions[get_column_letter(c)].width or 8
               for c in range(1, ncols + 1))
    ws.row_dimensions[row].height = 16 * (1 + int(width(text) / max(room - 2, 10)))


def pct(rate):
    return rate if rate is not None else "—"


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\).

    Examples
    --------
    >>> sheet_title("C26 化学原料/制品", set())
    'C26 化学原料 制品'
    """
    name = re.sub(r"[\[\]:*?/\\]", " ", text).strip("' ")[:31] or "Sheet"
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    taken.add(name)
    return name
