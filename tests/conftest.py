"""Fixtures: real databases (SQLite file and PostGIS), the app, and file builders.

Every database test runs on both backends. PostGIS comes from
GEOAPP_TEST_POSTGIS_URL (a server database the tests may create databases in;
default: the local server over its Unix socket as user postgres). If it cannot
be reached the PostGIS tests FAIL rather than skip: a skipped backend is not a
tested one. Set GEOAPP_TEST_BACKENDS=sqlite to run the embedded default alone.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import sqlalchemy as sa

from geoapp import create_app
from geoapp.db import Base, Database
from geoapp.layers import load_rules
from geoapp.resources import bundled

BACKENDS = [b.strip() for b in os.environ.get("GEOAPP_TEST_BACKENDS", "sqlite,postgis").split(",")]
POSTGIS_ADMIN = os.environ.get(
    "GEOAPP_TEST_POSTGIS_URL", "postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql"
)


@pytest.fixture(scope="session")
def rules():
    return load_rules(bundled("layers"))


@pytest.fixture(scope="session")
def postgis_url():
    """A throwaway database with the PostGIS extension, dropped at the end of the run."""
    admin = sa.create_engine(POSTGIS_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"geoapp_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostGIS server not reachable at {POSTGIS_ADMIN}: {exc}", pytrace=False)
    url = sa.engine.make_url(POSTGIS_ADMIN).set(database=name)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh(url: str) -> Database:
    database = Database(url)
    from geoapp import models  # noqa: F401

    Base.metadata.drop_all(database.engine)
    with database.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    database.create_all()
    return database


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """An empty database on each backend."""
    if request.param == "sqlite":
        database = _fresh(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    else:
        database = _fresh(request.getfixturevalue("postgis_url"))
    yield database
    database.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def demo_database(request, tmp_path_factory, rules):
    """The bundled demo loaded once per backend (read-only tests only)."""
    from geoapp.demo import load_demo

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    else:
        url = request.getfixturevalue("postgis_url")
    database = _fresh(url)
    load_demo(database, rules, echo=lambda _msg: None)
    yield database
    database.dispose()


@pytest.fixture
def demo_client(demo_database):
    app = create_app({"TESTING": True, "DATABASE_URL": demo_database.url})
    return app.test_client()


def snapshot(database: Database) -> dict:
    """Every row of every table, for 'nothing changed' assertions."""
    out = {}
    with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def write_geojson(path, features: list[tuple[dict, object]], crs_name: str | None = None):
    """features: (properties, shapely geometry) pairs."""
    import shapely

    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": json.loads(shapely.to_geojson(geom)) if geom is not None else None}
        for props, geom in features]}
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def write_csv(path, header: list[str], rows: list[list], encoding="utf-8"):
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, header: list[str], rows: list[list]):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# ---- the PostGIS half must really run (GEOAPP_REQUIRE_POSTGIS=1, set by scripts/test.sh)

_backend_tally = {"postgis_passed": 0, "postgis_skipped": 0}


def pytest_runtest_logreport(report):
    if "[postgis" not in report.nodeid and "-postgis" not in report.nodeid:
        return
    if report.when == "call" and report.passed:
        _backend_tally["postgis_passed"] += 1
    if report.skipped:
        _backend_tally["postgis_skipped"] += 1


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("GEOAPP_REQUIRE_POSTGIS") != "1":
        return
    if _backend_tally["postgis_passed"] == 0 or _backend_tally["postgis_skipped"]:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if os.environ.get("GEOAPP_REQUIRE_POSTGIS") == "1":
        t = _backend_tally
        ok = t["postgis_passed"] > 0 and not t["postgis_skipped"]
        terminalreporter.write_line(
            f"PostGIS backend: {t['postgis_passed']} passed, {t['postgis_skipped']} skipped"
            + ("" if ok else "  -> FAIL: the PostGIS suite did not fully run"))
