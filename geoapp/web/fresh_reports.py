"""Reports in use kept fresh: computed again after a change of the data, off the request path.

A hazard write changes the figures of every areas report. At 10⁶ points computing
one again costs about 100 ms of CPU in each worker, and the first request to ask
for it after the change used to pay that, so nearly every report request of a
busy day waited for it. Here each process notes the JSON reports it was asked
for (``note``: the route, its query and the account's scope) and, when a later
request of this process saw the data's fingerprint move, computes them again
once that request's answer has been sent (``Response.call_on_close``): the next
leader to ask finds the report made. A sync gunicorn worker busy with that takes
no new connection meanwhile; its siblings do.

Only reports asked within ``REPORT_FRESH_SECONDS`` are kept fresh (0: none):
on a day without leaders reading, writes cost no report work. Every answer is
still computed at the fingerprint the request reads, so a report never shows
data older than the request: this only moves the work earlier.

The workers of one gunicorn master share what they made (``Shared``): a report's
body, gzipped, goes into a folder of that master's, named by everything its
cache key holds (the fingerprint first); a sibling asking for it reads the file
instead of computing it again, and one computing it holds the name's lock
(``flock``) so that the others wait for it rather than all computing at once.
So a write costs one report computation per host, not one per worker.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, request

from geoapp import settings
from geoapp.map.payload import Payload
from geoapp.store.fingerprint import seen_fingerprint
from geoapp.store.scopes import Scope

_KEY = "geoapp.freshreports"
_SHARED = "geoapp.sharedreports"
SIZE = 8  # reports kept fresh per process at most (the most recently asked)
log = logging.getLogger(__name__)


@dataclass
class Asked:
    """A report asked for: how to ask again, and at which fingerprint it was last made."""

    endpoint: str
    path: str  # with its query
    view_args: dict
    scope: Scope
    at: float  # when last asked (monotonic)
    fingerprint: tuple | None


class FreshReports:
    """This process's reports in use (``note``) and their refresh (``refresh``)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._asked: OrderedDict[tuple, Asked] = OrderedDict()
        self._lock = threading.Lock()
        self._running = threading.Lock()  # one refresh at a time (gunicorn --threads)

    def note(self, scope: Scope, fingerprint: tuple) -> None:
        """The request asks for a report (made at ``fingerprint`` for ``scope``)."""
        if self.seconds <= 0 or g.get("geoapp_refreshing"):
            return
        key = (request.endpoint, request.full_path, scope.key())
        with self._lock:
            self._asked[key] = Asked(request.endpoint, request.full_path,
                                     dict(request.view_args or {}), scope, time.monotonic(),
                                     fingerprint)
            self._asked.move_to_end(key)
            while len(self._asked) > SIZE:
                self._asked.popitem(last=False)

    def stale(self, fingerprint: tuple) -> list[Asked]:
        """The reports asked within ``seconds`` last made at another fingerprint (those
        asked longer ago are forgotten)."""
        now = time.monotonic()
        with self._lock:
            for key in [k for k, a in self._asked.items() if now - a.at > self.seconds]:
                del self._asked[key]
            return [a for a in self._asked.values() if a.fingerprint != fingerprint]

    def refresh(self, app: Flask, fingerprint: tuple) -> None:
        """Ask again for every report in use not made at ``fingerprint``, each in a
        request context of its own with the scope of the account that asked (its answer is
        kept by the reports' cache and thrown away here)."""
        if not self._running.acquire(blocking=False):
            return  # another thread of this process does it
        try:
            for asked in reversed(self.stale(fingerprint)):  # the last asked first
                with app.test_request_context(asked.path):
                    g.geoapp_refreshing = True
                    g.geoapp_scope = asked.scope  # (auth.read_scope's, for this request)
                    try:
                        app.view_functions[asked.endpoint](**asked.view_args)
                    except SiblingMaking:
                        continue
                    except Exception:  # noqa: BLE001 — the next request asks again itself
                        log.exception("keeping %s fresh failed", asked.path)
                        continue
                    asked.fingerprint = g.get("report_fingerprint")
        finally:
            self._running.release()


