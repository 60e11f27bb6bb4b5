#!/usr/bin/env bash
# awmg proxy side by side with the API it fronts: wrk sends `GET /repos/octo/public-repo/issues` (100 issues,
# authors of every association) to a fake GitHub API directly and through `awmg proxy` with the example Rust
# guard (allow-only octo/public-repo, min-integrity approved: 60 of the 100 items stay), interleaved, at 1 and
# 8 connections. The fake API is nginx (Debian's nginx-light) serving the fake's answers as files, so the
# baseline measures the proxy, not a slow fake. Prints each cell, then medians and ratios. Loopback only.
#
#   bench/github_proxy.sh [DURATION=5s] [ROUNDS=3] [CONNECTIONS="1 8"]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-5s}
ROUNDS=${2:-3}
CONNECTIONS=${3:-"1 8"}
scripts/install-deps.sh wrk nginx-light >&2
[ -x build/bin/awmg ] || scripts/build.sh >&2

source bench/lib.sh

# The fake's answers as files.
mkdir -p "$work/api/perm" "$work/nginx"
python3 - "$work/api" <<'PY'
import json, os, sys
sys.path.insert(0, "tests/support")
import fake_github as g
out = sys.argv[1]
json.dump(g.issues("octo/public-repo", 100), open(f"{out}/issues.json", "w"))
json.dump(g.repo_json("octo/public-repo"), open(f"{out}/repo.json", "w"))
for _, user, _ in g.AUTHORS:
    json.dump({"permission": g.PERMISSIONS.get(user, "none")}, open(f"{out}/perm/{user}.json", "w"))
PY
chmod -R a+rX "$work"  # (nginx's workers run as another user)
api_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  default_type application/json;
  server {
    listen 127.0.0.1:$api_port;
    location = /repos/octo/public-repo/issues { alias $work/api/issues.json; }
    location = /repos/octo/public-repo { alias $work/api/repo.json; }
    location ~ ^/repos/octo/public-repo/collaborators/([a-z]+)/permission\$ { alias $work/api/perm/\$1.json; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
pids+=($!)
wait_port "$api_port"

proxy_port=$(free_port)
build/bin/awmg proxy --guard-wasm build/guards/github_guard.wasm \
  --policy '{"allow-only":{"repos":["octo/public-repo"],"min-integrity":"approved"}}' \
  --github-api-url "http://127.0.0.1:$api_port" --github-token bench-token --listen "127.0.0.1:$proxy_port" \
  --log-dir "$work/logs" 2>"$work/proxy.err" &
pids+=($!)
wait_port "$proxy_port"
# Warm: the guard's native tier and its metadata answers (cached per repository and author).
for _ in $(seq 30); do curl -s -o /dev/null "http://127.0.0.1:$proxy_port/repos/octo/public-repo/issues"; sleep 0.2; done

script() {  # EXPECTED_ITEMS
  cat <<LUA
local threads = {}
function setup(t) table.insert(threads, t) end
function init() bad = 0 end
function response(status, headers, body)
  local _, items = string.gsub(body, '"number":', '')
  if status ~= 200 or items ~= $1 then bad = bad + 1 end
end
LUA
  wrk_done_lua
}
script 100 >"$work/direct.lua"
script 60 >"$work/proxy.lua"
declare -A url=([direct]="http://127.0.0.1:$api_port/repos/octo/public-repo/issues"
  [proxy]="http://127.0.0.1:$proxy_port/repos/octo/public-repo/issues")

echo "GET /repos/octo/public-repo/issues (100 items), $DURATION per cell, $ROUNDS interleaved rounds ($(nproc) cores)"
echo "round connections target req/s p50_us p99_us errors"
run_rounds "$DURATION" "$ROUNDS" "$CONNECTIONS" direct proxy

python3 - "$work/cells" <<'PY'
import statistics, sys
cells = {}
for line in open(sys.argv[1]):
    _, c, target, rps, p50, p99, errors = line.split()
    cells.setdefault((int(c), target), []).append((float(rps), float(p50), float(p99), int(errors)))
def med(c, t, i): return statistics.median(v[i] for v in cells[(c, t)])
print("\n| connections | direct req/s | proxy req/s | proxy ÷ direct | direct p50 µs | proxy p50 µs | proxy added p50 µs "
      "| proxy p99 µs | errors |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
for c in sorted({k[0] for k in cells}):
    d, p = med(c, "direct", 0), med(c, "proxy", 0)
    dp, pp = med(c, "direct", 1), med(c, "proxy", 1)
    errors = sum(v[3] for t in ("direct", "proxy") for v in cells[(c, t)])
    print(f"| {c} | {d:.0f} | {p:.0f} | {p / d:.3f} | {dp:.0f} | {pp:.0f} | {pp - dp:.0f} | {med(c, 'proxy', 2):.0f} | {errors} |")
PY
