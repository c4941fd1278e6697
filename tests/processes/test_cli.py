"""The `geoapp` command on real files: assign, import, layers check."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely import box

from geoapp.cli import main
from geoapp.domain import crs as crs_mod
from geoapp.resources import bundled
from tests.support.files import write_csv, write_geojson


@pytest.fixture
def files(tmp_path):
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"code": "A"}, box(120, 31, 120.01, 31.01)),
        ({"code": "B"}, box(120.01, 31, 120.02, 31.01)),
    ])
    zones = write_geojson(tmp_path / "zones.geojson", [
        ({"code": "Z1"}, box(120.005, 31, 120.015, 31.01)),
        ({"code": "Z2"}, box(120.0, 31, 120.012, 31.005)),
    ])
    return tmp_path, cells, zones


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_assign_csv(files):
    tmp, cells, zones = files
    points = write_csv(tmp / "pts.csv", ["id", "lon", "lat"], [
        ["p1", 120.002, 31.008],   # A only
        ["p2", 120.01, 31.002],    # A|B edge → A; in Z1 and Z2
        ["p3", 120.019, 31.009],   # B
        ["p4", 120.03, 31.005],    # outside, nearest B
    ])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--zones", str(zones), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert list(rows[0])[:6] == ["point_id", "cell_code", "zone_codes", "outside",
                                 "nearest_cell_code", "distance_m"]
    got = [(r["point_id"], r["cell_code"], r["zone_codes"], r["outside"], r["nearest_cell_code"])
           for r in rows]
    assert got == [("p1", "A", "", "False", ""), ("p2", "A", "Z1;Z2", "False", ""),
                   ("p3", "B", "", "False", ""), ("p4", "", "", "True", "B")]
    assert float(rows[3]["distance_m"]) == pytest.approx(954, abs=3)
    assert "1 outside" in result.output


def test_assign_gcj02_points(files):
    tmp, cells, _ = files
    lon, lat = crs_mod.wgs84_to_gcj02(np.array([120.009]), np.array([31.005]))
    points = write_csv(tmp / "gcj.csv", ["编号", "经度", "纬度"],
                       [["G1", float(lon[0]), float(lat[0])]])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out), "--points-crs", "gcj02"])
    assert result.exit_code == 0, result.output
    row = read_rows(out)[0]
    # read as WGS84 it would be several hundred metres east, in B
    assert row["cell_code"] == "A"
    assert float(row["lon"]) == pytest.approx(120.009, abs=1e-6)


def test_assign_geojson_points(files):
    tmp, cells, _ = files
    points = write_geojson(tmp / "pts.geojson", [({"id": "q1"}, shapely.Point(120.015, 31.005))])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert read_rows(out)[0]["cell_code"] == "B"


def test_assign_bad_points_exit_nonzero_with_row(files):
    tmp, cells, _ = files
    points = write_csv(tmp / "bad.csv", ["id", "lon", "lat"],
                       [["p1", 120.002, 31.008], ["p2", "abc", 31.0]])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out)])
    assert result.exit_code != 0
    assert "第 3 行" in result.output and "lon" in result.output
    assert "数据库" not in result.output and "未写出" in result.output  # assign has no database
    assert not out.exists()


def test_assign_takes_the_uscc_else_the_code_as_a_ledger_s_id(files):
    """An office ledger: 编号 on a few rows, the USCC on the others; each row keeps its own."""
    tmp, cells, _ = files
    points = write_csv(tmp / "ledger.csv", ["编号", "统一社会信用代码", "经度", "纬度"], [
        ["QY-1", "", 120.002, 31.008],
        ["", "91320205MA1XXXXX01", 120.015, 31.005],
        ["QY-3", "91320205MA1XXXXX03", 120.003, 31.002],
    ])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [(r["point_id"], r["cell_code"]) for r in read_rows(out)] == [
        ("QY-1", "A"), ("91320205MA1XXXXX01", "B"), ("91320205MA1XXXXX03", "A")]


def test_assign_names_rows_without_an_id_and_repeated_ids(files):
    tmp, cells, _ = files
    points = write_csv(tmp / "ledger.csv", ["编号", "统一社会信用代码", "经度", "纬度"], [
        ["QY-1", "", 120.002, 31.008],
        ["", "", 120.015, 31.005],
        ["QY-1", "", 120.003, 31.002],
    ])
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(cells), "--points", str(points),
                                       "--out", str(out)])
    assert result.exit_code != 0 and not out.exists()
    assert "第 3 行" in result.output and "没有编号" in result.output
    assert "第 4 行" in result.output and "QY-1 重复" in result.output


def test_assign_runs_on_the_bundled_enterprise_ledger(files):
    """data/enterprises.xlsx (Chinese headers, 编号 on a few rows only) assigns whole."""
    tmp, _, _ = files
    data = bundled("data")
    out = tmp / "out.csv"
    result = CliRunner().invoke(main, ["assign", "--cells", str(data / "boundaries/cells.geojson"),
                                       "--points", str(data / "enterprises.xlsx"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert len(rows) > 300 and len({r["point_id"] for r in rows}) == len(rows)
    assert all(r["point_id"] for r in rows)


def test_import_cli_rejects_and_accepts(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"网格编码": "A", "网格名称": "一网格", "村社区": "东湖村", "镇街道": "示范镇"},
         box(120, 31, 120.01, 31.01))])
    runner = CliRunner()
    ok = runner.invoke(main, ["import", "cells", str(cells)])
    assert ok.exit_code == 0, ok.output
    assert "新增 1" in ok.output
    bad = write_csv(tmp_path / "idle.csv", ["编号", "名称", "类别", "经度", "纬度"],
                    [["X1", "闲置（虚构）", "不存在的类别", 120.005, 31.005]])
    result = runner.invoke(main, ["import", "points", "--layer", "idle_site", str(bad)])
    assert result.exit_code == 1
    assert "第 2 行，列“类别”" in result.output and "未导入任何数据" in result.output


def test_layers_check():
    result = CliRunner().invoke(main, ["layers", "check"])
    assert result.exit_code == 0, result.output
    assert "enterprise: 企业" in result.output and "area rule: max" in result.output
    assert ("挂牌督办: supervisor, leader, admin list; publish within 5/5 working days; "
            "33 holidays, 6 make-up working days") in result.output
    assert "红黑榜: 4 black rules (any), 4 red rules (all)" in result.output


# ---- accounts: `geoapp users …` and the demo's accounts

@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    """An embedded database for the CLI, with cells A and B."""
    from geoapp import create_app

    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"网格编码": code, "网格名称": f"{code}网格", "村社区": "东湖村", "镇街道": "示范镇"},
         box(120 + i * 0.01, 31, 120.01 + i * 0.01, 31.01)) for i, code in enumerate("AB")])
    assert CliRunner().invoke(main, ["import", "cells", str(cells)]).exit_code == 0
    database = create_app().extensions["geoapp.db"]
    yield database
    database.dispose()


def _users(database):
    import sqlalchemy as sa

    from geoapp.store.models import User

    with database.sessions() as s:
        return {u.username: (u.role, u.active, u.cell_codes, u.password_hash)
                for u in s.scalars(sa.select(User))}


def test_users_add_and_list(cli_db):
    runner = CliRunner()
    r = runner.invoke(main, ["users", "add", "zhang", "--role", "grid", "--cell", "A",
                             "--cell", "B", "--password", "grid-pass-1", "--name", "张三"])
    assert r.exit_code == 0, r.output
    assert "zhang" in r.output and "A, B" in r.output
    # no --password: asked for twice, not echoed
    r = runner.invoke(main, ["users", "add", "boss", "--role", "leader"],
                      input="leader-pass-1\nleader-pass-1\n")
    assert r.exit_code == 0, r.output
    assert "leader-pass-1" not in r.output
    users = _users(cli_db)
    assert users["zhang"][:3] == ("grid", True, ["A", "B"])
    assert users["boss"][:3] == ("leader", True, [])
    assert all(u[3].startswith("$argon2id$") for u in users.values())
    listed = runner.invoke(main, ["users", "list"])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == ["boss\tleader\tactive\t\t",
                                          "zhang\tgrid\tactive\tA,B\t张三"]


def test_users_add_with_an_area_scope(cli_db):
    """--town by name (or 9-digit code), --cell for a leader: the areas it reads."""
    runner = CliRunner()
    r = runner.invoke(main, ["users", "add", "wang", "--role", "leader", "--town", "示范镇",
                             "--password", "leader-pass-1"])
    assert r.exit_code == 0 and "areas town:示范镇" in r.output, r.output
    r = runner.invoke(main, ["users", "add", "li", "--role", "planner", "--cell", "B",
                             "--password", "planner-pass-1"])
    assert r.exit_code == 0 and "areas cell:B" in r.output, r.output
    listed = runner.invoke(main, ["users", "list"]).output.splitlines()
    assert "li\tplanner\tactive\tcell:B\t" in listed and \
        "wang\tleader\tactive\ttown:示范镇\t" in listed
    import sqlalchemy as sa

    from geoapp.store import scopes
    from geoapp.store.models import User

    with cli_db.sessions() as s:
        user = s.scalar(sa.select(User).where(User.username == "wang"))
        assert scopes.scope_of(s, user).cells == {"A", "B"}
        user = s.scalar(sa.select(User).where(User.username == "li"))
        assert scopes.scope_of(s, user).cells == {"B"}


@pytest.mark.parametrize("args, message", [
    (["zhang", "--role", "grid", "--cell", "A"], "already exists"),
    (["Zhang", "--role", "leader"], "user 'zhang' already exists"),
    (["li", "--role", "boss"], "role 'boss'"),
    (["li", "--role", "grid"], "at least one cell"),
    (["li", "--role", "grid", "--cell", "A", "--cell", "Z9"], "no cell with code 'Z9'"),
    (["li", "--role", "admin", "--cell", "A"], "an administrator reads the whole territory"),
    (["li", "--role", "leader", "--town", "无此镇"], "no such area: town '无此镇'"),
    (["li", "--role", "leader", "--village", "320205999001", "--zone", "Z9"],
     "no such area: village '320205999001', zone 'Z9'"),
    (["li", "--role", "grid", "--cell", "A", "--town", "示范镇"],
     "a grid member reads the cells they work"),
    (["li", "--role", "supervisor", "--town", "示范镇", "--zone", "Z9"], "no such area: zone"),
    (["li", "--role", "leader", "--password", "short"], "at least 8 characters"),
    (["bad name", "--role", "leader"], "username 'bad name'"),
])
def test_users_add_refuses_with_a_clear_message(cli_db, args, message):
    runner = CliRunner()
    ok = runner.invoke(main, ["users", "add", "zhang", "--role", "grid", "--cell", "A",
                              "--password", "grid-pass-1"])
    assert ok.exit_code == 0, ok.output
    before = _users(cli_db)
    if "--password" not in args:
        args = [*args, "--password", "good-pass-1"]
    r = runner.invoke(main, ["users", "add", *args])
    assert r.exit_code == 1 and message in r.output, r.output
    assert _users(cli_db) == before


def test_users_add_a_department_account(database, monkeypatch):
    """--department: a supervisor answering for one configured department (三管三必须);
    an unknown department, or one given to another role, is one line and writes nothing."""
    import sqlalchemy as sa

    from geoapp.store.models import User

    monkeypatch.setenv("GEOAPP_DATABASE_URL", database.url)
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")
    runner = CliRunner()
    for args, message in (
            (["--role", "supervisor", "--department", "无此部门"], "主管部门 '无此部门' 不在配置"),
            (["--role", "leader", "--department", "住建"], "only supervisors are given")):
        r = runner.invoke(main, ["users", "add", "zj", *args, "--password", "dept-pass-1"])
        assert r.exit_code == 1 and message in r.output, r.output
        assert len(r.output.strip().splitlines()) == 1, r.output
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    r = runner.invoke(main, ["users", "add", "zj", "--role", "supervisor", "--department",
                             " 住建 ", "--password", "dept-pass-1"])
    assert r.exit_code == 0 and "department 住建" in r.output, r.output
    with database.sessions() as s:
        user = s.scalar(sa.select(User).where(User.username == "zj"))
        assert (user.role, user.department) == ("supervisor", "住建")


def test_users_deactivate_and_set_password(cli_db):
    runner = CliRunner()
    runner.invoke(main, ["users", "add", "boss", "--role", "leader", "--password", "first-pass"])
    old_hash = _users(cli_db)["boss"][3]
    assert runner.invoke(main, ["users", "set-password", "boss", "--password",
                                "second-pass"]).exit_code == 0
    assert _users(cli_db)["boss"][3] != old_hash
    assert runner.invoke(main, ["users", "deactivate", "boss"]).exit_code == 0
    assert _users(cli_db)["boss"][1] is False
    r = runner.invoke(main, ["users", "deactivate", "nobody"])
    assert r.exit_code == 1 and "no user 'nobody'" in r.output


def test_users_set_name_shows_on_list_and_is_checked(cli_db):
    runner = CliRunner()
    runner.invoke(main, ["users", "add", "boss", "--role", "leader", "--password", "first-pass"])
    assert runner.invoke(main, ["users", "set-name", "boss", " 张伟 "]).exit_code == 0
    assert runner.invoke(main, ["users", "list"]).output == "boss\tleader\tactive\t\t张伟\n"
    r = runner.invoke(main, ["users", "set-name", "boss", "名" * 101])
    assert r.exit_code == 1 and "at most 100 printable characters" in r.output
    r = runner.invoke(main, ["users", "set-name", "boss", "张\x07伟"])
    assert r.exit_code == 1 and "no control characters" in r.output
    r = runner.invoke(main, ["users", "add", "li", "--role", "leader", "--password",
                             "first-pass", "--name", "名" * 101])
    assert r.exit_code == 1 and "at most 100" in r.output
    assert runner.invoke(main, ["users", "list"]).output == "boss\tleader\tactive\t\t张伟\n"
    assert runner.invoke(main, ["users", "set-name", "boss", ""]).exit_code == 0
    assert runner.invoke(main, ["users", "list"]).output == "boss\tleader\tactive\t\t\n"


def test_demo_creates_one_account_per_role(tmp_path, monkeypatch, request):
    import flask
    import sqlalchemy as sa

    from geoapp import create_app
    from geoapp.store.models import Cell

    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")
    served = []
    monkeypatch.setattr(flask.Flask, "run", lambda app, host, port: served.append((host, port)))
    runner = CliRunner()
    r = runner.invoke(main, ["demo", "--demo-password", "demo-pw"])
    assert r.exit_code == 0, r.output
    assert served == [("127.0.0.1", 5000)]
    assert "demo-pw" not in r.output and "leader, grid, planner, admin, supervisor" in r.output
    app = create_app()
    request.addfinalizer(app.extensions["geoapp.db"].dispose)
    users = _users(app.extensions["geoapp.db"])
    assert {name: u[:3] for name, u in users.items()} == {
        "leader": ("leader", True, []), "grid": ("grid", True, ["SF-05-01", "SF-06-02"]),
        "planner": ("planner", True, []), "admin": ("admin", True, []),
        "supervisor": ("supervisor", True, []), "enterprise": ("enterprise", True, []),
        "town_leader": ("leader", True, []),
        "dept_zj": ("supervisor", True, [])}  # the department account (住建)
    with app.extensions["geoapp.db"].sessions() as s:  # the town leader reads one town
        from geoapp.store import scopes
        from geoapp.store.accounts import find_user
        from geoapp.store.demo import DEMO_TOWN

        scope = scopes.scope_of(s, find_user(s, "town_leader"))
        assert scope.areas == (("town", DEMO_TOWN),) and "SF-05-01" in scope.cells
    _assert_logs_in(app, "town_leader", "demo-pw")
    _assert_logs_in(app, "grid", "demo-pw")
    _assert_logs_in(app, "supervisor", "demo-pw")
    _assert_demo_department(app, "demo-pw")
    _assert_demo_enterprise(app, "demo-pw")
    with app.extensions["geoapp.db"].sessions() as s:  # the grid member's cells are demo cells
        assert s.scalars(sa.select(Cell.code).where(
            Cell.code.in_(["SF-05-01", "SF-06-02"]))).all() == ["SF-05-01", "SF-06-02"]
    # again without the option: a new random password, printed, replaces the old one
    r = runner.invoke(main, ["demo"])
    assert r.exit_code == 0, r.output
    password = r.output.split("password: ")[1].split()[0]
    assert len(password) >= 12
    for name in ("leader", "grid", "planner", "admin", "supervisor"):
        _assert_logs_in(app, name, password)
    assert not _logs_in(app, "admin", "demo-pw")


def _assert_demo_enterprise(app, password):
    """The demo's enterprise account: a demo enterprise (synthetic) with confined spaces."""
    from geoapp.store.accounts import find_user
    from tests.support.apps import csrf_token_from

    with app.extensions["geoapp.db"].sessions() as s:
        user = find_user(s, "enterprise")
        assert user.role == "enterprise" and user.display_name == "企业（演示）"
        uscc = user.enterprise_uscc
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "enterprise", "password": password,
                                    "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/enterprise"
    body = client.get("/api/enterprise").get_json()
    assert body["uscc"] == uscc and "（虚构）" in body["enterprise"]["name"]
    assert "confined_space" in {p["layer"] for p in body["points"]}


