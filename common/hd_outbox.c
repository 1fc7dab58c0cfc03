/*  hd_outbox: the transactional outbox writer. */
#include "hd_outbox.h"

#include "hd_mem.h"
#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>

enum { COLS = 6 }; /* event_id, type, department, correlation_id, causation_id, payload */

/* The queued rows, kept as the statement's array columns. */
struct hd_outbox_queue {
    hd_pgarray_t col[COLS];
};

static const char *opt(const char *s) { return s && *s ? s : NULL; }

/* Appends env's row to col (its strings and packed bytes are copied). */
static void add_row(hd_pgarray_t *col, const hd_envelope_t *env) {
    size_t len;
    uint8_t *payload = hd_envelope_pack(env, &len);
    hd_pgarray_add(&col[0], env->id);
    hd_pgarray_add(&col[1], env->type);
    hd_pgarray_add(&col[2], env->department ? env->department : "");
    hd_pgarray_add(&col[3], opt(env->correlation_id));
    hd_pgarray_add(&col[4], opt(env->causation_id));
    hd_pgarray_add_bytea(&col[5], payload, len);
    free(payload);
}

/* The rows of the columns in one statement; an id already waiting or
   already sequenced is a replay, skipped. The "already sequenced" check is a per-row probe of
   event_log's unique index, written so that no plan can make it a join:
   the statement is prepared, and a generic plan (which cannot know the
   array is short) hashed the whole event_log on every call, 27 ms a batch
   at 100,000 events in the log. It takes its transaction's id before any
   row takes an oid (the uncorrelated subquery runs once, before the first
   row): the hub's sequencer relies on it to prove a missing oid will never
   commit (services/hub/floor.h). */
static const char *PUT_SQL =
    "INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) "
    "SELECT x.event_id, x.type, x.department, x.correlation_id, x.causation_id, x.payload "
    "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], "
    "$6::bytea[]) WITH ORDINALITY AS x(event_id, type, department, correlation_id, "
    "causation_id, payload, i) "
    "WHERE (SELECT pg_current_xact_id()) IS NOT NULL "
    "  AND (SELECT 1 FROM event_log e WHERE e.event_id = x.event_id LIMIT 1) IS NULL "
    "ORDER BY x.i ON CONFLICT (event_id) DO NOTHING";

/* Inserts the rows of col and frees the columns. How many were new, or -1. */
static int put_rows(hd_db_t *db, hd_pgarray_t *col) {
    if (col[0].n == 0)
        return 0;
    PGresult *r = hd_db_exec_arrays(db, PUT_SQL, col, COLS);
    if (!r)
        return -1;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    return inserted;
}

hd_outbox_queue_t *hd_outbox_queue_new(void) { return hd_calloc(1, sizeof(hd_outbox_queue_t)); }

static void queue_empty(hd_outbox_queue_t *q) {
    for (int c = 0; c < COLS; c++)
        hd_pgarray_free(&q->col[c]);
}

void hd_outbox_queue_destroy(hd_outbox_queue_t **self_p) {
    if (!self_p || !*self_p)
        return;
    queue_empty(*self_p);
    free(*self_p);
    *self_p = NULL;
}

void hd_outbox_queue_add(hd_outbox_queue_t *q, const hd_envelope_t *env) { add_row(q->col, env); }

size_t hd_outbox_queue_count(const hd_outbox_queue_t *q) { return q->col[0].n; }

/* A command, not a query: in pipeline mode it goes out with the batch's
   cursor and COMMIT without a wait of its own. */
int hd_outbox_queue_write(hd_outbox_queue_t *q, hd_db_t *db) {
    return q->col[0].n ? hd_db_cmd_arrays(db, PUT_SQL, q->col, COLS) : 0;
}

void hd_outbox_queue_clear(hd_outbox_queue_t *q) { queue_empty(q); }

int hd_outbox_put(hd_db_t *db, const hd_envelope_t *env) {
    hd_pgarray_t col[COLS] = {{0}};
    add_row(col, env);
    int rc = put_rows(db, col);
    return rc < 0 ? -1 : rc ? 0 : 1;
}

int hd_outbox_put_many(hd_db_t *db, const hd_envelope_t *const *envs, size_t n) {
    hd_pgarray_t col[COLS] = {{0}};
    for (size_t i = 0; i < n; i++)
        add_row(col, envs[i]);
    return put_rows(db, col);
}
