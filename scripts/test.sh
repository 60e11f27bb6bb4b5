#!/usr/bin/env bash
# One command: install what is missing, build, and run every test (unit and integration) with CTest.
# AWMG_BUILD_TYPE=Asan runs the same suite under AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/,
# AWMG_BUILD_TYPE=Tsan under ThreadSanitizer in build-tsan/: every process the tests start (the gateway, its
# backends) writes its reports to build-tsan/tsan-reports, and any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-node-tools.sh
case "${AWMG_BUILD_TYPE:-}" in
  Asan) export AWMG_BUILD_DIR=${AWMG_BUILD_DIR:-build-asan} ;;
  Tsan) export AWMG_BUILD_DIR=${AWMG_BUILD_DIR:-build-tsan} ;;
esac
scripts/build.sh
if [ "${AWMG_BUILD_TYPE:-}" = Tsan ]; then
  reports=$PWD/$AWMG_BUILD_DIR/tsan-reports
  rm -rf "$reports" && mkdir -p "$reports"
  export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp log_path=$reports/report second_deadlock_stack=1"
fi
ctest --test-dir "${AWMG_BUILD_DIR:-build}" --output-on-failure --timeout 300 -j "$(nproc)"
if [ "${AWMG_BUILD_TYPE:-}" = Tsan ] && [ -n "$(ls -A "$reports")" ]; then
  echo "ThreadSanitizer reports in $reports:" >&2
  grep -h "^WARNING: ThreadSanitizer\|^    #[0-3] " "$reports"/* | head -80 >&2
  exit 1
fi
if [ -z "${AWMG_BUILD_TYPE:-}" ]; then
  # The Release build (-O3, warnings as errors) and its tests, then every fuzzer briefly.
  AWMG_BUILD_TYPE=Release AWMG_BUILD_DIR=build-release scripts/build.sh
  ctest --test-dir build-release --output-on-failure --timeout 300 -j "$(nproc)" -E conformance
  scripts/fuzz.sh all 10
fi
