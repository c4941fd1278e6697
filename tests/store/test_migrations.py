"""Migrations: from empty to head on both backends, matching the models exactly."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from geoapp.cli import main
from geoapp.store import hazards, migrate
from geoapp.store.database import Database
from geoapp.store.models import Base, Hazard, Point

# the newest revision: a new migration changes this one line
HEAD = "0021"


def _empty(database: Database) -> Database:
    with database.engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("DROP FUNCTION IF EXISTS hazard_event_append_only() CASCADE"))
    return database


def _diff(database: Database) -> list:
    from geoapp.store.migrations import env_options

    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts=env_options())
        return compare_metadata(ctx, Base.metadata)


def _insert_shop(conn) -> None:
    """Point 1, a synthetic shop at (1, 1), written as plain SQL (an older revision's schema)."""
    geom = ("X'0101000000000000000000F03F000000000000F03F'" if conn.dialect.name == "sqlite"
            else "ST_GeomFromText('POINT(1 1)', 4326)")
    conn.execute(sa.text(
        "INSERT INTO point (id, layer, key, name, geom, attrs, source_crs, zone_codes, "
        f"outside, inherent_level, risk_level) VALUES (1, 'enterprise', 'K1', '商店（虚构）', "
        f"{geom}, '{{}}', 'wgs84', '[]', false, 'blue', 'blue')"))


def test_upgrade_from_empty_matches_models(database):
    _empty(database)
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    with database.engine.connect() as conn:  # the import counter starts with its one row
        assert conn.execute(sa.text("SELECT id, version FROM data_version")).all() == [(1, 0)]
    inspector = sa.inspect(database.engine)
    assert {"town", "village", "cell", "zone", "point", "hazard", "hazard_event", "app_user",
            "user_cell"} <= set(inspector.get_table_names())
    if database.engine.dialect.name == "postgresql":
        # geometry columns with GiST indexes, created by the migration
        with database.engine.connect() as conn:
            gist = conn.execute(sa.text(
                "SELECT tablename, indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'"
            )).all()
            types = dict(conn.execute(sa.text(
                "SELECT f_table_name, type FROM geometry_columns")).all())
        assert {t for t, _ in gist} == {"cell", "zone", "point", "admission_check", "accident"}
        assert types == {"cell": "MULTIPOLYGON", "zone": "MULTIPOLYGON", "point": "POINT",
                         "admission_check": "GEOMETRY", "accident": "POINT"}


def test_geoapp_db_upgrade_migrates_and_history_refuses_update_and_delete(database,
                                                                         monkeypatch):
    """`geoapp db upgrade` on an empty database, twice; then its hazard history is append-only."""
    _empty(database)
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database.url)
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"])
    assert first.exit_code == 0 and first.output.endswith(f"schema empty → {HEAD}\n"), first.output
    again = runner.invoke(main, ["db", "upgrade"])
    assert again.exit_code == 0 and again.output.endswith(f"schema {HEAD} → {HEAD}\n"), again.output

    with database.transaction() as s:
        h = Hazard(code="H1", level="general", source="inspection", description="测试",
                   found_on=dt.date(2026, 3, 1), deadline=dt.date(2026, 3, 31), state="open",
                   point=Point(layer="enterprise", key="K1", name="甲（虚构）",
                               geom=shapely.Point(120, 31), attrs={}))
        s.add(h)
        hazards.record(h, "测试", "create")
    for statement in ("UPDATE hazard_event SET note = '改写'", "DELETE FROM hazard_event"):
        with pytest.raises(sa.exc.DBAPIError, match="hazard_event is append-only"):
            with database.engine.begin() as conn:
                conn.execute(sa.text(statement))
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT action, note FROM hazard_event")).all() == [
            ("create", "")]


def test_database_made_by_create_all_is_stamped_and_upgraded(database):
    # the fixture built the schema with create_all, as databases from before migrations were
    assert migrate.current(database) is None
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []


def test_accounts_migration_upgrades_a_0001_database(database):
    _empty(database)
    assert migrate.upgrade(database, "0001") == "0001"
    assert "app_user" not in sa.inspect(database.engine).get_table_names()
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []


