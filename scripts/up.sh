#!/usr/bin/env bash
# `make up`: runs the whole system on this machine.
# With no HUDDLE_DATABASE_URL it starts (creating once) a private PostgreSQL
# under the state folder; it applies migrations, loads the sample
# organization, creates CURVE keys and the services' database passwords,
# starts every service (each as its own database role) and the sandbox
# channel, prints a tour and waits. Ctrl-C stops everything; running it again
# reuses the cluster, the keys and the data.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bin=$(realpath "${HUDDLE_BIN_DIR:-build/release}")
state=${HUDDLE_STATE_DIR:-.huddle}
mkdir -p "$state/logs" "$state/sandbox"
state=$(realpath "$state")

pids=()
own_pg=0
stop_all() {
    trap - INT TERM EXIT
    echo
    echo "stopping huddle..."
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ "$own_pg" = 1 ] && "$root/scripts/pg.sh" stop "$state/pg"
    echo "stopped. Data kept in $state (run 'make up' again to resume)."
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

if [ -z "${HUDDLE_DATABASE_URL:-}" ]; then
    own_pg=1
    HUDDLE_DATABASE_URL=$("$root/scripts/pg.sh" start "$state/pg" "${HUDDLE_PG_PORT:-55432}")
fi
export HUDDLE_DATABASE_URL
export HUDDLE_KEYS_DIR="$state/keys"
export HUDDLE_TOKENS_FILE="$state/tokens"
export HUDDLE_LOG_LEVEL=${HUDDLE_LOG_LEVEL:-info}

# HUDDLE_SEED=none starts a real organization: with HUDDLE_ADMIN_EMAIL, its
# first orchestrator is made on the empty database and their one-time token
# (the line huddle-migrate prints) goes to the tokens file.
seed=${HUDDLE_SEED:-sample}
(umask 077 && HUDDLE_MIGRATIONS_DIR="$root/migrations" HUDDLE_SEED="$seed" \
    HUDDLE_SEED_DIR="$root/examples" "$bin/huddle-migrate" 2>>"$state/logs/migrate.log" \
    >>"$HUDDLE_TOKENS_FILE") || { tail -5 "$state/logs/migrate.log" >&2; exit 1; }

# The sandbox knows the accounts the organization holds on it: the sample's
# credentials are sealed in the database; huddle-migrate wrote them for the
# sandbox when it sealed them (the first run). SANDBOX_ACCOUNTS adds others
# (handle:credential,...), e.g. the accounts a real organization sets up.
accounts=$(cat "$HUDDLE_TOKENS_FILE.sandbox" 2>/dev/null || true)
accounts=${SANDBOX_ACCOUNTS:+$SANDBOX_ACCOUNTS${accounts:+,}}$accounts

# Each service logs in as its own database role, huddle_<service>, with the
# password huddle-migrate wrote to $HUDDLE_KEYS_DIR/db (docs/deploy.md
# "Database roles"): their URL carries no user and no password of the owner.
svc_url=$(printf '%s' "$HUDDLE_DATABASE_URL" | sed -E 's#^(postgres(ql)?://)[^@/]*@#\1#')

start() {
    local name=$1
    shift
    env HUDDLE_DATABASE_URL="$svc_url" "$@" "$bin/huddle-$name" 2>>"$state/logs/$name.log" &
    pids+=($!)
}
# The public (docs/sandbox.md): sam and jo post as anyone would; with the
# sample, a customer-like mention of customer care every 30 s (0: never).
crowd_ms=${SANDBOX_CROWD_EVERY_MS-$([ "$seed" = sample ] && echo 30000 || echo 0)}
start sandbox SANDBOX_ACCOUNTS="$accounts" SANDBOX_DATA="$state/sandbox/statuses.jsonl" \
    SANDBOX_CROWD="${SANDBOX_CROWD-sam:sbx-public-sam,jo:sbx-public-jo}" SANDBOX_CROWD_EVERY_MS="$crowd_ms" \
    SANDBOX_CROWD_TARGETS="${SANDBOX_CROWD_TARGETS-example_care}" SANDBOX_CROWD_TAG="${SANDBOX_CROWD_TAG-example}"
start hub
start ingest
start policy
start workflow
start publisher
start metrics

api=${HUDDLE_API_ADDR:-127.0.0.1:8080}
for _ in $(seq 1 100); do
    curl -fsS "http://$api/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done

if [ "$seed" != sample ]; then
    cat <<FIRST

huddle is up, with no sample organization.  Logs: $state/logs/*.log   Tokens: $state/tokens
$( [ -s "$state/tokens" ] && echo "The first orchestrator's token is in $state/tokens (shown once)." )

Build the organization (in another terminal, from $root; README "First start"):
  export PATH=$bin:\$PATH HUDDLE_TOKENS_FILE=$state/tokens HUDDLE_AS=\$(head -1 $state/tokens | cut -d' ' -f1)
  huddle me
  huddle admin department create marketing --name Marketing
  huddle admin person invite carl@your.org --name "Carl" --department marketing --role coach

Ctrl-C stops everything.
FIRST
    wait -n "${pids[@]}" || true
    echo "a service exited unexpectedly; see $state/logs" >&2
    exit 1
fi

cat <<TOUR

huddle is up.  Logs: $state/logs/*.log (JSON lines)   Tokens: $state/tokens

The tour (in another terminal, from $root):
  export PATH=$bin:\$PATH HUDDLE_TOKENS_FILE=$state/tokens
  # a marketing player submits a post; it prints the content id
  id=\$(huddle submit --as maya@example.org --channel sandbox "Spring launch: meet our new app!")
  huddle status \$id                          # policy passed it; it needs a marketing coach
  huddle approve \$id --as maya@example.org   # refused: nobody approves their own post
  huddle approve \$id --as carl@example.org   # the marketing coach approves
  huddle status \$id                          # published, with the sandbox URL
  curl -s http://127.0.0.1:7700/api/v1/statuses   # what went out
  # the public speaks on the sandbox too: sam mentions customer care
  curl -s -H 'Authorization: Bearer sbx-public-sam' -d 'status=@example_care my order arrived broken' http://127.0.0.1:7700/api/v1/statuses
  # a banned term blocks, and the author sees exactly why
  huddle submit --as maya@example.org --channel sandbox "Guaranteed returns for everyone!"
  # a legal-risk phrase also needs legal: carl, then lena@example.org approve
  huddle submit --as maya@example.org --channel sandbox "We settled the class action."
  # inbound: a mention is routed to the department that must act
  huddle inbound --as integration:sample-listener --channel sandbox --id m-1 --author @sam "My order arrived broken, refund please"
  huddle inbox --as rita@example.org
  curl -s http://127.0.0.1:9100/metrics | grep huddle_
  # the organization is run by its own people, on the record
  huddle admin person grant-role ben@example.org responder --as olivia@example.org
  huddle admin history --as olivia@example.org
  huddle policy proposals --as olivia@example.org

Ctrl-C stops everything.
TOUR
wait -n "${pids[@]}" || true
echo "a service exited unexpectedly; see $state/logs" >&2
exit 1
