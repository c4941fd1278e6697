"""``geoapp assign --engine dask``: the same join, its points spread over a dask cluster.

The rules stay in geoapp.domain.spatial; this module only decides where each
point is joined, so that the answer per point cannot differ from in-process:

* **Points are partitioned spatially**: dask-geopandas' ``hilbert_distance``
  orders them along a Hilbert curve and ``set_index`` cuts the curve into N
  ranges, so each partition covers a compact patch of the territory.
* **Cells (and zones) are broadcast whole** to every worker, once
  (``Client.scatter(broadcast=True)``). A province's 10⁵ cells of ~100 vertices
  are ~200 MB in memory: far less than its 10⁷ points, and small enough for
  any worker. With every cell at hand, a point on a partition border — or on
  a cell edge that a border runs along — sees exactly the cells it sees
  in-process, and the shared-edge rule (lowest code) needs no overlap strips
  and no de-duplication across partitions. Each partition joins only the cells
  whose bounding box meets its own (a covering cell always does), so the
  spatial partitioning spares the work, not the answer.
* **Outside points in two steps**: their distances are measured in a transverse
  Mercator centred on the mean of *all* outside points (spatial.metric_for),
  so the workers first report which points are outside, the client computes
  that one CRS over them in their original order, and the workers then find
  each one's nearest cell among all cells with it.

The client reads and checks the files (geoapp.ingest.batch, as in-process),
ships lon/lat in N slices, gathers the answers and puts them back in file
order, so the file written is byte for byte the in-process one. The workers
import this module: they need ``geoapp[dask]`` installed, at the client's version.
"""

from __future__ import annotations

import contextlib
import math

import dask
import dask.dataframe as dd
import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from distributed import Client, LocalCluster

from geoapp.domain import spatial
from geoapp.ingest.problems import EngineError

# Points per partition when --partitions is not given: a partition's STRtree and
# answers stay well under a gigabyte, and every worker thread gets work.
_POINTS_PER_PARTITION = 1_000_000
_CRS = 4326  # geoapp.ingest.batch hands over WGS84 lon/lat