def test_code_counters_are_seeded_from_the_stored_codes(database):
    """Upgrading a database that has hazards: the next code of a day follows its highest."""
    import datetime as dt

    from geoapp.store import hazardcodes

    _empty(database)
    migrate.upgrade(database, "0003")
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO point (id, layer, key, name, geom, attrs, source_crs, zone_codes, "
            "outside, inherent_level, risk_level) VALUES (1, 'enterprise', 'K1', '商店（虚构）', "
            + ("X'0101000000000000000000F03F000000000000F03F'"
               if conn.dialect.name == "sqlite" else "ST_GeomFromText('POINT(1 1)', 4326)")
            + ", '{}', 'wgs84', '[]', false, 'blue', 'blue')"))
        for n, code in enumerate(["YH20260415-012", "YH20260415-004", "YH20260416-001",
                                  "台账-7"], start=1):
            conn.execute(sa.text(
                "INSERT INTO hazard (id, code, point_id, level, source, description, found_on, "
                "deadline, listed, state, version) VALUES (:id, :code, 1, 'general', "
                "'inspection', '测试', '2026-04-15', '2026-05-15', false, 'open', 1)"),
                {"id": n, "code": code})
    assert migrate.upgrade(database) == HEAD
    with database.engine.connect() as conn:
        assert dict(conn.execute(sa.text(
            "SELECT day, last FROM hazard_code_counter")).all()) == {"20260415": 12,
                                                                      "20260416": 1}
    with database.transaction() as s:
        assert hazardcodes.next_code(s, dt.date(2026, 4, 15)) == "YH20260415-013"


def test_session_generation_migration_keeps_accounts(database):
    _empty(database)
    assert migrate.upgrade(database, "0003") == "0003"
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO app_user (username, password_hash, role, active, created_at) "
            "VALUES ('wang', 'h', 'leader', true, '2026-12-01 00:00:00')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    with database.engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT username, session_generation FROM app_user")).all() == [("wang", 0)]


def test_inspections_migration_keeps_history_and_new_tables_are_append_only(database):
    """A 0005 database with a hazard and its event upgrades to 0006; the event stays,
    and point history, inspections and photos refuse UPDATE and DELETE."""
    _empty(database)
    migrate.upgrade(database, "0005")
    with database.engine.begin() as conn:
        _insert_shop(conn)
        conn.execute(sa.text(
            "INSERT INTO hazard (id, code, point_id, level, source, description, found_on, "
            "deadline, listed, state, version) VALUES (1, 'YH20260415-001', 1, 'general', "
            "'inspection', '测试', '2026-04-15', '2026-05-15', false, 'open', 1)"))
        conn.execute(sa.text(
            "INSERT INTO hazard_event (hazard_id, at, actor, action, to_state, note) "
            "VALUES (1, '2026-04-15 02:00:00', '张三', 'create', 'open', '旧记录')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    with database.engine.begin() as conn:
        assert conn.execute(sa.text(
            "SELECT actor, action, note, changes FROM hazard_event")).all() == [
            ("张三", "create", "旧记录", None)]
        assert conn.execute(sa.text("SELECT client_id FROM hazard")).all() == [(None,)]
        conn.execute(sa.text(
            "INSERT INTO point_event (point_id, at, actor, action, changes, note) "
            "VALUES (1, '2026-04-16 02:00:00', 'import: a.xlsx', 'import', '{}', '')"))
        conn.execute(sa.text(
            "INSERT INTO inspection (point_id, inspected_at, inspector, inspector_name, "
            "checklist, note) VALUES (1, '2026-04-16 02:00:00', 'grid1', '王五', '{}', '')"))
        conn.execute(sa.text(
            "INSERT INTO photo (inspection_id, uploaded_at, uploaded_by, filename, media_type, "
            "width, height, sha256, data, thumb) VALUES (1, '2026-04-16 02:00:00', 'grid1', "
            "'a.jpg', 'image/jpeg', 1, 1, 'x', :data, :data)"), {"data": b"\xff\xd8"})
    for table in ("point_event", "inspection", "photo"):
        for statement in (f"UPDATE {table} SET id = id + 100", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DBAPIError, match=f"{table} is append-only"):
                with database.engine.begin() as conn:
                    conn.execute(sa.text(statement))


def test_supervisor_migration_keeps_accounts_and_their_cells(database):
    """0006 → 0007 widens the role check to 'supervisor'; the accounts and the grid
    member's cells survive the table copy SQLite needs, and other roles stay refused.
    Downgrading refuses while a supervisor exists, and works once none does."""
    _empty(database)
    migrate.upgrade(database, "0006")
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO app_user (id, username, password_hash, role, active, created_at, "
            "session_generation) VALUES (7, 'zhang', 'h', 'grid', true, "
            "'2026-12-01 00:00:00', 3)"))
        conn.execute(sa.text("INSERT INTO user_cell (user_id, cell_code) VALUES "
                             "(7, 'SF-05-01'), (7, 'SF-06-02')"))
    with pytest.raises(sa.exc.IntegrityError):
        with database.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO app_user (username, password_hash, role, active, created_at) "
                "VALUES ('li', 'h', 'supervisor', true, '2026-12-01 00:00:00')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    with database.engine.begin() as conn:
        assert conn.execute(sa.text(
            "SELECT id, username, role, session_generation FROM app_user")).all() == [
            (7, "zhang", "grid", 3)]
        assert conn.execute(sa.text(
            "SELECT user_id, cell_code FROM user_cell ORDER BY cell_code")).all() == [
            (7, "SF-05-01"), (7, "SF-06-02")]
        conn.execute(sa.text(
            "INSERT INTO app_user (id, username, password_hash, role, active, created_at) "
            "VALUES (8, 'li', 'h', 'supervisor', true, '2026-12-01 00:00:00')"))
    with pytest.raises(sa.exc.IntegrityError):
        with database.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO app_user (username, password_hash, role, active, created_at) "
                "VALUES ('boss', 'h', 'chief', true, '2026-12-01 00:00:00')"))
    with pytest.raises(RuntimeError, match="supervisor accounts exist"):
        migrate.downgrade(database, "0006")
    with database.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM app_user WHERE id = 8"))
    migrate.downgrade(database, "0006")
    assert migrate.current(database) == "0006"
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM user_cell")).scalar() == 2


