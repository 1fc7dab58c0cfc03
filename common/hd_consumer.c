/*  hd_consumer: fetch by cursor, apply a batch in one transaction (DESIGN.md,
    bus invariant 4). The cursor is advanced with a compare-and-set in the
    same transaction as the effects, so a crash anywhere either loses the
    whole batch (it is fetched again) or keeps all of it; and whenever the
    outcome of a transaction is unknown (a failed COMMIT, a lost connection)
    the stored cursor is read back: it tells which happened. */
#include "hd_consumer.h"

#include "hd_deadletter.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_signal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_MIN_MS 100
#define RETRY_MAX_MS 5000
#define CURSOR_READ_TIMEOUT_MS 30000
#define LINGER_MS 5 /* after a short batch, before the next fetch */

enum { BATCH_DONE = 0, BATCH_RETRY = -1, BATCH_RELOAD = -2 };

long long hd_consumer_cursor(hd_db_t *db, const char *name) {
    const char *p[1] = {name};
    if (hd_db_cmd(db,
                  "INSERT INTO consumer_cursor (consumer, seq) VALUES ($1, 0) "
                  "ON CONFLICT (consumer) DO NOTHING",
                  1, p) < 0)
        return -1;
    PGresult *r = hd_db_exec(db, "SELECT seq FROM consumer_cursor WHERE consumer = $1", 1, p);
    if (!r)
        return -1;
    long long seq = PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return seq;
}

/* Reads the cursor, reconnecting as needed, for up to `timeout_ms`. */
static long long load_cursor(hd_db_t *db, const char *name, int timeout_ms) {
    int64_t until = hd_now_ms() + timeout_ms;
    int pause = RETRY_MIN_MS;
    while (!hd_stop) {
        if (hd_db_ensure(db) == 0) {
            long long c = hd_consumer_cursor(db, name);
            if (c >= 0)
                return c;
        }
        if (hd_now_ms() >= until)
            break;
        hd_sleep_ms(pause);
        pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
    }
    return -1;
}

static int savepoint(hd_db_t *db, const char *cmd) { return hd_db_cmd(db, cmd, 0, NULL); }

/* An apply that said OK on a failed statement cannot be trusted. */
static int failed_silently(hd_db_t *db, const hd_consumer_cfg_t *cfg, const hd_envelope_t *ev) {
    if (PQtransactionStatus(hd_db_conn(db)) != PQTRANS_INERROR)
        return 0;
    hd_log(HD_LOG_ERROR, "consumer_apply_ignored_error", ev->id, ev->correlation_id,
           "%s: apply returned OK on a failed statement; retrying", cfg->name);
    return 1;
}

static void log_retry(const hd_consumer_cfg_t *cfg, const hd_envelope_t *ev) {
    hd_log(HD_LOG_WARN, "consumer_apply_retry", ev->id, ev->correlation_id,
           "%s: seq %" PRIu64 " %s: transient failure, batch will be retried", cfg->name, ev->seq,
           ev->type);
}

static int dead_letter(hd_db_t *db, const hd_consumer_cfg_t *cfg, const hd_envelope_t *ev,
                       const char *why) {
    size_t len;
    uint8_t *raw = hd_envelope_pack(ev, &len);
    char reason[700];
    snprintf(reason, sizeof reason, "%s (event %s, seq %" PRIu64 ", type %s)",
             why[0] ? why : "not applicable", ev->id, ev->seq, ev->type);
    int dl = hd_deadletter_put(db, cfg->name, NULL, reason, NULL, raw, len, ev->correlation_id);
    free(raw);
    hd_log(HD_LOG_WARN, "consumer_dead_letter", ev->id, ev->correlation_id, "%s: %s", cfg->name,
           reason);
    return dl;
}

/* Moves the cursor from `from` to `to` as a command whose answer need not
   be waited for: when the stored cursor is no longer `from` (another
   instance moved it), the division by zero fails the statement, which
   aborts the transaction, so its COMMIT cannot commit the batch's effects
   a second time. (1 / (count = 1)::int divides by zero exactly when no
   row, or more than one, moved.) */
