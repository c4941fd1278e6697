"""The bundled synthetic demo: data/demo.toml's files into an empty database; its accounts."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import sqlalchemy as sa

from geoapp.domain.layers import Rules
from geoapp.resources import bundled
from geoapp.store import importer, migrate
from geoapp.store.database import Database
from geoapp.store.models import Cell


def load_demo(database: Database, rules: Rules, data_dir: Path | None = None, echo=print,
              today: dt.date | None = None) -> bool:
    """Load the demo files in manifest order unless the database already has cells,
    then the synthetic visits (geoapp.store.demo_visits) relative to ``today``
    (default: the real date in the territory's time zone; tests and a pinned app
    give theirs, so the visit statuses shown are always the same).

    Returns True when data was loaded.
    """
    migrate.upgrade(database)
    with database.sessions() as s:
        if s.scalar(sa.select(sa.func.count()).select_from(Cell)):
            return False
    data_dir = Path(data_dir or bundled("data"))
    with (data_dir / "demo.toml").open("rb") as fh:
        manifest = tomllib.load(fh)
    for entry in manifest["files"]:
        path = data_dir / entry["path"]
        kind = entry["kind"]
        if kind == "cells":
            result = importer.import_cells(database, rules, path, entry.get("crs"))
        elif kind == "zones":
            result = importer.import_zones(database, rules, path, entry.get("crs"))
        elif kind == "points":
            result = importer.import_points(database, rules, path, entry["layer"],
                                            entry.get("crs", "wgs84"))
        elif kind == "hazards":
            result = importer.import_hazards(database, rules, path, actor="演示数据")
        else:
            raise ValueError(f"{data_dir / 'demo.toml'}: unknown kind {kind!r}")
        echo(str(result))
    from geoapp.domain.workflow import today_in
    from geoapp.store import demo_visits

    visits = demo_visits.seed(database, rules, today or today_in(rules.risk.hazards.timezone),
                              DEMO_ACCOUNTS["grid"][2])
    echo(f"演示巡查记录（虚构）：{visits} 条")
    from geoapp.store import demo_channels

    checks, reports = demo_channels.seed(
        database, rules, today or today_in(rules.risk.hazards.timezone))
    echo(f"演示企业自查（虚构）：{checks} 条；群众举报（虚构）：{reports} 条")
    from geoapp.store import zone_assessments

    graded = zone_assessments.seed_demo(
        database, rules, today or today_in(rules.risk.hazards.timezone))
    echo(f"演示功能区评估（虚构）：{graded} 条")

    from geoapp.store import demo_accidents

    accidents = demo_accidents.seed(database, today or today_in(rules.risk.hazards.timezone))
    echo(f"演示生产安全事故（虚构）：{accidents} 起")
    _check_catalogues(database, rules, echo)
    return True


def _check_catalogues(database: Database, rules: Rules, echo) -> None:
    """The bundled admission catalogues must name the demo's zones (raises CatalogueError)."""
    from geoapp.domain.catalogue import check_zones, load_admission
    from geoapp.store.models import Zone

    folder = rules.folder / "admission"
    if not folder.is_dir():
        return
    admission = load_admission(folder)
    with database.sessions() as s:
        check_zones(admission, s.scalars(sa.select(Zone.code)).all())
    echo(f"准入目录：{len(admission.catalogues)} 个（{folder}）")


# The demo's accounts (README "Two commands"): one per role, the grid member on two demo cells,
# and a leader of one town (town_leader) beside the county's (leader).
DEMO_ACCOUNTS = {
    "leader": ("leader", "领导（演示）", ()),
    "grid": ("grid", "网格员（演示）", ("SF-05-01", "SF-06-02")),
    "planner": ("planner", "规划审批（演示）", ()),
    "admin": ("admin", "管理员（演示）", ()),
    "supervisor": ("supervisor", "监管审核（演示）", ()),
    "town_leader": ("leader", "镇街领导（演示）", ()),
    "dept_zj": ("supervisor", "住建部门（演示）", ()),
}
# Department accounts (三管三必须, geoapp.store.departments): a supervisor answering for one
# sector, here 住建 (the demo's idle sites, self-built houses and building sites have hazards).
DEMO_DEPARTMENTS = {"dept_zj": "住建"}
# Demo accounts scoped to an area (geoapp.store.scopes): the town leader reads one town.
DEMO_TOWN = "示范镇（虚构）"
DEMO_AREAS = {"town_leader": (("town", DEMO_TOWN),)}


def ensure_demo_accounts(database: Database, password: str) -> list[str]:
    """Create the demo accounts, or reset them: role, cells, active, and ``password``.

    Running it again is safe; it is how a forgotten demo password is replaced.
    With the demo data loaded, an enterprise account too (DEMO_ENTERPRISE).
    Returns the usernames.
    """
    from geoapp.store import accounts, scopes
    from geoapp.store.models import User

    migrate.upgrade(database)
    with database.transaction() as s:
        for username, (role, display_name, cells) in DEMO_ACCOUNTS.items():
            user = accounts.find_user(s, username)
            if user is None:
                user = User(username=username)
                s.add(user)
            user.role, user.display_name, user.active = role, display_name, True
            accounts.set_password(user, password)
            accounts.set_cells(user, cells)
            scopes.set_areas(user, DEMO_AREAS.get(username, ()))
            user.department = DEMO_DEPARTMENTS.get(username)
        uscc = demo_enterprise(s)
        if uscc is not None:  # an enterprise account (企业) for a demo enterprise
            user = accounts.find_user(s, DEMO_ENTERPRISE[0])
            if user is None:
                user = User(username=DEMO_ENTERPRISE[0])
                s.add(user)
            user.role, user.display_name, user.active = "enterprise", DEMO_ENTERPRISE[1], True
            user.enterprise_uscc = uscc
            accounts.set_password(user, password)
    return list(DEMO_ACCOUNTS) + ([DEMO_ENTERPRISE[0]] if uscc is not None else [])


# The demo's enterprise account: bound to the first demo enterprise (synthetic, by USCC)
# that owns points of another layer (confined spaces), so its page has more than its own point.
DEMO_ENTERPRISE = ("enterprise", "企业（演示）")


def demo_enterprise(session) -> str | None:
    """The USCC of the first demo enterprise (by USCC) owning a point of another layer;
    None: none."""
    from geoapp.store.models import Point
    from geoapp.store.ownership import ENTERPRISE_LAYER, OWNER_FIELD

    owners = (sa.select(Point.attrs[OWNER_FIELD].as_string())
              .where(Point.layer != ENTERPRISE_LAYER))
    return session.scalar(sa.select(Point.key).where(Point.layer == ENTERPRISE_LAYER,
                                                     Point.key.in_(owners))
                          .order_by(Point.key).limit(1))
