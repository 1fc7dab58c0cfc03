/*  batch_statement: the holding statement in a group commit (see the
    header). */
#include "batch_statement.h"

#include "hd_mem.h"
#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each statement's crisis, locked against a concurrent resume: its state,
   playbook, and the statement already submitted for it on the channel. */
static const char *CHECK_SQL =
    "SELECT x.i, c.state, c.playbook, c.playbook_version, "
    "  (SELECT s.id::text FROM content s WHERE s.crisis_id = c.id AND s.kind = 'statement' "
    "     AND s.channel_id = x.ch ORDER BY s.created_at, s.id LIMIT 1) "
    "FROM unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS x(cid, ch, i) "
    "JOIN crisis c ON c.id = x.cid "
    "FOR SHARE OF c";

/* The outcome of statement item `it` from its crisis's row (row -1: none). */
static void judge(ing_item_t *it, PGresult *r, int row, ing_statement_t *st) {
    if (row < 0) {
        ing_result_refuse(&it->res, 404, "crisis_id", "no crisis %s", it->in.crisis_id);
        return;
    }
    const char *state = PQgetvalue(r, row, 1), *first = PQgetvalue(r, row, 4);
    snprintf(st->playbook, sizeof st->playbook, "%s", PQgetvalue(r, row, 2));
    st->playbook_version = atoll(PQgetvalue(r, row, 3));
    if (!PQgetisnull(r, row, 4) && strcmp(first, it->res.id) == 0)
        return; /* the same request again: the insert answers it 200 */
    if (strcmp(state, "declared") != 0) {
        ing_result_refuse(&it->res, 409, "crisis_id",
                          "crisis %s is %s: a holding statement is published only while it is "
                          "declared",
                          it->in.crisis_id, state);
        snprintf(it->res.code, sizeof it->res.code, "conflict");
    } else if (!PQgetisnull(r, row, 4)) {
        ing_result_refuse(&it->res, 409, "channel",
                          "the holding statement of crisis %s on channel %s was already "
                          "submitted as item %s",
                          it->in.crisis_id, it->in.channel, first);
        snprintf(it->res.code, sizeof it->res.code, "conflict");
    }
}

int ing_statement_check(hd_db_t *db, ing_item_t **it, size_t n, ing_statement_t *st) {
    hd_pgarray_t cols[2] = {{0}};
    size_t *at = hd_calloc(n ? n : 1, sizeof *at), k = 0;
    for (size_t i = 0; i < n; i++)
        if (it[i]->in.crisis_id && !it[i]->res.status) {
            hd_pgarray_add(&cols[0], it[i]->in.crisis_id);
            hd_pgarray_add(&cols[1], it[i]->in.channel);
            at[k++] = i;
        }
    if (k == 0) {
        free(at);
        return 0;
    }
    PGresult *r = hd_db_exec_arrays(db, CHECK_SQL, cols, 2);
    if (!r) {
        free(at);
        return -1;
    }
    for (size_t j = 0; j < k; j++) {
        int row = -1;
        for (int x = 0; x < PQntuples(r) && row < 0; x++)
            if (strtoul(PQgetvalue(r, x, 0), NULL, 10) == j + 1)
                row = x;
        judge(it[at[j]], r, row, &st[at[j]]);
    }
    PQclear(r);
    free(at);
    return 0;
}

const hd_envelope_t *ing_statement_event(ing_statement_t *st, const ing_item_t *it,
                                         const char *submitted_id) {
    ing_crisis_event_init(&st->ev, it->in.crisis_id, "statement", &it->who);
    st->content_ids[0] = (char *)it->res.id;
    st->ev.body.playbook = st->playbook;
    st->ev.body.playbook_version = st->playbook_version;
    st->ev.body.count = 1;
    st->ev.body.content_ids = st->content_ids;
    st->ev.body.n_content_ids = 1;
    return ing_crisis_event_stamp(&st->ev, submitted_id, "crisis.statement");
}
