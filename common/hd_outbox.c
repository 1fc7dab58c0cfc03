/*  hd_outbox: the transactional outbox writer. */
#include "hd_outbox.h"

#include "hd_mem.h"
#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One queued row: the envelope's columns, copied, and its packed bytes. */
typedef struct {
    char *col[5]; /* event_id, type, department, correlation_id, causation_id */
    uint8_t *payload;
    size_t len;
} row_t;

struct hd_outbox_queue {
    row_t *rows;
    size_t n, cap;
};

static const char *opt(const char *s) { return s && *s ? s : NULL; }

static char *dup_opt(const char *s) {
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static void row_of(row_t *row, const hd_envelope_t *env) {
    row->col[0] = dup_opt(env->id);
    row->col[1] = dup_opt(env->type);
    row->col[2] = dup_opt(env->department ? env->department : "");
    row->col[3] = dup_opt(opt(env->correlation_id));
    row->col[4] = dup_opt(opt(env->causation_id));
    row->payload = hd_envelope_pack(env, &row->len);
}

static void row_free(row_t *row) {
    for (int c = 0; c < 5; c++)
        free(row->col[c]);
    free(row->payload);
}

/* Inserts rows in one statement. How many were new, or -1. The "already
   sequenced" check is a per-row probe of event_log's unique index, written
   so that no plan can make it a join: the statement is prepared, and a
   generic plan (which cannot know the array is short) hashed the whole
   event_log on every call, 27 ms a batch at 100,000 events in the log.
   Like hd_outbox_put's, it takes its transaction's id before any row takes
   an oid (the uncorrelated subquery runs once, before the first row): the
   hub's sequencer relies on it to prove a missing oid will never commit
   (services/hub/floor.h). */
static int put_rows(hd_db_t *db, const row_t *rows, size_t n) {
    if (n == 0)
        return 0;
    hd_pgarray_t col[6] = {{0}};
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < 5; c++)
            hd_pgarray_add(&col[c], rows[i].col[c]);
        hd_pgarray_add_bytea(&col[5], rows[i].payload, rows[i].len);
    }
    PGresult *r = hd_db_exec_arrays(
        db,
        "INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) "
        "SELECT x.event_id, x.type, x.department, x.correlation_id, x.causation_id, x.payload "
        "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], "
        "$6::bytea[]) WITH ORDINALITY AS x(event_id, type, department, correlation_id, "
        "causation_id, payload, i) "
        "WHERE (SELECT pg_current_xact_id()) IS NOT NULL "
        "  AND (SELECT 1 FROM event_log e WHERE e.event_id = x.event_id LIMIT 1) IS NULL "
        "ORDER BY x.i ON CONFLICT (event_id) DO NOTHING",
        col, 6);
    if (!r)
        return -1;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    return inserted;
}

hd_outbox_queue_t *hd_outbox_queue_new(void) {
    hd_outbox_queue_t *q = calloc(1, sizeof *q);
    if (!q)
        abort();
    return q;
}

static void queue_empty(hd_outbox_queue_t *q) {
    for (size_t i = 0; i < q->n; i++)
        row_free(&q->rows[i]);
    q->n = 0;
}

void hd_outbox_queue_destroy(hd_outbox_queue_t **self_p) {
    if (!self_p || !*self_p)
        return;
    queue_empty(*self_p);
    free((*self_p)->rows);
    free(*self_p);
    *self_p = NULL;
}

void hd_outbox_defer(hd_db_t *db, hd_outbox_queue_t *q) { hd_db_set_outbox_queue(db, q); }

int hd_outbox_flush(hd_db_t *db) {
    hd_outbox_queue_t *q = hd_db_outbox_queue(db);
    if (!q)
        return 0;
    int rc = put_rows(db, q->rows, q->n);
    if (rc >= 0)
        queue_empty(q);
    return rc;
}

void hd_outbox_discard(hd_db_t *db) {
    hd_outbox_queue_t *q = hd_db_outbox_queue(db);
    if (q)
        queue_empty(q);
}

static void enqueue(hd_outbox_queue_t *q, const hd_envelope_t *env) {
    q->rows = hd_grow(q->rows, &q->cap, q->n + 1, sizeof *q->rows);
    row_of(&q->rows[q->n++], env);
}

int hd_outbox_put(hd_db_t *db, const hd_envelope_t *env) {
    hd_outbox_queue_t *q = hd_db_outbox_queue(db);
    if (q) {
        enqueue(q, env);
        return 0;
    }
    size_t len;
    uint8_t *payload = hd_envelope_pack(env, &len);
    const char *corr = env->correlation_id && *env->correlation_id ? env->correlation_id : NULL;
    const char *cause = env->causation_id && *env->causation_id ? env->causation_id : NULL;
    const char *params[6] = {env->id, env->type, env->department ? env->department : "",
                             corr, cause, (const char *)payload};
    int lengths[6] = {0, 0, 0, 0, 0, (int)len};
    int formats[6] = {0, 0, 0, 0, 0, 1};
    /* An id already sequenced, or already waiting, is a replay: skip it. */
    PGresult *r = hd_db_execv(
        db,
        "INSERT INTO outbox (event_id, type, department, correlation_id, causation_id, payload) "
        "SELECT $1, $2, $3, $4, $5, $6 "
        "WHERE (SELECT pg_current_xact_id()) IS NOT NULL "
        "  AND NOT EXISTS (SELECT 1 FROM event_log WHERE event_id = $1) "
        "ON CONFLICT (event_id) DO NOTHING",
        6, params, lengths, formats, 0);
    free(payload);
    if (!r)
        return -1;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    return inserted ? 0 : 1;
}

int hd_outbox_put_many(hd_db_t *db, const hd_envelope_t *const *envs, size_t n) {
    row_t *rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        abort();
    for (size_t i = 0; i < n; i++)
        row_of(&rows[i], envs[i]);
    int rc = put_rows(db, rows, n);
    for (size_t i = 0; i < n; i++)
        row_free(&rows[i]);
    free(rows);
    return rc;
}
