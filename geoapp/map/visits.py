"""The map's visit columns: each point's visit status (待巡查 / 逾期未巡查 / 已巡查) and last visit.

Read for every snapshot (``geoapp.store.reads.visit_data.map_visits``: a visit
changes the data's fingerprint, and the snapshot is keyed on today, which
alone moves points from visited to due to overdue), matched to the points'
places by id like the levels and flags, and kept as numpy columns so that the
``visit`` filter and the counts per status cost one pass over the view.
``VisitRead`` keeps the read while nothing that can change it has (a hazard
move cannot): at 10⁵ points it costs about as much as the levels and flags.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from geoapp.domain.inspection import VISIT_STATUSES
from geoapp.store.reads import visit_data

FIELDS = ["visit", "last_visit"]  # appended to each point row of /api/map/points
UNKNOWN = -1  # a point without a status (its layer has no visit rule)


class VisitColumns:
    """Visit status codes (index into ``VISIT_STATUSES``) and last visits, in places' order."""

    def __init__(self, place_ids: np.ndarray, read: dict | None = None):
        n = len(place_ids)
        self.code = np.full(n, UNKNOWN, dtype=np.int8)
        self.last: list[str | None] = [None] * n
        if not read or not read["id"] or not n:
            return
        ids = np.asarray(read["id"], dtype=np.int64)
        codes = np.array([VISIT_STATUSES.index(v) if v else UNKNOWN for v in read["visit"]],
                         dtype=np.int8)
        at = np.minimum(np.searchsorted(ids, place_ids), len(ids) - 1)
        known = ids[at] == place_ids
        self.code = np.where(known, codes[at], UNKNOWN).astype(np.int8)
        self.last = [read["last_visit"][j] if k else None
                     for j, k in zip(at.tolist(), known.tolist(), strict=True)]

    def mask(self, status: str) -> np.ndarray:
        """The points whose status is ``status`` (one of ``VISIT_STATUSES``)."""
        return self.code == VISIT_STATUSES.index(status)

    def counts(self, idx: np.ndarray) -> dict[str, int]:
        """Points per status among ``idx`` (the view before the visit filter)."""
        per = np.bincount(self.code[idx][self.code[idx] >= 0], minlength=len(VISIT_STATUSES))
        return {status: int(per[i]) for i, status in enumerate(VISIT_STATUSES)}

    def row(self, i: int) -> list:
        code = int(self.code[i])
        return [VISIT_STATUSES[code] if code >= 0 else None, self.last[i]]


class VisitRead:
    """The last ``visit_data.map_visits`` read, kept while its inputs stay the same.

    Its key: the (count, max id) pairs of cells and points, of inspections and of
    point events in the data's fingerprint (geoapp.store.fingerprint's order),
    the import counter, and today; and it is read again once ``max_age`` old.
    """

    def __init__(self, max_age: float):
        self.max_age = max_age
        self._lock = threading.Lock()
        self._kept: tuple | None = None  # (key, time read, read)

    def load(self, session, rules, today, fingerprint: tuple) -> dict:
        key = (fingerprint[:4], fingerprint[8:12], fingerprint[-1], today)
        with self._lock:
            kept = self._kept
            if kept is None or kept[0] != key or time.monotonic() - kept[1] >= self.max_age:
                kept = self._kept = (key, time.monotonic(),
                                     visit_data.map_visits(session, rules, today))
            return kept[2]
