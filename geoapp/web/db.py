"""The request's database session, and a busy database as 503 (not 500).

The session of a request that may write (POST and the other unsafe methods)
takes the embedded database's write lock when it begins. A writer that cannot
have it within the busy timeout — an import holds it for its whole write
phase — gets ``503`` with ``Retry-After``, never a 500 and never a half-done
write.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from geoapp import settings
from geoapp.store import dialect, outside
from geoapp.store.database import Database
from geoapp.web.errors import error_json, error_page, is_api

RETRY_AFTER_SECONDS = 5
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_KEY = "geoapp.db"


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = Database(
        app.config["DATABASE_URL"],
        busy_timeout=float(settings.get("SQLITE_BUSY_TIMEOUT", app.config)))
    app.teardown_appcontext(_close_session)
    app.register_error_handler(sa.exc.OperationalError, _busy)


def cache_seconds(app: Flask) -> float:
    """How long a per-process cache (the map's, the reports', the inbox count) may go
    without a change its fingerprint saw: for ever on PostgreSQL, which counts writes made
    outside geoapp into the fingerprint itself (geoapp.store.outside); on the embedded
    database ``MAP_CACHE_SECONDS``, for those writes."""
    if outside.counts_outside_writes(app.extensions[_KEY].engine):
        return float("inf")
    return float(settings.get("MAP_CACHE_SECONDS", app.config))


def database() -> Database:
    return current_app.extensions[_KEY]


def session() -> Session:
    """The request's session (opened on first use, closed at teardown).

    For a request that may write, the session begins as a writer (see the
    module's docstring).
    """
    if "db_session" not in g:
        g.db_session = database().sessions()
        if request.method not in _SAFE_METHODS:
            g.db_session.connection(execution_options={"sqlite_write": True})
    return g.db_session


def release() -> None:
    """End the request's session before work that runs its own transactions (an import):
    on SQLite a writing request's session holds the one write lock."""
    _close_session(None)


def _close_session(_exc) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def _busy(exc: sa.exc.OperationalError):
    """503 + Retry-After when the database is busy (a long import); other errors go on."""
    if not dialect.is_locked_error(exc):
        raise exc
    s = g.get("db_session")
    if s is not None:
        s.rollback()
    message = _("数据库正忙（可能正在导入数据），您的操作未保存，请稍后重试")
    if is_api():
        response = error_json(503, "busy", message)
    else:
        response = error_page(503, message)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
