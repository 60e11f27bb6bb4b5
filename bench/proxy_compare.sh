#!/usr/bin/env bash
# One HTTP hop, side by side: wrk sends `tools/call echo` on one MCP session to the native HTTP backend
# (awmg-demo-server --http) directly, through nginx (Debian's nginx-light, keep-alive upstream: the reference
# for what a plain L7 hop costs here) and through awmg (/mcp/demo, no guard, logging as shipped), interleaved,
# at 1, 8 and 32 connections. Prints each cell, then a table of medians with the ratios the goals are stated in:
# awmg's throughput over nginx's, and the p50 each hop adds over the direct p50. Loopback only; each cell runs for
# DURATION, every process is stopped at the end.
#
#   bench/proxy_compare.sh [DURATION=5s] [ROUNDS=3] [CONNECTIONS="1 8 32"]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5s}
ROUNDS=${2:-3}
CONNECTIONS=${3:-"1 8 32"}
scripts/install-deps.sh wrk nginx-light >&2
[ -x build/bin/awmg ] || scripts/build.sh >&2


source bench/lib.sh

backend_port=$(free_port)
build/bin/awmg-demo-server --http "$backend_port" >/dev/null 2>&1 &
pids+=($!)
wait_port "$backend_port"

nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
daemon off;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 64; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
wait_port "$nginx_port"

start_awmg <<EOF
type = "http"
url = "http://127.0.0.1:$backend_port/mcp"
EOF

session_script "http://127.0.0.1:$backend_port/mcp" >"$work/direct.lua"
session_script "http://127.0.0.1:$nginx_port/mcp" >"$work/nginx.lua"
session_script "http://127.0.0.1:$awmg_port/mcp/demo" bench-key >"$work/awmg.lua"
declare -A url=([direct]="http://127.0.0.1:$backend_port/mcp" [nginx]="http://127.0.0.1:$nginx_port/mcp"
  [awmg]="http://127.0.0.1:$awmg_port/mcp/demo")

echo "one hop: tools/call echo on one MCP session, $DURATION per cell, $ROUNDS interleaved rounds ($(nproc) cores)"
echo "round connections target req/s p50_us p99_us errors"
run_rounds "$DURATION" "$ROUNDS" "$CONNECTIONS" direct nginx awmg

python3 - "$work/cells" <<'EOF'
import statistics, sys
cells = {}
for line in open(sys.argv[1]):
    _, c, target, rps, p50, p99, errors = line.split()
    cells.setdefault((int(c), target), []).append((float(rps), float(p50), float(p99), int(errors)))
def med(c, t, i): return statistics.median(v[i] for v in cells[(c, t)])
print("\n| connections | direct req/s | nginx req/s | awmg req/s | awmg ÷ nginx (goal ≥ 0.8) | direct p50 µs "
      "| nginx added p50 µs | awmg added p50 µs | awmg added ÷ nginx added (goal ≤ 1.5) | awmg p99 µs | errors |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for c in sorted({k[0] for k in cells}):
    d, n, a = (med(c, t, 0) for t in ("direct", "nginx", "awmg"))
    dp, np_, ap = (med(c, t, 1) for t in ("direct", "nginx", "awmg"))
    errors = sum(v[3] for t in ("direct", "nginx", "awmg") for v in cells[(c, t)])
    added_n, added_a = np_ - dp, ap - dp
    ratio_added = added_a / added_n if added_n > 0 else float("inf")
    print(f"| {c} | {d:.0f} | {n:.0f} | {a:.0f} | {a / n:.2f} | {dp:.0f} | {added_n:.0f} | {added_a:.0f} | "
          f"{ratio_added:.2f} | {med(c, 'awmg', 2):.0f} | {errors} |")
EOF