@contextlib.contextmanager
def connect(scheduler: str | None):
    """A client of the scheduler at ``scheduler``, or of a local cluster started for the run.

    The connection waits dask's ``distributed.comm.timeouts.connect`` (30 s
    unless configured) before giving up with one line.
    """
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, set_as_default=False)
        else:
            # one single-threaded process per core (parts of the join hold the GIL); its
            # status pages on a free port, since 8787 may be another cluster's
            cluster = LocalCluster(threads_per_worker=1, dashboard_address=":0")
            client = Client(cluster, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        if cluster is not None:
            cluster.close()
        where = scheduler or "local cluster"
        raise EngineError(f"无法连接 dask 调度器 / cannot reach the dask scheduler "
                          f"{where}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                          ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def assign(client: Client, lon: np.ndarray, lat: np.ndarray, cells: gpd.GeoDataFrame,
           zones: gpd.GeoDataFrame | None, partitions: int | None = None) -> pd.DataFrame:
    """spatial.assign's frame for the points (lon[i], lat[i]), computed on the cluster."""
    n = len(lon)
    # the same checks (CRS, codes, geometry types) and errors as in-process, before any work
    checked = spatial.assign(gpd.GeoSeries([], crs=_CRS), cells, zones)
    if n == 0:
        return checked
    threads = sum(client.nthreads().values()) or 1
    count = partitions or max(threads, math.ceil(n / _POINTS_PER_PARTITION))
    count = min(count, n)
    # keys of their own (hash=False): named by the data's hash, a second run on the same
    # cells scattered under the key the first run's futures were releasing, and the
    # scheduler, told to forget it, cancelled the new tasks ("lost dependencies")
    shared_cells, shared_zones = client.scatter([_with_bounds(cells), _with_bounds(zones)],
                                                broadcast=True, hash=False)
    parts = _hilbert_partitions(client, lon, lat, count)
    covered = client.map(_cover, parts, shared=shared_cells, zones=shared_zones, pure=False)
    outside = np.sort(np.concatenate(client.gather(client.map(_outside_positions, covered))))
    metric = (spatial.metric_for(gpd.GeoSeries(shapely.points(lon[outside], lat[outside]),
                                               crs=_CRS)) if len(outside) else None)
    resolved = client.map(_resolve_outside, covered, shared=shared_cells, metric=metric,
                          pure=False)
    result = pd.concat(client.gather(resolved)).sort_index()
    if not np.array_equal(result.index.to_numpy(), np.arange(n)):
        raise EngineError("dask 引擎丢失或重复了点 / the dask engine lost or repeated points")
    return result.set_axis(pd.RangeIndex(n))


def _with_bounds(frame: gpd.GeoDataFrame | None):
    """The frame and each feature's bounding box, computed once on the client."""
    if frame is None:
        return None
    return frame, shapely.bounds(np.asarray(frame.geometry.values))


def _hilbert_partitions(client: Client, lon, lat, count: int) -> list:
    """Futures of ``count`` DataFrames (pos, lon, lat), each a range of the Hilbert curve."""
    slices = np.array_split(np.arange(len(lon)), count)
    frames = client.scatter([pd.DataFrame({"pos": s, "lon": lon[s], "lat": lat[s]})
                             for s in slices], hash=False)  # keys of their own (see assign)
    plain = dd.from_delayed(frames, meta=pd.DataFrame({"pos": np.empty(0, np.int64),
                                                       "lon": np.empty(0), "lat": np.empty(0)}),
                            verify_meta=False)
    geo = dask_geopandas.from_dask_dataframe(
        plain, geometry=dask_geopandas.points_from_xy(plain, "lon", "lat", crs=_CRS))
    # the bounds are known here: no pass over the points to find them. Points on one
    # parallel or meridian (or a single point) would give a zero width, which the curve
    # divides by: any positive width orders them the same
    minx, miny, maxx, maxy = (float(v) for v in (lon.min(), lat.min(), lon.max(), lat.max()))
    bounds = (minx, miny, max(maxx, minx + 1e-6), max(maxy, miny + 1e-6))
    curve = plain.assign(hilbert=geo.hilbert_distance(total_bounds=bounds))
    # set_index samples the curve for its cut points while the graph is built: on this
    # client, not on whichever dask scheduler happens to be the process's default
    with dask.config.set(scheduler=client):
        return client.compute(curve.set_index("hilbert", npartitions=count).to_delayed())


def _cover(part: pd.DataFrame, shared, zones) -> pd.DataFrame:
    """On a worker: cell and zones of a partition's points, their nearest cell left for later."""
    points = gpd.GeoSeries(shapely.points(part["lon"].to_numpy(), part["lat"].to_numpy()),
                           index=part["pos"].to_numpy(), crs=_CRS)
    box = (part["lon"].min(), part["lat"].min(), part["lon"].max(), part["lat"].max())
    out = spatial.assign(points, _near(shared, box), _near(zones, box), nearest=False)
    out["lon"], out["lat"] = part["lon"].to_numpy(), part["lat"].to_numpy()
    return out


def _near(shared, box):
    """The features whose bounding box meets ``box``: every one that can cover a point in it.

    Kept in their order; the shared-edge rule compares codes, so a subset
    ranks the cells that cover a point exactly as the whole set does.
    """
    if shared is None:
        return None
    frame, bounds = shared
    minx, miny, maxx, maxy = box
    meets = ((bounds[:, 0] <= maxx) & (bounds[:, 2] >= minx)
             & (bounds[:, 1] <= maxy) & (bounds[:, 3] >= miny))
    return frame.iloc[np.flatnonzero(meets)]


def _outside_positions(covered: pd.DataFrame) -> np.ndarray:
    return covered.index.to_numpy()[covered["outside"].to_numpy()]


def _resolve_outside(covered: pd.DataFrame, shared, metric) -> pd.DataFrame:
    """On a worker: nearest cell among all cells, in the run's one metric CRS."""
    out = covered.drop(columns=["lon", "lat"])
    outside = out["outside"].to_numpy()
    if outside.any():
        points = gpd.GeoSeries(shapely.points(covered["lon"].to_numpy()[outside],
                                              covered["lat"].to_numpy()[outside]), crs=_CRS)
        codes, distance = spatial.nearest_cells(points, shared[0], metric)
        nearest = out["nearest_cell_code"].to_numpy(dtype=object, copy=True)
        nearest[outside] = codes
        dist = out["distance_m"].to_numpy(copy=True)
        dist[outside] = distance
        out["nearest_cell_code"] = pd.Series(nearest, index=out.index, dtype=object)
        out["distance_m"] = dist
    return out
