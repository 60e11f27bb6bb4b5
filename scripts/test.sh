#!/usr/bin/env bash
# One command: install what is missing, build, and run every test (unit and integration) with CTest.
# AWMG_BUILD_TYPE=Asan runs the same suite under AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-node-tools.sh
if [ "${AWMG_BUILD_TYPE:-}" = "Asan" ]; then export AWMG_BUILD_DIR=${AWMG_BUILD_DIR:-build-asan}; fi
scripts/build.sh
ctest --test-dir "${AWMG_BUILD_DIR:-build}" --output-on-failure --timeout 300 -j "$(nproc)"
