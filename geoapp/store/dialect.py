"""The one place where the storage backends differ.

PostGIS stores geometry as ``geometry(<type>, 4326)`` with a GiST index
(GeoAlchemy2); the embedded default is SQLite, which stores the same geometry
as WKB in a BLOB so that it works after ``pip install`` alone, with no
SpatiaLite system library. Spatial work (assignment, distances) runs in
vectorised shapely on both (bulk assignment in shapely beats row-by-row
SQL), so the database is only asked for attribute queries.
Application code sees shapely geometries either way.
"""

from __future__ import annotations

import datetime as dt

import geoalchemy2
import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import LargeBinary, TypeDecorator

SRID = 4326


class Geometry(TypeDecorator):
    """A geometry column: shapely in and out, PostGIS geometry or SQLite WKB underneath."""

    impl = geoalchemy2.Geometry
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY"):
        super().__init__(geometry_type=geometry_type, srid=SRID, spatial_index=True)

    def load_dialect_impl(self, dialect):
        # GeoAlchemy2's DDL hooks call this with dialect=None to ask "is this spatial?"
        if dialect is None or dialect.name == "postgresql":
            return self.impl_instance
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return from_shape(value, srid=SRID)
        return shapely.to_wkb(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return to_shape(value)
        return shapely.from_wkb(value)


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant: stored as UTC, always read back aware.

    PostgreSQL's timestamptz does this itself; SQLite has no time zone type and
    would hand back naive clock times, so there the value is kept as naive UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware instant")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def raw_geometry(column):
    """A geometry column's raw value (WKB on SQLite, hex EWKB on PostGIS), undecoded.

    Many rows are then decoded by :func:`decode_raw` in one vectorised call:
    ten times faster than a shapely object per row.
    """
    return sa.type_coerce(column, sa.types.NullType())


def raw_values(values) -> list:
    """Raw geometry values as ``shapely.from_wkb`` takes them (bytes or hex text)."""
    return [bytes(v) if isinstance(v, memoryview) else v for v in values]


def decode_raw(values) -> np.ndarray:
    """Shapely geometries (an array) from raw values of either backend, in one call."""
    return shapely.from_wkb(raw_values(values))


def append_only_ddl(table_name: str, dialect_name: str) -> list[str]:
    """Statements that make a table refuse UPDATE and DELETE in the database itself.

    The ORM refuses too (geoapp.store.models), but bulk statements and other clients
    bypass the ORM; history must not be rewritable by any of them.
    """
    name = table_name
    if dialect_name == "sqlite":
        return [f"CREATE TRIGGER {name}_no_{op.lower()} BEFORE {op} ON {name} "
                f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END"
                for op in ("UPDATE", "DELETE")]
    if dialect_name == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{name} is append-only'; END $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name}
                FOR EACH ROW EXECUTE FUNCTION {name}_append_only()""",
        ]
    return []


def append_only(table: sa.Table) -> None:
    """Attach append_only_ddl to a table's creation (for create_all in tests and tools)."""
    for dialect_name in ("sqlite", "postgresql"):
        for ddl in append_only_ddl(table.name, dialect_name):
            sa.event.listen(table, "after_create", sa.DDL(ddl).execute_if(dialect=dialect_name))


# JSONB on PostgreSQL (indexable, compact); SQLite's JSON elsewhere.
JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def configure_engine(engine: sa.Engine) -> None:
    """Per-dialect connection settings.

    SQLite: WAL lets readers (the web app) go on while an import writes, and
    transactions are begun by us, not by the driver (SQLAlchemy's pysqlite
    recipe), so that a writer can say so up front: a connection that is to
    write begins ``BEGIN IMMEDIATE`` (execution option ``sqlite_write``) and
    takes the write lock before it reads. A deferred transaction that read
    first and writes later fails at once with "database is locked" when
    another writer committed in between; an immediate one waits its turn
    (the busy timeout) instead.
    """
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # the driver no longer begins on its own
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            write = conn.get_execution_options().get("sqlite_write")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def take_number(session, table: sa.Table, key_column: str, key: str, value_column: str,
                floor: int, *, bump: bool = True) -> int:
    """Raise a counter row to ``max(value + 1, floor)`` (``bump``) or ``max(value, floor)``,
    creating it at ``floor`` if missing, and return the new value.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING statement on both backends:
    the row stays locked until the caller's transaction ends, so two callers
    never get the same number.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
        greatest = sa.func.greatest
    else:
        from sqlalchemy.dialects.sqlite import insert
        greatest = sa.func.max  # SQLite's two-argument max() is a scalar
    column = table.c[value_column]
    stmt = insert(table).values({key_column: key, value_column: floor})
    current = column + 1 if bump else column
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key_column]],
        set_={value_column: greatest(current, stmt.excluded[value_column])},
    ).returning(column)
    return session.execute(stmt).scalar_one()


def insert_new(session, table: sa.Table, rows: list[dict], index_elements: list[str]) -> int:
    """Insert the rows whose key (``index_elements``, a unique constraint) is not taken yet;
    returns how many were inserted.

    One INSERT … ON CONFLICT DO NOTHING on both backends: two writers adding
    the same key at once neither fail nor store it twice.
    """
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table).values(rows).on_conflict_do_nothing(
        index_elements=[table.c[name] for name in index_elements])
    # counted from RETURNING: a multi-row INSERT's rowcount is not reliable on psycopg
    primary = list(table.primary_key.columns)
    return len(session.execute(stmt.returning(*primary)).all())


def array_texts(session, column):
    """The texts of the JSON array in ``column``, row by row: a table-valued function with one
    column ``value``, to join to the column's table (``JOIN … ON true``).

    SQLite's ``json_each``, PostgreSQL's ``jsonb_array_elements_text`` (``JSON``
    is JSONB there); a value that is not an array (JSON null) gives no rows on
    PostgreSQL, where the function would raise, and at most a NULL ``value`` on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        array = sa.case((sa.func.jsonb_typeof(column) == "array", column))
        return sa.func.jsonb_array_elements_text(array).table_valued("value")
    return sa.func.json_each(column).table_valued("value")


def is_locked_error(exc: BaseException) -> bool:
    """Whether a database error means "busy, try again": SQLite's write lock was not free
    within the busy timeout, or PostgreSQL gave up waiting for a lock.

    >>> import sqlite3
    >>> is_locked_error(sa.exc.OperationalError("UPDATE", {}, sqlite3.OperationalError(
    ...     "database is locked")))
    True
    >>> is_locked_error(sa.exc.OperationalError("x", {}, sqlite3.OperationalError("no such table")))
    False
    """
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    text = str(exc.orig)
    return ("database is locked" in text or "database is busy" in text
            or "lock timeout" in text or getattr(exc.orig, "sqlstate", None) == "55P03")


def is_embedded(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "sqlite"
