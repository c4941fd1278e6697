"""geoapp.settings: the one place that reads the environment, and the README that documents it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from geoapp import settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "geoapp"


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch os.environ or call os.getenv / os.putenv."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "os" and node.attr in {"environ", "getenv", "putenv"}]


def test_no_module_but_settings_reads_the_environment():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "settings.py":
            continue
        lines = _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}
    # and the check sees a read when there is one
    assert _reads_environment(ast.parse("import os\nx = os.environ.get('GEOAPP_X')\n")) == [2]


def test_every_variable_named_in_the_code_is_declared():
    declared = {s.env for s in settings.SETTINGS.values() if s.env}
    named = set()
    for path in PACKAGE.rglob("*.py"):
        named |= set(re.findall(r"\bGEOAPP_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    # GEOAPP_LOGIN_*_RATE_LIMIT and GEOAPP_SECRET_KEY are config keys too
    config_keys = {k for k in settings.SETTINGS if k.startswith("GEOAPP_")}
    assert named - declared - config_keys == set()


def test_every_variable_is_in_the_readmes_configuration_section():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    missing = {s.env for s in settings.SETTINGS.values() if s.env and s.env not in section}
    assert missing == set()
    assert all(s.meaning for s in settings.SETTINGS.values())


def test_config_wins_over_the_variable_which_wins_over_the_default(monkeypatch):
    monkeypatch.delenv("GEOAPP_MAP_CACHE_SECONDS", raising=False)
    assert settings.get("MAP_CACHE_SECONDS") == 60
    assert settings.get("MAP_CACHE_SECONDS", {"MAP_CACHE_SECONDS": None}) == 60
    monkeypatch.setenv("GEOAPP_MAP_CACHE_SECONDS", "5")
    assert settings.get("MAP_CACHE_SECONDS") == "5"
    assert settings.get("MAP_CACHE_SECONDS", {"MAP_CACHE_SECONDS": 7}) == 7
    monkeypatch.setenv("GEOAPP_MAP_CACHE_SECONDS", "")  # set but empty: as if unset
    assert settings.get("MAP_CACHE_SECONDS") == 60
    assert settings.get("SQLITE_BUSY_TIMEOUT") == settings.WEB_BUSY_TIMEOUT == 15.0
    with pytest.raises(KeyError):
        settings.get("NO_SUCH_SETTING")


def test_a_variable_reaches_the_app(monkeypatch, tmp_path):
    from geoapp import create_app

    monkeypatch.setenv("GEOAPP_MAP_CACHE_SECONDS", "12")
    monkeypatch.setenv("GEOAPP_TODAY", "2031-02-03")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "SECRET_KEY": "k" * 32})
    assert app.config["MAP_CACHE_SECONDS"] == 12.0
    assert str(app.config["TODAY"]) == "2031-02-03"
    app.extensions["geoapp.db"].dispose()


def test_a_yes_no_setting(monkeypatch):
    monkeypatch.delenv("GEOAPP_BEHIND_PROXY", raising=False)
    assert settings.is_on("BEHIND_PROXY") is False
    monkeypatch.setenv("GEOAPP_BEHIND_PROXY", "1")
    assert settings.is_on("BEHIND_PROXY") is True
    assert settings.is_on("BEHIND_PROXY", {"BEHIND_PROXY": False}) is False  # config wins
    monkeypatch.setenv("GEOAPP_BEHIND_PROXY", "yes")  # only 1 turns it on
    assert settings.is_on("BEHIND_PROXY") is False
