#!/bin/sh
# Entrypoint of the huddle image: the first argument names what to run.
#   hub | ingest | policy | workflow | publisher | metrics | sandbox
#              the service, exec'd so that it is PID 1 and gets SIGTERM itself
#   migrate    the one-shot first-start step: migrations, the seed chosen by
#              HUDDLE_SEED, CURVE keys in HUDDLE_KEYS_DIR (created once, kept
#              in the volume); with HUDDLE_SEED_SANDBOX_URL set, the sample
#              organization's sandbox channel is pointed at that address;
#              with HUDDLE_ADMIN_EMAIL set on a database without people, the
#              first orchestrator's one-time token (the one line
#              huddle-migrate prints) is appended to HUDDLE_TOKENS_FILE,
#              mode 0600, and never logged
#   cli ARGS   the huddle command line (also: huddle ARGS)
#   anything else is run as given (sh, ls, ...)
# Each service's variables: docker run --rm IMAGE SERVICE --help
set -eu

usage() {
    cat <<'EOF'
huddle image. Usage: SERVICE [--help] | migrate | cli ARGS... | COMMAND...
Services: hub ingest policy workflow publisher metrics sandbox
Each service's settings (environment variables): SERVICE --help
EOF
}

# Points the sample sandbox channel at the sandbox container; the seed holds
# a loopback address that only fits a single-machine install. The seed's
# webhook endpoint crisis-team (the sandbox's sink) moves with it, unless
# an administrator pointed it elsewhere.
sandbox_url() {
    [ -n "${HUDDLE_SEED_SANDBOX_URL:-}" ] && [ "${HUDDLE_SEED:-none}" = sample ] || return 0
    printf '%s\n' "UPDATE webhook_endpoint w SET url = rtrim(:'url', '/') || '/webhooks/crisis-team',
        version = w.version + 1, updated_at = now() FROM channel c WHERE c.id = 'sandbox'
        AND w.name = 'crisis-team' AND w.url = rtrim(c.base_url, '/') || '/webhooks/crisis-team'
        AND w.url <> rtrim(:'url', '/') || '/webhooks/crisis-team';" \
        "UPDATE channel SET base_url = :'url' WHERE id = 'sandbox';" |
        /usr/local/lib/huddle/psql "$HUDDLE_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 \
            -v url="$HUDDLE_SEED_SANDBOX_URL"
}

# Keeps the first orchestrator's token line ("EMAIL TOKEN") that
# huddle-migrate printed, if any, in the tokens file (mode 0600).
first_start_token() {
    [ -n "$1" ] || return 0
    tokens=${HUDDLE_TOKENS_FILE:-/var/lib/huddle/admin/tokens}
    (umask 077 && printf '%s\n' "$1" >>"$tokens")
    chmod 600 "$tokens"
    printf '{"ts":"%s","level":"info","service":"migrate","event":"first_start_token","msg":"%s"}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "the first orchestrator's token is in $tokens" >&2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
hub | ingest | policy | workflow | publisher | metrics | sandbox)
    exec "/usr/local/bin/huddle-$cmd" "$@" ;;
migrate)
    out=$(/usr/local/bin/huddle-migrate "$@")
    case " $* " in *" --help "* | *" -h "*) printf '%s\n' "$out"; exit 0 ;; esac
    first_start_token "$out"
    sandbox_url
    printf '{"ts":"%s","level":"info","service":"migrate","event":"first_start_done","msg":"%s"}\n' \
        "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "keys in ${HUDDLE_KEYS_DIR:-(none)}" >&2 ;;
cli | huddle)
    exec /usr/local/bin/huddle "$@" ;;
"" | help | -h | --help)
    usage ;;
*)
    exec "$cmd" "$@" ;;
esac
