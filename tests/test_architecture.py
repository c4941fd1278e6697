"""The house plan (ARCHITECTURE.md) is enforced: the import contracts hold, and fail when broken."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
