#!/usr/bin/env bash
# The main job: set up, then validate the shipped configs and print the rollout plan of the last change.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
hotswap validate
if git rev-parse --verify -q HEAD~1 >/dev/null; then
  hotswap diff HEAD~1 HEAD
  hotswap plan
else
  hotswap plan --base "$(git hash-object -t tree /dev/null)" 2>/dev/null || hotswap plan
fi
