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
import weakref

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_REPLACEMENT = "\ufffd"
HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
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
    """How many column-width units a value takes: 2 for a CJK character, 1 for the rest."""
    text = str(literal(value))
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _room(value) -> float:
    """The width a value needs in a column, with the slack that keeps it on one line: a
    CJK glyph prints a little wider than two digits, so "示范镇（虚构）" counted at 2 per
    character would just overflow and break before its "）"."""
    return width(value) * 1.12 + 2


def table(ws: Worksheet, title: str, headers: list[str], rows: list[list],
           formats: dict[int, str] | None = None, top: int = 1) -> int:
    """Title, header and rows from ``top``; returns the next free row."""
    formats = formats or {}
    heading = put(ws, top, 1, title)
    heading.font = Font(bold=True, size=14)
    # across the table and wrapped: a long title never runs past the print area
    heading.alignment = Alignment(wrap_text=True, vertical="center")
    if len(headers) > 1:
        ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=len(headers))
    _TITLES.setdefault(ws, {})[top] = len(headers)
    for c, h in enumerate(headers, 1):
        cell = put(ws, top + 1, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # a table's title and header never end a page (paginate keeps them with its first rows)
    _keep_with_next(ws).update((top, top + 1))
    return table_rows(ws, top + 2, rows, formats)


def table_rows(ws: Worksheet, top: int, rows: list[list],
               formats: dict[int, str] | None = None) -> int:
    """Rows of a table from ``top``, bordered; returns the next free row."""
    formats = formats or {}
    for r, values in enumerate(rows, top):
        for c, v in enumerate(values, 1):
            cell = put(ws, r, c, v, formats.get(c))
            cell.border = BORDER
            # "—" (no value) lines up with the numbers it stands for
            cell.alignment = Alignment(vertical="top", wrap_text=True,
                                       horizontal="right" if v == "—" else None)
    return top + len(rows)


def section(ws: Worksheet, row: int, text: str, ncols: int) -> None:
    """A bold heading row across a table's columns (kept with the rows under it)."""
    cell = put(ws, row, 1, text)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    cell.font, cell.fill, cell.border = Font(bold=True), SECTION_FILL, BORDER
    ws.row_dimensions[row].height = 17
    _keep_with_next(ws).add(row)


def finish(ws: Worksheet, header_row: int = 2, max_width: int = 40,
           text_columns: dict[int, int] | None = None) -> None:
    """Column widths from the content, frozen header, A4 landscape one page wide.

    A column is as wide as its longest value up to ``max_width``, so names stay on one
    line; the columns of long texts (a description: ``text_columns``, column → width)
    are held narrower and wrap.
    Every row gets the height its wrapped text needs (spreadsheet programs do not grow
    rows for wrapped text on opening), and the sheet is paginated (:func:`paginate`).
    """
    merged = {c for rng in ws.merged_cells.ranges for row in ws.iter_rows(
        min_row=rng.min_row, max_row=rng.max_row, min_col=rng.min_col,
        max_col=rng.max_col) for c in row}
    widths: dict[int, float] = {}
    for row in ws.iter_rows(min_row=header_row):
        for cell in row:
            if cell.value is not None and cell not in merged and not _is_heading(ws, cell):
                widths[cell.column] = max(widths.get(cell.column, 0), _room(cell.value))
    narrow = text_columns or {}
    for col, w in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = round(
            min(max(w, 6), narrow.get(col, max_width)), 1)
    for row in ws.iter_rows(min_row=1):
        r = row[0].row
        if r in _TITLES.get(ws, {}):
            room = sum((ws.column_dimensions[get_column_letter(c)].width or 8.43)
                       for c in range(1, _TITLES[ws][r] + 1))
            # 14 pt against the columns' 11 pt units
            lines = sum(-(-int(width(t) * 14 / 11 * 1.1) // max(int(room) - 2, 1))
                        for t in str(row[0].value).split("\n"))
            ws.row_dimensions[r].height = 20.0 * lines + 2
        elif row[0] not in merged:
            ws.row_dimensions[r].height = _height(ws, row)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_options.horizontalCentered = True
    # the sheet's name: a printed page says which table it continues
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"
    ws.page_margins = PageMargins(left=MARGIN_IN, right=MARGIN_IN, top=MARGIN_IN,
                                  bottom=MARGIN_IN + 0.15, header=0.3, footer=0.3)


def _is_heading(ws: Worksheet, cell) -> bool:
    """A table's title (bold and large, across the table): it sizes no column."""
    return cell.row in _TITLES.get(ws, {}) and cell.column == 1


def _height(ws: Worksheet, row) -> float:
    """Points a row needs: 15 a line of wrapped text, 20 a title."""
    lines = 1
    for c in row:
        if c.value is None:
            continue
        if _is_heading(ws, c):
            return 21.0
        if c.alignment.wrap_text:
            room = max((ws.column_dimensions[c.column_letter].width or 8) - 1, 1)
            text_lines = str(c.value).split("\n")
            lines = max(lines, sum(max(1, -(-int(width(t) * 1.12) // int(room)))
                                   for t in text_lines))
    return 15.0 * lines + 2


# ---- pagination ---------------------------------------------------------------------
#
# Fit-to-width scaling left it to the spreadsheet program where a page ends: the last
# rows of a sheet fell alone on a page, a table's title at the foot of one. Here the
# scale is set from the columns' widths and every page break is placed: each page
# holds what fits, no page but a sheet's last has fewer than MIN_ROWS rows, the last
# takes rows from the one before when it would, and a title or header never ends a page.

A4_LANDSCAPE_PT = (842, 595)
MARGIN_IN = 0.5
MIN_ROWS = 5
# points per column-width unit as LibreOffice and Excel print it (a digit of the default
# 11 pt font and its padding), a little over so that the page is never too narrow
POINTS_PER_UNIT = 7.4
# what the estimate of a page's rows leaves free: a row printed a little taller than its
# height never pushes the page's last row onto a page of its own
SLACK = 0.94
# how much longer than a page a sheet may be and still be shrunk onto one
ONE_PAGE = 1.5

_KEEP: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# the rows holding a table's title → how many columns it spans
_TITLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _keep_with_next(ws: Worksheet) -> set[int]:
    return _KEEP.setdefault(ws, set())


def paginate(ws: Worksheet, header_row: int = 2, one_page: bool = False) -> list[int]:
    """Set the print scale and the page breaks of a finished sheet; returns the rows each
    page ends with (the last one is the sheet's last row). ``one_page``: shrink it onto
    one page however long it is."""
    def height(r: int) -> float:
        return ws.row_dimensions[r].height or 15.0

    cols = range(1, ws.max_column + 1)
    total_w = sum((ws.column_dimensions[get_column_letter(c)].width or 8.43) * POINTS_PER_UNIT
                  for c in cols)
    page_w = A4_LANDSCAPE_PT[0] - 2 * MARGIN_IN * 72
    page_h = A4_LANDSCAPE_PT[1] - (2 * MARGIN_IN + 0.15) * 72 - 18  # the footer's line
    scale = max(min(100, int(100 * page_w / total_w)), 10)
    # a sheet that nearly fits one page is printed a little smaller on one page
    rows_h = sum(height(r) for r in range(1, ws.max_row + 1))
    if one_page or rows_h * scale / 100 <= page_h * SLACK * ONE_PAGE:
        scale = min(scale, int(100 * page_h * SLACK / rows_h))
    ws.page_setup.scale = scale
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = None
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    room = page_h * SLACK * 100 / scale

    # the header row is repeated on every page after the first, when the sheet is one
    # table (on a sheet of several it would head another table's rows)
    title_h = height(header_row)
    if len(_TITLES.get(ws, {})) > 1:
        ws._print_rows = None  # openpyxl's setter ignores None
        title_h = 0.0
    keep = _keep_with_next(ws)
    ends: list[int] = []
    used, first = 0.0, 1
    for r in range(1, ws.max_row + 1):
        h = height(r)
        if used + h > room and r > first:
            end = r - 1
            while end in keep and end > first:  # a title or header goes with its rows
                end -= 1
            ends.append(end)
            first = end + 1
            used = title_h + sum(height(x) for x in range(first, r))
        used += h
    ends.append(ws.max_row)
    # the last page takes rows from the one before when it would hold fewer than MIN_ROWS
    if len(ends) > 1:
        start = ends[-2] + 1
        short = MIN_ROWS - (ends[-1] - start + 1)
        before = ends[-2] - (ends[-3] if len(ends) > 2 else 0)
        if short > 0 and before - short >= MIN_ROWS:
            ends[-2] -= short
            while ends[-2] in keep:
                ends[-2] -= 1
    # the print area is the table's columns: a long text in the last one never adds a page
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    ws.row_breaks = RowBreak()
    for end in ends[:-1]:
        ws.row_breaks.append(Break(id=end))
    return ends


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
