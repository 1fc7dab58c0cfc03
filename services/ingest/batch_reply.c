/*  batch_reply: replies to mentions in a group commit (see the header). */
#include "batch_reply.h"

#include "hd_mem.h"
#include "hd_pgarray.h"
#include "inbox_rules.h"
#include "rfc3339.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The locks in one order (the hashes sorted), so that two writers locking
   overlapping sets cannot deadlock. */
static const char *LOCK_SQL =
    "SELECT count(pg_advisory_xact_lock(" ING_REPLY_LOCK_CLASS ", s.h)) "
    "FROM (SELECT DISTINCT hashtext(x) AS h FROM unnest($1::text[]) AS x ORDER BY 1) s";

/* Per item (x.i): the mention's external id (NULL: no such mention), its
   owner and since when, whether the item's own id is recorded already (a
   retry), then one row per reply to the mention, newest first. Read after
   the locks: the statement's snapshot holds every reply committed before. */
static const char *STATE_SQL =
    "SELECT x.i, m.external_id, coalesce(b.assignee_id::text, ''), "
    "  coalesce(b.assignee_email, ''), "
    "  coalesce((extract(epoch FROM b.assigned_at) * 1000)::bigint, 0), "
    "  EXISTS (SELECT 1 FROM content c WHERE c.id = x.cid), "
    "  r.content_id, r.author_email, (extract(epoch FROM r.created_at) * 1000)::bigint, r.state "
    "FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS x(mid, cid, i) "
    "LEFT JOIN mention m ON m.id = x.mid "
    "LEFT JOIN read_inbox b ON b.mention_id = x.mid "
    "LEFT JOIN read_inbox_reply r ON r.mention_id = x.mid "
    "ORDER BY x.i, r.created_at DESC, r.content_id DESC";

/* The newest reply pending among rows [row, end) (their columns 6..9), or
   -1 when none is. */
static int newest_pending(PGresult *r, int row, int end) {
    for (; row < end; row++)
        if (!PQgetisnull(r, row, 6) && ing_inbox_reply_pending(PQgetvalue(r, row, 9)))
            return row;
    return -1;
}

/* The reply of this batch to the same mention judged just before item k
   and let through: it is pending now, newer than anything committed. */
static const ing_item_t *earlier_in_batch(ing_item_t **it, const size_t *at, size_t k) {
    for (size_t j = k; j-- > 0;) {
        const ing_item_t *e = it[at[j]];
        if (!e->res.status &&
            !strcasecmp(e->in.reply_to_mention_id, it[at[k]]->in.reply_to_mention_id))
            return e;
    }
    return NULL;
}

static void refuse(ing_item_t *it, const ing_reply_verdict_t *v) {
    ing_result_refuse(&it->res, v->status, NULL, "%s", v->why);
    snprintf(it->res.code, sizeof it->res.code, "%s", v->code);
    snprintf(it->res.by, sizeof it->res.by, "%s", v->by);
    ing_rfc3339_format(v->since_ms, it->res.since, sizeof it->res.since);
}

/* The outcome of reply item it[at[k]] from its rows [row, end) of r. */
static void judge(ing_item_t **it, const size_t *at, size_t k, PGresult *r, int row, int end,
                  long long now_ms, ing_content_reply_t *rp) {
    ing_item_t *item = it[at[k]];
    const char *mention = item->in.reply_to_mention_id;
    if (PQgetisnull(r, row, 1)) {
        ing_result_refuse(&item->res, 404, "id", "no mention %s", mention);
        return;
    }
    snprintf(rp->external_id, sizeof rp->external_id, "%s", PQgetvalue(r, row, 1));
    if (PQgetvalue(r, row, 5)[0] == 't')
        return; /* the same request again: the insert answers it */
    hd_inbox_reply_state_t st = {.assignee_id = PQgetvalue(r, row, 2),
                                 .assignee_email = PQgetvalue(r, row, 3),
                                 .assigned_at_ms = atoll(PQgetvalue(r, row, 4)),
                                 .pending_content_id = "",
                                 .pending_by = ""};
    const char *state = "";
    const ing_item_t *e = earlier_in_batch(it, at, k);
    if (e && !strcasecmp(e->res.id, item->res.id))
        return; /* a retry racing its original: one insert, the second answered 200 */
    int p = e ? -1 : newest_pending(r, row, end);
    if (e) {
        st.pending_content_id = e->res.id;
        st.pending_by = e->who.email;
        st.pending_since_ms = now_ms;
        state = "submitted";
    } else if (p >= 0) {
        st.pending_content_id = PQgetvalue(r, p, 6);
        st.pending_by = PQgetvalue(r, p, 7);
        st.pending_since_ms = atoll(PQgetvalue(r, p, 8));
        state = PQgetvalue(r, p, 9);
    }
    ing_reply_verdict_t v;
    ing_inbox_reply_judge(&st, state, mention, item->who.id, item->in.supersede, &v);
    if (v.status)
        refuse(item, &v);
    else
        snprintf(rp->supersedes, sizeof rp->supersedes, "%s", v.supersedes);
}

/* Locks and reads the replies' mentions: the state's rows, or NULL. */
static PGresult *read_state(hd_db_t *db, ing_item_t **it, const size_t *at, size_t k) {
    hd_pgarray_t locks = {0}, cols[2] = {{0}};
    for (size_t j = 0; j < k; j++) {
        hd_pgarray_add(&locks, it[at[j]]->in.reply_to_mention_id);
        hd_pgarray_add(&cols[0], it[at[j]]->in.reply_to_mention_id);
        hd_pgarray_add(&cols[1], it[at[j]]->res.id);
    }
    if (hd_db_cmd_arrays(db, LOCK_SQL, &locks, 1) < 0) {
        hd_pgarray_free(&cols[0]);
        hd_pgarray_free(&cols[1]);
        return NULL;
    }
    return hd_db_exec_arrays(db, STATE_SQL, cols, 2);
}

int ing_reply_check(hd_db_t *db, ing_item_t **it, size_t n, ing_content_reply_t *rp) {
    size_t *at = hd_calloc(n ? n : 1, sizeof *at), k = 0;
    for (size_t i = 0; i < n; i++)
        if (it[i]->in.reply_to_mention_id && !it[i]->res.status)
            at[k++] = i;
    PGresult *r = k ? read_state(db, it, at, k) : NULL;
    if (k && !r) {
        free(at);
        return -1;
    }
    long long now_ms = ing_rfc3339_now_ms();
    int rows = r ? PQntuples(r) : 0;
    for (int row = 0; row < rows;) {
        int end = row + 1;
        while (end < rows && !strcmp(PQgetvalue(r, end, 0), PQgetvalue(r, row, 0)))
            end++;
        size_t j = strtoul(PQgetvalue(r, row, 0), NULL, 10) - 1;
        if (j < k)
            judge(it, at, j, r, row, end, now_ms, &rp[at[j]]);
        row = end;
    }
    if (r)
        PQclear(r);
    free(at);
    return 0;
}
