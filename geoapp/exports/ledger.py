"""Ledgers as XLSX with exactly the headers the importer reads (geoapp.ingest.ledger).

One sheet per workbook, its header row the Chinese labels of the layer file
(``layers/*.toml``: each field's ``label``, the first name ``geoapp import``
matches), then 经度/纬度 (WGS84) for points. Each value is written in the form
the importer parses back to the same stored value: 是/否 for a yes/no field,
the choices of a multi-choice field joined by 、, dates as dates (YYYY-MM-DD),
numbers as numbers, every text as text (a text starting with ``=`` stays text:
no formula runs when the file is opened). So export → import changes nothing,
and export → edit in Excel → import changes only what was edited.

Cells and zones are boundaries: their XLSX is the attribute table with the
same headers (the importer reads boundaries from GIS files, see
geoapp.exports.geodata). A second sheet 说明 says what the file holds.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from geoapp.domain import workflow
from geoapp.domain.layers import FieldSpec, Rules, TableFile

LON, LAT = "经度", "纬度"  # the first of geoapp.ingest.ledger's LON_HEADERS / LAT_HEADERS
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE5F0")
_LEVEL = workflow.LEVEL_LABELS
_SOURCE = workflow.SOURCE_LABELS
_STATE = workflow.STATE_LABELS


def ledger_value(field: FieldSpec, value):
    """A stored value as the ledger writes it (the importer parses it back to ``value``).

    Examples
    --------
    >>> from geoapp.domain.layers import FieldSpec
    >>> ledger_value(FieldSpec(name="x", label="X", type="bool"), False)
    '否'
    >>> ledger_value(FieldSpec(name="x", label="X", type="choices", choices=("a", "b")), ["a", "b"])
    'a、b'
    >>> ledger_value(FieldSpec(name="x", label="X", type="date"), "2026-03-01")
    datetime.date(2026, 3, 1)
    """
    if value is None or value == "":
        return None
    if field.type == "bool":
        return "是" if value else "否"
    if field.type == "choices":
        return "、".join(value) if isinstance(value, list | tuple) else str(value)
    if field.type == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if field.type in ("int", "float"):
        return value
    return str(value)


def point_record(spec: TableFile, row: dict) -> list:
    """A point's ledger row: every field of its layer, then longitude and latitude."""
    values = [ledger_value(f, row["name"] if f.name == "name" else row["attrs"].get(f.name))
              for f in spec.fields]
    return [*values, row["geom"].x, row["geom"].y]


def hazard_record(spec: TableFile, rules: Rules, row: dict) -> list:
    """A hazard's ledger row in the hazard file's field order.

    The deadline is the one in force (an extension moved it; the importer keeps
    an extension when the ledger shows either date).
    """
    layer = rules.layers.get(row["point_layer"])
    stored = {**row, "point_layer": layer.label if layer else row["point_layer"],
              "level": _LEVEL[row["level"]], "source": _SOURCE[row["source"]],
              "state": _STATE[row["state"]]}
    return [ledger_value(f, stored.get(f.name)) for f in spec.fields]


def area_record(spec: TableFile, row: dict) -> list:
    """A cell's or zone's attribute row (members and their phones joined by 、, in order)."""
    members = row.get("members") or []
    stored = {**row, "members": "、".join(m["name"] for m in members if m.get("name")) or None,
              "member_phones": "、".join(m["phone"] for m in members if m.get("phone")) or None}
    return [ledger_value(f, stored.get(f.name)) for f in spec.fields]


def headers(spec: TableFile, with_coordinates: bool) -> list[str]:
    """The header row: each field's label (what `geoapp import` reads first), then 经度, 纬度."""
    return [f.label for f in spec.fields] + ([LON, LAT] if with_coordinates else [])


def _cell(ws: Worksheet, value, date_format: bool = False):
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def workbook(title: str, header: list[str], rows: Iterable[list], notes: list[str]) -> bytes:
    """An XLSX: the ledger sheet (``title``), then 说明 with ``notes``; written streaming."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    widths = [max(8, min(40, 2 * len(h) + 2)) for h in header]
    for i, width in enumerate(widths):
        ws.column_dimensions[_letter(i)].width = width
    head = []
    for h in header:
        cell = _cell(ws, h)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        head.append(cell)
    ws.append(head)
    for row in rows:
        ws.append([_cell(ws, v) for v in row])
    about = wb.create_sheet("说明")
    about.column_dimensions["A"].width = 100
    for line in notes:
        about.append([_cell(about, line)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
