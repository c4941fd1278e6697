#!/usr/bin/env bash
# The test command: install geoapp with its test extras into .venv, make PostGIS
# available, and run the whole suite on both backends (embedded SQLite and
# PostGIS). Fails, never skips, when the PostGIS half cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

# The house plan first (ARCHITECTURE.md; contracts in pyproject.toml): a module
# importing a layer above its own, or a cycle, fails the run here.
.venv/bin/lint-imports

if [ -z "${GEOAPP_TEST_POSTGIS_URL:-}" ]; then
  bash scripts/ensure-postgis.sh
fi
bash scripts/ensure-test-packages.sh

# conftest.py fails the run if no PostGIS test ran or any was skipped
export GEOAPP_REQUIRE_POSTGIS=1
# Coverage of the whole run, both backends and every subprocess (CLI runs,
# gunicorn and its workers: pyproject.toml [tool.coverage.run]); the table is
# printed even when a test fails, and the run's status is pytest's.
rm -f .coverage .coverage.*
# One pytest worker per core (pytest-xdist): the browser, gunicorn and PostgreSQL tests
# spend much of their time waiting, so two workers on two cores nearly halve the run.
# Each worker has its own databases (tests/support/databases.py names them uniquely);
# GEOAPP_TEST_WORKERS=0 runs in one process.
status=0
.venv/bin/python -m coverage run -m pytest -n "${GEOAPP_TEST_WORKERS:-logical}" "$@" || status=$?
.venv/bin/python -m coverage combine -q
.venv/bin/python -m coverage report
exit "$status"
