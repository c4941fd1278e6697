"""Warm start: the map's snapshot and the reports' dataset built when a worker starts.

At county scale (10⁴ cells, 10⁵ points, 3·10⁴ hazards) building the map's
snapshot takes seconds and the reports' dataset and default report as long
again; the first request of a process used to pay for both. With warm start
on, a background thread of each process builds them as the process starts
(geoapp.map.cache, geoapp.reports.cache, the default /reports of the whole
territory) and then keeps them fresh: every ``WARM_REFRESH_SECONDS`` it
brings the snapshot and the dataset up to the data's fingerprint (a hazard move
is patched in, not re-read) and, on the embedded database, re-reads what would
reach ``MAP_CACHE_SECONDS`` soon, so that no request pays for a full read (on
PostgreSQL nothing expires: writes from outside geoapp move the fingerprint,
geoapp.store.outside). (Reports themselves are made again after a change by
the worker that sees it, only those asked for lately, once the answer that saw
it is sent: geoapp.web.fresh_reports.)

While it prepares, a request that needs them waits at most ``WARM_WAIT_SECONDS``
(default 2: on a small territory the build is done by then and nobody notices),
then gets ``503`` with ``Retry-After`` — JSON ``{"error": "preparing", "message":
…}`` under /api/, the error page elsewhere; the map page's script keeps its
loading veil up and asks again. Not blocking longer is deliberate: a sync
gunicorn worker held by a waiting request serves nobody else (log-in, static
files, writes) and would compete with its own build thread for the
interpreter; a 503 costs nothing and clients retry. ``GET /healthz/ready`` says
200 once this process is warm and 503 before (for load balancers and
orchestrators: send traffic to a worker only then).

Where it is on (``WARM_START``): set 1 or 0 to decide; unset, it is on for an
app made without a test config (gunicorn's ``geoapp:create_app()``, ``geoapp
demo``) and starts with the process under gunicorn, else on the first request
(never for a command that serves none, e.g. ``geoapp import``). A process forked
after the app was made (gunicorn ``--preload``) starts its own on its first request.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _

from geoapp import settings
from geoapp.web import clock, db
from geoapp.web.errors import error_json, error_page, is_api

bp = Blueprint("warmup", __name__)
_KEY = "geoapp.warmup"
WARMERS = "geoapp.warmers"  # views add what they compute ahead (geoapp.web.reports.warm)
# and what they keep made after every refresh (geoapp.web.map.seed_tiles)
REFRESHERS = "geoapp.refreshers"
RETRY_AFTER = 2  # seconds a client waits before asking again while the process prepares
log = logging.getLogger(__name__)


class Preparing(Exception):
    """The caches are still being built in this process (answered 503 + Retry-After)."""


class Warmup:
    """This process's warm-up thread and what it has done."""

    def __init__(self, app: Flask, enabled: bool):
        self.app, self.enabled = app, enabled
        self.wait = float(settings.get("WARM_WAIT_SECONDS", app.config))
        self.every = float(settings.get("WARM_REFRESH_SECONDS", app.config))
        self.ready = threading.Event()
        self.error: str | None = None
        self.seconds: float | None = None  # how long the first build took
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread in this process, unless it runs already."""
        if not self.enabled or self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self.ready = threading.Event()  # a forked child is not ready for its parent
            self.error = None
            self._thread = threading.Thread(target=self._run, name="geoapp-warmup", daemon=True)
            self._thread.start()
            # a worker told to stop (gunicorn: SIGTERM) ends the thread first, so that it is
            # not cut off mid-read while the interpreter shuts down
            atexit.register(self.stop, timeout=2)

    def _run(self) -> None:
        import time

        t0 = time.perf_counter()
        while True:  # a failed build (say, the database not migrated yet) is tried again
            try:
                self.refresh(ahead=0.0, computed=True)
                break
            except Exception as exc:  # noqa: BLE001 — said by /healthz/ready and the log
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("warm start failed; trying again in %s s", self.every)
                if self._stop.wait(self.every):
                    return
        self.error = None
        self.seconds = time.perf_counter() - t0
        self.ready.set()
        while not self._stop.wait(self.every):
            try:
                self.refresh(ahead=max(2 * self.every, 10.0))
            except Exception:  # noqa: BLE001 — the next request builds what is missing
                log.exception("warm refresh failed")

    def refresh(self, ahead: float, computed: bool = False) -> None:
        """Bring the map's snapshot and the reports' dataset up to date; ``ahead``: also
        re-read what would be too old within that many seconds; ``computed``: and compute
        the default report (at start only: recomputed after every write, on a busy day
        it would keep a core busy for a page nobody may open)."""
        app = self.app
        rules = app.extensions["geoapp.rules"]
        with app.test_request_context("/reports"):

            session = db.session()
            app.extensions["geoapp.mapcache"].load(
                session, rules, clock.today(rules.risk.hazards.timezone), ahead=ahead)
            app.extensions["geoapp.reportcache"].dataset(session, rules, ahead=ahead)
            for warm in app.extensions.get(WARMERS, ()) if computed else ():
                warm()  # e.g. the default /reports
            for keep in app.extensions.get(REFRESHERS, ()):
                try:
                    keep()  # e.g. the map's first view as vector tiles
                except Exception:  # noqa: BLE001 — made ahead only: the requests make it
                    log.exception("making %s ahead failed", getattr(keep, "__name__", keep))

    def stop(self, timeout: float = 60) -> None:
        """End the thread (the tests do, before their database goes)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def gate(self) -> None:
        """Before a request reads the caches: wait briefly for the build, else Preparing."""
        if not self.enabled or threading.current_thread() is self._thread:
            return  # (the warm-up itself reads through the views' helpers)
        self.start()
        if not self.ready.wait(self.wait):
            raise Preparing()


