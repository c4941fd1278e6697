"""Writes made outside geoapp, counted by PostgreSQL itself.

Each process keeps the map's snapshot and the reports' dataset in memory and
checks the data's fingerprint (geoapp.store.fingerprint) on every request. The
fingerprint sees what geoapp writes: new rows, appended events, the import
counter. It cannot see a row corrected in place by another client (psql,
QGIS, a script), so the caches used to be read again in full every
``MAP_CACHE_SECONDS``. At 10⁶ points that re-read cost each worker tens of
seconds of CPU a minute, which alone kept a 2-core machine busy.

On PostgreSQL the database tells instead: a statement-level trigger on every
table bumps the import counter (``data_version``, the fingerprint's last part)
after any INSERT, UPDATE, DELETE or TRUNCATE by a connection that is not
geoapp's. geoapp's connections say who they are when they connect (the
setting ``geoapp.writer``), so their own writes, which the fingerprint already
sees and the caches patch in, do not count. A write from outside then reads
everything again at the next check, as an import does; nothing expires by time.

The embedded database has no per-connection setting a trigger can read, so
there the caches still expire after ``MAP_CACHE_SECONDS`` (web.db.cache_seconds).
A tool that disables triggers (``session_replication_role = replica``, or
``pg_restore --disable-triggers``) is not counted: restart geoapp after one.
"""

from __future__ import annotations

import sqlalchemy as sa

SETTING = "geoapp.writer"
FUNCTION = "geoapp_outside_write"
UNCOUNTED = frozenset({"data_version", "alembic_version"})  # the counter itself; migrations'

FUNCTION_DDL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
  IF current_setting('{SETTING}', true) IS DISTINCT FROM 'geoapp' THEN
    INSERT INTO data_version (id, version) VALUES (1, 1)
      ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def trigger_ddl(table_name: str) -> str:
    """The statement that makes writes to ``table_name`` from outside geoapp count."""
    return (f"CREATE TRIGGER {table_name}_outside_write AFTER INSERT OR UPDATE OR DELETE "
            f"OR TRUNCATE ON {table_name} FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")


def counted(table_name: str) -> bool:
    return table_name not in UNCOUNTED


def attach(metadata: sa.MetaData) -> None:
    """Make create_all (tests, tools) install the function and the triggers on PostgreSQL;
    deployments get them from migration 0021."""
    sa.event.listen(metadata, "before_create",
                    sa.DDL(FUNCTION_DDL).execute_if(dialect="postgresql"))
    for table in metadata.tables.values():
        if counted(table.name):
            sa.event.listen(table, "after_create",
                            sa.DDL(trigger_ddl(table.name)).execute_if(dialect="postgresql"))


def mark_connections(engine: sa.Engine) -> None:
    """Every connection geoapp opens says it is geoapp's (PostgreSQL): its writes are
    seen by the fingerprint, not counted as from outside."""
    if engine.dialect.name != "postgresql":
        return

    @sa.event.listens_for(engine, "connect")
    def _mark(dbapi_conn, _record):
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True  # a session setting, outside any transaction
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET {SETTING} = 'geoapp'")
        dbapi_conn.autocommit = autocommit


def counts_outside_writes(engine: sa.Engine) -> bool:
    """Does this database count writes made outside geoapp (so caches need not expire)?"""
    return engine.dialect.name == "postgresql"