#define CURSOR_MOVED_SQLSTATE "22012"

static int advance(hd_db_t *db, const char *name, long long from, long long to) {
    char a[24], b[24];
    snprintf(a, sizeof a, "%lld", from);
    snprintf(b, sizeof b, "%lld", to);
    const char *p[3] = {name, a, b};
    return hd_db_cmd(db,
                     "WITH moved AS (UPDATE consumer_cursor SET seq = $3, updated_at = now() "
                     "               WHERE consumer = $1 AND seq = $2 RETURNING 1) "
                     "SELECT 1 / (count(*) = 1)::int FROM moved",
                     3, p);
}

/* One call of apply_batch and, when it applied, its emitted events
   written: HD_APPLY_OK, _RETRY or _DEAD (out has the mark, if the service
   set one). */
static int run_batch(hd_db_t *db, const hd_consumer_cfg_t *cfg, const hd_envelope_t *const *evs,
                     size_t n, hd_batch_out_t *out) {
    hd_batch_out_clear(out);
    int rc = cfg->apply_batch(db, evs, n, out, cfg->arg);
    if (rc == HD_APPLY_DEAD)
        return rc;
    if (rc != HD_APPLY_OK) {
        log_retry(cfg, evs[0]);
        return HD_APPLY_RETRY;
    }
    if (failed_silently(db, cfg, evs[0]) || hd_batch_out_write(out, db) < 0)
        return HD_APPLY_RETRY;
    return HD_APPLY_OK;
}

/* A batch of one under a savepoint: applied, or its event dead-lettered.
   0, or -1 when the batch must be rolled back and retried. */
static int run_one(hd_db_t *db, const hd_consumer_cfg_t *cfg, const hd_envelope_t *ev,
                   hd_batch_out_t *out) {
    if (savepoint(db, "SAVEPOINT hd_ev") < 0)
        return -1;
    const hd_envelope_t *one[1] = {ev};
    int rc = run_batch(db, cfg, one, 1, out);
    if (rc == HD_APPLY_RETRY)
        return -1;
    if (rc == HD_APPLY_DEAD) {
        size_t i;
        const char *why = "";
        hd_batch_dead_mark(out, &i, &why);
        if (savepoint(db, "ROLLBACK TO SAVEPOINT hd_ev") < 0 || dead_letter(db, cfg, ev, why) < 0)
            return -1;
    }
    return savepoint(db, "RELEASE SAVEPOINT hd_ev");
}

/* The whole batch in one call; when some event of it can never apply,
   again from the start one event at a time. */
static int apply_batched(hd_db_t *db, const hd_consumer_cfg_t *cfg, hd_bus_batch_t *batch,
                         hd_batch_out_t *out) {
    if (hd_db_begin(db) < 0)
        return BATCH_RELOAD;
    const hd_envelope_t *const *evs = hd_bus_batch_events(batch);
    size_t n = hd_bus_batch_count(batch);
    int rc = n ? run_batch(db, cfg, evs, n, out) : HD_APPLY_OK;
    if (rc != HD_APPLY_DEAD)
        return rc == HD_APPLY_OK ? 0 : BATCH_RETRY;
    hd_db_rollback(db);
    if (hd_db_begin(db) < 0)
        return BATCH_RELOAD;
    for (size_t i = 0; i < n; i++)
        if (run_one(db, cfg, evs[i], out) < 0)
            return BATCH_RETRY;
    return 0;
}

