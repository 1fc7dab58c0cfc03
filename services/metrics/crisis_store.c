/*  crisis_store: read, decide in memory, write (see crisis_store.h). */
#include "crisis_store.h"

#include "hd_crisis.h"
#include "hd_pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads the rows of every crisis added, locked for the batch: one active
   metrics consumer writes them, the lock keeps a second one honest. */
static int read_rows(hd_db_t *db, mx_crises_t *crises) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < crises->n; i++)
        hd_pgarray_add(&ids, crises->v[i].crisis_id);
    PGresult *r = hd_db_exec_arrays(db,
                                    "SELECT crisis_id, playbook, state, proposed_at_ms "
                                    "FROM metrics_crisis WHERE crisis_id = ANY($1::uuid[]) "
                                    "ORDER BY crisis_id FOR UPDATE",
                                    &ids, 1);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        mx_crisis_t *c = mx_crises_find(crises, PQgetvalue(r, row, 0));
        if (c) /* always: only these ids were asked for */
            mx_crisis_read(c, PQgetvalue(r, row, 1), PQgetvalue(r, row, 2),
                           strtoll(PQgetvalue(r, row, 3), NULL, 10));
    }
    PQclear(r);
    return 0;
}

/* Writes the rows the operations changed. 0 or -1. */
static int write_rows(hd_db_t *db, const mx_crises_t *crises) {
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < crises->n; i++) {
        const mx_crisis_t *c = &crises->v[i];
        if (!c->changed)
            continue;
        char at[32];
        snprintf(at, sizeof at, "%" PRId64, c->proposed_at_ms);
        hd_pgarray_add(&col[0], c->crisis_id);
        hd_pgarray_add(&col[1], c->playbook);
        hd_pgarray_add(&col[2], c->state < 0 ? "" : hd_crisis_state_name(c->state));
        hd_pgarray_add(&col[3], at);
    }
    if (col[0].n == 0) {
        for (int k = 0; k < 4; k++)
            hd_pgarray_free(&col[k]);
        return 0;
    }
    return hd_db_cmd_arrays(db,
                            "INSERT INTO metrics_crisis (crisis_id, playbook, state, "
                            "  proposed_at_ms) "
                            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], "
                            "  $4::bigint[]) ON CONFLICT (crisis_id) DO UPDATE "
                            "SET playbook = EXCLUDED.playbook, state = EXCLUDED.state, "
                            "    proposed_at_ms = EXCLUDED.proposed_at_ms",
                            col, 4);
}

/* Adds the counts to what is stored. 0 or -1. */
static int write_counts(hd_db_t *db, const mx_crises_t *crises) {
    if (crises->ncounts == 0)
        return 0;
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < crises->ncounts; i++) {
        char n[24];
        snprintf(n, sizeof n, "%ld", crises->counts[i].n);
        hd_pgarray_add(&col[0], crises->counts[i].crisis_id);
        hd_pgarray_add(&col[1], crises->counts[i].figure);
        hd_pgarray_add(&col[2], crises->counts[i].outcome);
        hd_pgarray_add(&col[3], n);
    }
    /* Sorted, so two writers of the same rows always lock them in one order. */
    return hd_db_cmd_arrays(db,
                            "INSERT INTO metrics_crisis_count (crisis_id, figure, outcome, value) "
                            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], "
                            "  $4::bigint[]) AS x(crisis_id, figure, outcome, value) "
                            "ORDER BY crisis_id, figure, outcome "
                            "ON CONFLICT (crisis_id, figure, outcome) DO UPDATE "
                            "SET value = metrics_crisis_count.value + EXCLUDED.value",
                            col, 4);
}

int mx_crisis_apply(hd_db_t *db, const mx_crisis_op_t *ops, size_t n) {
    if (n == 0)
        return 0;
    mx_crises_t crises = {0};
    mx_histogram_t h = {0};
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind != MX_CRISIS_COUNT)
            mx_crises_add(&crises, ops[i].crisis_id);
    int rc = crises.n ? read_rows(db, &crises) : 0;
    if (rc == 0) {
        mx_crises_run(&crises, ops, n, &h);
        rc = write_rows(db, &crises) < 0 || write_counts(db, &crises) < 0 ||
                     mx_histogram_flush(&h, db) < 0
                 ? -1
                 : 0;
    }
    mx_histogram_free(&h);
    mx_crises_free(&crises);
    return rc;
}
