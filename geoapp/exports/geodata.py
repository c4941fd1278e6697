"""Cells, zones, points and hazards as GIS files: GeoPackage, GeoJSON, zipped Shapefile.

WGS84 (EPSG:4326) longitude/latitude, geometry as stored. Attributes: the
ledger's fields under the importer's Chinese labels (so a cells or zones file
imports back with `geoapp import cells|zones` unchanged), in the ledger's
forms (是/否, 、-joined choices, YYYY-MM-DD dates), then the figures under
ASCII names (``risk_level``, ``points_<layer>``, ``hazards_open``…; see FIGURES).

A Shapefile's .dbf holds at most 10 *bytes* per field name, and old desktop
GIS reads it in the system code page (GBK on Chinese Windows), ignoring a
.cpg. So the zip has a .cpg (``UTF-8``, or ``936`` with ``encoding=gbk``),
and every name is chosen on purpose, never truncated by GDAL:

* a ledger field: the first of its label, code name and aliases
  (``layers/*.toml``) that fits in 10 bytes in the file's encoding and is not
  taken, so the importer still recognises it (网格编码 is 12 bytes in UTF-8:
  ``code``; in GBK 8 bytes: 网格编码); failing that, its code name cut to 10;
* a figure: its short name in SHAPEFILE_NAMES (``hazards_overdue`` →
  ``hz_overdue``), ``points_<layer>`` → ``n_`` + the layer's first 8 letters;
* a name taken twice gets a digit at its end.

The zip also holds 字段对照.csv (UTF-8 with BOM): short name, full name, meaning.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geoapp.domain import workflow
from geoapp.domain.layers import FieldSpec, Rules, TableFile
from geoapp.exports.ledger import area_record, hazard_record, point_record

# figure columns (every format) and what they mean (the Shapefile's 字段对照.csv, README)
FIGURES = {
    "grade": "安全风险等级（A–D，最新评估；无评估时按园区评分）",
    "risk_level": "四色风险等级代码（red/orange/yellow/blue）",
    "risk_label": "四色风险等级（重大/较大/一般/低）",
    "inherent_level": "固有风险等级（未计重大隐患升级）",
    "hazards_total": "隐患总数", "hazards_open": "未销号隐患", "hazards_overdue": "逾期隐患",
    "hazards_major_open": "未销号重大隐患", "hazards_listed_open": "挂牌督办未销号隐患",
    "rectification_rate": "整改率（已销号/总数）", "stock_open": "存量未销号",
    "increment_open": "增量未销号",
    "cell_code": "所在网格编码", "zone_codes": "所在功能区编码（、分隔）",
    "outside": "不在任何网格内", "nearest_cell_code": "最近网格编码（网格外点位）",
    "distance_m": "到最近网格距离（米）", "last_visit_on": "最近巡查日期",
    "point_name": "点位名称", "village": "村社区", "town": "镇街道",
    "overdue": "是否逾期", "original_deadline": "最初整改期限（延期前）",
}
SHAPEFILE_NAMES = {
    "inherent_level": "inh_level", "hazards_total": "hz_total", "hazards_open": "hz_open",
    "hazards_overdue": "hz_overdue", "hazards_major_open": "hz_major",
    "hazards_listed_open": "hz_listed", "rectification_rate": "rect_rate",
    "increment_open": "incr_open", "nearest_cell_code": "near_cell",
    "last_visit_on": "last_visit", "original_deadline": "orig_dline",
}
ENCODINGS = {"utf-8": ("UTF-8", "UTF-8"), "gbk": ("CP936", "936")}  # GDAL's name, .cpg text
MEDIA_TYPES = {"gpkg": "application/geopackage+sqlite3", "geojson": "application/geo+json",
               "shp": "application/zip"}
_SUFFIX = {"gpkg": ".gpkg", "geojson": ".geojson", "shp": ".shp.zip"}


@dataclass(frozen=True)
class Column:
    name: str  # in GeoPackage and GeoJSON
    meaning: str
    field: FieldSpec | None = None  # a ledger field (its headers are the Shapefile's choices)


def _figure_cols(names) -> list[Column]:
    return [Column(n, FIGURES[n]) for n in names]


def _hazard_figures(h: dict) -> dict:
    return {"hazards_total": h["total"], "hazards_open": h["open"],
            "hazards_overdue": h["overdue"], "hazards_major_open": h["major_open"],
            "hazards_listed_open": h["listed_open"],
            "rectification_rate": h["rectification_rate"],
            "stock_open": h["stock"]["open"], "increment_open": h["increment"]["open"]}


_AREA_FIGURES = ("risk_level", "risk_label", "hazards_total", "hazards_open", "hazards_overdue",
                 "hazards_major_open", "hazards_listed_open", "rectification_rate",
                 "stock_open", "increment_open")


# figures written as floating-point numbers in every format (the others as they come)
FLOAT_FIGURES = ("rectification_rate", "distance_m")


def area_table(spec: TableFile, rules: Rules, rows: list[dict]) -> tuple[list[Column], list]:
    """Cells or zones: the importer's fields, (a zone's) grade in force, level, points per
    layer, hazard figures; as columns and records (a dict per row, by column name), before
    typing."""
    labels = {lv.code: lv.label for lv in rules.risk.levels}
    graded = ("grade",) if spec.table == "zone" else ()
    cols = ([Column(f.label, f.label, f) for f in spec.fields]
            + _figure_cols(graded + _AREA_FIGURES)
            + [Column(f"points_{code}", f"{layer.label}数")
               for code, layer in rules.layers.items()])
    records = []
    for row in rows:
        rec = dict(zip((c.name for c in cols), area_record(spec, row), strict=False))
        if graded:
            rec["grade"] = row["grade"]
        rec.update(risk_level=row["risk_level"], risk_label=labels.get(row["risk_level"]),
                   **_hazard_figures(row["hazards"]),
                   **{f"points_{k}": row["counts"].get(k, 0) for k in rules.layers})
        records.append(rec)
    return cols, records


_POINT_FIGURES = ("cell_code", "zone_codes", "outside", "nearest_cell_code", "distance_m",
                  "inherent_level", "risk_level", "risk_label", "last_visit_on",
                  "hazards_total", "hazards_open", "hazards_overdue", "hazards_major_open")


def point_table(spec: TableFile, rules: Rules, rows: list[dict]) -> tuple[list[Column], list]:
    """One point layer: its ledger fields, where it lies, its levels and hazard figures (values
    the importer derives and stores beside the fields, a major hazard's S and α, follow
    under their code names); as columns and records (a dict per row, by column name),
    before typing."""
    labels = {lv.code: lv.label for lv in rules.risk.levels}
    names = {f.name for f in spec.fields}
    derived = sorted({k for r in rows for k in r["attrs"] if k not in names})
    cols = ([Column(f.label, f.label, f) for f in spec.fields] + _figure_cols(_POINT_FIGURES)
            + [Column(k, k) for k in derived])
    records = []
    for row in rows:
        values = point_record(spec, row)[:len(spec.fields)]
        rec = dict(zip((c.name for c in cols), values, strict=False))
        rec.update(cell_code=row["cell_code"], zone_codes="、".join(row["zone_codes"]) or None,
                   outside=bool(row["outside"]), nearest_cell_code=row["nearest_cell_code"],
                   distance_m=row["distance_m"], inherent_level=row["inherent_level"],
                   risk_level=row["risk_level"], risk_label=labels.get(row["risk_level"]),
                   last_visit_on=row["last_visit_on"],
                   **{k: v for k, v in _hazard_figures(row["hazards"]).items()
                      if k in _POINT_FIGURES},
                   **{k: row["attrs"].get(k) for k in derived})
        records.append(rec)
    return cols, records


def hazard_table(spec: TableFile, rules: Rules, rows: list[dict],
                 today: dt.date) -> tuple[list[Column], list]:
    """Hazards as points at their point: the ledger's fields, place, overdue, first deadline;
    as columns and records (a dict per row, by column name), before typing."""
    cols = [Column(f.label, f.label, f) for f in spec.fields] + _figure_cols(
        ("point_name", "cell_code", "village", "town", "overdue", "original_deadline"))
    records = []
    for row in rows:
        rec = dict(zip((c.name for c in cols), hazard_record(spec, rules, row), strict=False))
        rec.update(point_name=row["point_name"], cell_code=row["cell_code"],
                   village=row["village"], town=row["town"],
                   overdue=workflow.is_overdue(row["state"], row["deadline"], today),
                   original_deadline=row["original_deadline"] or row["deadline"])
        records.append(rec)
    return cols, records


def frame(cols: list[Column], records: list[dict], geoms) -> tuple[gpd.GeoDataFrame, list]:
    """Typed columns: whole numbers as nullable integers, dates as text, the rest as given."""
    data = {}
    for c in cols:
        values = [r.get(c.name) for r in records]
        values = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
        kind = c.field.type if c.field is not None else None
        if kind == "int" or (kind is None and values and all(
                isinstance(v, int) and not isinstance(v, bool) for v in values)):
            data[c.name] = pd.array(values, dtype="Int64")
        elif kind == "float" or c.name in FLOAT_FIGURES:
            data[c.name] = pd.array([float("nan") if v is None else float(v) for v in values],
                                    dtype="float64")
        elif values and all(isinstance(v, bool) for v in values):
            data[c.name] = pd.array(values, dtype="bool")
        else:
            data[c.name] = pd.array(values, dtype=object)
    typed = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(list(geoms), crs=4326), crs=4326)
    return typed, cols


def shapefile_names(cols: list[Column], encoding: str) -> dict[str, str]:
    """Column → its ≤10-byte .dbf name in ``encoding`` (python's name), chosen as the module says.

    Examples
    --------
    >>> from geoapp.domain.layers import FieldSpec
    >>> code = FieldSpec(name="code", label="网格编码", aliases=("WGBM",), type="str")
    >>> cols = [Column("网格编码", "", code), Column("hazards_overdue", "")]
    >>> shapefile_names(cols, "utf-8"), shapefile_names(cols, "gbk")["网格编码"]
    ({'网格编码': 'code', 'hazards_overdue': 'hz_overdue'}, '网格编码')
    """
    def fits(name: str) -> bool:
        return len(name.encode(encoding)) <= 10

    taken: set[str] = set()
    out = {}
    for c in cols:
        if c.field is not None:
            choices = [h for h in c.field.headers() if fits(h)] or [c.field.name[:10]]
        elif c.name.startswith("points_"):
            choices = ["n_" + c.name[len("points_"):][:8]]
        else:
            choices = [SHAPEFILE_NAMES.get(c.name, c.name[:10])]
        name = next((h for h in choices if h.lower() not in taken), choices[0])
        stem, n = name, 1
        while name.lower() in taken:
            name = f"{stem[:9]}{n}"
            n += 1
        taken.add(name.lower())
        out[c.name] = name
    return out


def write(frame: gpd.GeoDataFrame, cols: list[Column], fmt: str, layer: str,
          encoding: str = "utf-8") -> bytes:
    """The file's bytes: ``fmt`` one of gpkg, geojson, shp (a zip); ``layer`` names the layer."""
    with tempfile.TemporaryDirectory(prefix="geoapp-export-") as tmp:
        if fmt == "shp":
            return _shapefile_zip(frame, cols, Path(tmp), layer, encoding)
        path = Path(tmp) / f"{layer}{_SUFFIX[fmt]}"
        driver = {"gpkg": "GPKG", "geojson": "GeoJSON"}[fmt]
        pyogrio.write_dataframe(frame, path, layer=layer, driver=driver)
        return path.read_bytes()


def _shapefile_zip(frame, cols, tmp: Path, layer: str, encoding: str) -> bytes:
    gdal_name, cpg = ENCODINGS[encoding]
    names = shapefile_names(cols, "gbk" if encoding == "gbk" else "utf-8")
    pyogrio.write_dataframe(frame.rename(columns=names), tmp / f"{layer}.shp",
                            driver="ESRI Shapefile", encoding=gdal_name)
    (tmp / f"{layer}.cpg").write_text(cpg, encoding="ascii")  # whatever GDAL wrote
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["字段", "完整名称", "含义"])
    writer.writerows([names[c.name], c.name, c.meaning] for c in cols)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(tmp.iterdir()):
            zf.write(part, part.name)
        zf.writestr("字段对照.csv", "\ufeff" + table.getvalue())
    return out.getvalue()
