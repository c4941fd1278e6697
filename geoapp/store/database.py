"""The database handle: engine and sessions, for the app and for the CLI.

``Database(url)`` is plain SQLAlchemy, without Flask (``geoapp.web.db``
attaches one to the app; no database is opened at import time).

Writers say so: ``Database.transaction()`` takes the embedded database's write
lock when it begins (``dialect.configure_engine``), so a read-then-write inside
it cannot be overtaken. The database file and its folder are private to their
owner: they hold password hashes and phone numbers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from geoapp.settings import CLI_BUSY_TIMEOUT, WEB_BUSY_TIMEOUT  # noqa: F401 (the CLI's)
from geoapp.store import dialect, outside

# Defaults of the busy timeout: geoapp.settings


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
        outside.mark_connections(self.engine)  # its own writes do not count as outside
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        """Tables straight from the models (tests); deployments use geoapp.store.migrate."""
        from geoapp.store import models

        models.Base.metadata.create_all(self.engine)

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
