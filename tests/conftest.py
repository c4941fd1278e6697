"""Fixtures: real databases (SQLite file and PostGIS), the app, and file builders.

Every database test runs on both backends. PostGIS comes from
GEOAPP_TEST_POSTGIS_URL (a server database the tests may create databases in;
default: the local server over its Unix socket as user postgres). If it cannot
be reached the PostGIS tests FAIL rather than skip: a skipped backend is not a
tested one. Set GEOAPP_TEST_BACKENDS=sqlite to run the embedded default alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import re
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

from geoapp import create_app
from geoapp.db import Base, Database
from geoapp.layers import load_rules
from geoapp.resources import bundled

# Property tests (test_properties.py): "ci" — the default — draws a fixed, bounded set of
# examples (derandomize: the same ones every run, so CI is reproducible and fast);
# HYPOTHESIS_PROFILE=explore searches longer and at random.
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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


TEST_SECRET_KEY = "test-only-secret-key"
# The apps' "today" (geoapp.clock): pinned, so no test depends on the hour it runs at
# (a Shanghai midnight mid-run). Later than any real event the tests record, which
# carry the real time of the run.
TODAY = dt.date(2030, 6, 14)


# Every app make_app builds has its own engine and connection pool; the autouse
# fixture below closes them after each test, so no connection is left to the
# garbage collector (psycopg warns of each: ResourceWarning, an error in this suite).
_apps_made: list = []


def make_app(database: Database, **config):
    """An app over ``database``; CSRF protection and the log-in rate limit stay ON.

    Its connections are closed when the test ends.
    """
    app = create_app({"TESTING": True, "DATABASE_URL": database.url,
                      "SECRET_KEY": TEST_SECRET_KEY, "TODAY": TODAY, **config})
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def _dispose_apps():
    yield
    while _apps_made:
        _apps_made.pop().extensions["geoapp.db"].dispose()


@pytest.fixture
def demo_client(demo_database):
    return make_app(demo_database).test_client()


@pytest.fixture
def app(database):
    return make_app(database)


@pytest.fixture
def client(app):
    return app.test_client()


# ---- accounts: `auth.login("grid", cells=["A"])` logs a client in through the real form

PASSWORD = "correct-horse-battery"
ROLES = ("leader", "grid", "planner", "admin")


@functools.cache
def _password_hash(password: str) -> str:
    from geoapp.accounts import hash_password

    return hash_password(password)  # argon2 takes ~0.1 s: hash each test password once


def make_user(database: Database, username: str, role: str | None = None, cells=(),
              password: str = PASSWORD, active: bool = True) -> str:
    """Create an account straight in the database; role defaults to the username."""
    from geoapp.models import User, UserCell

    with database.transaction() as s:
        s.add(User(username=username, role=role or username, active=active,
                   password_hash=_password_hash(password),
                   cell_links=[UserCell(cell_code=c) for c in cells]))
    return username


def add_shop(database: Database) -> int:
    """One retail shop (synthetic) in cell C0 at (120.005, 31.005); returns its point id."""
    import shapely

    from geoapp.models import Point

    with database.transaction() as s:
        point = Point(layer="enterprise", key="K1", name="商店（虚构）",
                      geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"},
                      cell_code="C0")
        s.add(point)
        s.flush()
        return point.id


def csrf_token_from(html: str) -> str:
    """The CSRF token of a page: the log-in form's hidden field or base.html's meta tag."""
    found = (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'<meta name="csrf-token" content="([^"]+)"', html))
    assert found, "no CSRF token on the page"
    return found.group(1)


class AuthActions:
    """Log a test client in and out through the real form, CSRF token and all.

    ``login(username)`` creates the account first if it does not exist (role:
    ``role=``, else the username, so ``login("planner")`` is a planner; a grid
    member needs ``cells=[...]``). Once logged in, the client sends the CSRF
    token as the X-CSRFToken header with every request, as the pages' fetch()
    calls do, so JSON POSTs need nothing more. Accounts it created are deleted
    at teardown: the shared demo database stays without accounts.
    """

    def __init__(self, client):
        self.client = client
        self.database = client.application.extensions["geoapp.db"]
        self.created: list[str] = []

    def login(self, username: str = "admin", password: str = PASSWORD, *,
              role: str | None = None, cells=()):
        from geoapp.accounts import find_user

        with self.database.sessions() as s:
            exists = find_user(s, username) is not None
        if not exists:
            self.created.append(make_user(self.database, username, role, cells, password))
        self.logout()
        token = csrf_token_from(self.client.get("/login").get_data(as_text=True))
        response = self.client.post("/login", data={
            "username": username, "password": password, "csrf_token": token})
        self.client.environ_base["HTTP_X_CSRFTOKEN"] = token
        return response

    def logout(self):
        if "HTTP_X_CSRFTOKEN" in self.client.environ_base:
            self.client.post("/logout")
            del self.client.environ_base["HTTP_X_CSRFTOKEN"]

    def cleanup(self):
        from geoapp.accounts import find_user

        with self.database.transaction() as s:
            for username in self.created:
                s.delete(find_user(s, username))
        self.created.clear()


@pytest.fixture
def auth(client):
    actions = AuthActions(client)
    yield actions
    actions.cleanup()


@pytest.fixture
def demo_auth(demo_client):
    """``auth`` for ``demo_client`` (the shared demo database; its accounts go at teardown)."""
    actions = AuthActions(demo_client)
    yield actions
    actions.cleanup()


def snapshot(database: Database) -> dict:
    """Every row of every table, for 'nothing changed' assertions."""
    out = {}
    with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def rejected(database: Database, fn, *args, **kwargs) -> str:
    """The report of an import that must be refused, after checking it changed nothing."""
    from geoapp.ledger import ImportRejected

    before = snapshot(database)
    with pytest.raises(ImportRejected) as info:
        fn(database, *args, **kwargs)
    assert snapshot(database) == before, "a rejected import changed the database"
    return str(info.value)


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


# ---- a real browser against a real server

CHROMIUM = "/usr/bin/chromium"  # Debian's package; never `playwright install`


def serve(app):
    """Serve ``app`` on a free local port in a thread; returns (url, stop)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()  # its listening socket, else left to the garbage collector

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture
def live_url(app):
    """The ``app`` fixture served on a free local port for a browser."""
    url, stop = serve(app)
    yield url
    stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright for Python, one per test run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                  "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


@contextlib.contextmanager
def watched_page(browser, width: int = 1280, height: int = 800, **options):
    """A page in a fresh browser context; yields (page, request URLs, script errors).

    Every page checks itself: a Content-Security-Policy violation (Chromium
    logs each as a console error) fails the test when the block ends.
    """
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    requests, errors, refused = [], [], []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    context.on("console", lambda m: refused.append(m.text) if m.type == "error"
            and "Content Security Policy" in m.text else None)
    try:
        yield page, requests, errors
        assert not refused, f"Content-Security-Policy violations: {refused}"
    finally:
        context.close()


def log_in(page, base: str, username: str, password: str = PASSWORD, next_path=None) -> None:
    """Log in through the real form (the caller waits for where it lands)."""
    page.goto(f"{base}/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
