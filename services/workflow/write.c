/*  write: the batch's rows, one array statement per kind. */
#include "write.h"

#include "hd_mem.h"
#include "hd_pgarray.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void wf_writes_approval(wf_writes_t *w, const wf_approval_row_t *row) {
    w->approvals = hd_grow(w->approvals, &w->capapprovals, w->napprovals + 1, sizeof *row);
    w->approvals[w->napprovals++] = *row;
}

void wf_writes_clear_approvals(wf_writes_t *w, const char *content_id) {
    size_t k = 0;
    for (size_t i = 0; i < w->napprovals; i++)
        if (strcasecmp(w->approvals[i].content_id, content_id) != 0)
            w->approvals[k++] = w->approvals[i];
    w->napprovals = k;
    w->cleared = hd_grow(w->cleared, &w->capcleared, w->ncleared + 1, sizeof *w->cleared);
    snprintf(w->cleared[w->ncleared++], HD_ID_LEN, "%s", content_id);
}

void wf_writes_clear(wf_writes_t *w) { w->napprovals = w->ncleared = 0; }

void wf_writes_free(wf_writes_t *w) {
    free(w->approvals);
    free(w->cleared);
    memset(w, 0, sizeof *w);
}

static void add_ms(hd_pgarray_t *a, int64_t ms) {
    char s[32];
    snprintf(s, sizeof s, "%" PRId64, ms);
    hd_pgarray_add(a, s);
}

/* One element holding the array literal of v[0..n) (cast back with
   ::text[] or ::bigint[] in SQL): several values of a row in one column,
   for statements with more columns than hd_db's arrays allow. Both levels
   are quoted by hd_pgarray, so no value is read as syntax. */
static void add_packed(hd_pgarray_t *a, const char *const *v, size_t n) {
    hd_pgarray_t inner = {0};
    for (size_t i = 0; i < n; i++)
        hd_pgarray_add(&inner, v[i]);
    hd_pgarray_add(a, hd_pgarray_str(&inner));
    hd_pgarray_free(&inner);
}

static void add_packed_ms(hd_pgarray_t *a, const int64_t *v, size_t n) {
    char buf[8][32];
    const char *p[8];
    for (size_t i = 0; i < n && i < 8; i++) {
        snprintf(buf[i], sizeof buf[i], "%" PRId64, v[i]);
        p[i] = buf[i];
    }
    add_packed(a, p, n < 8 ? n : 8);
}

/* The item's required roles joined with '\n' (role names never hold one:
   hd_approval_role_ok), all of them or only the same-department ones, for
   string_to_array on the server. */
static void add_roles(hd_pgarray_t *a, const wf_item_t *it, int only_same) {
    char buf[HD_MAX_ROLES * (HD_ROLE_LEN + 1)] = "";
    size_t used = 0;
    for (size_t i = 0; i < it->a.nroles; i++) {
        if (only_same && !it->a.roles[i].same_department)
            continue;
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", used ? "\n" : "",
                                 it->a.roles[i].name);
    }
    hd_pgarray_add(a, buf);
}

/* The columns every written item carries: id, state, roles, same-department
   roles, requested and decided times. */
enum { STATE_COLS = 6 };
static void add_state(hd_pgarray_t *col, const wf_item_t *it) {
    hd_pgarray_add(&col[0], it->a.content_id);
    hd_pgarray_add(&col[1], hd_item_state_name(it->a.state));
    add_roles(&col[2], it, 0);
    add_roles(&col[3], it, 1);
    add_ms(&col[4], it->requested_ms);
    add_ms(&col[5], it->decided_ms);
}

/* clang-format off */
#define TS(x) "CASE WHEN " x " > 0 THEN to_timestamp(" x " / 1000.0) END"
#define SET_ALL                                                                     \
    "state = x.st, required_roles = string_to_array(x.r, E'\\n'), "                   \
    "same_department_roles = string_to_array(x.s, E'\\n'), updated_at = now(), "      \
    "requested_at = " TS("x.rq") ", decided_at = " TS("x.dc")
/* clang-format on */

/* The stored items the batch changed: those whose state alone changed (a
   publish outcome, the most common write) in a statement of their own that
   sets nothing else, the others with every column the batch may change. */
static int update_stored(hd_db_t *db, const wf_items_t *items) {
    hd_pgarray_t all[STATE_COLS] = {{0}}, state[2] = {{0}};
    for (size_t i = 0; i < items->n; i++) {
        const wf_item_t *it = &items->items[i];
        if (!it->stored || !it->changed)
            continue;
        if (it->changed & WF_CHANGED_ALL) {
            add_state(all, it);
        } else {
            hd_pgarray_add(&state[0], it->a.content_id);
            hd_pgarray_add(&state[1], hd_item_state_name(it->a.state));
        }
    }
    int rc = 0;
    if (state[0].n)
        rc = hd_db_cmd_arrays(db,
                              "UPDATE workflow_item w SET state = x.st, updated_at = now() "
                              "FROM unnest($1::uuid[], $2::text[]) AS x(c, st) "
                              "WHERE w.content_id = x.c",
                              state, 2);
    if (rc == 0 && all[0].n)
        rc = hd_db_cmd_arrays(db,
                              "UPDATE workflow_item w SET " SET_ALL " "
                              "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], "
                              "            $5::bigint[], $6::bigint[]) AS x(c, st, r, s, rq, dc) "
                              "WHERE w.content_id = x.c",
                              all, STATE_COLS);
    for (int c = 0; c < STATE_COLS; c++)
        hd_pgarray_free(&all[c]);
    hd_pgarray_free(&state[0]);
    hd_pgarray_free(&state[1]);
    return rc;
}

