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

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

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

awmg_port=$(free_port)
cat >"$work/awmg.toml" <<EOF
[gateway]
api_key = "bench-key"
[servers.demo]
type = "http"
url = "http://127.0.0.1:$backend_port/mcp"
EOF
MCP_GATEWAY_LOG_DIR="$work/logs" build/bin/awmg -c "$work/awmg.toml" --listen "127.0.0.1:$awmg_port" >/dev/null 2>"$work/awmg.err" &
pids+=($!)
wait_port "$awmg_port"

# One MCP session per target; prints the wrk script that calls on it.
session_script() {  # URL [AUTH]
  local url=$1 auth=${2:-}
  local headers=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
  [ -n "$auth" ] && headers+=(-H "Authorization: $auth")
  local sid
  sid=$(curl -sS -m 10 -D - -o /dev/null "${headers[@]}" "$url" \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}' |
    tr -d '\r' | awk 'tolower($1)=="mcp-session-id:"{print $2}')
  curl -sS -m 10 -o /dev/null "${headers[@]}" -H "Mcp-Session-Id: $sid" "$url" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'
  cat <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["Mcp-Session-Id"] = "$sid"
$([ -n "$auth" ] && echo "wrk.headers[\"Authorization\"] = \"$auth\"")
local threads = {}
function setup(t) t:set("tid", #threads + 1); table.insert(threads, t) end
function init() bad = 0; n = 0 end
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"jsonrpc":"2.0","id":' .. (tid * 1000000000 + n) ..
    ',"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}')
end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"hello"', 1, true) then bad = bad + 1 end
end
function done(summary, latency)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("RESULT %.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), b + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout + summary.errors.status))
end
EOF
}
session_script "http://127.0.0.1:$backend_port/mcp" >"$work/direct.lua"
session_script "http://127.0.0.1:$nginx_port/mcp" >"$work/nginx.lua"
session_script "http://127.0.0.1:$awmg_port/mcp/demo" bench-key >"$work/awmg.lua"
declare -A url=([direct]="http://127.0.0.1:$backend_port/mcp" [nginx]="http://127.0.0.1:$nginx_port/mcp"
  [awmg]="http://127.0.0.1:$awmg_port/mcp/demo")

echo "one hop: tools/call echo on one MCP session, $DURATION per cell, $ROUNDS interleaved rounds ($(nproc) cores)"
echo "round connections target req/s p50_us p99_us errors"
for round in $(seq "$ROUNDS"); do
  for c in $CONNECTIONS; do
    for target in direct nginx awmg; do
      threads=$((c < 2 ? c : 2))
      line=$(wrk -t"$threads" -c"$c" -d"$DURATION" --timeout 10s -s "$work/$target.lua" "${url[$target]}" |
        grep '^RESULT')
      echo "$round $c $target ${line#RESULT }" | tee -a "$work/cells"
    done
  done
done

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
