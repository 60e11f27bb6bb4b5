#!/usr/bin/env bash
# Configures and builds awmg into build/ (or $AWMG_BUILD_DIR). Extra arguments go to cmake's configure step,
# e.g. -DCMAKE_BUILD_TYPE=Asan for the AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${AWMG_BUILD_DIR:-build}
# Let clones in other directories share ccache entries (CI builds a fresh clone every run).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${AWMG_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build_dir"
