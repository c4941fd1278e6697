"""Reading boundary files (cells, zones): GeoJSON, zipped Shapefile, GeoPackage.

Every feature is checked and every problem collected before anything is
written. Geometry is reprojected to WGS84 on the way in: official data often
comes in CGCS2000 Gauss-Krüger zones (read from the file's .prj) and
coordinates copied from web maps in GCJ-02/BD-09 (named with ``--crs``).

Shapefiles from Chinese offices often carry a GBK attribute table and no .cpg;
GDAL would then decode it as Latin-1. We look at the .dbf's first records
(a sample, never the whole table): if they are not valid UTF-8 they are read
as GB18030 (a superset of GBK). Zips are checked against bombs first
(geoapp.ingest.filecheck).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely

from geoapp.domain import crs as crs_mod
from geoapp.domain.layers import TableFile
from geoapp.ingest import filecheck
from geoapp.ingest.ledger import CHINA_LAT, CHINA_LON, parse_records
from geoapp.ingest.problems import ImportRejected, Problem

POLYGONAL = {3, 6}  # shapely type ids: Polygon, MultiPolygon
SINGLE_LAYER = (".geojson", ".json", ".parquet")


def _dbf_encoding(read_head) -> str:
    """The encoding of a .dbf without a .cpg, from its header and a sample of records.

    ``read_head(n)`` returns up to n bytes: only those are read (never the
    whole table, which may inflate to gigabytes from a small zip).
    """
    head = read_head(32)
    header_len = int.from_bytes(head[8:10], "little")  # at most 65535
    head += read_head(max(header_len - 32, 0) + filecheck.ENCODING_SAMPLE)
    return filecheck.dbf_encoding(head, truncated=len(head) >= header_len
                                  + filecheck.ENCODING_SAMPLE)


def _open(path: Path) -> tuple[str, dict]:
    """The GDAL path and read options for a boundary file."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with filecheck.check_zip(path) as zf:
            names = zf.namelist()
            shps = [n for n in names if n.lower().endswith(".shp")]
            if len(shps) != 1:
                why = f"压缩包中应有且仅有一个 .shp 文件（找到 {len(shps)} 个）"
                raise ImportRejected(path, [Problem(None, None, why)])
            stem = shps[0][:-4]
            has_cpg = any(n.lower() == f"{stem}.cpg".lower() for n in names)
            dbf = next((n for n in names if n.lower() == f"{stem}.dbf".lower()), None)
            options = {}
            if dbf and not has_cpg:
                with zf.open(dbf) as fh:
                    options["encoding"] = _dbf_encoding(fh.read)
        return f"/vsizip/{path.resolve()}/{shps[0]}", options
    if suffix == ".shp":
        cpg = path.with_suffix(".cpg")
        dbf = path.with_suffix(".dbf")
        options = {}
        if dbf.exists() and not cpg.exists():
            with dbf.open("rb") as fh:
                options["encoding"] = _dbf_encoding(fh.read)
        return str(path), options
    if suffix in (".geojson", ".json", ".gpkg", ".parquet"):
        return str(path), {}
    why = (f"不支持的边界格式 {suffix}"
           "（GeoJSON、Shapefile 压缩包 .zip、GeoPackage、GeoParquet .parquet）")
    raise ImportRejected(path, [Problem(None, None, why)])


