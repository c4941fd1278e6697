"""The reports' cache, per process: the loaded dataset and the last few computed reports."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from geoapp.reports import history, tables
from geoapp.store.fingerprint import beside_hazards, data_fingerprint, hazards_changed
from geoapp.store.reads import report_data


class ReportCache:
    """Per process: the loaded dataset and the last few computed reports.

    Keyed like the leader's map (geoapp.map.cache.MapCache) by the data's
    fingerprint (geoapp.store.fingerprint: it changes on every hazard
    move, new hazard and import), checked on every request; a report also by
    what it is for (period, village, today's date). After a hazard was added or
    moved only those hazards are read again (``report_data.patched``); the
    reports are computed afresh from the patched dataset, which keeps what the
    places alone decide and reuses the rows of the groups whose counts did not
    change (geoapp.reports.history). What a hazard move leaves as it was is kept
    ``beside`` the hazards, keyed by the fingerprint without their parts
    (fingerprint.beside_hazards) and by what else it reads (the visits report by
    the cells' levels). At most ``size`` reports are kept (as many beside), and
    nothing older than ``max_age`` seconds (for changes made outside geoapp,
    which the fingerprint sees on PostgreSQL only: geoapp.store.outside; there
    ``max_age`` is infinite).
    """

    def __init__(self, max_age: float = 60.0, size: int = 6):
        self.max_age, self.size = max_age, size
        self._lock = threading.Lock()
        self._dataset: tuple | None = None  # (fingerprint, time loaded, Dataset)
        self._places: tuple | None = None  # (its part of the fingerprint, time read, Places)
        self._reports: OrderedDict = OrderedDict()  # key → (time computed, report)
        self._beside: OrderedDict = OrderedDict()  # the same, keyed by beside_hazards
        self._scoped: dict = {}  # (fingerprint, cells) → the dataset cut to an area scope
        self.patches = 0  # datasets made by patching (the tests and benchmarks read it)

    def _young(self, at: float, ahead: float = 0.0) -> bool:
        return time.monotonic() - at < self.max_age - ahead

    def dataset(self, session, rules, ahead: float = 0.0) -> tuple[tuple, tables.Dataset]:
        """The data's fingerprint and the dataset loaded at it; ``ahead``: read again one
        that will be ``max_age`` old within that many seconds (geoapp.web.warmup)."""
        fingerprint = data_fingerprint(session)
        with self._lock:
            got = self._dataset
            if got is not None and got[0] != fingerprint and self._young(got[1], ahead):
                changed = hazards_changed(session, got[0], fingerprint)
                ds = None if changed is None else report_data.patched(session, got[2], changed)
                if ds is not None:
                    history.carry(got[2], ds)
                    self._clear(fingerprint)
                    self.patches += 1
                    # the time of the full read is kept: max_age still bounds what is missed
                    got = self._dataset = (fingerprint, got[1], ds)
            if got is None or got[0] != fingerprint or not self._young(got[1], ahead):
                self._clear(fingerprint)
                # (count, max id) of cells and of points, and the import counter: when
                # they are unchanged (a hazard moved or was recorded) only hazards are read
                places_key = fingerprint[:4] + fingerprint[-1:]
                keep = self._places is not None and self._places[0] == places_key and \
                    self._young(self._places[1])
                ds = tables.load(session, rules, self._places[2] if keep else None)
                if not keep or ds.places is not self._places[2]:
                    self._places = (places_key, time.monotonic(), ds.places)
                got = self._dataset = (fingerprint, time.monotonic(), ds)
        return fingerprint, got[2]

    def _clear(self, fingerprint: tuple) -> None:
        """Forget the reports of another fingerprint (those beside the hazards: of another
        fingerprint beside them)."""
        self._reports.clear()
        rest = beside_hazards(fingerprint)
        for key in [k for k in self._beside if k[0] != rest]:
            del self._beside[key]

    def within(self, fingerprint: tuple, ds: tables.Dataset, cells: frozenset[str]
               ) -> tables.Dataset:
        """``ds`` cut to an area scope's cells (report_data.within), kept per scope while
        the data stay the same."""
        key = (fingerprint, cells)
        with self._lock:
            found = self._scoped.get(key)
        if found is None:
            found = report_data.within(ds, cells)
            with self._lock:
                if any(k[0] != fingerprint for k in self._scoped) or len(self._scoped) > 16:
                    self._scoped.clear()
                self._scoped[key] = found
        return found

    def lookup(self, key: tuple, beside: bool = False) -> tuple[bool, object]:
        """(True, the report kept for ``key``) or (False, None); the key starts with the
        fingerprint (``beside``: with beside_hazards of it)."""
        with self._lock:
            store = self._beside if beside else self._reports
            got = store.get(key)
            if got is not None and self._young(got[0]):
                store.move_to_end(key)
                return True, got[1]
        return False, None

    computing = staticmethod(report_data.no_gc_pauses)  # the context to compute a report in

    def keep(self, key: tuple, value, beside: bool = False) -> None:
        """Keep a report computed for ``key`` (unless the data changed meanwhile)."""
        with self._lock:
            if self._dataset is None:
                return
            now = self._dataset[0]
            if key[0] != (beside_hazards(now) if beside else now):
                return
            store = self._beside if beside else self._reports
            store[key] = (time.monotonic(), value)
            store.move_to_end(key)
            while len(store) > self.size:
                store.popitem(last=False)
