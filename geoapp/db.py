"""The database handle: engine and sessions, for the app and for the CLI.

``Database(url)`` is plain SQLAlchemy and works without Flask; ``init_app``
attaches one to a Flask app (no database is opened at import time).

Writers say so: ``Database.transaction()`` and the session of a request that
may write (POST and the other unsafe methods) take the embedded database's
write lock when they begin (``dialect.configure_engine``). A writer that
cannot have it within the busy timeout — an import holds it for its whole
write phase — gets ``503`` with ``Retry-After``, never a 500 and never a
half-done write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from geoapp import dialect

# Seconds a writer waits for SQLite's write lock before giving up. One request's write
# takes milliseconds, but SQLite's lock is not a queue: with a dozen writers at once on
# a busy machine an unlucky one waits seconds. Shorter than gunicorn's 30 s timeout.
WEB_BUSY_TIMEOUT = 15.0
# The command line (imports, account changes) may wait for a running import to end.
CLI_BUSY_TIMEOUT = 120.0
RETRY_AFTER_SECONDS = 5
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    pass


class Database:
    def __init__(self, url: str, busy_timeout: float = WEB_BUSY_TIMEOUT):
        self.url = url
        self.busy_timeout = busy_timeout
        connect_args = {}
        if dialect.is_embedded(url):
            _create_private_file(sa.engine.make_url(url).database)
            connect_args["timeout"] = busy_timeout
        self.engine = sa.create_engine(url, connect_args=connect_args)
        dialect.configure_engine(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        """Tables straight from the models (tests); deployments use geoapp.migrate."""
        from geoapp import models  # noqa: F401  (registers the tables)

        Base.metadata.create_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A writing session: commits on success, rolls back on any error.

        It takes the write lock when it begins (on SQLite), so a read-then-write
        inside it cannot be overtaken by another writer.
        """
        with self.sessions() as session, session.begin():
            session.connection(execution_options={"sqlite_write": True})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _create_private_file(database: str | None) -> None:
    """Create the embedded database file readable by its owner only (0600).

    It holds password hashes and phone numbers. SQLite gives its -wal and -shm
    files the database file's permissions, so they are private too. A file
    that exists already is left as it is (its owner chose).
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        return
    make_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process was first


def make_private_dir(path) -> None:
    """Create a folder, and each missing folder above it, for its owner only (0700).

    Folders that exist already are left as their owner set them.
    """
    path = Path(path)
    if path.is_dir():
        return
    make_private_dir(path.parent)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return  # another process was first
    os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask


def init_app(app: Flask) -> None:
    app.extensions["geoapp.db"] = Database(
        app.config["DATABASE_URL"],
        busy_timeout=float(app.config.get("SQLITE_BUSY_TIMEOUT", WEB_BUSY_TIMEOUT)))
    app.teardown_appcontext(_close_session)
    app.register_error_handler(sa.exc.OperationalError, _busy)


def database() -> Database:
    return current_app.extensions["geoapp.db"]


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
    if request.path == "/api" or request.path.startswith("/api/"):
        response = jsonify(error="busy", message=message)
    else:
        response = current_app.make_response((message, 503, {"Content-Type":
                                                             "text/plain; charset=utf-8"}))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
