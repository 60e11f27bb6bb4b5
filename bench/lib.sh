# Shared by the bench scripts: a scratch directory and the processes to stop at exit, loopback ports,
# readiness, one MCP session per target, and interleaved wrk rounds on it. Sourced.

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# Starts awmg on a free port with the [servers.demo] table given on stdin (key "bench-key", logging as shipped,
# into $work/logs); sets awmg_port.
start_awmg() {
  awmg_port=$(free_port)
  { printf '[gateway]\napi_key = "bench-key"\n[servers.demo]\n'; cat; } >"$work/awmg.toml"
  MCP_GATEWAY_LOG_DIR="$work/logs" build/bin/awmg -c "$work/awmg.toml" --listen "127.0.0.1:$awmg_port" \
    >/dev/null 2>"$work/awmg.err" &
  pids+=($!)
  wait_port "$awmg_port"
}

# Opens one MCP session on URL and prints the wrk script that calls `tools/call echo` on it, checking every
# answer and printing "RESULT req/s p50_us p99_us errors".
session_script() {  # URL [AUTH]
  local url=$1 auth=${2:-}
  local headers=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream')
  [ -n "$auth" ] && headers+=(-H "Authorization: $auth")
  local sid
  sid=$(curl -sS -m 10 -D - -o /dev/null "${headers[@]}" "$url" \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' |
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
$(wrk_done_lua)
EOF
}

# The wrk `done` every script here ends with: "RESULT req/s p50_us p99_us errors", counting each thread's `bad`
# answers (scripts keep their threads in `threads`) and wrk's own errors.
wrk_done_lua() {
  cat <<'EOF'
function done(summary, latency)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  io.write(string.format("RESULT %.0f %.1f %.1f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), b + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout + summary.errors.status))
end
EOF
}

# One cell: prints "req/s p50_us p99_us errors" of wrk with the script on URL.
wrk_cell() {  # CONNECTIONS DURATION SCRIPT URL
  local c=$1 threads=$(($1 < 2 ? $1 : 2))
  local line
  line=$(wrk -t"$threads" -c"$c" -d"$2" --timeout 10s -s "$3" "$4" | grep '^RESULT')
  echo "${line#RESULT }"
}

# ROUNDS interleaved rounds over CONNECTIONS and the targets; each cell is printed and appended to
# $work/cells as "round connections target req/s p50_us p99_us errors". Expects $work/<target>.lua and the
# associative array `url` (target -> URL).
run_rounds() {  # DURATION ROUNDS "CONNECTIONS" TARGET...
  local duration=$1 rounds=$2 connections=$3
  shift 3
  for round in $(seq "$rounds"); do
    for c in $connections; do
      for target in "$@"; do
        echo "$round $c $target $(wrk_cell "$c" "$duration" "$work/$target.lua" "${url[$target]}")" |
          tee -a "$work/cells"
      done
    done
  done
}
