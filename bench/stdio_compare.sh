#!/usr/bin/env bash
# A stdio backend served over Streamable HTTP, side by side: wrk sends `tools/call echo` on one MCP session to
# awmg (/mcp/demo, the native awmg-demo-server over its pipes, logging as shipped) and to supergateway (npm, the
# bridge a user would otherwise put in front of the same stdio server: stateful stdio -> Streamable HTTP),
# interleaved, at 1 and 8 connections. Prints each cell, then medians and awmg's throughput over
# supergateway's (goal at 8 connections: at least 10x). supergateway is installed from npm into
# ~/.cache/awmg-bench on first use. Loopback only; every process is stopped at the end.
#
#   bench/stdio_compare.sh [DURATION=5s] [ROUNDS=3] [CONNECTIONS="1 8"]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5s}
ROUNDS=${2:-3}
CONNECTIONS=${3:-"1 8"}
SUPERGATEWAY_VERSION=4.0.0
scripts/install-deps.sh wrk >&2
[ -x build/bin/awmg ] || scripts/build.sh >&2
cache=${XDG_CACHE_HOME:-$HOME/.cache}/awmg-bench
if [ ! -f "$cache/node_modules/supergateway/dist/index.js" ]; then
  mkdir -p "$cache"
  (cd "$cache" && npm install --no-audit --no-fund --silent "supergateway@$SUPERGATEWAY_VERSION" >&2)
fi

source bench/lib.sh
server=$PWD/build/bin/awmg-demo-server

sg_port=$(free_port)
node "$cache/node_modules/supergateway/dist/index.js" --stdio "$server" --outputTransport streamableHttp \
  --stateful --port "$sg_port" --logLevel none >/dev/null 2>"$work/supergateway.err" &
pids+=($!)
wait_port "$sg_port"

start_awmg <<EOF
command = "$server"
EOF

session_script "http://127.0.0.1:$sg_port/mcp" >"$work/supergateway.lua"
session_script "http://127.0.0.1:$awmg_port/mcp/demo" bench-key >"$work/awmg.lua"
declare -A url=([supergateway]="http://127.0.0.1:$sg_port/mcp" [awmg]="http://127.0.0.1:$awmg_port/mcp/demo")

echo "stdio backend over Streamable HTTP: tools/call echo on one MCP session, $DURATION per cell, $ROUNDS rounds ($(nproc) cores)"
echo "round connections target req/s p50_us p99_us errors"
run_rounds "$DURATION" "$ROUNDS" "$CONNECTIONS" supergateway awmg

python3 - "$work/cells" <<'EOF'
import statistics, sys
cells = {}
for line in open(sys.argv[1]):
    _, c, target, rps, p50, p99, errors = line.split()
    cells.setdefault((int(c), target), []).append((float(rps), float(p50), float(p99), int(errors)))
def med(c, t, i): return statistics.median(v[i] for v in cells[(c, t)])
print("\n| connections | supergateway req/s | awmg req/s | awmg ÷ supergateway (goal ≥ 10 at 8) "
      "| supergateway p50 µs | awmg p50 µs | awmg p99 µs | errors |")
print("|---|--:|--:|--:|--:|--:|--:|--:|")
for c in sorted({k[0] for k in cells}):
    s, a = med(c, "supergateway", 0), med(c, "awmg", 0)
    errors = sum(v[3] for t in ("supergateway", "awmg") for v in cells[(c, t)])
    print(f"| {c} | {s:.0f} | {a:.0f} | {a / s:.1f} | {med(c, 'supergateway', 1):.0f} | {med(c, 'awmg', 1):.0f} | "
          f"{med(c, 'awmg', 2):.0f} | {errors} |")
EOF
