"""XLSX ledgers read through python-calamine give, cell by cell, the text openpyxl gave.

geoapp.ingest.xlsx.read_cells (calamine) against read_openpyxl (the reader before it:
pandas' read_excel with openpyxl, then cell_text) on the demo's workbooks, the
test-support writers' output, the ledger export, and hand-made books holding the
tricky cells. Every other test's XLSX can be cross-checked the same way:
``GEOAPP_XLSX_CROSSCHECK=1`` (tests/support/files.py).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook

from geoapp.ingest import xlsx
from geoapp.ingest.ledger import read_table
from geoapp.ingest.problems import ImportRejected
from geoapp.resources import bundled
from tests.support.files import write_xlsx
from tests.support.ledgers import enterprise_rows, write_ledger

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def assert_same_cells(path, fallback: bool = False):
    """read_cells equal to read_openpyxl; and read by calamine itself unless ``fallback``."""
    old = xlsx.read_openpyxl(path)
    with pytest.MonkeyPatch.context() as patch:
        if not fallback:
            patch.setattr(xlsx, "read_openpyxl", lambda p: pytest.fail(f"fell back: {p}"))
        new = xlsx.read_cells(path)
    assert (new is None) == (old is None), path
    if new is None:
        return None
    assert new[0] == old[0], path
    pd.testing.assert_frame_equal(new[1], old[1], check_column_type=False)
    return new


@pytest.mark.parametrize("name", sorted(p.name for p in bundled("data").glob("*.xlsx")))
def test_demo_workbooks_read_alike(name):
    header, frame = assert_same_cells(bundled("data") / name)
    assert len(frame) > 0 and header[0]


def test_support_writers_and_export_read_alike(tmp_path):
    rows = enterprise_rows(300)
    assert_same_cells(write_ledger(tmp_path / "big.xlsx", rows))
    _, frame = assert_same_cells(write_xlsx(tmp_path / "small.xlsx", ["企业名称", "经度", "纬度"],
                                            [["甲（虚构）", 120.012, 31.002], ["乙", "", None]]))
    assert frame.values.tolist() == [["甲（虚构）", "120.012", "31.002"], ["乙", "", ""]]


def _inject(path, extra_rows: str, shared: list[str] | None = None):
    """Rows (raw sheet XML) added to an openpyxl book, and a shared-strings part: cells
    openpyxl cannot write (cached formula values, error cells, shared strings)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</sheetData>", extra_rows.encode() + b"</sheetData>")
    if shared is not None:
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'
            + "".join(shared) + "</sst>").encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        rels = "xl/_rels/workbook.xml.rels"
        parts[rels] = parts[rels].replace(
            b"</Relationships>", f'<Relationship Id="rIdSS" Type="{REL}/sharedStrings" '
            f'Target="sharedStrings.xml"/></Relationships>'.encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def _tricky_book(path):
    book = Workbook()
    ws = book.active
    ws.append(["整数", "小数", "大数", "日期", "时间", "其他"])
    ws.append([5, 1.5, 123456789012345, dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 10, 30, 15),
               True])
    ws.append([-0.0, 0.1 + 0.2, 1e15, dt.datetime(2024, 3, 5), dt.time(8, 20, 33), False])
    ws.append([3.0, 2**53 - 1, 2.5e-7, dt.date(1900, 3, 1), dt.timedelta(hours=30),
               dt.datetime(2024, 3, 5, 10, 30, 15, 123456)])
    ws.append(["00123", "  周围有空格  ", "=1+2", "a  b", "NA", "null"])
    ws.append(["None", "#N/A", "n/a", "nan", "-", "无"])
    ws.append([None, "合并", None, None, None, ""])
    ws.merge_cells("B7:D8")
    ws.append([None, None, None, None, None, "第8行"])
    text_number = ws.cell(row=9, column=1, value=42)
    text_number.number_format = "@"  # a number formatted as text stays a number
    ws.cell(row=9, column=2, value="0.50")
    book.save(path)
    shared = ['<si><t xml:space="preserve">  0012  </t></si>',
              '<si><r><rPr><b/></rPr><t>无锡</t></r><r><t>某厂</t></r>'
              '<rPh sb="0" eb="2"><t>ウーシー</t></rPh></si>', "<si><t>行一\n行二</t></si>",
              "<si><t/></si>", "<si><t>NA</t></si>"]
    return _inject(path, (
        '<row r="10"><c r="A10"><f>1+2</f><v>3</v></c><c r="B10" t="str"><f>"0"&amp;"12"</f>'
        '<v>012</v></c><c r="C10" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D10" t="e"><v>#N/A'
        '</v></c><c r="E10" t="inlineStr"><is><t> 007 </t></is></c><c r="F10" t="b"><v>1</v>'
        '</c></row><row r="11"><c r="A11" t="s"><v>0</v></c><c r="B11" t="s"><v>1</v></c>'
        '<c r="C11" t="s"><v>2</v></c><c r="D11" t="s"><v>4</v></c><c r="E11"><v>1.0E+15</v>'
        '</c><c r="F11"><v>45000.5</v></c></row>'
        # a formula giving "" filled down, and an empty shared string, past the data
        '<row r="12"><c r="G12" t="str"><f>""</f><v></v></c></row>'
        '<row r="14"><c r="A14" t="s"><v>3</v></c><c r="H14" t="str"><f>""</f><v></v></c></row>'
        '<row r="20"><c r="I20" s="0"/></row>'),  # styled, empty: not part of the data
        shared)


