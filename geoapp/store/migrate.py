"""Schema migrations (Alembic), run from code: ``geoapp db upgrade``.

The migration scripts live in ``geoapp/store/migrations/versions``. Both backends
run the same scripts; a test checks that upgrading an empty database gives
exactly the schema of geoapp.store.models.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from geoapp.store.database import Database

# The schema that databases made by create_all (before migrations existed) have.
BASELINE = "0001"


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def current(database: Database) -> str | None:
    with database.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; returns the revision now current.

    A database that already has the tables but no migration record (made by
    an earlier ``create_all``) is stamped at the baseline first.
    """
    with database.engine.begin() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        cfg = _config(conn)
        if "cell" in tables and "alembic_version" not in tables:
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, revision)
    return current(database)


def downgrade(database: Database, revision: str) -> str | None:
    """Take the schema back to ``revision`` (for a rollback of a release); returns it."""
    with database.engine.begin() as conn:
        command.downgrade(_config(conn), revision)
    return current(database)


def autogenerate(database: Database, message: str) -> None:
    """Write a new migration script from the difference between models and database."""
    with database.engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
