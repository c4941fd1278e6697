"""The bundled demo's files (data/, loaded in data/demo.toml's order), counted."""

from __future__ import annotations

import json


def demo_counts() -> dict[str, int]:
    """How many rows the bundled demo's files hold, by the kinds of data/demo.toml: cells,
    zones, points (every point layer together) and hazards. Counted from the files, so
    a test that checks a whole load follows the demo when the demo grows."""
    import tomllib

    import geopandas as gpd

    from geoapp.ingest.ledger import read_table
    from geoapp.resources import bundled

    folder = bundled("data")
    manifest = tomllib.loads((folder / "demo.toml").read_text("utf-8"))
    counts = dict.fromkeys(("cells", "zones", "points", "hazards"), 0)
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if entry["kind"] == "cells":
            counts["cells"] += len(json.loads(path.read_text("utf-8"))["features"])
        elif entry["kind"] == "zones":
            counts["zones"] += len(gpd.read_file(path, engine="pyogrio"))
        else:
            counts[entry["kind"]] += len(read_table(path))
    return counts


def demo_hazards() -> list[dict]:
    """The rows of the bundled demo's hazard ledger (data/hazards.xlsx), by column label;
    dates as datetime.date."""
    import datetime as dt

    import openpyxl

    from geoapp.resources import bundled

    book = openpyxl.load_workbook(bundled("data") / "hazards.xlsx")
    header, *rows = book.worksheets[0].iter_rows(values_only=True)
    return [{k: v.date() if isinstance(v, dt.datetime) else v
             for k, v in zip(header, row, strict=True)} for row in rows]