class Shared:
    """Report bodies made by one worker and read by its siblings, in ``folder`` (theirs
    alone: mode 0700). A body is kept ``keep`` seconds after it was made: the siblings
    read it within moments (at 10⁶ points a body is about a megabyte, one per write)."""

    def __init__(self, folder: str, keep: float = 30.0):
        self.folder, self.keep = folder, keep
        os.makedirs(folder, mode=0o700, exist_ok=True)
        mode = os.stat(folder)
        # a folder of a predictable name in a shared /tmp made by another account could
        # hand the workers bodies it wrote: only one of this account's, closed to others
        if mode.st_uid != os.getuid() or mode.st_mode & 0o077:
            raise PermissionError(f"{folder}: not this account's alone (owner, mode 0700)")

    def _path(self, key: tuple) -> str:
        # (the key's repr: fingerprint, day, scope, report and its parameters, all plain
        # values whose repr is the same in every process)
        return os.path.join(self.folder, hashlib.blake2b(repr(key).encode(),
                                                         digest_size=16).hexdigest())

    def _read(self, path: str) -> Payload | None:
        try:
            with open(path + ".gz", "rb") as f:
                etag, gz = f.read().split(b"\n", 1)
        except (FileNotFoundError, ValueError):
            return None
        return Payload(None, gz, etag.decode())

    def made(self, key: tuple, make: Callable[[], Payload], wait: bool = True
             ) -> Payload | None:
        """The body for ``key``: read when a sibling made it, else made by ``make()`` and
        written for them. ``wait`` False: None when a sibling is making it now."""
        path = self._path(key)
        found = self._read(path)
        if found is not None:
            return found
        try:
            lock = open(path + ".lock", "a")  # noqa: SIM115 — closed by the with below
        except OSError as exc:  # the folder gone (a cleaner of /tmp): made here alone
            log.warning("reports not shared this time: %s", exc)
            return make()
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                return None
            try:
                found = self._read(path)  # made while this one waited
                if found is not None:
                    return found
                payload = make()
                self._write(path, payload)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return payload

    def _write(self, path: str, payload: Payload) -> None:
        """Write the body for the siblings, whole or not at all (a full disk only keeps it
        from them: the request has it), then sweep."""
        part = None
        try:
            fd, part = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(payload.etag.encode() + b"\n" + payload.gz)
            os.replace(part, path + ".gz")  # whole or not there: never half a body
            self._sweep()
        except OSError as exc:
            log.warning("a report not shared: %s", exc)
            if part is not None and os.path.exists(part):
                os.unlink(part)

    def _sweep(self) -> None:
        """Remove the bodies (and locks) older than ``keep`` (after each body written: the
        folder holds a few dozen files at most)."""
        now = time.time()
        for entry in os.scandir(self.folder):
            try:
                if now - entry.stat().st_mtime > self.keep:
                    os.unlink(entry.path)
            except OSError:
                pass  # a sibling swept it (or it is not ours to remove: left)


def _shared_folder(app: Flask, database_url: str) -> str | None:
    """Where the workers of this gunicorn master share reports: a folder named by the
    master's pid and the database (a restarted server starts empty); None (nothing shared)
    outside gunicorn — one process — unless REPORT_SHARE_DIR names one."""
    chosen = settings.get("REPORT_SHARE_DIR", app.config)
    if chosen:
        return str(chosen)
    if "gunicorn" not in sys.modules:
        return None
    name = hashlib.blake2b(database_url.encode(), digest_size=8).hexdigest()
    return os.path.join(tempfile.gettempdir(), f"geoapp-reports-{os.getppid()}-{name}")


def init_app(app: Flask) -> None:
    value = settings.get("REPORT_FRESH_SECONDS", app.config)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:  # a bad one stops start-up, named (NaN too)
        raise ValueError(f"{settings.variable('REPORT_FRESH_SECONDS')}: a number of seconds "
                         f"from 0, not {value!r}")
    app.extensions[_KEY] = FreshReports(seconds)
    folder = _shared_folder(app, str(app.config["DATABASE_URL"]))
    shared = None
    if folder is not None:
        try:
            shared = Shared(folder)
        except OSError as exc:  # each worker makes its own reports, as without sharing
            log.warning("reports not shared between workers: %s", exc)
    app.extensions[_SHARED] = shared
    app.after_request(_after)


class SiblingMaking(Exception):
    """While keeping fresh: a sibling worker is making this report now (this worker reads
    it at its next refresh rather than wait)."""


def made(key: tuple, make: Callable[[], Payload]) -> Payload:
    """A report's body for its cache ``key``: shared with the sibling workers when they
    share (``Shared``), else ``make()``."""
    shared: Shared | None = current_app.extensions[_SHARED]
    if shared is None:
        return make()
    got = shared.made(key, make, wait=not g.get("geoapp_refreshing"))
    if got is None:
        raise SiblingMaking()
    return got


def note(scope: Scope, fingerprint: tuple) -> None:
    """Called by the reports' JSON routes (geoapp.web.report_parts.as_json)."""
    current_app.extensions[_KEY].note(scope, fingerprint)


def _after(response):
    """After a request that saw the data change under reports in use: refresh them once its
    answer is sent."""
    fresh: FreshReports = current_app.extensions[_KEY]
    session = g.get("db_session")
    seen = seen_fingerprint(session) if session is not None else None
    if seen is None or g.get("geoapp_refreshing") or not fresh.stale(seen):
        return response
    app = current_app._get_current_object()
    response.call_on_close(lambda: fresh.refresh(app, seen))
    return response
