"""The app as bench_load.py serves it: geoapp's own, plus the worker's pid in ``X-Worker``.

gunicorn runs ``load_app:make()`` in each worker (``--chdir bench``), so the
load benchmark can tell which worker answered and check that a write is seen by
every one of them. Not part of geoapp.
"""

from __future__ import annotations

import os


def make():
    from geoapp import create_app

    app = create_app()
    inner, pid = app.wsgi_app, str(os.getpid())

    def tagged(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Worker", pid)], exc_info)

        return inner(environ, start)

    app.wsgi_app = tagged
    return app
