"""``geoapp assign`` on files: boundaries and points in, one row per point out.

No database: reads with the same validators as the importer, joins with
geoapp.domain.spatial.assign, writes ``point_id, cell_code, zone_codes, outside,
nearest_cell_code, distance_m, lon, lat`` (zone codes joined by ';', lon/lat in
WGS84) as a UTF-8 CSV, or as GeoParquet with the point geometry when the output
file ends in ``.parquet``. Points may be CSV/XLSX ledgers, GeoJSON, GeoPackage or
GeoParquet.

A million points are a million rows: every column is read, checked and written
whole (pyarrow, numpy); Python looks at single rows only to word a problem.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely

from geoapp.domain import crs as crs_mod
from geoapp.domain.layers import TableFile
from geoapp.domain.spatial import PointIndex, assign
from geoapp.ingest import csvtable, filecheck
from geoapp.ingest.boundaries import read_boundaries
from geoapp.ingest.ledger import coordinate_arrays, read_table
from geoapp.ingest.problems import EngineError, ImportRejected, Problem
from geoapp.memory import no_gc_pauses

# Enough of a boundary spec to read any file whose features carry a code.
_CODE_ONLY = TableFile(
    table="cell", label="边界", label_en="Boundary", key=("code",),
    fields=({"name": "code", "label": "code",
             "aliases": ("网格编码", "功能区编码", "GNQBM", "WGBM", "编码"), "type": "str",
             "required": True},),
)
ID_HEADERS = ("id", "point_id", "ID", "统一社会信用代码", "编号", "code")


def _point_ids(frame: pd.DataFrame) -> tuple[pd.Series, str] | None:
    """Each row's id: its first filled id column, in ID_HEADERS order, and the header(s).

    As the enterprise layer's key: the USCC where a row has one, else its 编号 (offices'
    ledgers carry the 编号 on a few rows only), so neither sparse column decides alone.
    """
    present = [c for c in ID_HEADERS if c in frame.columns]
    if not present:
        return None
    ids = pd.Series("", index=frame.index, dtype="str")
    for column in reversed(present):
        values = frame[column].astype("str").str.strip().fillna("")
        ids = ids.where(values == "", values)
    return ids, " / ".join(present)


def _read_points(path: Path, chosen) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Point ids and WGS84 lon/lat from GeoJSON/GeoPackage/GeoParquet or CSV/XLSX."""
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json", ".gpkg", ".parquet"):
        frame = _read_point_features(path)
        found = _point_ids(frame)
        ids = found[0] if found else pd.Series(np.arange(1, len(frame) + 1)).astype(str)
        if frame.crs is not None and not frame.crs.is_geographic:
            # projected file: its own .prj/crs member says how to get to WGS84
            xy = shapely.get_coordinates(np.asarray(frame.geometry.to_crs(4326).values))
            return ids, xy[:, 0], xy[:, 1]
        xy = shapely.get_coordinates(np.asarray(frame.geometry.values))
        x, y = xy[:, 0], xy[:, 1]
    else:
        frame = read_table(path)
        found = _point_ids(frame)
        x, y, problems = coordinate_arrays(frame, crs_mod.is_lonlat(chosen))
        if found is None:
            problems.insert(0, Problem(None, "id", "缺少点编号列（id / 编号 / 统一社会信用代码）"))
        else:
            ids, id_col = found
            problems += [Problem(int(i) + 2, id_col, "没有编号") for i in ids.index[ids == ""]]
            filled = ids[ids != ""]
            # a hash of the distinct ids answers "any repeated?" in half the time pandas
            # takes to mark each repeat; the marks are needed only to name the rows
            texts = pa.array(filled, type=pa.string(), from_pandas=True)
            if len(pc.unique(texts)) < len(texts):
                problems += [Problem(int(i) + 2, id_col, f"编号 {v} 重复")
                             for i, v in filled[filled.duplicated()].items()]
        if problems:
            raise ImportRejected(path, problems)
    lon, lat = crs_mod.to_wgs84_xy(x, y, chosen)
    return ids, lon, lat


def _as_points(lon: np.ndarray, lat: np.ndarray) -> gpd.GeoSeries:
    return gpd.GeoSeries(shapely.points(lon, lat), crs=4326)


def _read_point_features(path: Path) -> gpd.GeoDataFrame:
    """A GeoJSON, GeoPackage or GeoParquet file of points (and nothing else)."""
    filecheck.require_file(path)
    try:
        if path.suffix.lower() == ".parquet":
            frame = gpd.read_parquet(path)
        else:
            frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # not GeoParquet (no geo metadata), truncated, not a dataset…
        raise ImportRejected(path, [Problem(None, None, f"无法读取：{exc}")]) from None
    if len(frame) == 0 or (shapely.get_type_id(np.asarray(frame.geometry.values)) != 0).any():
        raise ImportRejected(path, [Problem(None, "几何", "点文件中应只有点（Point）")])
    return frame


ENGINES = ("inprocess", "dask")


