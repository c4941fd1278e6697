"""Benchmark: the whole ``geoapp assign`` command against geopandas doing the same.

Not a timed test: run by hand, ``python bench/bench_assign_command.py [--points N]
[--cells N] [--format csv|parquet] [--profile FILE]``. Writes the synthetic cells
of bench_assign.py (Voronoi, ~100 vertices each) as GeoJSON and uniform random
points as a CSV ledger (``id, lon, lat``) to a temporary folder, then times, in
the same run and on the same files:

* ``geoapp assign --cells cells.geojson --points points.csv --out out.csv``,
  called in-process through its click command (read, check every row, join,
  nearest cell for points outside, write);
* the geopandas peer: ``pd.read_csv`` → ``gpd.points_from_xy`` →
  ``gpd.read_file`` (cells) → ``sjoin(predicate="within")`` → ``sjoin_nearest``
  in metres for the points outside → ``to_csv`` — the same answers, no checks.

Both run warm (their modules imported first). It prints both figures, the
ratio, the load average, and checks that the two outputs give the same cell
to every point not on a shared edge and the same nearest cell (and distance
within 1 m) to every point outside; it exits non-zero if not.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_assign import make_cells, make_points  # noqa: E402

from geoapp.cli import main as geoapp_main  # noqa: E402
from geoapp.domain.crs import metric_crs  # noqa: E402
from geoapp.ingest import batch  # noqa: E402, F401  (imported before timing, like geopandas)


def write_inputs(folder: Path, n_points: int, n_cells: int, vertices: int, seed: int,
                 fmt: str) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    cells = make_cells(n_cells, vertices, rng)
    xy = shapely.get_coordinates(make_points(n_points, rng).values)
    ledger = pd.DataFrame({"id": [f"P{i:07d}" for i in range(n_points)],
                           "lon": np.round(xy[:, 0], 7), "lat": np.round(xy[:, 1], 7)})
    if fmt == "parquet":
        cells_path, points_path = folder / "cells.parquet", folder / "points.parquet"
        cells.to_parquet(cells_path)
        gpd.GeoDataFrame(ledger, geometry=gpd.points_from_xy(ledger.lon, ledger.lat),
                         crs=4326).to_parquet(points_path)
    else:
        cells_path, points_path = folder / "cells.geojson", folder / "points.csv"
        cells.to_file(cells_path, driver="GeoJSON")
        ledger.to_csv(points_path, index=False)
    return cells_path, points_path


def run_geoapp(cells_path: Path, points_path: Path, out: Path) -> None:
    geoapp_main(["assign", "--cells", str(cells_path), "--points", str(points_path),
                 "--out", str(out)], standalone_mode=False)


def run_peer(cells_path: Path, points_path: Path, out: Path) -> None:
    """What a geopandas user writes for the same answers (no row checks)."""
    if points_path.suffix == ".parquet":
        points = gpd.read_parquet(points_path)
        cells = gpd.read_parquet(cells_path)[["code", "geometry"]]
    else:
        frame = pd.read_csv(points_path)
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat),
                                  crs=4326)
        cells = gpd.read_file(cells_path)[["code", "geometry"]]
    joined = gpd.sjoin(points, cells, how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]  # a point on a shared edge: keep one
    outside = joined["code"].isna()
    metric = metric_crs(points.geometry.x, points.geometry.y)
    near = gpd.sjoin_nearest(points.loc[outside, ["geometry"]].to_crs(metric),
                             cells.to_crs(metric), distance_col="distance_m")
    near = near[~near.index.duplicated()]
    result = pd.DataFrame({
        "point_id": points["id"], "cell_code": joined["code"], "outside": outside,
        "nearest_cell_code": near["code"].reindex(points.index),
        "distance_m": near["distance_m"].reindex(points.index).fillna(0).round(1),
        "lon": points.geometry.x, "lat": points.geometry.y,
    })
    result.to_csv(out, index=False)


def timed(fn) -> tuple[float, float]:
    """Wall-clock seconds, and CPU seconds of all the process's threads.

    On a shared machine the wall clock depends on the others' load; the CPU
    seconds say how much work each side did (geoapp's is spread over two cores).
    """
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def compare(ours_path: Path, peer_path: Path) -> tuple[bool, str]:
    """Same cell where the peer found exactly one, same nearest cell and distance outside."""
    ours = (pd.read_parquet(ours_path) if ours_path.suffix == ".parquet"
            else pd.read_csv(ours_path, dtype={"point_id": str}, keep_default_na=False))
    peer = pd.read_csv(peer_path, dtype={"point_id": str}, keep_default_na=False)
    ours, peer = ours.set_index("point_id"), peer.set_index("point_id")
    if len(ours) != len(peer) or not ours.index.equals(peer.index):
        return False, "different points"
    inside = peer["outside"].astype(str) == "False"
    same_cell = (ours.loc[inside, "cell_code"] == peer.loc[inside, "cell_code"])
    outside = ~inside
    same_near = (ours.loc[outside, "nearest_cell_code"] == peer.loc[outside, "nearest_cell_code"])
    close = (ours.loc[outside, "distance_m"].astype(float)
             - peer.loc[outside, "distance_m"].astype(float)).abs() <= 1.0
    # a point on the edge of two cells: sjoin keeps either, geoapp the lowest code
    edge = (~same_cell).sum()
    ok = bool(edge <= max(1, len(peer) // 100_000) and same_near.all() and close.all()
              and (ours["outside"].astype(str) == peer["outside"].astype(str)).all())
    return ok, (f"{int(same_cell.sum()):,} of {int(inside.sum()):,} inside points in the same "
                f"cell ({int(edge)} differ: shared edges), {int(same_near.sum()):,} of "
                f"{int(outside.sum()):,} outside with the same nearest cell, "
                f"{int(close.sum()):,} within 1 m")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--vertices", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--format", choices=("csv", "parquet"), default="csv",
                    help="csv: points CSV + cells GeoJSON; parquet: both GeoParquet")
    ap.add_argument("--profile", help="write a cProfile of geoapp's run to this file")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_assign_") as tmp:
        folder = Path(tmp)
        cells_path, points_path = write_inputs(folder, args.points, args.cells, args.vertices,
                                               args.seed, args.format)
        size = points_path.stat().st_size + cells_path.stat().st_size
        print(f"{args.points:,} points ({points_path.name}) × {args.cells:,} cells "
              f"({cells_path.name}), {size / 1e6:.1f} MB in; load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        ours_out, peer_out = folder / "ours.csv", folder / "peer.csv"
        t_peer, cpu_peer = timed(lambda: run_peer(cells_path, points_path, peer_out))
        if args.profile:
            profiler = cProfile.Profile()
            t_ours, cpu_ours = timed(lambda: profiler.runcall(run_geoapp, cells_path,
                                                              points_path, ours_out))
            profiler.dump_stats(args.profile)
        else:
            t_ours, cpu_ours = timed(lambda: run_geoapp(cells_path, points_path, ours_out))
        ok, detail = compare(ours_out, peer_out)
        print(f"geoapp assign (whole command)    {t_ours:7.2f} s   CPU {cpu_ours:6.2f} s")
        print(f"geopandas read→sjoin→nearest→csv {t_peer:7.2f} s   CPU {cpu_peer:6.2f} s")
        print(f"ratio geoapp / geopandas         {t_ours / t_peer:7.2f}       "
              f"{cpu_ours / cpu_peer:6.2f}   (< 1: geoapp faster)")
        print(f"agree: {ok} ({detail})")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if not ok:
            raise SystemExit("geoapp assign and the geopandas peer disagree")


if __name__ == "__main__":
    main()
