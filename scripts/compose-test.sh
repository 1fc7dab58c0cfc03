#!/usr/bin/env bash
# `make compose-test`: compose.yaml tested for real. Builds the images, starts
# the project (up -d), waits for every healthcheck, runs the tour against the
# containers and kills a service and the hub in the middle of a flow
# (tests/compose/tour.py), then removes it all (down -v), also on failure.
#
# It uses `docker compose` or `docker-compose`, whichever exists, against the
# engine DOCKER_HOST names (Docker, or podman's Docker API). Machines with no
# Docker engine: run ../shared/containers/setup-host.sh first (as root).
# PostgreSQL: the upstream image cannot be pulled everywhere, so the test
# builds a stand-in from Debian's postgresql package (deploy/postgres-standin)
# and points POSTGRES_IMAGE at it; HCT_POSTGRES_IMAGE=postgres:16 uses the
# upstream image instead. HCT_KEEP=1 leaves the project up for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
t0=$(date +%s)

say() { printf '[compose-test %4ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }
die() { printf 'compose-test: %s\n' "$*" >&2; exit 1; }

setup_hint() {
    local d
    for d in ../shared/containers ../../shared/containers; do
        if [ -x "$d/setup-host.sh" ]; then
            echo "No Docker engine here? Start the podman one: sudo $d/setup-host.sh" \
                 "&& export DOCKER_HOST=unix:///run/podman/podman.sock"
            return
        fi
    done
    echo "Install Docker (engine + compose), or podman serving the Docker API with" \
         "docker-compose (../shared/containers/setup-host.sh does that; not found next to" \
         "this checkout), and set DOCKER_HOST."
}

# --- which compose, which engine ---
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
else
    die "neither 'docker compose' nor 'docker-compose' is installed. $(setup_hint)"
fi
if [ -z "${DOCKER_HOST:-}" ] && [ ! -S /var/run/docker.sock ] && [ -S /run/podman/podman.sock ]; then
    export DOCKER_HOST=unix:///run/podman/podman.sock
    say "DOCKER_HOST unset and no Docker socket: using podman's ($DOCKER_HOST)"
fi
host=${DOCKER_HOST:-unix:///var/run/docker.sock}
# GET on the engine's API (Docker's, which podman serves too).
engine_get() {
    case "$host" in
    unix://*) curl -sf -m 10 --unix-socket "${host#unix://}" "http://engine$1" ;;
    tcp://*) curl -sf -m 10 "http://${host#tcp://}$1" ;;
    *) echo '{}' ;;   # ssh:// and the like: let compose say what is wrong
    esac
}
engine_get /_ping >/dev/null 2>&1 || die "no container engine answers at $host. $(setup_hint)"
engine_version=$(engine_get /version 2>/dev/null || true)

# podman's bridge networks need iptables (netavark calls it); a fresh machine
# may not have it, and then every container start fails with
# "netavark: No such file or directory".
if grep -qi podman <<<"$engine_version" && ! command -v iptables >/dev/null 2>&1 &&
   [ ! -x /usr/sbin/iptables ]; then
    say "podman needs iptables for its networks; installing it (apt-get)"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        iptables >/dev/null || die "could not install iptables (needed by podman's netavark)"
fi

# --- the project: own name, free ports, its own settings (not the .env) ---
project=${HCT_PROJECT:-huddle-compose-test}
work=$(mktemp -d "${TMPDIR:-/tmp}/huddle-compose-test.XXXXXX")
read -r api_port metrics_port sandbox_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')
postgres_image=${HCT_POSTGRES_IMAGE:-huddle-postgres-standin:local}
files=(-f compose.yaml)
[ "$postgres_image" = huddle-postgres-standin:local ] && files+=(-f tests/compose/standin.yaml)
cat > "$work/env" <<EOF
POSTGRES_IMAGE=$postgres_image
POSTGRES_PASSWORD=ct-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
HUDDLE_IMAGE=huddle:compose-test
HUDDLE_SEED=sample
HUDDLE_HEARTBEAT_MS=500
HUDDLE_LOG_LEVEL=info
HUDDLE_PUBLISH_ADDR=127.0.0.1
HUDDLE_API_PORT=$api_port
HUDDLE_METRICS_PORT=$metrics_port
SANDBOX_PORT=$sandbox_port
SANDBOX_PUBLIC_URL=http://127.0.0.1:$sandbox_port
EOF
# Shell variables win over an env file: keep the caller's out of the test.
unset POSTGRES_IMAGE POSTGRES_PASSWORD POSTGRES_USER POSTGRES_DB HUDDLE_IMAGE HUDDLE_SEED \
      HUDDLE_HEARTBEAT_MS HUDDLE_LOG_LEVEL HUDDLE_PUBLISH_ADDR HUDDLE_API_PORT \
      HUDDLE_METRICS_PORT SANDBOX_PORT SANDBOX_PUBLIC_URL SANDBOX_ACCOUNTS SANDBOX_CROWD \
      SANDBOX_CROWD_TARGETS SANDBOX_CROWD_TAG SANDBOX_CROWD_EVERY_MS
C=("${compose[@]}" --env-file "$work/env" -p "$project" "${files[@]}")

finish() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$rc" != 0 ]; then
        say "FAILED; state of the project and the last log lines:"
        "${C[@]}" ps 2>&1 || true
        "${C[@]}" logs --no-color --tail=25 2>&1 | tail -n 250 || true
    fi
    if [ "${HCT_KEEP:-0}" = 1 ]; then
        say "left running (HCT_KEEP=1): ${C[*]} down -v"
    else
        say "down -v"
        "${C[@]}" down -v --remove-orphans >"$work/down.log" 2>&1 ||
            { cat "$work/down.log"; rc=1; }
    fi
    rm -rf "$work"
    [ "$rc" = 0 ] && say "passed in $(( $(date +%s) - t0 ))s"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

say "${compose[*]} on $host, project $project"
# A previous run that was interrupted may have left its project behind.
"${C[@]}" down -v --remove-orphans >/dev/null 2>&1 || true

say "building the images (deploy/Dockerfile${files[2]:+, deploy/postgres-standin})"
if ! "${C[@]}" build >"$work/build.log" 2>&1; then
    tail -n 60 "$work/build.log"
    die "image build failed"
fi
size=$(engine_get /images/huddle:compose-test/json 2>/dev/null |
       python3 -c 'import json,sys; print(round(json.load(sys.stdin)["Size"]/1e6), "MB")' \
       2>/dev/null || echo "?")
say "images built; huddle:compose-test is $size"

say "up -d"
# podman sometimes fails to start a container whose process is already gone
# ("read /proc/N/cgroup: no such process", the one-shot migrate step): up is
# idempotent, so try again.
for attempt in 1 2 3; do
    "${C[@]}" up -d >"$work/up.log" 2>&1 && break
    grep -v '^\(Creating\|Starting\|Recreating\)' "$work/up.log" | tail -n 5
    [ "$attempt" = 3 ] && die "up -d failed"
    say "up -d failed (attempt $attempt), again"
    sleep 2
done

HCT_COMPOSE=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${C[@]}") \
HCT_PROJECT=$project \
HCT_API=http://127.0.0.1:$api_port \
HCT_METRICS=http://127.0.0.1:$metrics_port \
HCT_SANDBOX=http://127.0.0.1:$sandbox_port \
    python3 "$root/tests/compose/tour.py"
