/*  latency: read, decide in memory, write (see latency.h). */
#include "latency.h"

#include "hd_pgarray.h"
#include "histogram.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads the pending rows of every clock, locked for the batch: one active
   metrics consumer writes them, the lock keeps a second one honest. */
static int read_pending(hd_db_t *db, mx_clocks_t *clocks) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < clocks->n; i++)
        hd_pgarray_add(&ids, clocks->v[i].content_id);
    PGresult *r = hd_db_exec_arrays(db,
                                    "SELECT content_id, department, requested_at_ms "
                                    "FROM metrics_pending WHERE content_id = ANY($1::uuid[]) "
                                    "ORDER BY content_id FOR UPDATE",
                                    &ids, 1);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        mx_clock_t *c = mx_clocks_find(clocks, PQgetvalue(r, row, 0));
        if (c) /* always: only these ids were asked for */
            mx_clock_read(c, PQgetvalue(r, row, 1), strtoll(PQgetvalue(r, row, 2), NULL, 10));
    }
    PQclear(r);
    return 0;
}

/* Deletes the rows of the clocks the batch stopped. 0 or -1. */
static int delete_stopped(hd_db_t *db, const mx_clocks_t *clocks) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < clocks->n; i++)
        if (clocks->v[i].was && !clocks->v[i].runs)
            hd_pgarray_add(&ids, clocks->v[i].content_id);
    if (ids.n == 0)
        return 0;
    return hd_db_cmd_arrays(db, "DELETE FROM metrics_pending WHERE content_id = ANY($1::uuid[])",
                            &ids, 1);
}

/* Writes the rows of the clocks the batch (re)started and left running. */
static int write_started(hd_db_t *db, const mx_clocks_t *clocks) {
    hd_pgarray_t col[3] = {{0}};
    for (size_t i = 0; i < clocks->n; i++) {
        const mx_clock_t *c = &clocks->v[i];
        if (!c->runs || !c->restarted)
            continue;
        char at[32];
        snprintf(at, sizeof at, "%" PRId64, c->requested_at_ms);
        hd_pgarray_add(&col[0], c->content_id);
        hd_pgarray_add(&col[1], c->department);
        hd_pgarray_add(&col[2], at);
    }
    if (col[0].n == 0) {
        for (int k = 0; k < 3; k++)
            hd_pgarray_free(&col[k]);
        return 0;
    }
    return hd_db_cmd_arrays(db,
                            "INSERT INTO metrics_pending (content_id, department, requested_at_ms) "
                            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[]) "
                            "ON CONFLICT (content_id) DO UPDATE "
                            "SET department = EXCLUDED.department, "
                            "    requested_at_ms = EXCLUDED.requested_at_ms",
                            col, 3);
}

int mx_latency_apply(hd_db_t *db, const mx_clock_op_t *ops, size_t n) {
    if (n == 0)
        return 0;
    mx_clocks_t clocks = {0};
    mx_histogram_t h = {0};
    for (size_t i = 0; i < n; i++)
        mx_clocks_add(&clocks, ops[i].content_id);
    int rc = read_pending(db, &clocks);
    if (rc == 0) {
        mx_clocks_run(&clocks, ops, n, &h);
        rc = delete_stopped(db, &clocks) < 0 || write_started(db, &clocks) < 0 ||
                     mx_histogram_flush(&h, db) < 0
                 ? -1
                 : 0;
    }
    mx_histogram_free(&h);
    mx_clocks_free(&clocks);
    return rc;
}
