#!/usr/bin/env bash
# The test command: set up, then lint, type-check and run the whole suite with line and branch
# coverage of the product's packages (subprocesses included), held at 85% or more. Three workers:
# most of the suite waits on Prometheus scrapes, agents' polls and timers, not on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check .; ruff format --check .
echo "== mypy"; mypy
echo "== pytest"; pytest -n 3 --cov --cov-report=term:skip-covered --cov-fail-under=85 "$@"
