"""The suite's plugins and session hooks; fixtures and helpers live in tests/support/.

Tests import helpers by their full name (``from tests.support.apps import make_user``);
the fixtures (``database``, ``demo_database``, ``app``, ``client``, ``auth``,
``browser``, ``live_url``, ...) are registered here for every test.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Listing every support module also has pytest rewrite their asserts (watched_page, rejected).
pytest_plugins = [
    "tests.support.databases",
    "tests.support.apps",
    "tests.support.browser",
    "tests.support.checks",
    "tests.support.files",
]

# Property tests (tests/domain/test_properties.py): "ci" — the default — draws a fixed,
# bounded set of examples (derandomize: the same ones every run, so CI is reproducible and
# fast); HYPOTHESIS_PROFILE=explore searches longer and at random.
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# ---- the PostGIS half must really run (GEOAPP_REQUIRE_POSTGIS=1, set by scripts/test.sh)

_backend_tally = {"postgis_passed": 0, "postgis_skipped": 0}


def pytest_runtest_logreport(report):
    if "[postgis" not in report.nodeid and "-postgis" not in report.nodeid:
        return
    if report.when == "call" and report.passed:
        _backend_tally["postgis_passed"] += 1
    if report.skipped:
        _backend_tally["postgis_skipped"] += 1


def _is_xdist_worker(config) -> bool:
    # Under pytest-xdist (scripts/test.sh runs -n 2) each worker sees only its share of
    # the tests; the controller receives every report and makes the judgement.
    return hasattr(config, "workerinput")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("GEOAPP_REQUIRE_POSTGIS") != "1" or _is_xdist_worker(session.config):
        return
    if _backend_tally["postgis_passed"] == 0 or _backend_tally["postgis_skipped"]:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    config = terminalreporter.config
    if os.environ.get("GEOAPP_REQUIRE_POSTGIS") == "1" and not _is_xdist_worker(config):
        t = _backend_tally
        ok = t["postgis_passed"] > 0 and not t["postgis_skipped"]
        terminalreporter.write_line(
            f"PostGIS backend: {t['postgis_passed']} passed, {t['postgis_skipped']} skipped"
            + ("" if ok else "  -> FAIL: the PostGIS suite did not fully run"))