def _logs_in(app, username, password) -> bool:
    from tests.support.apps import csrf_token_from

    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": token})
    return r.status_code == 302 and client.get("/api/cells").status_code == 200


def _assert_logs_in(app, username, password):
    assert _logs_in(app, username, password), f"{username} cannot log in"


def _assert_demo_department(app, password):
    """dept_zj answers for 住建 and its sector has hazards to follow (its page is not empty)."""
    from tests.support.apps import csrf_token_from

    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "dept_zj", "password": password,
                                       "csrf_token": token}).status_code == 302
    page = client.get("/api/department").get_json()
    assert page["department"] == "住建" and page["hazards"], page.keys()


def test_import_zones_keeps_every_zone_an_admission_catalogue_names(
        database, rules, tmp_path, monkeypatch):
    from geoapp.store.demo import load_demo
    from tests.support.checks import snapshot

    load_demo(database, rules, echo=lambda _msg: None)
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database.url)
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")

    def zones(codes):
        return write_geojson(tmp_path / "zones.geojson", [
            ({"功能区编码": c, "功能区名称": f"{c}（虚构）", "功能区类型": "工业园区"},
             box(120.2 + k * 0.01, 31.5, 120.205 + k * 0.01, 31.505))
            for k, c in enumerate(codes)])

    before = snapshot(database)
    result = CliRunner().invoke(main, ["import", "zones", str(zones(["GNQ-01", "GNQ-05"]))])
    assert result.exit_code != 0
    # each catalogue whose zone would be gone is named with its file and line
    for code in ("GNQ-02", "GNQ-03", "GNQ-04"):
        assert f"catalogues/{code}.toml:" in result.output, result.output
    assert snapshot(database) == before

    keep = [f"GNQ-0{n}" for n in range(1, 6)]
    result = CliRunner().invoke(main, ["import", "zones", str(zones(keep))])
    assert result.exit_code == 0, result.output
    assert snapshot(database) != before