def test_listing_migration_turns_the_old_flag_into_listings_of_unknown_date(database):
    """0007 → 0009: each hazard flagged listed gets a listing whose date, level, unit and
    deadline are unknown (NULL, never invented); the flag and the history stay. Downgrading
    drops the table and keeps the flag."""
    _empty(database)
    migrate.upgrade(database, "0007")
    with database.engine.begin() as conn:
        _insert_shop(conn)
        for n, listed, state in ((1, True, "open"), (2, False, "open"), (3, True, "closed")):
            conn.execute(sa.text(
                "INSERT INTO hazard (id, code, point_id, level, source, description, found_on, "
                "deadline, listed, state, version) VALUES (:id, :code, 1, 'major', "
                "'inspection', '测试', '2026-04-15', '2026-05-15', :listed, :state, 1)"),
                {"id": n, "code": f"YH20260415-00{n}", "listed": listed, "state": state})
        conn.execute(sa.text(
            "INSERT INTO hazard_event (hazard_id, at, actor, action, to_state, note) "
            "VALUES (1, '2026-04-15 02:00:00', '张三', 'create', 'open', '')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    with database.engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT hazard_id, level, unit, listed_on, deadline, listed_by, listed_published_on, "
            "delisted_on FROM listing ORDER BY hazard_id")).all() == [
            (1, None, None, None, None, None, None, None),
            (3, None, None, None, None, None, None, None)]
        assert conn.execute(sa.text("SELECT id, listed FROM hazard ORDER BY id")).all() == [
            (1, True), (2, False), (3, True)]
        assert conn.execute(sa.text("SELECT count(*) FROM hazard_event")).scalar() == 1
    # a second listing of the same hazard is refused by the table itself
    with pytest.raises(sa.exc.IntegrityError):
        with database.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO listing (hazard_id) VALUES (1)"))
    migrate.downgrade(database, "0007")
    assert "listing" not in sa.inspect(database.engine).get_table_names()
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM hazard WHERE listed")).scalar() == 2


