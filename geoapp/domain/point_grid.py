"""Which points lie in which polygons' envelopes, from the points' coordinates alone.

The join (geoapp.domain.spatial) tests each point only against the polygons whose
envelope (bounding box) holds it. An STRtree over a million points needs a shapely
Point for each and a tree built over them, most of the join's work. Here the points
stay two float arrays: they are sorted once by the bucket of a grid they fall in,
the grid sized on the polygons (a quarter of their median envelope, so a typical
envelope covers a few buckets); the buckets of one grid row that an envelope spans
are one run of the sorted points, so each polygon yields a few runs, and the points
in them are kept when they lie inside its envelope (``EnvelopeRuns.pairs``, on slices
of the runs: in threads). The pairs are those an STRtree query by envelope gives, in
another order.

Polygons of very uneven size, or points piled into few buckets, can make the runs
hold far more points than the envelopes do; past a budget of a few pairs per point
``envelope_runs`` gives up (returns None) and the caller uses the tree.
"""

from __future__ import annotations

import numpy as np

# buckets per median envelope side: finer means fewer points outside the envelope in
# each run, and more runs (one per bucket row an envelope spans)
_PER_ENVELOPE = 4
# pairs (and runs) allowed per point before the tree is the better tool; the
# envelopes of a partition of the plane hold a point 1.5 to 2 times on average
_BUDGET_PER_POINT = 8


class EnvelopeRuns:
    """The points sorted by bucket, and per polygon the runs of them its envelope spans."""

    def __init__(self, point_of, px, py, start, stop, polygon_of_run, bounds):
        self.point_of, self.px, self.py = point_of, px, py
        self.start, self.stop, self.polygon_of_run = start, stop, polygon_of_run
        self.bounds = bounds

    def parts(self, count: int) -> list[slice]:
        """``count`` slices of the runs holding about as many points each."""
        ends = np.cumsum(self.stop - self.start)
        cuts = np.searchsorted(ends, np.arange(1, count) * (ends[-1] / count))
        edges = [0, *sorted(set(cuts.tolist())), len(ends)]
        return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]

    def pairs(self, runs: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(point index, polygon index, x, y) for the points of these runs inside the
        envelope of their run's polygon, edges included."""
        start, stop = self.start[runs], self.stop[runs]
        sizes = stop - start
        run = np.repeat(np.arange(len(sizes)), sizes)
        candidate = start[run] + _ranks(sizes)
        polygon = self.polygon_of_run[runs][run]
        cx, cy = self.px[candidate], self.py[candidate]
        xmin, ymin, xmax, ymax = self.bounds.T
        keep = ((cx >= xmin[polygon]) & (cx <= xmax[polygon])
                & (cy >= ymin[polygon]) & (cy <= ymax[polygon]))
        return self.point_of[candidate[keep]], polygon[keep], cx[keep], cy[keep]


def envelope_runs(xy: np.ndarray, bounds: np.ndarray) -> EnvelopeRuns | None:
    """The runs of points for each polygon's envelope; None when the grid would not pay
    (see the module's note).

    ``xy`` is (n, 2) coordinates; ``bounds`` (m, 4) ``xmin, ymin, xmax, ymax`` per
    polygon (shapely.bounds). Points with NaN coordinates are in no envelope.
    """
    if len(xy) == 0 or len(bounds) == 0 or not np.isfinite(bounds).all():
        return None
    xmin, ymin, xmax, ymax = bounds.T
    step = float(np.median(np.maximum(xmax - xmin, ymax - ymin))) / _PER_ENVELOPE
    x0, y0, x1, y1 = xmin.min(), ymin.min(), xmax.max(), ymax.max()
    if not step > 0 or max(x1 - x0, y1 - y0) / step > 2**30:
        return None  # points or lines, or a grid too fine to number its buckets
    columns = int((x1 - x0) // step) + 1
    budget = _BUDGET_PER_POINT * (len(xy) + len(bounds))

    first_col = ((xmin - x0) // step).astype(np.int64)
    last_col = ((xmax - x0) // step).astype(np.int64)
    first_row = ((ymin - y0) // step).astype(np.int64)
    rows = ((ymax - y0) // step).astype(np.int64) - first_row + 1
    if rows.sum() > budget:
        return None

    # The same floor((v - origin) / step) for points and envelopes: it never decreases
    # as v grows, so a point inside an envelope falls in a bucket the envelope spans.
    x, y = xy[:, 0], xy[:, 1]
    inside = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    px, py = x[inside], y[inside]
    key = ((py - y0) // step).astype(np.int64) * columns + ((px - x0) // step).astype(np.int64)
    order = np.argsort(key)
    key = key[order]

    # one run per polygon and bucket row: buckets are numbered row by row
    polygon_of_run = np.repeat(np.arange(len(bounds)), rows)
    row = first_row[polygon_of_run] + _ranks(rows)
    start = np.searchsorted(key, row * columns + first_col[polygon_of_run], side="left")
    stop = np.searchsorted(key, row * columns + last_col[polygon_of_run], side="right")
    if (stop - start).sum() > budget:
        return None
    return EnvelopeRuns(inside[order], px[order], py[order], start, stop, polygon_of_run,
                        bounds)


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, …, size-1 for each size in turn, concatenated."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - sizes, sizes)
