"""One download: read the rows in scope, filter the hazards, write the format.

The web layer decides who may (geoapp.exports.access) and passes the scope:
``only`` is the set of cell codes a grid member works, None the whole
territory. Returns the bytes with the file's name, media type and row count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from geoapp.domain.layers import Rules
from geoapp.exports import access, geodata, ledger
from geoapp.exports.hazard_filter import HazardFilter
from geoapp.store.reads import export_data

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the zones workbook's last column: the grade in force (read by no import, so the
# workbook still imports back unchanged)
GRADE_HEADER = "安全风险等级"
_SUFFIX = {"xlsx": ".xlsx", "gpkg": ".gpkg", "geojson": ".geojson", "shp": ".shp.zip"}


@dataclass(frozen=True)
class Download:
    content: bytes
    filename: str
    media_type: str
    rows: int


def _rows(session: Session, rules: Rules, layer: str, today: dt.date,
          only: Collection[str] | None, hazards: HazardFilter | None) -> list[dict]:
    if layer == "cells":
        return export_data.cells(session, rules, today, only)
    if layer == "zones":
        return export_data.zones(session, rules, today)
    if layer in rules.layers:
        return export_data.points(session, rules, layer, today, only)
    rows = export_data.hazards(session, only)
    return [r for r in rows if hazards.keeps(r)] if hazards is not None else rows


def _spec(rules: Rules, layer: str):
    return {"cells": rules.tables["cell"], "zones": rules.tables["zone"],
            "hazards": rules.tables["hazard"]}.get(layer) or rules.layers[layer]


@dataclass(frozen=True)
class Table:
    """A layer as the GIS files hold it: columns, one record per row (by column name, values
    before typing), and the rows themselves (``geom`` and the stored keys)."""

    columns: list[geodata.Column]
    records: list[dict]
    rows: list[dict]


def table(session: Session, rules: Rules, layer: str, today: dt.date, *,
          only: Collection[str] | None = None) -> Table:
    """The rows of ``layer`` in the cells ``only`` with the GIS files' attributes (the OGC API
    serves these, so its properties are the downloads' own)."""
    rows = _rows(session, rules, layer, today, only, None)
    return Table(*_tabulate(rules, layer, rows, today), rows)


def _tabulate(rules: Rules, layer: str, rows: list[dict], today: dt.date) -> tuple[list, list]:
    """The GIS attributes of ``rows``: columns and a record per row."""
    spec = _spec(rules, layer)
    if layer in ("cells", "zones"):
        return geodata.area_table(spec, rules, rows)
    if layer == "hazards":
        return geodata.hazard_table(spec, rules, rows, today)
    return geodata.point_table(spec, rules, rows)


def build(session: Session, rules: Rules, layer: str, fmt: str, today: dt.date, *,
          only: Collection[str] | None = None, hazards: HazardFilter | None = None,
          encoding: str = "utf-8") -> Download:
    """The download of ``layer`` (geoapp.exports.access.layers) as ``fmt`` (xlsx, gpkg,
    geojson, shp), rows limited to the cells ``only``, hazards to ``hazards``."""
    rows = _rows(session, rules, layer, today, only, hazards)
    spec = _spec(rules, layer)
    filename = f"{layer}_{today:%Y%m%d}{_SUFFIX[fmt]}"
    if fmt == "xlsx":
        content = _xlsx(rules, layer, spec, rows, today, only, hazards)
        return Download(content, filename, XLSX, len(rows))
    frame, cols = geodata.frame(*_tabulate(rules, layer, rows, today), [r["geom"] for r in rows])
    content = geodata.write(frame, cols, fmt, layer, encoding)
    return Download(content, filename, geodata.MEDIA_TYPES[fmt], len(rows))


def _xlsx(rules: Rules, layer: str, spec, rows: list[dict], today: dt.date,
          only, hazards: HazardFilter | None) -> bytes:
    if layer == "zones":
        records = (ledger.area_record(spec, r) + [r["grade"]] for r in rows)
        header = ledger.headers(spec, with_coordinates=False) + [GRADE_HEADER]
    elif layer == "cells":
        records = (ledger.area_record(spec, r) for r in rows)
        header = ledger.headers(spec, with_coordinates=False)
    elif layer == "hazards":
        records = (ledger.hazard_record(spec, rules, r) for r in rows)
        header = ledger.headers(spec, with_coordinates=False)
    else:
        records = (ledger.point_record(spec, r) for r in rows)
        header = ledger.headers(spec, with_coordinates=True)
    notes = [f"{access.label(rules, layer)}台账，导出于 {today.isoformat()}，共 {len(rows)} 行。",
             "表头为 geoapp 导入时读取的列名；未修改时重新导入不会改变任何数据。"]
    if layer in rules.layers:
        notes.append("经度、纬度为 WGS84；导入时用 --crs wgs84（默认）。")
    if layer == "zones":
        notes.append(f"{GRADE_HEADER}：最新一次评估的等级（无评估时按园区评分），导入时不读取。")
    if layer in ("cells", "zones"):
        notes.append("边界（面）不在表格中：导入边界请用 GeoPackage、GeoJSON 或 Shapefile 下载。")
    if only is not None:
        notes.append("范围：仅本账号负责的网格（" + "、".join(sorted(only)) + "）。")
    if hazards is not None and hazards.active:
        notes.append("已按筛选条件导出（部分隐患）；导入部分台账只更新其中的隐患。")
    return ledger.workbook(str(access.label(rules, layer)), header, records, notes)
