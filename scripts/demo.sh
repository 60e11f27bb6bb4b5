#!/usr/bin/env bash
# One command: install what is missing, build, and run the gateway on its embedded demo config.
# The client config JSON goes to stdout; a hint on how to connect goes to stderr. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
export MCP_GATEWAY_LOG_DIR=${MCP_GATEWAY_LOG_DIR:-/tmp/awmg-demo/mcp-logs}
exec build/bin/awmg --demo --listen "${AWMG_LISTEN:-127.0.0.1:3000}" "$@"