def test_tricky_cells_read_alike(tmp_path):
    path = _tricky_book(tmp_path / "tricky.xlsx")
    header, frame = assert_same_cells(path)
    rows = frame.values.tolist()
    assert header == ["整数", "小数", "大数", "日期", "时间", "其他"]
    assert len(rows) == 10  # the "" cells in rows 12-14 and I20's format add nothing
    assert rows[0] == ["5", "1.5", "123456789012345", "2024-03-05", "2024-03-05T10:30:15", "True"]
    assert rows[1] == ["0", "0.3", "1000000000000000", "2024-03-05", "08:20:33",
                       "False"]
    assert rows[2][:3] == ["3", "9007199254740991", "2.5e-07"] and rows[2][4] == "1 day, 6:00:00"
    assert rows[3] == ["00123", "周围有空格", "", "a  b", "", ""]  # "=1+2": no cached value
    assert rows[4] == ["", "", "", "", "-", "无"]
    assert rows[5][1] == "合并" and rows[6] == ["", "", "", "", "", "第8行"]
    assert rows[7][:2] == ["42", "0.50"]
    assert rows[8] == ["3", "012", "", "", "007", "True"]
    assert rows[9] == ["0012", "无锡某厂", "行一\n行二", "", "1000000000000000", "45000.5"]


def test_integer_digits_beyond_a_float_are_kept(tmp_path):
    """An 18-digit code stored as a number with every digit (some tools other than Excel
    write them so) keeps its digits: calamine's float would round it, so the book is read
    with openpyxl, which parses the digits as an integer."""
    path = write_xlsx(tmp_path / "digits.xlsx", ["统一社会信用代码", "经度"], [[123, 120.1]])
    _inject(path, '<row r="3"><c r="A3"><v>913202051234567891</v></c><c r="B3"><v>120.2</v>'
                  "</c></row>")
    import python_calamine

    calamine_value = python_calamine.load_workbook(path).get_sheet_by_index(0).to_python()[2][0]
    assert int(calamine_value) != 913202051234567891  # what the fallback is for
    _, frame = assert_same_cells(path, fallback=True)
    assert frame.iloc[:, 0].tolist() == ["123", "913202051234567891"]
    _inject(path, '<row r="4"><c r="A4"><v>1E+20</v></c></row>')  # a float as large: alike
    assert assert_same_cells(path, fallback=True)[1].iloc[2, 0] == "100000000000000000000"


def test_placement_sheets_and_calendars_read_alike(tmp_path):
    book = Workbook()
    ws = book.active
    ws["C3"], ws["D3"], ws["C4"], ws["D5"] = "名称", "日期", "甲", dt.date(2020, 1, 2)
    book.epoch = dt.datetime(1904, 1, 1)  # the Mac calendar
    book.save(tmp_path / "placed.xlsx")
    header, frame = assert_same_cells(tmp_path / "placed.xlsx")
    assert header == ["", "", "", ""] and frame.iloc[-1].tolist() == ["", "", "", "2020-01-02"]
    only_header = write_xlsx(tmp_path / "header.xlsx", ["名称", "经度"], [])
    assert assert_same_cells(only_header)[0] == ["名称", "经度"]
    Workbook().save(tmp_path / "nothing.xlsx")
    assert assert_same_cells(tmp_path / "nothing.xlsx") is None


def test_a_book_with_a_chart_sheet_is_read(tmp_path):
    """openpyxl's reader failed on this one (AttributeError); the worksheet is the ledger."""
    book = Workbook()
    book.create_chartsheet(0)
    book.worksheets[0].append(["名称", "经度"])
    book.worksheets[0].append(["甲", 120.5])
    book.save(tmp_path / "chart.xlsx")
    header, frame = xlsx.read_cells(tmp_path / "chart.xlsx")
    assert header == ["名称", "经度"] and frame.values.tolist() == [["甲", "120.5"]]


def _message(path) -> str:
    with pytest.raises(ImportRejected) as info:
        read_table(path)
    assert len(info.value.problems) == 1
    return info.value.problems[0].reason


def test_bad_workbooks_give_one_clear_line(tmp_path):
    """Not a zip, an encrypted book (an OLE container), a zip holding no workbook, a book
    whose sheet part is missing: one line naming the file as not a valid XLSX."""
    (tmp_path / "text.xlsx").write_text("企业名称,经度\n甲,120\n")
    (tmp_path / "encrypted.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(500))
    with zipfile.ZipFile(tmp_path / "zip.xlsx", "w") as z:
        z.writestr("readme.txt", "not a workbook")
    Workbook().save(tmp_path / "broken.xlsx")
    with zipfile.ZipFile(tmp_path / "broken.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist() if "worksheets/" not in n}
    with zipfile.ZipFile(tmp_path / "broken.xlsx", "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    for name in ("text.xlsx", "encrypted.xlsx", "zip.xlsx", "broken.xlsx"):
        message = _message(tmp_path / name)
        assert message.startswith("不是有效的 XLSX 文件（") and "\n" not in message, message
    Workbook().save(tmp_path / "empty.xlsx")
    assert _message(tmp_path / "empty.xlsx") == "文件为空（没有表头行）"
