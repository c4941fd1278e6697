"""Assertions about a whole database: nothing changed, an import was refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geoapp.store.database import Database
from geoapp.store.models import Base


def snapshot(database: Database) -> dict:
    """Every row of every table, for 'nothing changed' assertions.

    The audit log is left out: a refused act is itself recorded there (on purpose).
    """
    out = {}
    with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def rejected(database: Database, fn, *args, **kwargs) -> str:
    """The report of an import that must be refused, after checking it changed nothing."""
    from geoapp.ingest.problems import ImportRejected

    before = snapshot(database)
    with pytest.raises(ImportRejected) as info:
        fn(database, *args, **kwargs)
    assert snapshot(database) == before, "a rejected import changed the database"
    return str(info.value)
