#!/usr/bin/env bash
# Fresh machine -> a virtual environment with dtnmodels -> all three flows on the
# embedded samples. Reports land in ./runs/<flow>/<run id>/report.html.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${DTNMODELS_VENV:-.venv}"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet .

export MPLBACKEND=Agg
"$VENV/bin/dtnmodels" run all --out runs