/* clang-format off */
static const char *INSERT_SQL =
    "INSERT INTO workflow_item (content_id, state, required_roles, same_department_roles, "
    "  requested_at, decided_at, department_id, author_id, author_email, channel_id, text, "
    "  scheduled_at, submitted_at, kind, crisis_id, reply_to_mention_id, reply_to_external_id) "
    "SELECT x.c, x.st, string_to_array(x.r, E'\\n'), string_to_array(x.s, E'\\n'), "
    "  " TS("x.rq") ", " TS("x.dc") ", x.d, x.a, x.e, x.ch, x.t, " TS("x.sc") ", "
    "  to_timestamp(x.sub / 1000.0), x.k, nullif(x.cr, '')::uuid, "
    "  nullif((x.rp::text[])[1], '')::uuid, nullif((x.rp::text[])[2], '') "
    "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], "
    "            $7::text[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::bigint[], "
    "            $13::bigint[], $14::text[], $15::text[], $16::text[]) "
    "  WITH ORDINALITY AS x(c, st, r, s, rq, dc, d, a, e, ch, t, sc, sub, k, cr, rp, i) "
    "ORDER BY x.i ON CONFLICT (content_id) DO NOTHING";
/* clang-format on */

static int insert_new(hd_db_t *db, const wf_items_t *items) {
    hd_pgarray_t col[STATE_COLS + 10] = {{0}};
    for (size_t i = 0; i < items->n; i++) {
        const wf_item_t *it = &items->items[i];
        if (it->stored || !it->changed)
            continue;
        add_state(col, it);
        hd_pgarray_add(&col[6], it->a.department);
        hd_pgarray_add(&col[7], it->a.author_id);
        hd_pgarray_add(&col[8], it->author_email);
        hd_pgarray_add(&col[9], it->channel);
        hd_pgarray_add(&col[10], it->text ? it->text : "");
        add_ms(&col[11], it->scheduled_ms);
        add_ms(&col[12], it->submitted_ms);
        hd_pgarray_add(&col[13], it->kind);
        hd_pgarray_add(&col[14], it->crisis_id);
        const char *reply[2] = {it->reply_to_mention_id, it->reply_to_external_id};
        add_packed(&col[15], reply, 2);
    }
    if (col[0].n == 0)
        return 0;
    return hd_db_cmd_arrays(db, INSERT_SQL, col, STATE_COLS + 10);
}

static int delete_approvals(hd_db_t *db, const wf_writes_t *w) {
    if (w->ncleared == 0)
        return 0;
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < w->ncleared; i++)
        hd_pgarray_add(&ids, w->cleared[i]);
    return hd_db_cmd_arrays(db, "DELETE FROM workflow_approval WHERE content_id = ANY($1::uuid[])",
                            &ids, 1);
}

static int insert_approvals(hd_db_t *db, const wf_writes_t *w) {
    if (w->napprovals == 0)
        return 0;
    hd_pgarray_t col[4] = {{0}};
    for (size_t i = 0; i < w->napprovals; i++) {
        hd_pgarray_add(&col[0], w->approvals[i].content_id);
        hd_pgarray_add(&col[1], w->approvals[i].role);
        hd_pgarray_add(&col[2], w->approvals[i].actor_id);
        add_ms(&col[3], w->approvals[i].at_ms);
    }
    return hd_db_cmd_arrays(
        db,
        "INSERT INTO workflow_approval (content_id, role, actor_id, decided_at) "
        "SELECT x.c, x.r, x.a, to_timestamp(x.at / 1000.0) "
        "FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::bigint[]) "
        "  AS x(c, r, a, at) ON CONFLICT DO NOTHING",
        col, 4);
}

/* The columns every written inbox item carries (what inbox work changes);
   its times and version packed in one (IN_TIMES, in the order of
   TIMES_SQL's indexes). */
enum {
    IN_ID,
    IN_DEPT,
    IN_TRIAGE,
    IN_STATE,
    IN_ASSIGNEE,
    IN_ESCALATED,
    IN_REPLY,
    IN_REPLIED_BY,
    IN_TIMES,
    IN_COLS
};

/* clang-format off */
#define IN_UNNEST                                                             \
    "(SELECT u.*, u.tm::bigint[] AS n FROM unnest($1::uuid[], $2::text[], "    \
    "  $3::bool[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::text[], " \
    "  $9::text[]"
#define IN_NAMES "m, d, tr, st, an, es, rc, rb, tm"
/* n: state_at, assigned_at, sla_due_at, sla_warn_at, first_response_at,
   first_response_ms (-1: unknown), version */
