#!/usr/bin/env bash
# The main job: set up, validate the shipped configs, then play a balance patch through the CI side:
# a scratch repository holding configs/ and schemas/ gets a commit that buffs the rifle, and HotSwap
# shows its validation, semantic diff and rollout plan, as a pull request would.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== hotswap validate (shipped configs)"
hotswap validate

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r configs schemas "$scratch"/
cd "$scratch"
git() { command git -c user.name=HotSwap -c user.email=demo@hotswap.invalid "$@"; }
git init -q -b main && git add -A && git commit -q -m "Season 7 configs"
sed -i '0,/damage: 45/s//damage: 48/' configs/battle-royale/balance/weapons.yaml
sed -i 's/{id: sku-skin-frost, item: skin-frost, price: {hard: 2000}/{id: sku-skin-frost, item: skin-frost, price: {hard: 1800}/' configs/battle-royale/economy/store.yaml
git commit -q -am "Balance patch 7.1: rifle damage 45 -> 48, Frostbite skin on sale"

echo; echo "== hotswap validate --changed-since HEAD~1"
hotswap validate --changed-since HEAD~1
echo; echo "== hotswap diff HEAD~1 HEAD"
hotswap diff HEAD~1 HEAD
echo; echo "== hotswap plan"
hotswap plan
