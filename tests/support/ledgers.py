"""A large synthetic enterprise ledger (every name labelled 虚构), the same rows for the
100,000-row browser test (tests/browser/test_import_large_browser.py) and the import
benchmark (bench/bench_import.py), written as CSV or XLSX.

Every point lies inside one of the demo's cells (data/boundaries/cells.geojson), so a
whole import joins the territory; the USCCs (``91320205MA`` + a running number, with
their check character) are not among the demo's own.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

ENTERPRISE_HEADER = ["企业名称", "统一社会信用代码", "行业代码", "企业规模", "经度", "纬度"]


def synthetic_uscc(i: int) -> str:
    """The i-th synthetic USCC, with its check character (GB 32100)."""
    from geoapp.domain.identifiers import uscc_check_char

    body = f"91320205MA{i:07d}"[:17]
    return body + uscc_check_char(body)


def synthetic_name(i: int) -> str:
    return f"合成企业{i:06d}（虚构）"


def demo_cells():
    """The union of the demo's cells (WGS84), as one shapely geometry."""
    import shapely

    from geoapp.resources import bundled

    doc = json.loads((bundled("data") / "boundaries" / "cells.geojson").read_text("utf-8"))
    return shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in doc["features"]])


def enterprise_rows(rows: int, inside=None, seed: int = 1) -> list[list]:
    """``rows`` enterprises (ENTERPRISE_HEADER's columns), each point at random within
    ``inside`` (a shapely geometry in WGS84; default: the demo's cells); the same rows for
    the same arguments."""
    import shapely

    area = demo_cells() if inside is None else inside
    shapely.prepare(area)
    x0, y0, x1, y1 = area.bounds
    rng = random.Random(seed)
    out: list[list] = []
    while len(out) < rows:
        lon, lat = round(rng.uniform(x0, x1), 6), round(rng.uniform(y0, y1), 6)
        if not area.contains_properly(shapely.Point(lon, lat)):
            continue  # outside every cell (or on an edge): drawn again
        i = len(out)
        out.append([synthetic_name(i), synthetic_uscc(i), "5261", "小微", lon, lat])
    return out


def write_ledger(path: Path, rows: list[list], header: list[str] = ENTERPRISE_HEADER) -> Path:
    """``rows`` under ``header`` as a CSV (UTF-8) or an XLSX (openpyxl, write-only: a
    100,000-row book in seconds), chosen by ``path``'s ending."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    elif path.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        raise ValueError(f"{path}: a ledger is .csv or .xlsx")
    return path
