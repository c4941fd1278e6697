"""`geoapp users add --role enterprise --enterprise USCC` and `geoapp users add-enterprises`,
on both backends: the USCC checked (its check character, and in the ledger), one account
per ledger enterprise with the one-time passwords in a 0600 UTF-8-with-BOM CSV only,
every account audited.
"""

from __future__ import annotations

import csv
import os
import stat

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from shapely import box

from geoapp.cli import main
from geoapp.store import accounts
from geoapp.store.models import AuditEntry, User
from tests.support.files import write_csv, write_geojson

# literal USCCs with their check characters (tests/processes/test_processes.py)
FIRMS = ["91320205MA000001XG", "91320205MA000002XH", "91320205MA000003XJ"]


@pytest.fixture
def ledger_db(database, tmp_path, monkeypatch):
    """``database`` for the CLI, with cell A and three enterprises (synthetic), one without
    a USCC (keyed by its ledger code)."""
    from geoapp.store.models import Base

    Base.metadata.drop_all(database.engine)  # empty: the commands migrate it, as on a server
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database.url)
    monkeypatch.setenv("GEOAPP_SECRET_KEY", "cli-test-key")
    runner = CliRunner()
    cells = write_geojson(tmp_path / "cells.geojson", [
        ({"网格编码": "A", "网格名称": "A网格", "村社区": "东湖村", "镇街道": "示范镇"},
         box(120, 31, 120.01, 31.01))])
    assert runner.invoke(main, ["import", "cells", str(cells)]).exit_code == 0
    rows = [[f"E{n}", f"企业{n}（虚构）", code, "2614", 120.0005 + n * 0.001, 31.0005]
            for n, code in enumerate(FIRMS)] + [["E9", "无代码企业（虚构）", "", "2614",
                                                  120.009, 31.0005]]
    ledger = write_csv(tmp_path / "ledger.csv",
                       ["编号", "企业名称", "统一社会信用代码", "行业代码", "经度", "纬度"], rows)
    r = runner.invoke(main, ["import", "points", "--layer", "enterprise", str(ledger)])
    assert r.exit_code == 0, r.output
    return database


def _accounts(database):
    with database.sessions() as s:
        return {u.username: (u.role, u.enterprise_uscc, u.password_hash)
                for u in s.scalars(sa.select(User))}


def test_users_add_binds_an_enterprise_account_to_a_ledger_enterprise(ledger_db):
    r = CliRunner().invoke(main, ["users", "add", "qiye", "--role", "enterprise",
                                  "--enterprise", FIRMS[1].lower(), "--password", "qiye-pass-1"])
    assert r.exit_code == 0, r.output
    assert f"enterprise {FIRMS[1]}" in r.output
    assert _accounts(ledger_db)["qiye"][:2] == ("enterprise", FIRMS[1])
    with ledger_db.sessions() as s:
        entry = s.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.target) == ("account_create", "qiye")
        assert entry.detail["enterprise"] == FIRMS[1] and entry.actor.startswith("cli:")


@pytest.mark.parametrize("args, message", [
    (["--role", "enterprise"], "needs its enterprise's USCC"),
    (["--role", "enterprise", "--enterprise", "91320205MA000001XH"], "校验位错误"),
    (["--role", "enterprise", "--enterprise", "9132"], "应为 18 位"),
    # a valid code that is no enterprise of the ledger
    (["--role", "enterprise", "--enterprise", "91350100M000100Y43"],
     "no enterprise with this code in the ledger"),
    (["--role", "leader", "--enterprise", FIRMS[0]], "takes no --enterprise"),
])
def test_users_add_refuses_a_bad_enterprise_with_a_clear_message(ledger_db, args, message):
    before = _accounts(ledger_db)
    r = CliRunner().invoke(main, ["users", "add", "qiye", *args, "--password", "qiye-pass-1"])
    assert r.exit_code == 1 and message in r.output, r.output
    assert _accounts(ledger_db) == before


def test_add_enterprises_writes_one_time_passwords_to_a_private_bom_csv(ledger_db, tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["users", "add", "first", "--role", "enterprise", "--enterprise",
                                FIRMS[0], "--password", "qiye-pass-1"]).exit_code == 0
    out = tmp_path / "accounts.csv"
    r = runner.invoke(main, ["users", "add-enterprises", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "2 enterprise accounts added" in r.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads it as UTF-8
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # one per USCC without an account; the first has one, the ledger code is no USCC
    assert [(r["用户名"], r["统一社会信用代码"], r["企业名称"]) for r in rows] == [
        (FIRMS[1], FIRMS[1], "企业1（虚构）"), (FIRMS[2], FIRMS[2], "企业2（虚构）")]
    made = _accounts(ledger_db)
    for row in rows:
        role, uscc, stored = made[row["用户名"]]
        assert (role, uscc) == ("enterprise", row["统一社会信用代码"])
        assert stored.startswith("$argon2id$") and row["一次性密码"] not in stored
        assert accounts.check_password(stored, row["一次性密码"])
        assert row["一次性密码"] not in r.output
    with ledger_db.sessions() as s:
        audited = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "account_create")
                            .order_by(AuditEntry.id)).all()
        assert [a.target for a in audited] == ["first", FIRMS[1], FIRMS[2]]
        assert all(row["一次性密码"] not in str(a.detail) for a in audited for row in rows)
    # again: nothing left to make, and an existing file is never overwritten
    again = tmp_path / "again.csv"
    r = runner.invoke(main, ["users", "add-enterprises", "--out", str(again)])
    assert r.exit_code == 0 and "0 enterprise accounts added" in r.output
    r = runner.invoke(main, ["users", "add-enterprises", "--out", str(out)])
    assert r.exit_code == 1 and "give a new file name" in r.output
    assert out.read_bytes() == raw
