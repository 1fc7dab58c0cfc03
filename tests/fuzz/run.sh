#!/usr/bin/env bash
# Builds and runs huddle's fuzzers (tests/fuzz/README.md).
#
#   run.sh build BUILD_DIR
#       configures tests/fuzz/project with clang and builds every fuzzer
#   run.sh run BUILD_DIR SECONDS SET [TARGET...]
#       runs each target of SET (policy, http, ingest, wire; all of the set's
#       fuzz_<SET>_* when none is named) for SECONDS, starting from the
#       committed seeds (tests/fuzz/<SET>_fuzz/seeds-<target>/) and from
#       BUILD_DIR/corpus-<SET>_<target>/, where new inputs are kept. A crash
#       is saved as BUILD_DIR/crash-<SET>_<target>-<hash>.
#
# Exit 0 when nothing crashed, leaked or hung. One line per target:
#   fuzz_http_request: 10 s, cov: 1234 ft: 5678 corp: 90, exec/s: 1000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: run.sh build BUILD_DIR | run.sh run BUILD_DIR SECONDS SET [TARGET...]}
build=${2:?BUILD_DIR missing}

if [ "$cmd" = build ]; then
    cc=$(command -v clang-14 || command -v clang)
    cmake -S "$here/project" -B "$build" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build "$build" -j"${FUZZ_JOBS:-2}" >/dev/null
    exit 0
fi

secs=${3:?SECONDS missing}
set=${4:?SET missing}
shift 4
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for exe in "$build/$set"/fuzz_"$set"_*; do
        [ -x "$exe" ] && targets+=("${exe##*/fuzz_"$set"_}")
    done
fi
[ ${#targets[@]} -gt 0 ] || { echo "no fuzzer of set '$set' in $build"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for t in "${targets[@]}"; do
    name=fuzz_${set}_$t
    corpus=$build/corpus-${set}_$t
    seeds=$here/${set}_fuzz/seeds-$t
    log=$build/$name.log
    mkdir -p "$corpus"
    rc=0
    "$build/$set/$name" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/crash-${set}_$t-" \
        "$corpus" $( [ -d "$seeds" ] && echo "$seeds") >"$log" 2>&1 || rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
    cov=$(sed -nE 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+).*/\1/p' <<<"$done_line")
    eps=$(sed -nE 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -n 1)
    echo "$name: ${secs} s, ${cov:-cov: ?}, exec/s: ${eps:-?}"
    if [ "$rc" -ne 0 ]; then
        echo "$name FAILED (exit $rc); the end of $log:"
        tail -n 60 "$log"
        status=1
    fi
done
exit $status