#define IN_VALUES                                                                  \
    "x.d, x.tr, x.st, coalesce(" TS("x.n[1]") ", now()), nullif(x.an, '')::uuid, "  \
    TS("x.n[2]") ", x.es, " TS("x.n[3]") ", " TS("x.n[4]") ", " TS("x.n[5]") ", "   \
    "CASE WHEN x.n[5] > 0 AND x.n[6] >= 0 THEN x.n[6] END, nullif(x.rc, '')::uuid, " \
    "nullif(x.rb, ''), x.n[7]"
/* clang-format on */

/* Besides: e, the text columns only an insert writes (packed); rv, the
   received time. */
/* clang-format off */
static const char *INBOX_INSERT_SQL =
    "INSERT INTO inbox_item (mention_id, department_id, triage, state, state_at, assignee_id, "
    "  assigned_at, escalated, sla_due_at, sla_warn_at, first_response_at, first_response_ms, "
    "  reply_content_id, replied_by, version, rule_id, channel_id, author_handle, text, url, "
    "  crisis_id, feed_id, external_id, conversation_of, received_at) "
    "SELECT x.m, " IN_VALUES ", x.e[1], x.e[2], x.e[3], x.e[4], x.e[5], "
    "  nullif(x.e[6], '')::uuid, nullif(x.e[7], ''), x.e[8], nullif(x.e[9], '')::uuid, "
    "  " TS("x.rv") " "
    "FROM (SELECT y.*, y.ex::text[] AS e FROM " IN_UNNEST ", $10::text[], $11::bigint[]) "
    "  AS u(" IN_NAMES ", ex, rv)) AS y) AS x "
    "ON CONFLICT (mention_id) DO NOTHING";
/* clang-format on */

/* sla_warned and sla_breached are the SLA timer's (part D's sla.c):
   never written here. */
static const char *INBOX_UPDATE_SQL =
    "UPDATE inbox_item i SET (department_id, triage, state, state_at, assignee_id, assigned_at, "
    "  escalated, sla_due_at, sla_warn_at, first_response_at, first_response_ms, "
    "  reply_content_id, replied_by, version) = (" IN_VALUES ") "
    "FROM " IN_UNNEST ") AS u(" IN_NAMES ")) AS x WHERE i.mention_id = x.m";

static void add_inbox_cols(hd_pgarray_t *col, const wf_inbox_item_t *it) {
    hd_pgarray_add(&col[IN_ID], it->mention_id);
    hd_pgarray_add(&col[IN_DEPT], it->department);
    hd_pgarray_add(&col[IN_TRIAGE], it->triage ? "t" : "f");
    hd_pgarray_add(&col[IN_STATE], hd_inbox_state_name(it->state));
    hd_pgarray_add(&col[IN_ASSIGNEE], it->assignee_id);
    hd_pgarray_add(&col[IN_ESCALATED], it->escalated ? "t" : "f");
    hd_pgarray_add(&col[IN_REPLY], it->reply_content_id);
    hd_pgarray_add(&col[IN_REPLIED_BY], it->replied_by);
    const int64_t times[7] = {it->state_ms,    it->assigned_ms,          it->sla_due_ms,
                              it->sla_warn_ms, it->first_response_at_ms, it->first_response_ms,
                              it->version};
    add_packed_ms(&col[IN_TIMES], times, 7);
}

static const char *nz(const char *s) { return s ? s : ""; }

static int insert_inbox(hd_db_t *db, const wf_inbox_t *in) {
    hd_pgarray_t col[IN_COLS + 2] = {{0}};
    for (size_t i = 0; i < in->n; i++) {
        const wf_inbox_item_t *it = &in->items[i];
        if (it->stored || !it->changed)
            continue;
        add_inbox_cols(col, it);
        const char *v[9] = {it->rule_id,  it->channel,         nz(it->author_handle),
                            nz(it->text), nz(it->url),         it->crisis_id,
                            nz(it->feed), nz(it->external_id), it->conversation_of};
        add_packed(&col[IN_COLS], v, 9);
        add_ms(&col[IN_COLS + 1], it->received_ms);
    }
    if (col[0].n == 0)
        return 0;
    return hd_db_cmd_arrays(db, INBOX_INSERT_SQL, col, IN_COLS + 2);
}

static int update_inbox(hd_db_t *db, const wf_inbox_t *in) {
    hd_pgarray_t col[IN_COLS] = {{0}};
    for (size_t i = 0; i < in->n; i++)
        if (in->items[i].stored && in->items[i].changed)
            add_inbox_cols(col, &in->items[i]);
    if (col[0].n == 0)
        return 0;
    return hd_db_cmd_arrays(db, INBOX_UPDATE_SQL, col, IN_COLS);
}

int wf_write_batch(hd_db_t *db, const wf_items_t *items, const wf_inbox_t *inbox,
                   const wf_writes_t *w) {
    if (update_stored(db, items) < 0 || insert_new(db, items) < 0 || delete_approvals(db, w) < 0 ||
        insert_approvals(db, w) < 0 || insert_inbox(db, inbox) < 0 || update_inbox(db, inbox) < 0)
        return -1;
    return 0;
}