def assign_files(cells_file, points_file, out_file, zones_file=None,
                 points_crs: str = "wgs84", cells_crs: str | None = None,
                 engine: str = "inprocess", scheduler: str | None = None,
                 partitions: int | None = None) -> dict:
    """Run the batch assignment; returns counts for the command's summary line.

    Bad input raises ImportRejected saying no output was written (there is no
    database here to leave unchanged); an engine that cannot run raises
    EngineError before any file is read. Both engines write the same file.
    """
    try:
        with _engine(engine, scheduler, partitions) as (join, in_process), no_gc_pauses():
            # a million shapely points and strings, none in a cycle
            return _assign_files(cells_file, points_file, out_file, zones_file, points_crs,
                                 cells_crs, join, in_process)
    except ImportRejected as exc:
        raise ImportRejected(exc.path, exc.problems, outcome=f"未写出 {out_file}") from None


@contextlib.contextmanager
def _engine(engine: str, scheduler: str | None, partitions: int | None):
    """The join to run, as ``join(lon, lat, index, cells, zones)`` → spatial.assign's frame,
    and whether it runs in this process (then ``index`` is the points' PointIndex, else None).

    The dask engine connects (or starts a local cluster) first, so a wrong
    address fails before a province's ledger is read.
    """
    if engine not in ENGINES:
        raise EngineError(f"--engine {engine}：可选 {' / '.join(ENGINES)} / "
                          f"choose one of {', '.join(ENGINES)}")
    if partitions is not None and partitions < 1:
        raise EngineError(f"--partitions {partitions}：至少为 1 / must be at least 1")
    if engine == "inprocess":
        if scheduler or partitions:
            raise EngineError("--scheduler / --partitions 仅用于 --engine dask / "
                              "only go with --engine dask")
        yield (lambda lon, lat, index, cells, zones: assign(index, cells, zones)), True
        return
    try:
        from geoapp.ingest import dask_engine
    except ImportError as exc:
        raise EngineError(f"--engine dask 需要 dask 组件 / needs the dask extra "
                          f"(pip install 'geoapp[dask]'): {exc}") from None
    with dask_engine.connect(scheduler) as client:
        yield (lambda lon, lat, index, cells, zones: dask_engine.assign(
            client, lon, lat, cells, zones, partitions)), False


def _assign_files(cells_file, points_file, out_file, zones_file, points_crs, cells_crs,
                  join, in_process: bool) -> dict:
    try:
        chosen = crs_mod.parse_crs(points_crs)
    except ValueError as exc:
        raise ImportRejected(points_file, [Problem(None, "--points-crs", str(exc))]) from None
    # The points are read on a second core while GDAL parses the boundaries (both let go
    # of the GIL); a problem in the boundaries is still reported first, as before.
    with ThreadPoolExecutor(1) as pool:
        reading_points = pool.submit(_read_points, Path(points_file), chosen)
        cells, _ = read_boundaries(cells_file, _CODE_ONLY, cells_crs)
        zones = read_boundaries(zones_file, _CODE_ONLY)[0] if zones_file else None
        ids, lon, lat = reading_points.result()
    # in process the join takes the coordinates as they are: no shapely Point is made
    # but for points outside every cell (and for GeoParquet output)
    index = PointIndex.from_xy(lon, lat, 4326) if in_process else None

    def points() -> gpd.GeoSeries:
        # the dask engine builds its points on the workers, and needs them here only
        # to write GeoParquet
        return index.points if index is not None else _as_points(lon, lat)

    result = join(lon, lat, index, cells[["code", "geometry"]],
                  zones[["code", "geometry"]] if zones is not None else None)
    outside = result["outside"].to_numpy()
    zone_codes = result["zone_codes"].to_numpy()
    columns = {
        "point_id": _text(ids),  # Arrow-backed already: no copy
        "cell_code": _text(result["cell_code"].to_numpy()),
        # a ledger without zones: one empty string repeated, not a million joins
        "zone_codes": (_text([";".join(z) for z in zone_codes]) if zones is not None
                       else pa.repeat(pa.scalar("", pa.string()), len(ids))),
        "outside": outside,
        "nearest_cell_code": _text(result["nearest_cell_code"].to_numpy()),
        # NaN (no cell at all) is left empty, as pandas wrote it
        "distance_m": pa.array(result["distance_m"].to_numpy().round(1), from_pandas=True),
        "lon": np.round(lon, 7),
        "lat": np.round(lat, 7),
    }
    _write(Path(out_file), columns, points)
    return {"points": len(ids), "inside": int((~outside).sum()), "outside": int(outside.sum()),
            "in_zones": int(sum(bool(z) for z in zone_codes)) if zones is not None else 0,
            "crs": chosen.label}


def _text(values) -> pa.Array:
    """A string column; None (no cell) stays empty."""
    return pa.array(values, type=pa.string(), from_pandas=True)


def _write(out: Path, columns: dict, points) -> None:
    """GeoParquet (the points as geometry) for ``.parquet``, else a UTF-8 CSV."""
    if out.suffix.lower() == ".parquet":
        frame = pa.table(columns).to_pandas()
        gpd.GeoDataFrame(frame, geometry=points().values, crs=4326).to_parquet(out)
        return
    # the CSV has always said True/False (pandas' words), not pyarrow's true/false
    columns["outside"] = pc.if_else(pa.array(columns["outside"]), "True", "False")
    csvtable.write_csv(out, columns)
