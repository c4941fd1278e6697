"""Benchmark: ``geoapp assign --engine dask`` against the in-process engine.

Not a timed test: run by hand, ``python bench/bench_assign_dask.py [--points N]
[--cells N] [--workers N] [--partitions N] [--verify-points N]``. Writes the
synthetic cells of bench_assign.py (Voronoi, ~100 vertices each) and uniform
random points (~2 % outside every cell) as GeoParquet to a temporary folder
(GeoJSON cells of a province would be half a gigabyte of text to parse), then
runs the whole command on the same files, each engine in a fresh process:

* ``geoapp assign --cells … --points … --out inprocess.csv``;
* ``geoapp assign --engine dask --scheduler tcp://… --out dask.csv`` against a
  ``distributed.LocalCluster`` of ``--workers`` single-threaded worker processes
  started beforehand (as an existing cluster would be; its start-up is printed
  apart).

It prints the wall time and the peak resident memory of each (the process's
``ru_maxrss``; for dask the client's plus every worker's, read on the workers
with ``Client.run``), dask's figures as ratios of the in-process ones, and
whether the two CSV files are the same bytes. With ``--verify-points N`` it
first does the same on N points (10⁶ by default) and stops if they differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _child(engine: str, cells: str, points: str, out: str, workers: int,
           partitions: int | None) -> None:
    """In a fresh process: run one engine on the files, print JSON figures."""
    from geoapp.cli import main as geoapp_main
    from geoapp.ingest import batch  # noqa: F401  (imported before timing)

    args = ["assign", "--cells", cells, "--points", points, "--out", out]
    figures = {}
    if engine == "inprocess":
        t0 = time.perf_counter()
        geoapp_main(args, standalone_mode=False)
        figures["seconds"] = time.perf_counter() - t0
        figures["peak_mb"] = _peak_mb()
    else:
        from distributed import Client, LocalCluster

        from geoapp.ingest import dask_engine  # noqa: F401

        t0 = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0", memory_limit=0) as cluster, \
                Client(cluster) as client:
            figures["cluster_start_s"] = time.perf_counter() - t0
            client.run(lambda: __import__("geoapp.ingest.dask_engine"))  # warm, as the client
            args += ["--engine", "dask", "--scheduler", cluster.scheduler_address]
            if partitions:
                args += ["--partitions", str(partitions)]
            t0 = time.perf_counter()
            geoapp_main(args, standalone_mode=False)
            figures["seconds"] = time.perf_counter() - t0
            worker_peaks = client.run(_peak_mb)
            figures["client_peak_mb"] = _peak_mb()
            figures["worker_peak_mb"] = sorted(worker_peaks.values())
            figures["peak_mb"] = figures["client_peak_mb"] + sum(worker_peaks.values())
    print(json.dumps(figures))


def _run(engine, cells, points, out, workers, partitions) -> dict:
    cmd = [sys.executable, __file__, "--child", engine, str(cells), str(points), str(out),
           "--workers", str(workers)]
    if partitions:
        cmd += ["--partitions", str(partitions)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{engine} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def compare_engines(folder: Path, n_points: int, n_cells: int, vertices: int, seed: int,
                    workers: int, partitions: int | None) -> bool:
    from bench_assign_command import write_inputs

    t0 = time.perf_counter()
    cells, points = write_inputs(folder, n_points, n_cells, vertices, seed, "parquet")
    print(f"\n{n_points:,} points × {n_cells:,} cells of ~{vertices} vertices (GeoParquet, "
          f"made in {time.perf_counter() - t0:.0f} s); {os.cpu_count()} cores, "
          f"{workers} dask workers; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    one = _run("inprocess", cells, points, folder / "inprocess.csv", workers, partitions)
    many = _run("dask", cells, points, folder / "dask.csv", workers, partitions)
    same = _digest(folder / "inprocess.csv") == _digest(folder / "dask.csv")
    print(f"in-process  {one['seconds']:8.1f} s   peak {one['peak_mb']:8.0f} MB")
    print(f"dask        {many['seconds']:8.1f} s   peak {many['peak_mb']:8.0f} MB "
          f"(client {many['client_peak_mb']:.0f} MB + workers "
          f"{' + '.join(f'{w:.0f}' for w in many['worker_peak_mb'])} MB; cluster started "
          f"in {many['cluster_start_s']:.1f} s, not counted)")
    print(f"ratio dask / in-process: time {many['seconds'] / one['seconds']:.2f}, "
          f"memory {many['peak_mb'] / one['peak_mb']:.2f}")
    print(f"same output file: {same} ({(folder / 'dask.csv').stat().st_size / 1e6:.0f} MB)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in ("inprocess.csv", "dask.csv", "points.parquet", "cells.parquet"):
        (folder / name).unlink()
    return same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--vertices", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--verify-points", type=int, default=1_000_000,
                    help="first check both engines write the same file on this many (0: skip)")
    ap.add_argument("--child", nargs=4, metavar=("ENGINE", "CELLS", "POINTS", "OUT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child, args.workers, args.partitions)
        return
    with tempfile.TemporaryDirectory(prefix="bench_assign_dask_") as tmp:
        if args.verify_points and not compare_engines(
                Path(tmp), args.verify_points, max(args.cells // 10, 1), args.vertices,
                args.seed, args.workers, args.partitions):
            raise SystemExit("the engines disagree")
        if not compare_engines(Path(tmp), args.points, args.cells, args.vertices, args.seed,
                               args.workers, args.partitions):
            raise SystemExit("the engines disagree")


if __name__ == "__main__":
    main()
