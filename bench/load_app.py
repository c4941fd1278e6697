"""The app as bench_load.py serves it: geoapp's own, plus the worker's pid in ``X-Worker``
and the CPU the request cost its thread until the headers in ``X-Server-CPU`` (ms).

gunicorn runs ``load_app:make()`` in each worker (``--chdir bench``), so the
load benchmark can tell which worker answered and check that a write is seen by
every one of them. Not part of geoapp.
"""

from __future__ import annotations

import os
import time


def make():
    from geoapp import create_app

    app = create_app()
    inner, pid = app.wsgi_app, str(os.getpid())

    def tagged(environ, start_response):
        c0 = time.thread_time()

        def start(status, headers, exc_info=None):
            cpu = f"{(time.thread_time() - c0) * 1e3:.2f}"
            return start_response(status, [*headers, ("X-Worker", pid), ("X-Server-CPU", cpu)],
                                  exc_info)

        return inner(environ, start)

    app.wsgi_app = tagged
    return app
