"""Writes made outside geoapp (geoapp.store.outside): PostgreSQL counts them into the data's
fingerprint, so the per-process caches re-read at once and need not expire by time;
geoapp's own writes are not counted (they are patched in)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geoapp.store import hazards, migrate, outside
from geoapp.store.fingerprint import data_fingerprint
from geoapp.store.models import Base, Hazard
from tests.support.apps import AuthActions, make_app, shop_with_hazard

DAY = dt.date(2030, 5, 1)


def _counter(database) -> int:
    with database.transaction() as s:
        return data_fingerprint(s)[-1] or 0


def _outside(database, statement: str) -> None:
    """``statement`` by another client: a plain engine, not geoapp's Database."""
    engine = sa.create_engine(database.url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(statement))
    finally:
        engine.dispose()


def test_outside_writes_move_the_import_counter_and_geoapps_own_do_not(database, rules):
    point_id, hazard_id = shop_with_hazard(database, rules, found_on=DAY)
    before = _counter(database)
    with database.transaction() as s:  # geoapp's own write: a step, seen by its event
        h = s.get(Hazard, hazard_id)
        h.state = "rectifying"
        hazards.record(h, "测试", "start")
    assert _counter(database) == before

    _outside(database, f"UPDATE point SET name = '改名商店（虚构）' WHERE id = {point_id}")
    if database.engine.dialect.name == "postgresql":
        assert _counter(database) == before + 1
        _outside(database, "DELETE FROM user_cell")  # a statement touching no row counts too
        assert _counter(database) == before + 2
    else:  # the embedded database cannot tell: its caches expire by time instead
        assert _counter(database) == before
        assert not outside.counts_outside_writes(database.engine)


def test_the_served_map_shows_an_outside_write_at_once(database, rules):
    shop_with_hazard(database, rules, found_on=DAY)
    app = make_app(database, WARM_START=False)  # MAP_CACHE_SECONDS left at its 60 s
    client = app.test_client()
    AuthActions(client).login("leader")

    def names() -> dict:
        doc = client.get("/api/map/cells").get_json()
        return dict(zip(doc["code"], doc["name"], strict=True))

    assert names()["A"] == "一网格"
    cache = app.extensions["geoapp.mapcache"]
    _outside(database, "UPDATE cell SET name = '改名网格（虚构）' WHERE code = 'A'")
    if database.engine.dialect.name == "postgresql":
        assert cache.max_age == float("inf")  # nothing expires by time here
        assert names()["A"] == "改名网格（虚构）"  # at once, not after MAP_CACHE_SECONDS
    else:
        assert cache.max_age == 60
        assert names()["A"] == "一网格"  # seen only once the cache expires


def test_migrations_install_the_count_on_every_table(database):
    """A migrated database counts like one made by create_all: every geoapp table but the
    counter itself (a later migration that adds a table adds its trigger)."""
    from tests.store.test_migrations import _empty

    _empty(database)
    migrate.upgrade(database)
    with database.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = set(conn.scalars(sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%\\_outside\\_write'")))
        else:
            found = set(conn.scalars(sa.text(
                "SELECT name FROM sqlite_master WHERE name LIKE '%outside_write'")))
    if database.engine.dialect.name == "postgresql":
        expected = {f"{name}_outside_write" for name in Base.metadata.tables
                    if name != "data_version"}
        assert found == expected
        before = _counter(database)
        _outside(database, "UPDATE cell SET name = name")
        assert _counter(database) == before + 1
    else:
        assert found == set()
