"""The map's snapshot per process: built at start, patched after a hazard move (no Flask).

``MapCache.load`` returns the snapshot (geoapp.map.snapshot) of the data as they
are now, checked by the data's fingerprint (geoapp.store.fingerprint) on every
call. What a change costs depends on what changed:

* a hazard added or moved (the common write): only its point's level and flags
  and its cell's level and figures are read and patched into the snapshot
  (``Snapshot.patched``), tens of rows instead of every row; the vector tiles that
  show neither are kept (``tilekeep.carry_over``);
* cells or points added or removed, a point edited, a visit, an import: the
  figures, levels and flags are read whole; the points' places and the cells'
  shapes only when their own rows changed, their simplification only when the
  shapes really did;
* a write made outside geoapp: on PostgreSQL the database counts it into the
  fingerprint (geoapp.store.outside) and everything is read again, as after an
  import; ``max_age`` is then infinite. The embedded database cannot tell, so
  there everything is read again every ``max_age`` seconds (``ahead`` lets the
  warm-up thread, geoapp.web.warmup, do that before a request would have to).
"""

from __future__ import annotations

import threading
import time

from geoapp.map import tilekeep
from geoapp.map.snapshot import CellGeometry, PointPlaces, Snapshot, cell_geometry, shapes_digest
from geoapp.map.visits import VisitRead
from geoapp.store.dialect import decode_raw
from geoapp.store.fingerprint import data_fingerprint, hazards_changed
from geoapp.store.reads import map_data

MAX_PATCH = 5000  # more changed points than this (a bulk change): read everything again


class MapCache:
    """One snapshot per process, patched or rebuilt when the data's fingerprint changes."""

    def __init__(self, max_age: float = 60.0):
        self.max_age = max_age
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._key = None
        self._geometry: CellGeometry | None = None
        self._shapes: tuple | None = None  # (fingerprint of cells, time read)
        self._places: tuple | None = None  # (key, time read, PointPlaces)
        self._visits = VisitRead(max_age)
        self.patches = 0  # snapshots made by patching (the tests and benchmarks read it)

    def _young(self, at: float, ahead: float = 0.0) -> bool:
        return time.monotonic() - at < self.max_age - ahead

    def load(self, session, rules, today, ahead: float = 0.0) -> Snapshot:
        """The snapshot of the data now; ``ahead``: rebuild one that will be ``max_age``
        old within that many seconds."""
        fingerprint = data_fingerprint(session)
        key = (fingerprint, today)
        snap = self._snapshot
        if snap is not None and self._key == key and self._young(snap.built_at, ahead):
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is None or not self._young(snap.built_at, ahead) or self._key[1] != today:
                snap = self._build(session, rules, today, fingerprint)
            elif self._key != key:
                snap = self._patch(session, rules, today, fingerprint) or \
                    self._build(session, rules, today, fingerprint)
            self._snapshot, self._key = snap, key
            return snap

    def _patch(self, session, rules, today, fingerprint) -> Snapshot | None:
        """The snapshot with the hazards changed since it patched in, or None when
        something else changed (geoapp.store.fingerprint.hazards_changed)."""
        changed = hazards_changed(session, self._key[0], fingerprint)
        if changed is None or len(changed) > MAX_PATCH:
            return None
        cells, states = map_data.map_changes(session, rules, today, set(changed.values()))
        self.patches += 1
        new = self._snapshot.patched(cells, states,
                                     self._visits.load(session, rules, today, fingerprint))
        tilekeep.carry_over(self._snapshot, new, cells, states["id"])  # the tiles away from it
        return new

    def _build(self, session, rules, today, fingerprint) -> Snapshot:
        # (count, max id) of cells, of points, and the import counter
        imports = fingerprint[-1:]
        cells_key, places_key = fingerprint[:2] + imports, fingerprint[:4] + imports
        if self._shapes is None or self._shapes[0] != cells_key or \
                not self._young(self._shapes[1]):
            codes, raw = map_data.map_cell_shapes(session)
            digest = shapes_digest(raw)
            if self._geometry is None or self._geometry.digest != digest or \
                    self._geometry.codes != codes:
                self._geometry = cell_geometry(codes, decode_raw(raw), digest)
            self._shapes = (cells_key, time.monotonic())
        geometry, layers = self._geometry, list(rules.layers)
        places_key = (places_key, geometry.digest, tuple(layers))
        if self._places is None or self._places[0] != places_key or \
                not self._young(self._places[1]):
            places = PointPlaces(map_data.map_points(session), layers,
                                 {code: i for i, code in enumerate(geometry.codes)})
            self._places = (places_key, time.monotonic(), places)
        return Snapshot(map_data.map_cells(session, rules, today), self._places[2],
                        map_data.map_point_states(session, rules, today), layers, geometry,
                        self._visits.load(session, rules, today, fingerprint))
