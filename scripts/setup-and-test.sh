#!/usr/bin/env bash
# Fresh machine -> a virtual environment with dtnmodels and its test extras -> the tests.
# Usage: bash scripts/setup-and-test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${DTNMODELS_VENV:-.venv}"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet ".[test]"

export MPLBACKEND=Agg
"$VENV/bin/python" -m ruff check src tests benchmarks scripts
"$VENV/bin/python" -m pytest -n 2 --durations=15 "$@"