static int commit_batch(hd_db_t *db, const hd_consumer_cfg_t *cfg, hd_bus_batch_t *batch,
                        hd_batch_out_t *out, long long *cursor) {
    size_t n = hd_bus_batch_count(batch);
    int rc = apply_batched(db, cfg, batch, out);
    if (rc == BATCH_RELOAD)
        return rc;
    if (rc != 0) {
        hd_db_rollback(db);
        return BATCH_RETRY;
    }
    long long to = n ? (long long)hd_bus_batch_event(batch, n - 1)->seq : *cursor;
    /* Past events of types this consumer does not want, too. */
    if ((long long)hd_bus_batch_scanned(batch) > to)
        to = (long long)hd_bus_batch_scanned(batch);
    if (advance(db, cfg->name, *cursor, to) < 0 || hd_db_commit(db) < 0) {
        if (strcmp(hd_db_sqlstate(db), CURSOR_MOVED_SQLSTATE) == 0)
            hd_warn("consumer_cursor_moved", "%s: cursor is no longer %lld: reloading", cfg->name,
                    *cursor);
        hd_db_rollback(db);
        return BATCH_RELOAD; /* committed or not: the stored cursor says */
    }
    hd_debug("consumer_batch", "%s: applied %zu events, cursor %lld -> %lld", cfg->name, n, *cursor,
             to);
    *cursor = to;
    return BATCH_DONE;
}

static int idle_wait(hd_db_t *db, const hd_consumer_cfg_t *cfg) {
    int wait = cfg->wait_ms > 0 ? cfg->wait_ms : 1000;
    if (cfg->idle) {
        if (hd_db_ensure(db) == 0) {
            int cap = cfg->idle(db, cfg->arg);
            hd_db_rollback(db); /* an idle callback never leaves a txn open */
            if (cap >= 0 && cap < wait)
                wait = cap;
        } else {
            wait = wait < 500 ? wait : 500;
        }
    }
    return wait;
}

int hd_consumer_run(hd_db_t *db, hd_bus_t *bus, const hd_consumer_cfg_t *cfg) {
    long long cursor = load_cursor(db, cfg->name, CURSOR_READ_TIMEOUT_MS);
    if (cursor < 0) {
        if (hd_stop)
            return 0;
        hd_error("consumer_no_cursor", "%s: cannot read the cursor", cfg->name);
        return -1;
    }
    hd_info("consumer_start", "%s: resuming after seq %lld", cfg->name, cursor);
    uint32_t max = cfg->batch ? cfg->batch : 256;
    int pause = RETRY_MIN_MS;
    hd_batch_out_t *out = hd_batch_out_new(cfg->name);
    while (!hd_stop) {
        int wait = idle_wait(db, cfg);
        hd_bus_batch_t *batch = NULL;
        if (hd_bus_fetch(bus, (uint64_t)cursor, max, cfg->types, cfg->ntypes, wait, &batch) < 0)
            continue; /* hub down or reconnecting: hd_bus paces the retries */
        /* Nothing for us, nothing new scanned: no transaction at all. */
        if (hd_bus_batch_count(batch) == 0 && (long long)hd_bus_batch_scanned(batch) <= cursor) {
            hd_bus_batch_destroy(&batch);
            continue;
        }
        int rc = BATCH_RELOAD;
        if (hd_db_ensure(db) == 0 && hd_db_pipe_begin(db) == 0) {
            rc = commit_batch(db, cfg, batch, out, &cursor);
            hd_db_pipe_end(db);
        }
        size_t batch_n = hd_bus_batch_count(batch);
        hd_bus_batch_destroy(&batch);
        if (rc == BATCH_DONE) {
            pause = RETRY_MIN_MS;
            /* A short batch: let the next one gather for a moment. Every
               batch costs a transaction, a commit and a fetch whatever its
               size; at moderate rates batches of one or two events cost
               twice the database time per item of full ones. */
            if (batch_n < max / 4)
                hd_sleep_ms(LINGER_MS);
            continue;
        }
        hd_sleep_ms(pause);
        pause = pause * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : pause * 2;
        long long c = load_cursor(db, cfg->name, RETRY_MAX_MS);
        if (c >= 0)
            cursor = c;
    }
    hd_batch_out_destroy(&out);
    hd_info("consumer_stop", "%s: stopped at seq %lld", cfg->name, cursor);
    return 0;
}
