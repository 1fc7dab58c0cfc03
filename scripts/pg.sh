#!/usr/bin/env bash
# Private PostgreSQL clusters for `make up` and the tests.
#   scripts/pg.sh start DIR PORT   init (once) and start; prints the URL
#   scripts/pg.sh stop DIR         fast shutdown
#   scripts/pg.sh restart DIR      immediate restart (fault tests)
#   scripts/pg.sh url DIR          prints the URL of a started cluster
#   scripts/pg.sh remove DIR       stop, then remove the cluster wherever it is
# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# unprivileged system user `huddle` (created when missing), which may not
# enter the folder DIR is in (a clone under /root, mode 0700): see place_data.
set -euo pipefail

PG_USER=huddle
cmd=${1:?usage: pg.sh start|stop|restart|url|remove DIR [PORT]}
dir=${2:?usage: pg.sh start|stop|restart|url|remove DIR [PORT]}
# Every path handed to the cluster's owner is the real one: a link that
# place_data made is followed here, so the owner never walks through a
# folder closed to it.
dir=$(realpath -m "$dir")
link=$(realpath -m "$(dirname "$2")")/$(basename "$2")
home=/var/lib/huddle/pg-$(echo -n "$link" | md5sum | cut -c1-12)

pg_bin() {
    local v
    for v in 17 16 15; do
        [ -x /usr/lib/postgresql/$v/bin/$1 ] && { echo /usr/lib/postgresql/$v/bin/$1; return; }
    done
    command -v "$1" || { echo "pg.sh: $1 not found; run scripts/deps.sh" >&2; exit 1; }
}

# Runs from / so that the owner's tools never start in a folder closed to it.
as_owner() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u "$PG_USER" -- "$@"); else "$@"; fi
}

ensure_user() {
    [ "$(id -u)" = 0 ] || return 0
    id "$PG_USER" >/dev/null 2>&1 ||
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
}

# The data folder must be reachable by the cluster's owner. When a parent is
# closed to it (a checkout under /root), the data lives in $home,
# /var/lib/huddle/pg-HASH (HASH: of DIR's path, so a later start finds the
# same cluster; /var/lib, not /var/tmp, whose old files are cleaned away)
# and DIR becomes a link to it; from then on dir is $home. `pg.sh remove`
# removes both; a `make up` cluster stays until then.
place_data() {
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ] && ! as_owner test -x "$dir"; then
        mkdir -p -m 755 /var/lib/huddle
        mkdir -p "$home"
        rmdir "$dir" || { echo "pg.sh: $PG_USER cannot reach $dir; empty it or choose another" >&2; exit 1; }
        ln -sfn "$home" "$dir"
        dir=$home
    fi
    [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir" || true
    chmod 700 "$dir"
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
remove)
    [ -f "$dir/data/PG_VERSION" ] &&
        { as_owner "$(pg_bin pg_ctl)" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true; }
    # Only a folder pg.sh made: never a folder given by mistake.
    if [ -e "$dir" ] && [ ! -d "$dir/data" ] && [ ! -f "$dir/port" ] && [ -n "$(ls -A "$dir")" ]; then
        echo "pg.sh: $dir is not a cluster folder; not removed" >&2
        exit 1
    fi
    rm -rf "$dir" "$link" "$home"
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
