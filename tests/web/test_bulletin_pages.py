"""The demo bulletin as it prints: LibreOffice renders the XLSX to PDF, pypdf reads it.

Every sheet is paginated by geoapp.reports.workbook.paginate; here the pages are counted
as a reader sees them. A page's sheet is named in its footer ("逾期清单　第 3 页，共 22 页"),
its rows of content are its distinct lines of text (the footer left out). No page has
fewer than MIN_ROWS rows of content unless it is the last of its sheet, there is no page
per industry, and no page is a sheet's columns cut off from their rows.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict

import openpyxl
import pytest
from pypdf import PdfReader

from geoapp.reports.workbook import MIN_ROWS

FOOTER = re.compile(r"(\S+)\s*第\s*(\d+)\s*页\s*，\s*共\s*(\d+)\s*页")


def _pdf_pages(path) -> list[tuple[str, int, str]]:
    """(sheet, rows of content, text) of each page."""
    pages = []
    for page in PdfReader(path).pages:
        lines: set[float] = set()

        def visit(text, cm, tm, _font, _size, lines=lines):
            if text.strip():
                lines.add(round(tm[5] * cm[3] + cm[5]))

        text = page.extract_text(visitor_text=visit)
        footer = FOOTER.search(text)
        assert footer, f"a page without its footer: {text[:200]!r}"
        pages.append((footer.group(1), len(lines) - 1, text))
    return pages


def _render(xlsx, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    assert office, "LibreOffice is missing: scripts/ensure-test-packages.sh installs it"
    subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                   check=True, capture_output=True, timeout=240)
    return tmp_path / (xlsx.stem + ".pdf")


@pytest.mark.parametrize("month", ["2030-05", "2030-06"])
def test_demo_bulletin_prints_without_near_empty_pages(demo_client, demo_auth, tmp_path,
                                                      month):
    demo_auth.login("bulletin_leader", role="leader")
    response = demo_client.get(f"/reports/bulletin.xlsx?month={month}")
    assert response.status_code == 200
    xlsx = tmp_path / f"bulletin-{month}.xlsx"
    xlsx.write_bytes(response.data)
    sheets = openpyxl.load_workbook(xlsx).sheetnames
    # the industries are one sheet (分行业), not a page each; 分部门 ranks the departments;
    # the demo has zones (功能区); 红黑榜: the lists of layers/standing.toml at the month's
    # end (geoapp.reports.standing); 事故: 双下降 (geoapp.reports.accidents)
    assert sheets == ["概况", "排名", "逾期清单", "分行业", "分部门", "巡查", "延期", "督办措施",
                      "审核", "渠道", "红黑榜", "功能区", "事故"]
    pages = _pdf_pages(_render(xlsx, tmp_path))
    by_sheet = defaultdict(list)
    for sheet, rows, text in pages:
        by_sheet[sheet].append((rows, text))
    # every sheet prints, in order, each on pages of its own
    assert list(by_sheet) == sheets
    assert [s for s, _r, _t in pages] == [s for s in sheets for _ in by_sheet[s]]
    short = [(sheet, i, rows) for sheet, got in by_sheet.items()
             for i, (rows, _text) in enumerate(got[:-1], 1) if rows < MIN_ROWS]
    assert not short, f"pages with fewer than {MIN_ROWS} rows: {short}"
    # the summary is one page; the overdue list's last rows are never alone on a page
    assert len(by_sheet["概况"]) == 1
    last_overdue = by_sheet["逾期清单"][-1][0]
    assert last_overdue >= MIN_ROWS or len(by_sheet["逾期清单"]) == 1
    # a page holds its columns: the hazard codes' page also has their deadlines
    for _rows, text in by_sheet["逾期清单"]:
        assert re.search(r"YH\d{4}", text) and re.search(r"\d{4}-\d{2}-\d{2}", text)
    # names are not broken: every "（虚构）" of the overdue list is whole on its line
    overdue_text = "\n".join(t for _r, t in by_sheet["逾期清单"])
    assert "（虚构）" in overdue_text
    assert not re.search(r"（虚构\s*\n|\n\s*）", overdue_text), "a name broken over two lines"
