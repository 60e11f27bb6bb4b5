#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14 with ASan and UBSan, into build-fuzz/) and runs them: each on
# its seed corpus (fuzz/corpus/<target>) and its regressions (fuzz/regressions/<target>: every crash found,
# kept), for SECONDS each (default 60). New inputs go to build-fuzz/corpus/<target>, crashes to
# build-fuzz/crashes/; a crash fails the run and prints how to reproduce it.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-60}
all=(front_door jsonrpc sse http_response config wasm wasm_build guard_labels trace_context proxy)
if [ "$target" = all ]; then targets=("${all[@]}"); else targets=("$target"); fi
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "unknown fuzz target '$t' (one of: ${all[*]})" >&2; exit 2; }
done
scripts/install-deps.sh clang-14 libclang-rt-14-dev >&2

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
cmake -S . -B build-fuzz -G Ninja -DAWMG_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  >/dev/null
cmake --build build-fuzz --target "${targets[@]/#/fuzz_}"

export UBSAN_OPTIONS="suppressions=$PWD/fuzz/ubsan.supp:halt_on_error=1:print_stacktrace=1"
mkdir -p build-fuzz/crashes
status=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  mkdir -p "$work" "fuzz/regressions/$t"
  # The regressions first, once each: a crash that came back fails before any fuzzing.
  if [ -n "$(ls -A "fuzz/regressions/$t")" ]; then
    build-fuzz/bin/fuzz_"$t" "fuzz/regressions/$t"/* >"build-fuzz/$t.regressions.log" 2>&1 || {
      echo "FAIL fuzz_$t: a regression input crashes again (build-fuzz/$t.regressions.log)" >&2
      status=1
      continue
    }
  fi
  if build-fuzz/bin/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/$t-" "$work" "fuzz/corpus/$t" >"build-fuzz/$t.log" 2>&1; then
    echo "ok   fuzz_$t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$t.log" | grep -o '[0-9]*$') runs in ${seconds}s"
  else
    echo "FAIL fuzz_$t: see build-fuzz/$t.log; reproduce with build-fuzz/bin/fuzz_$t <the crash file in build-fuzz/crashes/>," \
      "then keep it in fuzz/regressions/$t/" >&2
    tail -30 "build-fuzz/$t.log" >&2
    status=1
  fi
done
exit $status
