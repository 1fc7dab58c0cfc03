/*  policy_batch: one statement for a batch's channel facts, one for its
    verdicts (see header). */
#include "policy_batch.h"

#include "hd_pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int pol_batch_read_channels(hd_db_t *db, const char *const *ids, size_t n, pol_channel_t *facts) {
    hd_pgarray_t col[1] = {{0}};
    for (size_t i = 0; i < n; i++) {
        facts[i].kind[0] = 0;
        facts[i].max_length = 0;
        hd_pgarray_add(&col[0], ids[i]);
    }
    /* One row per known channel, each with the batch positions asking for
       it (1-based, from WITH ORDINALITY). */
    PGresult *r = hd_db_exec_arrays(db,
                                    "SELECT x.i, c.kind, c.max_length "
                                    "FROM unnest($1::text[]) WITH ORDINALITY AS x(id, i) "
                                    "JOIN channel c ON c.id = x.id",
                                    col, 1);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        long long i = atoll(PQgetvalue(r, row, 0)) - 1;
        if (i < 0 || (size_t)i >= n)
            continue; /* cannot happen: positions come from the array */
        snprintf(facts[i].kind, sizeof facts[i].kind, "%s", PQgetvalue(r, row, 1));
        facts[i].max_length = atol(PQgetvalue(r, row, 2));
    }
    PQclear(r);
    return 0;
}

int pol_batch_write_verdicts(hd_db_t *db, const pol_verdict_row_t *rows, size_t n) {
    if (n == 0)
        return 0;
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < n; i++) {
        char version[24];
        snprintf(version, sizeof version, "%" PRId64, rows[i].version);
        hd_pgarray_add(&col[0], rows[i].content_id);
        hd_pgarray_add(&col[1], version);
        hd_pgarray_add(&col[2], rows[i].verdict);
        hd_pgarray_add(&col[3], rows[i].findings);
    }
    /* DISTINCT ON keeps the first verdict of an item (a replay within the
       batch); sorted by the key, so two writers of the same rows always
       lock them in one order. */
    return hd_db_cmd_arrays(db,
                            "INSERT INTO policy_verdict (content_id, policy_version, verdict, "
                            "  findings) "
                            "SELECT DISTINCT ON (x.content_id) x.content_id, x.policy_version, "
                            "  x.verdict, x.findings "
                            "FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::jsonb[]) "
                            "  WITH ORDINALITY AS x(content_id, policy_version, verdict, "
                            "  findings, i) "
                            "ORDER BY x.content_id, x.i "
                            "ON CONFLICT (content_id) DO NOTHING",
                            col, 4);
}
