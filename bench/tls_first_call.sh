#!/usr/bin/env bash
# What TLS costs a new client: curl opens a fresh connection N times to /health on awmg over HTTPS (a throwaway
# certificate made here) and, in the same run, over plain HTTP; prints the medians of the TCP connect, the TLS
# handshake and the whole first request. Loopback only; the gateway is stopped at the end.
#
#   bench/tls_first_call.sh [N=50]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
[ -x build/bin/awmg ] || scripts/build.sh >&2
source bench/lib.sh

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/key.pem" \
  -out "$work/cert.pem" -days 1 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
measure() {  # URL EXTRA... -> "connect_ms handshake_ms total_ms" medians
  local url=$1
  shift
  for _ in $(seq "$N"); do
    curl -sS -o /dev/null -w '%{time_connect} %{time_appconnect} %{time_total}\n' "$@" "$url"
  done | python3 -c '
import statistics, sys
rows = [list(map(float, line.split())) for line in sys.stdin]
connect, tls, total = (statistics.median(r[i] for r in rows) * 1000 for i in range(3))
print(f"{connect:.3f} {max(tls - connect, 0):.3f} {total:.3f}")'
}
for mode in plain tls; do
  port=$(free_port)
  flags=()
  [ "$mode" = tls ] && flags=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
  MCP_GATEWAY_LOG_DIR="$work/logs-$mode" build/bin/awmg --demo --listen "127.0.0.1:$port" "${flags[@]}" \
    >/dev/null 2>"$work/awmg-$mode.err" &
  pids+=($!)
  wait_port "$port"
  if [ "$mode" = tls ]; then
    read -r c h t < <(measure "https://127.0.0.1:$port/health" --cacert "$work/cert.pem")
  else
    read -r c h t < <(measure "http://127.0.0.1:$port/health")
  fi
  echo "$mode $c $h $t" >>"$work/rows"
done
echo "| transport | TCP connect ms | TLS handshake ms | first request, total ms |"
echo "|---|--:|--:|--:|"
while read -r mode c h t; do echo "| $mode | $c | $h | $t |"; done <"$work/rows"
