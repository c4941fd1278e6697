"""Benchmark: geoapp's spatial assignment against geopandas.sjoin (and DuckDB).

Not a timed test: run by hand, ``python bench/bench_assign.py [--points N]
[--cells N] [--vertices N]``. Builds synthetic cells (a Voronoi tessellation
densified to ~100 vertices per cell) and uniform random points, then times,
in the same run and on the same data:

* ``geoapp.domain.spatial.assign`` (cell + nearest cell for points outside);
* ``geopandas.sjoin(points, cells, predicate="within")`` — the peer;
* DuckDB spatial ``ST_Contains`` join, when the duckdb package and its spatial
  extension are available offline (skipped with a note otherwise).

It prints each figure and our time as a ratio of the peer's, and checks that
both give the same cell for every point not on a shared edge.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoapp.domain.spatial import assign


def make_cells(n_cells: int, vertices: int, rng) -> gpd.GeoDataFrame:
    # ~1 degree square near 120E 31N; Voronoi cells have ~6 edges, so each
    # edge is segmentized until the cell has about `vertices` vertices.
    seeds = shapely.points(rng.uniform(120, 121, n_cells), rng.uniform(31, 32, n_cells))
    frame = shapely.box(120, 31, 121, 32)
    cells = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds))), frame
    )
    perimeter = shapely.length(cells)
    cells = np.array(
        [shapely.segmentize(c, p / vertices) for c, p in zip(cells, perimeter, strict=True)]
    )
    codes = [f"C{i:05d}" for i in range(len(cells))]
    return gpd.GeoDataFrame({"code": codes}, geometry=cells, crs=4326)


def make_points(n_points: int, rng) -> gpd.GeoSeries:
    # ~2 % of the points fall outside the tessellation, as in boundary strips
    x = rng.uniform(119.995, 121.005, n_points)
    y = rng.uniform(30.995, 32.005, n_points)
    return gpd.GeoSeries(shapely.points(x, y), crs=4326)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _load_duckdb_spatial(con) -> str | None:
    """Load DuckDB's spatial extension offline; None when loaded, else why not.

    The extension is normally downloaded on first use; the duckdb-ext-spatial
    package on PyPI ships the binary for one DuckDB release instead.
    """
    import glob
    import os

    import duckdb

    try:
        import duckdb_ext  # noqa: F401  (namespace of the duckdb-ext-* packages)
    except ImportError:
        return "pip install 'geoapp[bench]' (duckdb-ext-spatial ships the extension)"
    pattern = os.path.join(os.path.dirname(duckdb_ext.__path__[0]), "duckdb_ext", "extensions",
                           f"v{duckdb.__version__}", "*", "spatial.duckdb_extension")
    found = glob.glob(pattern)
    if not found:
        return f"no spatial extension for DuckDB {duckdb.__version__} in duckdb-ext-spatial"
    con.execute(f"LOAD '{found[0]}'")
    return None


def run_duckdb(cells, points):
    try:
        import duckdb
    except ImportError:
        return None, "duckdb not installed (pip install 'geoapp[bench]')"
    con = duckdb.connect()
    why = _load_duckdb_spatial(con)
    if why:
        return None, why
    wkb = shapely.to_wkb(cells.geometry.values)
    con.register("c_wkb", pd.DataFrame({"code": cells["code"], "wkb": wkb}))
    xy = shapely.get_coordinates(points.values)
    con.register("p", pd.DataFrame({"id": np.arange(len(xy)), "x": xy[:, 0], "y": xy[:, 1]}))
    con.execute("CREATE TABLE cells AS SELECT code, ST_GeomFromWKB(wkb) AS g FROM c_wkb")
    con.execute("CREATE TABLE pts AS SELECT id, ST_Point(x, y) AS g FROM p")
    t, _ = timed(
        lambda: con.execute(
            "SELECT p.id, c.code FROM pts p JOIN cells c ON ST_Contains(c.g, p.g)"
        ).fetchall()
    )
    return t, None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--cells", type=int, default=10_000)
    ap.add_argument("--vertices", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-duckdb", action="store_true")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    cells = make_cells(args.cells, args.vertices, rng)
    points = make_points(args.points, rng)
    nv = shapely.get_num_coordinates(cells.geometry.values).mean()
    print(f"{len(points):,} points × {len(cells):,} cells ({nv:.0f} vertices per cell on average)")

    t_ours, ours = timed(lambda: assign(points, cells))
    t_sjoin, peer = timed(
        lambda: gpd.sjoin(gpd.GeoDataFrame(geometry=points), cells, predicate="within")
    )
    # agreement: every point sjoin puts in exactly one cell gets that cell from us
    single = peer.index.value_counts()
    single = single[single == 1].index
    agree = (ours.loc[single, "cell_code"].to_numpy() == peer.loc[single, "code"].to_numpy()).all()
    print(f"geoapp assign      {t_ours:7.2f} s   ({ours['outside'].sum():,} outside, "
          "nearest cell + metres computed for them)")
    print(f"geopandas.sjoin    {t_sjoin:7.2f} s   (cell only)")
    print(f"ratio ours / sjoin {t_ours / t_sjoin:7.2f}   (< 1 means geoapp is faster)")
    print(f"same cell as sjoin for all {len(single):,} unambiguous points: {bool(agree)}")
    if not args.no_duckdb:
        t_duck, why = run_duckdb(cells, points)
        if t_duck is None:
            print(f"duckdb spatial     skipped: {why}")
        else:
            print(f"duckdb spatial     {t_duck:7.2f} s   ratio ours / duckdb {t_ours / t_duck:.2f}")
    if not agree:
        raise SystemExit("assignment disagrees with geopandas.sjoin")


if __name__ == "__main__":
    main()
