"""Real databases (SQLite file and PostGIS) and the bundled rules.

Every database test runs on both backends. PostGIS comes from
GEOAPP_TEST_POSTGIS_URL (a server database the tests may create databases in;
default: the local server over its Unix socket as user postgres). If it cannot
be reached the PostGIS tests FAIL rather than skip: a skipped backend is not a
tested one. Set GEOAPP_TEST_BACKENDS=sqlite to run the embedded default alone.
"""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from geoapp.domain.layers import load_rules
from geoapp.resources import bundled
from geoapp.store.database import Database
from geoapp.store.models import Base
from tests.support.constants import TODAY

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
    from geoapp.store import models  # noqa: F401

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
    from geoapp.store.demo import load_demo

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    else:
        url = request.getfixturevalue("postgis_url")
    database = _fresh(url)
    load_demo(database, rules, echo=lambda _msg: None, today=TODAY)  # the apps' today
    yield database
    database.dispose()
