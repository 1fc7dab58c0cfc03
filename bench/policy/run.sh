#!/usr/bin/env bash
# make bench-policy: builds the policy benchmark in Release (no sanitizers)
# in its own build folder and runs it on one core. The last line is
#   policy checks/s=N p50_us=N p99_us=N raw_ratio=R
# Arguments are passed to bench_policy (e.g. the number of posts).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HUDDLE_BENCH_BUILD_DIR:-$root/build/bench-policy}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DHD_SANITIZE=OFF >/dev/null
if grep -q 'bench/policy' "$root/CMakeLists.txt"; then
    cmake --build "$build" -j"$(nproc)" --target bench_policy >/dev/null
    bin=$build/bench/policy/bench_policy
else
    # Not wired into the top CMakeLists.txt yet: link against its libraries.
    cmake --build "$build" -j"$(nproc)" --target hd_policy >/dev/null
    bin=$build/bench_policy
    cc -O3 -DNDEBUG -std=c11 -D_GNU_SOURCE -I"$root/services/policy" -I"$root/common" \
        -I"$build/gen" "$root/bench/policy/bench_policy.c" -o "$bin" \
        "$build/libhd_policy.a" "$build/libhd.a" "$build/libhd_proto.a" \
        $(pkg-config --cflags --libs libhs yaml-0.1 jansson libpq libprotobuf-c) -lm
fi
exec "$bin" "$@"
