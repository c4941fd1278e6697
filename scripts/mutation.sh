#!/usr/bin/env bash
# Mutation testing of the pure rule modules ([tool.mutmut] in pyproject.toml):
# every mutant of spatial, risk, rectification, identifiers, major_hazard,
# admission, ranks, timeline, statistics, hazardcodes and hazarddates is run
# against the tests that
# exercise them; prints killed / survived / timeout per module. Results and the
# survivors' reasons: docs/quality.md. Takes a while on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
.venv/bin/python -m pip install -q -e ".[test,mutation]"
export GEOAPP_TEST_BACKENDS=sqlite  # the rules do not depend on the backend
export HYPOTHESIS_PROFILE=ci
rm -rf mutants
.venv/bin/mutmut run --max-children "${MUTATION_JOBS:-2}" || true
.venv/bin/python scripts/mutation_table.py
