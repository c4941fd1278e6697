"""The app under test, its test client, and accounts logged in through the real form.

``auth.login("grid", cells=["A"])`` logs a client in; ``make_user`` and
``add_shop`` put rows straight into a database.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import shutil
import tempfile

import pytest

from geoapp import create_app
from geoapp.store.database import Database
from tests.support.constants import PASSWORD, TEST_SECRET_KEY, TODAY

# Every app make_app builds has its own engine and connection pool; the autouse
# fixture below closes them after each test, so no connection is left to the
# garbage collector (psycopg warns of each: ResourceWarning, an error in this suite).
_apps_made: list = []
_folders_made: list[str] = []


def make_app(database: Database, **config):
    """An app over ``database``; CSRF protection and the log-in rate limit stay ON.

    Its connections are closed when the test ends; uploads to /admin/imports and the
    basemap go to folders of its own (removed then too), never into the checkout's
    instance folder.
    """
    for key, prefix in (("IMPORT_DIR", "geoapp-imports-"), ("BASEMAP_DIR", "geoapp-basemap-")):
        if key not in config:
            config[key] = tempfile.mkdtemp(prefix=prefix)
            _folders_made.append(config[key])
    app = create_app({"TESTING": True, "DATABASE_URL": database.url,
                      "SECRET_KEY": TEST_SECRET_KEY, "TODAY": TODAY, **config})
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def _dispose_apps():
    yield
    while _apps_made:
        app = _apps_made.pop()
        app.extensions["geoapp.warmup"].stop()  # its thread reads the database: ended first
        app.extensions["geoapp.db"].dispose()
    while _folders_made:
        shutil.rmtree(_folders_made.pop(), ignore_errors=True)


@pytest.fixture
def demo_client(demo_database):
    return make_app(demo_database).test_client()


@pytest.fixture
def app(database):
    return make_app(database)


@pytest.fixture
def client(app):
    return app.test_client()


@functools.cache
def _password_hash(password: str) -> str:
    from geoapp.store.accounts import hash_password

    return hash_password(password)  # argon2 takes ~0.1 s: hash each test password once


def make_user(database: Database, username: str, role: str | None = None, cells=(),
              password: str = PASSWORD, active: bool = True, enterprise: str | None = None,
              areas=()) -> str:
    """Create an account straight in the database; role defaults to the username.

    ``enterprise``: the USCC an enterprise account speaks for; ``areas``: its area
    scope as (kind, code) pairs (geoapp.store.scopes).
    """
    from geoapp.store.models import User, UserArea, UserCell

    with database.transaction() as s:
        s.add(User(username=username, role=role or username, active=active,
                   password_hash=_password_hash(password), enterprise_uscc=enterprise,
                   cell_links=[UserCell(cell_code=c) for c in cells],
                   area_links=[UserArea(kind=k, code=c) for k, c in areas]))
    return username


def add_shop(database: Database) -> int:
    """One retail shop (synthetic) in cell C0 at (120.005, 31.005); returns its point id."""
    import shapely

    from geoapp.store.models import Point

    with database.transaction() as s:
        point = Point(layer="enterprise", key="K1", name="商店（虚构）",
                      geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"},
                      cell_code="C0")
        s.add(point)
        s.flush()
        return point.id


def shop_with_hazard(database: Database, rules, *, found_on: dt.date, level: str = "major",
                     cells: str = "AB", created_at: dt.datetime | None = None,
                     **hazard) -> tuple[int, int]:
    """Cells (A, and B east of it) of one village, a shop (synthetic) in A with one open hazard.

    ``hazard`` overrides the hazard's fields; the deadline is 30 days after
    ``found_on``; ``created_at`` is the time of its ``create`` event (default:
    now). Returns (point id, hazard id), levels assigned.
    """
    import shapely

    from geoapp.store import assignment, hazards
    from geoapp.store.models import Cell, Hazard, Point, Town, Village

    names = {"A": "一网格", "B": "二网格"}
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        for i, code in enumerate(cells):
            x = 120 + 0.01 * i
            s.add(Cell(code=code, name=names[code], village=village,
                       geom=shapely.MultiPolygon([shapely.box(x, 31, x + 0.01, 31.01)])))
        point = Point(layer="enterprise", key="K1", name="商店（虚构）",
                      geom=shapely.Point(120.005, 31.005), attrs={"industry": "5261"})
        fields = {"code": "H1", "level": level, "source": "public_report",
                  "description": "液化气钢瓶违规存放", "found_on": found_on,
                  "deadline": found_on + dt.timedelta(days=30), "state": "open", **hazard}
        h = Hazard(point=point, **fields)
        s.add(h)
        hazards.record(h, "测试", "create", at=created_at)
        s.flush()
        assignment.reassign(s)
        assignment.refresh_levels(s, rules)
        return point.id, h.id


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
              role: str | None = None, cells=(), enterprise: str | None = None, areas=()):
        from geoapp.store.accounts import find_user

        with self.database.sessions() as s:
            exists = find_user(s, username) is not None
        if not exists:
            self.created.append(make_user(self.database, username, role, cells, password,
                                          enterprise=enterprise, areas=areas))
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
        from geoapp.store.accounts import find_user

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


def wait_until_ready(app, seconds: float = 120) -> None:
    """Until the app's warm-up says ready (GET /healthz/ready 200), at most ``seconds``."""
    import time

    client, deadline = app.test_client(), time.monotonic() + seconds
    while client.get("/healthz/ready").status_code != 200:
        assert time.monotonic() < deadline, "the warm-up did not finish"
        time.sleep(0.05)
