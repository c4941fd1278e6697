"""Writers: the cells GeoJSON, the zipped zone shapefile, the XLSX ledgers,
the GBK idle-site CSV and the demo.toml manifest, all byte-reproducible
(fixed timestamps inside every archive).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import shapely
from openpyxl.styles import Font
from shapely.geometry import mapping

from .app import wgs84_to_gcj02
from .common import AS_OF, COUNTY, FIXED_STAMP, METRIC, NOTE, Context, fmt_num
from .model import Site, World


def deterministic_zip(entries: list[tuple[str, bytes]], path: Path) -> None:
    """A zip with fixed timestamps and permissions, entries in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_STAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    path.write_bytes(buf.getvalue())


def write_geojson(world: World, path: Path) -> None:
    """RFC 7946 FeatureCollection, WGS84, one feature per line."""
    features = []
    for c in world.cells:
        features.append(json.dumps({"type": "Feature", "properties": c.props,
                                    "geometry": mapping(c.wgs)}, ensure_ascii=False))
    head = json.dumps(NOTE, ensure_ascii=False)
    text = ('{"type": "FeatureCollection", "说明": ' + head + ', "features": [\n'
            + ",\n".join(features) + "\n]}\n")
    path.write_text(text, encoding="utf-8")


def write_zones(world: World, path: Path) -> None:
    """Zipped ESRI Shapefile in EPSG:4549 with a GBK attribute table and no .cpg.

    That is how boundary files usually arrive from Chinese offices; the
    importer has to read the .prj and guess the encoding from the .dbf bytes.
    """
    zones = list(world.zones.values())
    frame = gpd.GeoDataFrame(
        {"GNQBM": [z.code for z in zones], "GNQMC": [z.name for z in zones],
         "LX": [z.kind for z in zones],
         "PF": [z.score if z.score is not None else np.nan for z in zones]},
        geometry=[shapely.set_precision(z.geom, 0.001) for z in zones], crs=METRIC)
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "zones.shp"
        frame.to_file(shp, driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
        parts = {}
        for ext in ("shp", "shx", "dbf", "prj"):
            parts[ext] = shp.with_suffix(f".{ext}").read_bytes()
    dbf = bytearray(parts["dbf"])
    # DBF header bytes 1–3 hold the date of last update (YY-1900, MM, DD): fix it.
    dbf[1:4] = bytes([FIXED_STAMP.year - 1900, FIXED_STAMP.month, FIXED_STAMP.day])
    parts["dbf"] = bytes(dbf)
    assert "示范化工园区（虚构）".encode("gbk") in parts["dbf"], "DBF is not GBK"
    deterministic_zip([(f"zones.{ext}", parts[ext]) for ext in ("shp", "shx", "dbf", "prj")],
                      path)


def write_xlsx(path: Path, sheet: str, headers: list[str], rows: list[dict],
               crs_note: str) -> None:
    """One data sheet (first, as the importer reads it) and a 说明 sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    for col, h in zip(ws.iter_cols(min_row=2), headers, strict=True):
        for cell in col:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        width = max([len(str(h)) * 2] + [len(str(c.value or "")) * 1.6 for c in col[:50]])
        ws.column_dimensions[col[0].column_letter if col else "A"].width = min(48, width + 2)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for line in (NOTE, crs_note, f"数据截至 {AS_OF.isoformat()}。"):
        notes.append([line])
    wb.properties.creator = "scripts/make_demo_data.py"
    wb.properties.title = f"{COUNTY}{sheet}（虚构示范数据）"
    wb.properties.created = FIXED_STAMP
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps 'modified' with the wall clock and the zip entries with
    # local time on save: rewrite both so reruns are byte-identical.
    stamp = FIXED_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = []
    with zipfile.ZipFile(buf) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            entries.append((info.filename, data))
    deterministic_zip(entries, path)


def write_idle_csv(path: Path, headers: list[str], sites: list[Site]) -> None:
    """GBK CSV with GCJ-02 coordinates, as exported by Chinese Excel after copying
    positions from 高德."""
    xy = np.array([s.lonlat for s in sites])
    glon, glat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers + ["经度", "纬度"])
    for s, lo, la in zip(sites, glon, glat, strict=True):
        values = [s.row[h] for h in headers]
        values = ["" if v is None else fmt_num(v) if isinstance(v, float) else v for v in values]
        writer.writerow(values + [f"{lo:.6f}", f"{la:.6f}"])
    path.write_bytes(buf.getvalue().encode("gbk"))

def point_rows(sites: list[Site], headers: list[str]) -> list[dict]:
    rows = []
    for s in sites:
        lon, lat = s.lonlat
        rows.append({**{h: s.row.get(h) for h in headers}, "经度": lon, "纬度": lat})
    return rows


MANIFEST = """\
# The bundled demo (synthetic 示范县（虚构）: 示范镇 and three more units), loaded in this
# order by geoapp.store.demo.
# Generated by scripts/make_demo_data.py.

[[files]]
kind = "cells"            # cells | zones | points | hazards
path = "boundaries/cells.geojson"

[[files]]
kind = "zones"
path = "boundaries/zones.zip"

[[files]]
kind = "points"
layer = "enterprise"
path = "enterprises.xlsx"
crs = "wgs84"

[[files]]
kind = "points"
layer = "idle_site"
path = "idle_sites.csv"
crs = "gcj02"

[[files]]
kind = "points"
layer = "confined_space"
path = "confined_spaces.xlsx"
crs = "wgs84"

[[files]]
kind = "points"
layer = "major_hazard"
path = "major_hazards.xlsx"
crs = "wgs84"

"""
HAZARDS_ENTRY = """
[[files]]
kind = "hazards"
path = "hazards.xlsx"
"""


def manifest(extra_layers) -> str:
    """demo.toml: the four first ledgers, then one XLSX per further point layer, then hazards."""
    entries = "".join(f'\n[[files]]\nkind = "points"\nlayer = "{layer}"\npath = "{layer}.xlsx"\n'
                      f'crs = "wgs84"\n' for layer in extra_layers)
    return MANIFEST + entries + HAZARDS_ENTRY


def write_all(ctx: Context, world, enterprises, idle, spaces, majors, hazards,
              places: dict[str, list[Site]]) -> None:
    """Every file of data/, into ctx.out. `world` has the cells and zones to write (the
    county: the township's cells first, then the other units'); `places` the further
    point layers' points by layer, each written as <layer>.xlsx."""
    out, labels_of = ctx.out, ctx.labels_of
    (out / "boundaries").mkdir(parents=True, exist_ok=True)
    write_geojson(world, out / "boundaries" / "cells.geojson")
    write_zones(world, out / "boundaries" / "zones.zip")
    wgs = "坐标系：WGS84 经纬度（EPSG:4326）。"
    h = labels_of("enterprise")
    write_xlsx(out / "enterprises.xlsx", "企业台账", h + ["经度", "纬度"],
               point_rows(enterprises, h), wgs)
    write_idle_csv(out / "idle_sites.csv", labels_of("idle_site"), idle)
    h = labels_of("confined_space")
    write_xlsx(out / "confined_spaces.xlsx", "有限空间台账", h + ["经度", "纬度"],
               point_rows(spaces, h), wgs)
    h = labels_of("major_hazard")
    write_xlsx(out / "major_hazards.xlsx", "重大危险源台账", h + ["经度", "纬度"],
               point_rows(majors, h), wgs + "R值、等级留空，由系统按危险物质计算。")
    for layer, sites in places.items():
        h = labels_of(layer)
        write_xlsx(out / f"{layer}.xlsx", f"{ctx.rules.layers[layer].label}台账",
                   h + ["经度", "纬度"], point_rows(sites, h), wgs)
    write_xlsx(out / "hazards.xlsx", "隐患台账", labels_of("hazard"), hazards,
               "隐患按点位类型和点位编号关联到点位。")
    (out / "demo.toml").write_text(manifest(places), encoding="utf-8")