def _choose_layer(path: Path, source: str, layer: str | None) -> str | None:
    """The layer to read: the one named, or the file's only one.

    A GeoPackage may hold several layers (a draft and the full grid); reading
    the first one silently would replace the grid with the draft. GeoJSON and
    GeoParquet hold one layer: not asking saves GDAL parsing a large GeoJSON twice.
    """
    if layer is None and path.suffix.lower() in SINGLE_LAYER:
        return None
    try:
        names = [str(n) for n in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # GDAL says why: truncated file, not a dataset…
        raise ImportRejected(path, [Problem(None, None, f"无法读取：{exc}")]) from None
    listed = "、".join(names)
    if layer is not None:
        if layer not in names:
            why = f"文件中没有图层“{layer}”（有：{listed}）"
            raise ImportRejected(path, [Problem(None, "--layer", why)])
        return layer
    if len(names) > 1:
        why = (f"文件中有 {len(names)} 个图层（{listed}），请指定要导入的一个"
               "（命令行：--layer 图层名）")
        raise ImportRejected(path, [Problem(None, "--layer", why)])
    return None


def read_boundaries(
    path: str | Path, spec: TableFile, crs: str | None = None, layer: str | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Validated boundaries in WGS84 with typed attributes, and notes for the user.

    ``layer`` names the layer of a file holding several (a GeoPackage); such a
    file without it is refused. Raises ImportRejected listing every problem
    (feature number, column, reason). Returned columns: the spec's field names,
    ``_key``, ``_row`` and ``geometry`` (always MultiPolygon).
    """
    path = Path(path)
    filecheck.require_file(path)
    source, options = _open(path)
    layer = _choose_layer(path, source, layer)
    try:
        if path.suffix.lower() == ".parquet":
            frame = gpd.read_parquet(path)
        else:
            frame = pyogrio.read_dataframe(source, layer=layer, **options)
    except Exception as exc:  # GDAL says why: truncated file, not a dataset…
        raise ImportRejected(path, [Problem(None, None, f"无法读取：{exc}")]) from None
    if frame.empty:
        raise ImportRejected(path, [Problem(None, None, "文件中没有任何要素")])
    notes = []
    if layer is not None:
        notes.append(f"图层：{layer}")
    if "encoding" in options:
        notes.append(f"属性表无 .cpg，按 {options['encoding']} 解码")

    attrs = pd.DataFrame({c: _attribute_text(frame[c]) for c in frame.columns
                          if c != frame.geometry.name})
    records, problems = parse_records(attrs, spec, first_row=1)
    if not records and problems:
        raise ImportRejected(path, problems)

    geoms, crs_notes, crs_problems = _to_wgs84(frame, crs)
    notes += crs_notes
    problems += crs_problems
    if crs_problems:
        raise ImportRejected(path, problems)

    fixed = _as_multipolygons(geoms)
    for i in np.flatnonzero(pd.isna(fixed)):  # only features that are not plainly fine
        result, problem, repaired = _polygonal(geoms[i])
        if problem:
            problems.append(Problem(i + 1, "几何", problem))
        elif repaired:
            notes.append(f"第 {i + 1} 个要素的多边形无效，已自动修复")
        fixed[i] = result
    if problems:
        raise ImportRejected(path, problems)

    # object columns: a missing number stays None (a float column would turn it into NaN,
    # which PostgreSQL stores as NaN where SQLite stores NULL)
    out = gpd.GeoDataFrame(pd.DataFrame(records, dtype=object), geometry=fixed, crs=4326)
    return out, notes


def _attribute_text(column: pd.Series) -> pd.Series:
    """An attribute column as stripped text, "" where missing (a text column at once)."""
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        return column.str.strip().fillna("").astype(object)
    column = column.astype(object).where(column.notna(), "")
    return column.map(lambda v: "" if v is None else str(v).strip()).astype(object)


def _to_wgs84(frame: gpd.GeoDataFrame, crs: str | None):
    """Geometry in WGS84, with a note saying which CRS was used."""
    notes, problems = [], []
    geoms = np.asarray(frame.geometry.values)
    file_crs = frame.crs
    if crs is not None:
        try:
            chosen = crs_mod.parse_crs(crs)
        except ValueError as exc:
            return geoms, notes, [Problem(None, "--crs", str(exc))]
        if chosen.code.startswith("EPSG:"):
            # --crs overrides whatever the file declares
            geoms = np.asarray(gpd.GeoSeries(geoms, crs=file_crs)
                               .set_crs(chosen.code, allow_override=True).to_crs(4326).values)
        else:
            geoms = crs_mod.geometries_to_wgs84(geoms, chosen)
        notes.append(f"坐标系：{chosen.label}（按 --crs 指定）")
    elif file_crs is not None:
        if file_crs.equals(pyproj.CRS.from_epsg(4326)):
            notes.append("坐标系：WGS84（读自文件）")
        else:
            geoms = np.asarray(frame.geometry.to_crs(4326).values)
            notes.append(f"坐标系：{file_crs.name}（读自文件），已转换为 WGS84")
    else:
        notes.append("文件未声明坐标系，按 WGS84 经纬度读取")
    # Projected metres read as degrees, or a wrong --crs, land far outside China.
    xy = shapely.get_coordinates(geoms)
    if len(xy):
        lon_ok = (xy[:, 0] >= CHINA_LON[0]) & (xy[:, 0] <= CHINA_LON[1])
        lat_ok = (xy[:, 1] >= CHINA_LAT[0]) & (xy[:, 1] <= CHINA_LAT[1])
        if not (lon_ok & lat_ok).all():
            x, y = xy[~(lon_ok & lat_ok)][0]
            problems.append(Problem(None, "几何", f"坐标 ({x:.6g}, {y:.6g}) 不在中国范围内："
                                    "文件坐标系不明时请用 --crs 指定（如 EPSG:4549）"))
    return geoms, notes, problems


def _as_multipolygons(geoms: np.ndarray) -> np.ndarray:
    """Each valid (Multi)Polygon as a MultiPolygon, checked all at once; None for the rest."""
    types = shapely.get_type_id(geoms)
    fine = np.isin(types, list(POLYGONAL)) & ~shapely.is_empty(geoms)
    fine[fine] = shapely.is_valid(geoms[fine])
    out = np.full(len(geoms), None, dtype=object)
    out[fine] = geoms[fine]
    single = np.flatnonzero(fine & (types == 3))
    if len(single):
        out[single] = shapely.multipolygons(geoms[single], indices=np.arange(len(single)))
    return out


def _polygonal(geom):
    """(MultiPolygon, problem, repaired) for one feature's geometry."""
    if geom is None or shapely.is_empty(geom):
        return None, "几何为空", False
    if shapely.get_type_id(geom) not in POLYGONAL:
        return None, f"应为面（Polygon/MultiPolygon），而不是 {geom.geom_type}", False
    repaired = False
    if not shapely.is_valid(geom):
        why = shapely.is_valid_reason(geom)
        fixed = shapely.make_valid(geom)
        parts = [p for p in shapely.get_parts(fixed) if shapely.get_type_id(p) in POLYGONAL]
        polys = shapely.get_parts(shapely.multipolygons(parts)) if parts else []
        if len(polys) == 0 or shapely.area(shapely.multipolygons(polys)) == 0:
            return None, f"多边形无效且无法修复（{why}）", False
        geom = shapely.multipolygons(list(polys))
        repaired = True
    if shapely.get_type_id(geom) == 3:
        geom = shapely.multipolygons([geom])
    return geom, None, repaired
