#!/bin/sh
# Entrypoint of the PostgreSQL stand-in (see Dockerfile beside it): on an empty
# PGDATA, creates the cluster the way the upstream image does (superuser
# POSTGRES_USER with POSTGRES_PASSWORD, database POSTGRES_DB, password logins
# from the network), then runs the server in the foreground.
set -eu
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

init_cluster() {
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" > "$pwfile"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments
    initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
        --auth-local=trust --auth-host="$auth" ${POSTGRES_INITDB_ARGS:-} >/dev/null
    rm -f "$pwfile"
    echo "host all all all $auth" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    # A server on the socket only while the database is created, so that a
    # healthcheck over TCP does not see it as ready too early.
    pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses=''" start
    if [ "$POSTGRES_DB" != postgres ]; then
        printf '%s\n' 'CREATE DATABASE :"db";' |
            psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -v db="$POSTGRES_DB"
    fi
    pg_ctl -D "$PGDATA" -w -s -m fast stop
    echo "postgres-standin: cluster created (user $POSTGRES_USER, database $POSTGRES_DB)" >&2
}

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    init_cluster
fi
exec "$@"
