#!/usr/bin/env bash
# ctest fixture: a throwaway PostgreSQL cluster for the integration and
# end-to-end tests. start: a fresh cluster on a free port, URL in DIR/url.
# stop: shut it down and remove it. As root, the cluster belongs to the
# user `huddle`, and lives where that user can reach it (scripts/pg.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1
dir=$2
case "$cmd" in
start)
    "$here/../scripts/pg.sh" remove "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # Tests want speed, not durability: the benchmarks measure durable commits.
    HUDDLE_PG_OPTIONS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        "$here/../scripts/pg.sh" start "$dir" "$port" >"$dir.url.tmp"
    mv "$dir.url.tmp" "$dir/url"
    cat "$dir/url"
    ;;
stop)
    "$here/../scripts/pg.sh" remove "$dir"
    ;;
esac
