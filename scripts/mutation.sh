#!/usr/bin/env bash
# Mutation testing of the pure rule modules ([tool.mutmut] only_mutate in
# pyproject.toml): every mutant is run against the tests that exercise it;
# prints killed / survived / timeout / not checked per module. Results and the
# survivors' reasons: docs/quality.md. Takes a while on two cores.
#
#   scripts/mutation.sh                       every module, from scratch
#   scripts/mutation.sh geoapp/domain/ranks.py [geoapp/domain/risk.py ...]
#                                             just those modules; keeps mutants/
#                                             (the recorded test map) and re-runs
#                                             every mutant of the modules named
#
# MUTATION_JOBS sets mutmut's --max-children (default 1: leave a core free).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || "${PYTHON:-python3}" -m venv .venv
[ -x .venv/bin/mutmut ] || .venv/bin/python -m pip install -q -e ".[test,mutation]"
export GEOAPP_TEST_BACKENDS=sqlite  # the rules do not depend on the backend
export HYPOTHESIS_PROFILE=ci
jobs="${MUTATION_JOBS:-1}"
if [ $# -eq 0 ]; then
    rm -rf mutants
    .venv/bin/mutmut run --max-children "$jobs" || true
    .venv/bin/python scripts/mutation_table.py
    exit 0
fi
# geoapp/domain/ranks.py -> the glob of its mutants' names, geoapp.domain.ranks.*
globs=()
for path in "$@"; do
    case "$path" in
        geoapp/*.py) ;;
        *) echo "not a module path under geoapp/: $path" >&2; exit 2 ;;
    esac
    [ -f "$path" ] || { echo "no such module: $path" >&2; exit 2; }
    grep -q "\"$path\"" pyproject.toml || { echo "$path is not in [tool.mutmut] only_mutate" >&2; exit 2; }
    module="${path%.py}"
    globs+=("${module//\//.}.*")
done
.venv/bin/mutmut run --max-children "$jobs" "${globs[@]}" || true
.venv/bin/python scripts/mutation_table.py "$@"
