#!/usr/bin/env bash
# `make bench`: huddle's benchmarks (bench/run.py says what is measured).
# Builds the release binaries (no sanitizers) unless BENCH_NO_BUILD=1, then
# runs every phase against a private PostgreSQL with durable commits and
# every service, and prints the figures last. The cluster, the services and
# the tools are started and stopped by PID; nothing else is touched.
# Settings: HUDDLE_BIN_DIR (default build/release), BENCH_* (bench/run.py);
# BENCH_PHASES=hol runs only the head-of-line phase (bench/hol.c), which
# prints `hol get_p99_ms=X get_p50_ms=Y pipelined=20000`; BENCH_PHASES=crisis
# only the crisis holds under load, which print `crisis hold_ms p50=X p99=Y
# ...` and make the run exit 1 if a post in scope was stored during a hold;
# BENCH_PHASES=inbound only the mentions through POST /v1/inbound, which print
# `inbound mentions/s=N p99_inbox_ms=N` and make the run exit 1 if a mention
# acknowledged is not in the inbox exactly once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=${HUDDLE_BIN_DIR:-build/release}

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    cmake -S . -B "$bin" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHD_SANITIZE=OFF >/dev/null
    cmake --build "$bin" -j "$(nproc)" --target huddle-hub huddle-ingest huddle-policy \
        huddle-workflow huddle-publisher huddle-metrics huddle-sandbox huddle-migrate \
        bench-loadgen bench-fetch bench-zmqraw bench-hol
fi
bin=$(realpath "$bin")
for b in huddle-hub huddle-ingest huddle-policy huddle-workflow huddle-publisher \
         huddle-metrics huddle-sandbox huddle-migrate bench-loadgen bench-fetch bench-zmqraw \
         bench-hol; do
    [ -x "$bin/$b" ] || { echo "bench: $bin/$b missing; run 'make build'" >&2; exit 1; }
done
if grep -q 'HD_SANITIZE:BOOL=ON' "$bin/CMakeCache.txt" 2>/dev/null; then
    echo "bench: $bin is a sanitizer build; benchmarks need a release build" >&2
    exit 1
fi
command -v psql >/dev/null || { echo "bench: psql missing; run scripts/deps.sh" >&2; exit 1; }

HUDDLE_BIN_DIR="$bin" HUDDLE_SOURCE_DIR="$root" exec python3 "$root/bench/run.py"
