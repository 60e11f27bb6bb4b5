#!/usr/bin/env bash
# Installs what awmg needs to build, test and run, from Debian 12 packages only, and any further packages named
# as arguments (the benchmarks name theirs). Idempotent: packages that are already installed are skipped, and apt
# is not touched at all when nothing is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libssl-dev rapidjson-dev libtomlplusplus-dev libvalijson-dev libre2-dev libjq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  wabt clang lld wasi-libc libclang-rt-14-dev-wasm32
  rustc cargo libstd-rust-dev-wasm32 librust-serde-json-dev
  curl openssl ca-certificates libtcmalloc-minimal4 python3 gh
  chromium
)
# Node.js and npm for the third-party MCP clients and servers the tests drive; any installed Node will do.
command -v npm >/dev/null || packages+=(nodejs npm)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
