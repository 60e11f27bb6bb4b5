#!/usr/bin/env bash
# One command: install what is missing, build, and run the gateway on its embedded demo config.
# The client config JSON goes to stdout; a hint on how to connect goes to stderr. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build output goes to stderr: stdout is for the client-config JSON document only.
scripts/install-deps.sh >&2
scripts/build.sh >&2
export MCP_GATEWAY_LOG_DIR=${MCP_GATEWAY_LOG_DIR:-/tmp/awmg-demo/mcp-logs}
exec build/bin/awmg --demo --listen "${AWMG_LISTEN:-127.0.0.1:3000}" "$@"
