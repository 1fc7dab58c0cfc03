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
    "  to_timestamp(x.sub / 1000.0), x.k, nullif(x.cr, '')::uuid, nullif(x.rm, '')::uuid, "
    "  nullif(x.rx, '') "
    "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], "
    "            $7::text[], $8::uuid[], $9::text[], $10::text[], $11::text[], $12::bigint[], "
    "            $13::bigint[], $14::text[], $15::text[], $16::text[], $17::text[]) "
    "  WITH ORDINALITY AS x(c, st, r, s, rq, dc, d, a, e, ch, t, sc, sub, k, cr, rm, rx, i) "
    "ORDER BY x.i ON CONFLICT (content_id) DO NOTHING";
/* clang-format on */

static int insert_new(hd_db_t *db, const wf_items_t *items) {
    hd_pgarray_t col[STATE_COLS + 11] = {{0}};
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
        hd_pgarray_add(&col[15], it->reply_to_mention_id);
        hd_pgarray_add(&col[16], it->reply_to_external_id);
    }
    if (col[0].n == 0)
        return 0;
    return hd_db_cmd_arrays(db, INSERT_SQL, col, STATE_COLS + 11);
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

/* The columns every written inbox item carries (what inbox work changes). */
enum {
    IN_ID,
    IN_DEPT,
    IN_TRIAGE,
    IN_STATE,
    IN_STATE_AT,
    IN_ASSIGNEE,
    IN_ASSIGNED_AT,
    IN_ESCALATED,
    IN_DUE,
    IN_WARN,
    IN_FIRST_AT,
    IN_FIRST_MS,
    IN_REPLY,
    IN_REPLIED_BY,
    IN_VERSION,
    IN_COLS
};

/* clang-format off */
#define IN_UNNEST                                                                   \
    "unnest($1::uuid[], $2::text[], $3::bool[], $4::text[], $5::bigint[], "          \
    "       $6::text[], $7::bigint[], $8::bool[], $9::bigint[], $10::bigint[], "     \
    "       $11::bigint[], $12::bigint[], $13::text[], $14::text[], $15::bigint[]"
#define IN_NAMES "m, d, tr, st, sa, an, aa, es, du, wa, fa, fr, rc, rb, v"
#define IN_VALUES                                                                   \
    "x.d, x.tr, x.st, coalesce(" TS("x.sa") ", now()), nullif(x.an, '')::uuid, " TS("x.aa") ", x.es, " \
    TS("x.du") ", " TS("x.wa") ", " TS("x.fa") ", "                                  \
    "CASE WHEN x.fa > 0 AND x.fr >= 0 THEN x.fr END, nullif(x.rc, '')::uuid, "        \
    "nullif(x.rb, ''), x.v"
/* clang-format on */

static const char *INBOX_INSERT_SQL =
    "INSERT INTO inbox_item (mention_id, department_id, triage, state, state_at, assignee_id, "
    "  assigned_at, escalated, sla_due_at, sla_warn_at, first_response_at, first_response_ms, "
    "  reply_content_id, replied_by, version, rule_id, channel_id, author_handle, text, url, "
    "  crisis_id, feed_id, external_id, received_at, conversation_of) "
    "SELECT x.m, " IN_VALUES ", x.r, x.ch, x.a, x.t, x.u, nullif(x.cr, '')::uuid, "
    "  nullif(x.f, ''), x.x, " TS("x.rv") ", nullif(x.co, '')::uuid "
    "FROM " IN_UNNEST ", $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], "
    "  $21::text[], $22::text[], $23::text[], $24::bigint[], $25::text[]) "
    "  AS x(" IN_NAMES ", r, ch, a, t, u, cr, f, x, rv, co) "
    "ON CONFLICT (mention_id) DO NOTHING";

/* sla_warned and sla_breached are the SLA timer's (calendar.h's part D):
   never written here. */
static const char *INBOX_UPDATE_SQL =
    "UPDATE inbox_item i SET (department_id, triage, state, state_at, assignee_id, assigned_at, "
    "  escalated, sla_due_at, sla_warn_at, first_response_at, first_response_ms, "
    "  reply_content_id, replied_by, version) = (" IN_VALUES ") "
    "FROM " IN_UNNEST ") AS x(" IN_NAMES ") WHERE i.mention_id = x.m";

static void add_inbox_cols(hd_pgarray_t *col, const wf_inbox_item_t *it) {
    hd_pgarray_add(&col[IN_ID], it->mention_id);
    hd_pgarray_add(&col[IN_DEPT], it->department);
    hd_pgarray_add(&col[IN_TRIAGE], it->triage ? "t" : "f");
    hd_pgarray_add(&col[IN_STATE], hd_inbox_state_name(it->state));
    add_ms(&col[IN_STATE_AT], it->state_ms);
    hd_pgarray_add(&col[IN_ASSIGNEE], it->assignee_id);
    add_ms(&col[IN_ASSIGNED_AT], it->assigned_ms);
    hd_pgarray_add(&col[IN_ESCALATED], it->escalated ? "t" : "f");
    add_ms(&col[IN_DUE], it->sla_due_ms);
    add_ms(&col[IN_WARN], it->sla_warn_ms);
    add_ms(&col[IN_FIRST_AT], it->first_response_at_ms);
    add_ms(&col[IN_FIRST_MS], it->first_response_ms);
    hd_pgarray_add(&col[IN_REPLY], it->reply_content_id);
    hd_pgarray_add(&col[IN_REPLIED_BY], it->replied_by);
    add_ms(&col[IN_VERSION], it->version);
}

static const char *nz(const char *s) { return s ? s : ""; }

static int insert_inbox(hd_db_t *db, const wf_inbox_t *in) {
    enum { N = IN_COLS + 10 };
    hd_pgarray_t col[N] = {{0}};
    for (size_t i = 0; i < in->n; i++) {
        const wf_inbox_item_t *it = &in->items[i];
        if (it->stored || !it->changed)
            continue;
        add_inbox_cols(col, it);
        const char *v[] = {it->rule_id,   it->channel,  nz(it->author_handle), nz(it->text),
                           nz(it->url),   it->crisis_id, nz(it->feed), nz(it->external_id)};
        for (int c = 0; c < 8; c++)
            hd_pgarray_add(&col[IN_COLS + c], v[c]);
        add_ms(&col[IN_COLS + 8], it->received_ms);
        hd_pgarray_add(&col[IN_COLS + 9], it->conversation_of);
    }
    if (col[0].n == 0)
        return 0;
    return hd_db_cmd_arrays(db, INBOX_INSERT_SQL, col, N);
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