def init_app(app: Flask, default: bool) -> None:
    """``default``: on when the setting is unset (an app made without a test config)."""
    chosen = settings.get("WARM_START", app.config)
    enabled = default if chosen is None else settings.is_on("WARM_START", app.config)
    warm = app.extensions[_KEY] = Warmup(app, enabled)
    app.register_blueprint(bp)
    app.register_error_handler(Preparing, _preparing)
    app.before_request(warm.start)  # a cheap check: this process's thread runs already
    if enabled and "gunicorn" in sys.modules:  # a worker: start as it starts
        warm.start()


def gate() -> None:
    """Called by the views that read the map's or the reports' caches."""
    current_app.extensions[_KEY].gate()


def is_ready() -> bool:
    """Are this process's caches built (or is warm start off)? Does not wait."""
    warm: Warmup = current_app.extensions[_KEY]
    warm.start()
    return not warm.enabled or warm.ready.is_set()


def _preparing(_exc: Preparing) -> Response:
    seconds = RETRY_AFTER
    message = _("数据正在准备中（服务刚启动），请稍候，页面将自动重试")
    if is_api() or request.method not in ("GET", "HEAD"):
        response = error_json(503, "preparing", message, retry_after=seconds)
    else:
        response = error_page(503, message)
        response.headers["Refresh"] = str(seconds)  # the page asks again by itself
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.get("/healthz/ready")
def ready():
    """200 ``{"ready": true}`` once this process is warm; 503 before (while its build
    fails, ``error`` says why: it is tried again every WARM_REFRESH_SECONDS). Open
    without logging in."""
    warm: Warmup = current_app.extensions[_KEY]
    if not warm.enabled:
        return jsonify(ready=True, warm_start=False)
    warm.start()
    if warm.ready.is_set():
        return jsonify(ready=True, warm_start=True, seconds=round(warm.seconds or 0, 3))
    response = jsonify(ready=False, warm_start=True, error=warm.error)
    response.status_code = 503
    response.headers["Retry-After"] = "1"
    return response
