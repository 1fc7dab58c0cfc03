#!/usr/bin/env bash
# Builds the policy fuzzers with clang in BUILD_DIR and runs each for
# SECONDS (default 20) from the seed corpus. Exit 0 when nothing crashed.
# usage: run.sh BUILD_DIR [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR [SECONDS]}
secs=${2:-20}
cc=$(command -v clang-14 || command -v clang)
cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$build" -j2 >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in loader eval; do
    corpus=$build/corpus-$t
    mkdir -p "$corpus"
    if [ "$t" = loader ]; then
        cp "$here/../../../examples/policy/"*.yaml "$corpus/" 2>/dev/null || true
    else
        cp "$here/seeds-eval/"* "$corpus/" 2>/dev/null || true
    fi
    echo "fuzz_policy_$t: ${secs}s"
    "$build/fuzz_policy_$t" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/crash-$t-" \
        "$corpus" 2>&1 | tail -n 12
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz_policy_$t failed"; exit 1; }
done