def test_import_cells_names_the_layer_and_deletes_only_with_replace(cli_db, tmp_path):
    """A GeoPackage with a one-cell layer before the full grid: nothing is deleted unasked."""
    import geopandas as gpd

    from tests.support.checks import snapshot

    path = tmp_path / "two.gpkg"
    for layer, codes in (("first", "A"), ("full", "AB")):
        gpd.GeoDataFrame(
            [{"网格编码": c, "网格名称": f"{c}网格", "村社区": "东湖村", "镇街道": "示范镇"}
             for c in codes],
            geometry=[box(120 + i * 0.01, 31, 120.01 + i * 0.01, 31.01)
                      for i in range(len(codes))], crs=4326).to_file(path, layer=layer)
    before = snapshot(cli_db)
    runner = CliRunner()
    result = runner.invoke(main, ["import", "cells", str(path)])
    assert result.exit_code == 1 and "first" in result.output and "full" in result.output
    result = runner.invoke(main, ["import", "cells", "--layer", "first", str(path)])
    assert result.exit_code == 1, result.output
    assert "删除 1 个网格（文件中没有：B）" in result.output and "--replace" in result.output
    assert snapshot(cli_db) == before
    result = runner.invoke(main, ["import", "cells", "--layer", "full", str(path)])
    assert result.exit_code == 0 and "未变 2" in result.output, result.output
    result = runner.invoke(main, ["import", "cells", "--layer", "first", "--replace", str(path)])
    assert result.exit_code == 0 and "删除了文件中没有的网格 B" in result.output, result.output
