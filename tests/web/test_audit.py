"""The audit log: log-ins, failed log-ins and log-outs, exports, the rule files in force and
the command line's account changes and imports are recorded, never a secret; the admins'
page filters and exports it; nobody can change it. On both backends.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from openpyxl import load_workbook
from shapely import box

from geoapp.cli import main
from geoapp.domain.audit import file_sha256
from geoapp.store import audit
from geoapp.store.models import AuditEntry
from tests.support.apps import make_app
from tests.support.constants import PASSWORD
from tests.support.files import write_geojson


def _entries(database, **where) -> list[AuditEntry]:
    with database.sessions() as s:
        rows = s.scalars(sa.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)).all()
        s.expunge_all()
        return rows


def _dump(database) -> str:
    """Every stored value of the log as one text, to search for what must never be there."""
    with database.engine.connect() as conn:
        return "\n".join(repr(tuple(r)) for r in conn.execute(sa.text("SELECT * FROM audit_log")))


def test_log_ins_failures_and_log_outs_are_recorded_without_a_secret(client, auth, database):
    auth.login("leader")
    cookie = client.get_cookie("session").value
    client.post("/login", data={"username": "leader", "password": "wrong-horse-9",
                                "csrf_token": client.environ_base["HTTP_X_CSRFTOKEN"]},
                environ_base={"REMOTE_ADDR": "10.9.8.7"})
    auth.logout()
    assert [(e.action, e.actor, e.target) for e in _entries(database)
            if e.action != "rules_loaded"] == [
        ("login", "leader", "leader"), ("login_failed", "leader", "leader"),
        ("logout", "leader", "leader")]
    failed = _entries(database, action="login_failed")[0]
    assert failed.ip == "10.9.8.7" and failed.via == "web"
    text = _dump(database)
    for secret in (PASSWORD, "wrong-horse-9", cookie, "argon2"):
        assert secret not in text


def test_the_rule_files_are_recorded_once_and_again_when_they_change(database, tmp_path):
    from geoapp.resources import bundled

    first = make_app(database).test_client()
    first.get("/login")
    make_app(database).test_client().get("/login")  # a restart with the same files
    (loaded,) = _entries(database, action="rules_loaded")
    assert loaded.actor == "system" and len(loaded.detail["sha256"]) == 64
    assert "hazard.toml" in {f["name"] for f in loaded.detail["files"]}
    changed = tmp_path / "layers"
    shutil.copytree(bundled("layers"), changed)
    with open(changed / "hazard.toml", "a", encoding="utf-8") as f:
        f.write("\n# a local note\n")
    make_app(database, LAYERS_DIR=str(changed)).test_client().get("/login")
    old, new = _entries(database, action="rules_loaded")
    before = {f["name"]: f["sha256"] for f in old.detail["files"]}
    after = {f["name"]: f["sha256"] for f in new.detail["files"]}
    assert [n for n in after if after[n] != before.get(n)] == ["hazard.toml"]
    assert new.target == str(changed)


def test_the_page_filters_and_only_admins_read_it(client, auth, database):
    with database.transaction() as s:
        for i, action in enumerate(("import", "export", "login")):
            audit.record(s, action, f"user{i}", target=f"file{i}.xlsx",
                         at=dt.datetime(2030, 6, 10 + i, 2, tzinfo=dt.UTC))
    for role in ("leader", "grid", "planner", "supervisor"):
        auth.login(role, cells=["A"] if role == "grid" else ())
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/api/audit").status_code == 403
        assert client.get("/admin/audit.xlsx").status_code == 403
    auth.logout()
    assert client.get("/api/audit").status_code == 401
    auth.login("admin")
    page = client.get("/admin/audit?action=export").get_data(as_text=True)
    assert "file1.xlsx" in page and "file0.xlsx" not in page
    data = client.get("/api/audit?from=2030-06-11&to=2030-06-12").get_json()
    assert [e["target"] for e in data["entries"]] == ["file2.xlsx", "file1.xlsx"]
    assert data["entries"][0]["at"] == "2030-06-12T10:00:00+08:00"  # local time
    assert client.get("/api/audit?actor=user0").get_json()["total"] == 1
    assert client.get("/api/audit?target=file2").get_json()["total"] == 1


@pytest.mark.parametrize("query, field", [
    ("action=drop", "action"), ("from=2030-13-01", "from"), ("to=yesterday", "to"),
    ("from=2030-06-12&to=2030-06-10", "to"), ("limit=0", "limit"), ("offset=-1", "offset")])
def test_bad_filters_are_refused_naming_the_field(client, auth, query, field):
    auth.login("admin")
    r = client.get(f"/api/audit?{query}")
    assert r.status_code == 400 and r.get_json()["field"] == field


def test_the_export_has_the_entries_and_is_itself_recorded(client, auth, database):
    auth.login("admin")
    r = client.get("/admin/audit.xlsx?action=login")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data))["审计日志"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "操作", "对象")
    assert [(row[1], row[2]) for row in rows[1:]] == [("admin", "登录")]
    (export,) = _entries(database, action="export")
    assert export.detail == {"what": "audit_log", "rows": 1, "filters": {"action": "login"}}


def test_a_bulletin_download_is_an_export(client, auth, database):
    auth.login("leader")
    assert client.get("/reports/bulletin.xlsx?month=2030-05").status_code == 200
    (export,) = _entries(database, action="export")
    assert (export.actor, export.target, export.detail["what"]) == (
        "leader", "bulletin-2030-05.xlsx", "bulletin")


def test_nobody_can_change_or_delete_an_entry(database):
    with database.transaction() as s:
        audit.record(s, "login", "leader")
    for statement in ("UPDATE audit_log SET actor = 'someone'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError), database.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert [e.actor for e in _entries(database)] == ["leader"]


def test_a_secret_or_an_unknown_action_is_refused(database):
    with database.transaction() as s:
        with pytest.raises(ValueError, match="never holds a secret"):
            audit.record(s, "account_change", "admin", detail={"new_password": "x"})
        with pytest.raises(ValueError, match="unknown audit action"):
            audit.record(s, "shutdown", "admin")
    assert _entries(database) == []


def test_the_command_line_records_accounts_and_imports(tmp_path, monkeypatch):
    from geoapp import create_app

    monkeypatch.setenv("GEOAPP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"网格编码": "A", "网格名称": "一网格", "村社区": "东湖村", "镇街道": "示范镇"},
         box(120, 31, 120.01, 31.01))])
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    runner = CliRunner()
    for args in (["import", "cells", str(cells)], ["import", "cells", str(bad)],
                 ["users", "add", "boss", "--role", "leader", "--password", "first-pass-1"],
                 ["users", "set-password", "boss", "--password", "second-pass-2"],
                 ["users", "deactivate", "boss"]):
        runner.invoke(main, args)
    database = create_app().extensions["geoapp.db"]
    try:
        entries = _entries(database)
        assert [(e.action, e.target, e.via) for e in entries] == [
            ("import", "cells.geojson", "cli"), ("import_rejected", "bad.geojson", "cli"),
            ("account_create", "boss", "cli"), ("password_reset", "boss", "cli"),
            ("account_deactivate", "boss", "cli")]
        assert entries[0].actor.startswith("cli:")
        assert entries[0].detail["sha256"] == file_sha256(cells)
        assert entries[0].detail["created"] == 1
        assert entries[1].detail["problems"] >= 1
        assert "first-pass-1" not in _dump(database) and "second-pass-2" not in _dump(database)
    finally:
        database.dispose()
