#!/usr/bin/env bash
# Private PostgreSQL clusters for `make up` and the tests.
#   scripts/pg.sh start DIR PORT   init (once) and start; prints the URL
#   scripts/pg.sh stop DIR         fast shutdown
#   scripts/pg.sh restart DIR      immediate restart (fault tests)
#   scripts/pg.sh url DIR          prints the URL of a started cluster
# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# unprivileged system user `huddle` (created when missing).
set -euo pipefail

PG_USER=huddle
cmd=${1:?usage: pg.sh start|stop|restart|url DIR [PORT]}
dir=${2:?usage: pg.sh start|stop|restart|url DIR [PORT]}

pg_bin() {
    local v
    for v in 17 16 15; do
        [ -x /usr/lib/postgresql/$v/bin/$1 ] && { echo /usr/lib/postgresql/$v/bin/$1; return; }
    done
    command -v "$1" || { echo "pg.sh: $1 not found; run scripts/deps.sh" >&2; exit 1; }
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

ensure_user() {
    [ "$(id -u)" = 0 ] || return 0
    id "$PG_USER" >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
}

# The data folder must be reachable by the cluster's owner. When a parent is
# closed to it (a checkout under /root), the data lives in /var/tmp and DIR
# becomes a link to it.
place_data() {
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ] && ! runuser -u "$PG_USER" -- test -x "$dir"; then
        local alt="/var/tmp/huddle-pg-$(echo -n "$(realpath "$dir")" | md5sum | cut -c1-12)"
        mkdir -p "$alt"
        rmdir "$dir" 2>/dev/null || true
        ln -sfn "$alt" "$dir"
    fi
    [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir/" || true
    chmod 700 "$dir/"
}

url_of() {
    local port
    port=$(cat "$dir/port")
    echo "postgresql://$PG_USER@127.0.0.1:$port/huddle"
}

case "$cmd" in
start)
    port=${3:?usage: pg.sh start DIR PORT}
    ensure_user
    place_data
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_owner "$(pg_bin initdb)" -D "$dir/data" -U "$PG_USER" --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
            { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    echo "$port" >"$dir/port"
    echo "${HUDDLE_PG_OPTIONS:-}" >"$dir/options"
    [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir/port" "$dir/options" || true
    if ! as_owner "$(pg_bin pg_ctl)" -D "$dir/data" status >/dev/null 2>&1; then
        as_owner "$(pg_bin pg_ctl)" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
            -o "-p $port -k $(realpath "$dir/data") -c listen_addresses=127.0.0.1 -c max_connections=200 ${HUDDLE_PG_OPTIONS:-}" \
            start >/dev/null || { tail -20 "$dir/data/server.log" >&2; exit 1; }
    fi
    as_owner "$(pg_bin psql)" -h 127.0.0.1 -p "$port" -U "$PG_USER" -d postgres -tAq \
        -c "SELECT 1 FROM pg_database WHERE datname = 'huddle'" | grep -q 1 ||
        as_owner "$(pg_bin createdb)" -h 127.0.0.1 -p "$port" -U "$PG_USER" huddle
    url_of
    ;;
stop)
    [ -f "$dir/data/PG_VERSION" ] || exit 0
    as_owner "$(pg_bin pg_ctl)" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    ;;
restart)
    as_owner "$(pg_bin pg_ctl)" -D "$dir/data" -m immediate -w -t 60 restart \
        -o "-p $(cat "$dir/port") -k $(realpath "$dir/data") -c listen_addresses=127.0.0.1 -c max_connections=200 $(cat "$dir/options" 2>/dev/null)" \
        -l "$dir/data/server.log" >/dev/null
    ;;
url)
    url_of
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