def test_extensions_migration_keeps_hazards_and_their_history(database):
    """0007 → 0008 adds the extension table and the hazard's original deadline: old
    hazards were never extended (NULL), their rows and events stay; one request per
    hazard may wait at a time; downgrading removes both again."""
    _empty(database)
    migrate.upgrade(database, "0007")
    with database.engine.begin() as conn:
        _insert_shop(conn)
        conn.execute(sa.text(
            "INSERT INTO hazard (id, code, point_id, level, source, description, found_on, "
            "deadline, listed, state, version) VALUES (1, 'YH20260415-001', 1, 'general', "
            "'inspection', '测试', '2026-04-15', '2026-05-15', false, 'rectifying', 3)"))
        conn.execute(sa.text(
            "INSERT INTO hazard_event (hazard_id, at, actor, action, to_state, note) "
            "VALUES (1, '2026-04-15 02:00:00', '张三', 'create', 'open', '旧记录')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    with database.engine.begin() as conn:
        assert conn.execute(sa.text(
            "SELECT code, original_deadline, state, version FROM hazard")).all() == [
            ("YH20260415-001", None, "rectifying", 3)]
        assert conn.execute(sa.text("SELECT actor, note FROM hazard_event")).all() == [
            ("张三", "旧记录")]
        insert = sa.text(
            "INSERT INTO extension (hazard_id, requested_at, requested_by, reason, "
            "old_deadline, until, state, decision_note, version) VALUES (1, "
            "'2026-05-10 02:00:00', 'grid1', '设备未到货', '2026-05-15', :until, :state, '', 1)")
        conn.execute(insert, {"until": "2026-05-30", "state": "refused"})
        conn.execute(insert, {"until": "2026-05-25", "state": "requested"})
    with pytest.raises(sa.exc.IntegrityError):  # a second pending request
        with database.engine.begin() as conn:
            conn.execute(insert, {"until": "2026-05-20", "state": "requested"})
    with pytest.raises(sa.exc.IntegrityError):  # no other state
        with database.engine.begin() as conn:
            conn.execute(insert, {"until": "2026-05-20", "state": "maybe"})
    migrate.downgrade(database, "0007")
    inspector = sa.inspect(database.engine)
    assert "extension" not in inspector.get_table_names()
    assert "original_deadline" not in {c["name"] for c in inspector.get_columns("hazard")}
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM hazard_event")).scalar() == 1


def test_measures_migration_keeps_hazards_and_the_table_is_append_only(database):
    """0007 → 0010 adds the measure table: existing hazards and events stay, a measure
    names exactly one target (an enterprise or a hazard), and it refuses UPDATE and DELETE."""
    _empty(database)
    migrate.upgrade(database, "0007")
    with database.engine.begin() as conn:
        _insert_shop(conn)
        conn.execute(sa.text(
            "INSERT INTO hazard (id, code, point_id, level, source, description, found_on, "
            "deadline, listed, state, version) VALUES (1, 'YH20260415-001', 1, 'general', "
            "'inspection', '测试', '2026-04-15', '2026-05-15', false, 'open', 1)"))
        conn.execute(sa.text(
            "INSERT INTO hazard_event (hazard_id, at, actor, action, to_state, note) "
            "VALUES (1, '2026-04-15 02:00:00', '张三', 'create', 'open', '旧记录')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    insert = ("INSERT INTO measure (kind, taken_on, unit, recipient, note, point_id, hazard_id, "
              "recorded_by, recorded_at) VALUES ('interview', '2026-05-20', '示范镇安监站', "
              "'主要负责人', '', :point, :hazard, 'sup', '2026-05-20 02:00:00')")
    with database.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT code, state FROM hazard")).all() == [
            ("YH20260415-001", "open")]
        conn.execute(sa.text(insert), {"point": 1, "hazard": None})
        conn.execute(sa.text(insert), {"point": None, "hazard": 1})
    for target in ({"point": 1, "hazard": 1}, {"point": None, "hazard": None}):
        with pytest.raises(sa.exc.IntegrityError):
            with database.engine.begin() as conn:
                conn.execute(sa.text(insert), target)
    for statement in ("UPDATE measure SET note = '改写'", "DELETE FROM measure"):
        with pytest.raises(sa.exc.DBAPIError, match="measure is append-only"):
            with database.engine.begin() as conn:
                conn.execute(sa.text(statement))
    migrate.downgrade(database, "0007")
    assert "measure" not in sa.inspect(database.engine).get_table_names()
    assert migrate.upgrade(database) == HEAD


def test_inbox_migration_adds_email_and_an_outbox_that_queues_a_reminder_once(database):
    """0007 → 0011: accounts (and a grid member's cells) keep as they were, with no
    address; the outbox refuses the same (account, reminder) twice and an unknown
    state. Downgrading drops both and keeps the accounts."""
    _empty(database)
    migrate.upgrade(database, "0007")
    with database.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO app_user (id, username, password_hash, role, active, created_at, "
            "session_generation) VALUES (7, 'zhang', 'h', 'grid', true, "
            "'2026-12-01 00:00:00', 2)"))
        conn.execute(sa.text("INSERT INTO user_cell (user_id, cell_code) VALUES (7, 'SF-05-01')"))
    assert migrate.upgrade(database) == HEAD
    assert _diff(database) == []
    insert = sa.text(
        "INSERT INTO outbox (user_id, key, kind, hazard_id, item, state, attempts, queued_at) "
        "VALUES (7, :key, 'overdue', 3, '{}', :state, 0, '2026-12-05 01:00:00')")
    with database.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT username, email, session_generation FROM app_user")
                            ).all() == [("zhang", None, 2)]
        conn.execute(sa.text("UPDATE app_user SET email = 'zhang@example.cn' WHERE id = 7"))
        conn.execute(insert, {"key": "overdue:3:2026-12-01", "state": "queued"})
    for key, state in (("overdue:3:2026-12-01", "queued"), ("overdue:3:2026-12-02", "lost")):
        with pytest.raises(sa.exc.IntegrityError):
            with database.engine.begin() as conn:
                conn.execute(insert, {"key": key, "state": state})
    migrate.downgrade(database, "0007")
    with database.engine.connect() as conn:
        assert "outbox" not in sa.inspect(conn).get_table_names()
        assert conn.execute(sa.text("SELECT username FROM app_user")).all() == [("zhang",)]
        assert conn.execute(sa.text("SELECT count(*) FROM user_cell")).scalar() == 1
