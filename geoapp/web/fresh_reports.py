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
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, current_app, g, request

from geoapp import settings
from geoapp.store.fingerprint import seen_fingerprint
from geoapp.store.scopes import Scope

_KEY = "geoapp.freshreports"
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
                    except Exception:  # noqa: BLE001 — the next request asks again itself
                        log.exception("keeping %s fresh failed", asked.path)
                        continue
                    asked.fingerprint = g.get("report_fingerprint")
        finally:
            self._running.release()


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
    app.after_request(_after)


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
