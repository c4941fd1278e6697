"""The admission register as files: the stored checks as XLSX and CSV rows.

The web hands in the rows (geoapp.store.admission_checks.checks, already cut to
the reader's scope and filters) and the column headers in the page's language.
Every value is written as text or a number, never a formula: a CSV cell that
starts with = + - @ gets a leading apostrophe (Excel would run it), an XLSX
cell is typed as a string.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
WIDTHS = (18, 20, 14, 10, 30, 10, 14, 14, 20, 20, 16)


def columns(row: dict, verdict_label: str) -> list:
    """One check as the file's columns (the headers' order)."""
    site = row["site"]
    centre = site if site.geom_type == "Point" else site.centroid
    return [row["number"], row["checked_at"], row["actor"] or "", row["industry_code"],
            row["industry_name"], verdict_label, round(centre.x, 6), round(centre.y, 6),
            "、".join(row["zone_codes"]), "、".join(row["cell_codes"]),
            row["catalogue_sha256"][:16]]


def as_csv(headers: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a BOM (Excel opens it as UTF-8), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([_safe(v) for v in r])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(value):
    """A text that a spreadsheet would read as a formula, made plain text.

    >>> _safe("=HYPERLINK(1)"), _safe("准入-2026-000001"), _safe(-1.5)
    ("'=HYPERLINK(1)", '准入-2026-000001', -1.5)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def as_xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(headers)
    for r in rows:
        ws.append(r)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # "=…" stays text, never a formula
    for i, width in enumerate(WIDTHS[:len(headers)]):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
