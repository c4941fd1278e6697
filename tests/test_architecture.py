"""The house plan (ARCHITECTURE.md) is enforced: the import contracts hold, and fail when broken."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_contracts_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    # the domain reaching up into the store
    ("geoapp/domain/risk.py", "from geoapp.store import models", "Layers"),
    # a store module speaking Flask
    ("geoapp/store/accounts.py", "import flask", "Only the web layer speaks Flask"),
    # one feature calling another
    ("geoapp/map/geometry.py", "from geoapp.reports import charts", "The features do not call"),
    # a cycle between two modules of one package
    ("geoapp/ingest/problems.py", "from geoapp.ingest import ledger", "No import cycle"),
])
def test_each_contract_fails_on_a_wrong_import(tmp_path, module, line, contract):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "geoapp", copy / "geoapp",
                    ignore=shutil.ignore_patterns("__pycache__", "translations", "static"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n",
                      encoding="utf-8")
    result = _lint(copy)
    assert result.returncode != 0
    broken = [s for s in result.stdout.splitlines() if s.endswith(" BROKEN")]
    assert len(broken) >= 1 and any(s.startswith(contract) for s in broken), result.stdout


# ---------------------------------------------------------------- at run time

RANK = {"domain": 0, "ingest": 1, "store": 2, "map": 3, "reports": 3, "admission": 3, "web": 4}


def _rank(module: str) -> int | None:
    parts = module.split(".")
    return RANK.get(parts[1]) if parts[0] == "geoapp" and len(parts) > 2 else None


def _traced(call):
    """The response of ``call()`` and every call it made from a geoapp module to one in a
    higher layer (caller module, callee module, function)."""
    up = []

    def profile(frame, event, _arg):
        if event != "call":
            return
        callee = _rank(frame.f_globals.get("__name__", ""))
        caller = frame.f_back
        if callee is None or caller is None:
            return
        below = _rank(caller.f_globals.get("__name__", ""))
        if below is not None and callee > below:
            up.append((caller.f_globals["__name__"], frame.f_globals["__name__"],
                       frame.f_code.co_name))

    sys.setprofile(profile)
    try:
        response = call()
    finally:
        sys.setprofile(None)
    return response, up


def test_requests_run_down_the_layers(database, rules):
    """The requests ARCHITECTURE.md traces never call from a layer into one above it.

    The import contracts forbid the imports; this watches the calls themselves
    (a callback handed down and called back would pass the import check)."""
    from geoapp.store.demo import ensure_demo_accounts, load_demo
    from geoapp.store.models import Hazard
    from tests.support.apps import make_app

    load_demo(database, rules, echo=lambda *a, **k: None)
    ensure_demo_accounts(database, "architecture-test")
    app = make_app(database, WTF_CSRF_ENABLED=False, TODAY="2026-11-01")
    client = app.test_client()
    assert client.post("/login", data={"username": "admin",
                                       "password": "architecture-test"}).status_code == 302
    with database.sessions() as s:
        hazard = s.scalars(sa.select(Hazard).where(Hazard.state == "open")
                           .order_by(Hazard.id)).first()
    site = {"type": "Point", "coordinates": [120.30, 31.60]}
    requests = {
        "GET /api/cells": lambda: client.get("/api/cells"),
        "POST /api/hazards/<id>/transitions": lambda: client.post(
            f"/api/hazards/{hazard.id}/transitions", json={"action": "start"},
            headers={"If-Match": f'"{hazard.version}"'}),
        "POST /api/admission-check": lambda: client.post(
            "/api/admission-check", json={"site": site, "crs": "wgs84", "industry": "2614"}),
        "GET /reports/bulletin.xlsx": lambda: client.get("/reports/bulletin.xlsx?month=2026-10"),
        "GET /api/map/points": lambda: client.get("/api/map/points?zoom=12"),
    }
    for name, call in requests.items():
        response, up = _traced(call)
        assert response.status_code == 200, (name, response.status_code)
        assert up == [], name
    # and the watch does see a call up: the reports' memo calling back into the web layer
    from geoapp.reports.history import remember
    from geoapp.web import clock

    _, up = _traced(lambda: remember({}, "today", functools.partial(clock.today, "UTC")))
    assert up == [("geoapp.reports.history", "geoapp.web.clock", "today")]
