#!/usr/bin/env bash
# The main job: set up, then `hotswap demo`: a bare repo as the remote, a local Prometheus, a
# simulated fleet of real agents and the promoter, a harmless and a harmful balance change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
hotswap validate
hotswap demo "$@"
