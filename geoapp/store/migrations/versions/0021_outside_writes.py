"""Writes made outside geoapp counted by PostgreSQL (geoapp.store.outside).

A statement-level trigger on every table bumps ``data_version`` after a write by a
connection that is not geoapp's, so the per-process caches re-read at the next
check instead of every ``MAP_CACHE_SECONDS``. Nothing on SQLite.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from geoapp.store import outside

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _tables(bind) -> list[str]:
    """geoapp's tables (not PostGIS' spatial_ref_sys); a table added by a later migration
    gets its trigger there (outside.trigger_ddl)."""
    from geoapp.store.models import Base

    return [name for name in sa.inspect(bind).get_table_names()
            if name in Base.metadata.tables and outside.counted(name)]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(outside.FUNCTION_DDL)
    for name in _tables(bind):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_outside_write ON {name}")
        op.execute(outside.trigger_ddl(name))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _tables(bind):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_outside_write ON {name}")
    op.execute(f"DROP FUNCTION IF EXISTS {outside.FUNCTION}()")
