/*  read_side: the API's reads, over the views of the read side only. */
#include "read_side.h"

#include "hd_envelope.h"
#include "hd_pbjson.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *text_or_null(PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}

int ing_read_sees_all(const ing_person_t *v) {
    return ing_auth_has_role(v, "orchestrator") || ing_auth_has_role(v, "legal") ||
           ing_auth_has_role(v, "crisis");
}

/* ---------- the approval rule's inputs ---------- */

/* The columns of read_item_approval the rule needs, in this order. */
#define APPROVAL_COLS "a.author_id, a.department_id, a.state, a.role, a.same_department, a.approved"

int ing_read_approval(hd_db_t *db, const char *content_id, hd_approval_item_t *item, char *why,
                      size_t n) {
    memset(item, 0, sizeof *item);
    PGresult *r = hd_db_exec(db,
                             "SELECT " APPROVAL_COLS " FROM read_item_approval a "
                             "WHERE a.content_id = $1 ORDER BY a.ord",
                             1, (const char *[]){content_id});
    if (!r) {
        snprintf(why, n, "database: %s", hd_db_error(db));
        return -1;
    }
    int rc =
        PQntuples(r) == 0 ? 1 : hd_approval_rows(r, 0, PQntuples(r), 0, content_id, item, why, n);
    PQclear(r);
    return rc;
}

int ing_read_approval_round(hd_db_t *db, const char *content_id, char *out, size_t n) {
    out[0] = '\0';
    PGresult *r = hd_db_exec(db,
                             "SELECT (extract(epoch FROM requested_at) * 1000)::bigint "
                             "FROM read_item_approval WHERE content_id = $1 "
                             "AND requested_at IS NOT NULL LIMIT 1",
                             1, (const char *[]){content_id});
    if (!r)
        return -1;
    if (PQntuples(r) == 1)
        snprintf(out, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

int ing_read_actor(hd_db_t *db, const char *person_id, hd_actor_t *actor) {
    memset(actor, 0, sizeof *actor);
    PGresult *r = hd_db_exec(db,
                             "SELECT a.department_id, a.active, r.role FROM read_actor a "
                             "LEFT JOIN LATERAL unnest(a.roles) AS r(role) ON true "
                             "WHERE a.person_id = $1",
                             1, (const char *[]){person_id});
    if (!r)
        return -1;
    int rows = PQntuples(r), rc = rows ? 0 : 1;
    snprintf(actor->id, sizeof actor->id, "%s", person_id);
    if (rows && hd_db_value_copy(r, 0, 0, actor->department, sizeof actor->department) < 0)
        rc = -1;
    actor->active = rows && PQgetvalue(r, 0, 1)[0] == 't';
    /* Roles beyond the limit or overlong are ignored: they can only deny. */
    for (int i = 0; i < rows && actor->nroles < HD_MAX_ROLES; i++)
        if (!PQgetisnull(r, i, 2) &&
            hd_db_value_copy(r, i, 2, actor->roles[actor->nroles], HD_ROLE_LEN) == 0)
            actor->nroles++;
    PQclear(r);
    return rc;
}

int ing_read_item_visible(hd_db_t *db, const ing_person_t *viewer, const char *id) {
    if (ing_read_sees_all(viewer)) {
        long n = hd_db_count(db, "SELECT 1 FROM read_item WHERE content_id = $1", 1,
                             (const char *[]){id});
        return n < 0 ? -1 : n > 0;
    }
    long n = hd_db_count(db,
                         "SELECT 1 FROM read_item WHERE content_id = $1 "
                         "AND (department_id = $2 OR lower(author_email) = lower($3))",
                         3, (const char *[]){id, viewer->department, viewer->email});
    return n < 0 ? -1 : n > 0;
}

/* ---------- GET /v1/content/{id} ---------- */

json_t *ing_read_history(hd_db_t *db, const char *id) {
    const char *p[1] = {id};
    PGresult *r = hd_db_execv(db,
                              "SELECT seq, payload, to_char(created_at AT TIME ZONE 'UTC', "
                              "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM read_item_history "
                              "WHERE correlation_id = $1 ORDER BY seq",
                              1, p, NULL, NULL, 1);
    if (!r)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        const unsigned char *pay = (const unsigned char *)PQgetvalue(r, i, 1);
        hd_envelope_t *env = hd_envelope_unpack(pay, (size_t)PQgetlength(r, i, 1));
        if (!env)
            continue;
        uint64_t seq = 0;
        const unsigned char *s = (const unsigned char *)PQgetvalue(r, i, 0);
        for (int k = 0; k < 8; k++)
            seq = seq << 8 | s[k];
        env->seq = seq;
        json_t *e = hd_pbjson(&env->base);
        json_object_set_new(e, "at", json_string(PQgetvalue(r, i, 2)));
        json_array_append_new(a, e);
        hd_envelope_free(env);
    }
    PQclear(r);
    return a;
}

static const char *ITEM_SQL =
    "SELECT content_id, department_id, author_email, channel_id, kind, text, state, "
    "required_roles::text, verdict, findings::text, policy_version, publish_state, post_id, "
    "url, publish_error, publish_attempts, approvals::text, created_at "
    "FROM read_item WHERE content_id = $1";

/* Row 0 of ITEM_SQL as the API's JSON object. */
static json_t *item_json(PGresult *r) {
    static const char *names[] = {"id",        "department", "author",         "channel",
                                  "kind",      "text",       "state",          "required_roles",
                                  "verdict",   "findings",   "policy_version", "publish_state",
                                  "post_id",   "url",        "publish_error",  "publish_attempts",
                                  "approvals", "created_at"};
    json_t *item = json_object();
    for (int c = 0; c < 18; c++) {
        json_t *v = text_or_null(r, 0, c);
        /* Columns rendered as JSON by PostgreSQL become JSON. */
        if ((c == 9 || c == 16) && !json_is_null(v)) {
            json_t *parsed = json_loads(PQgetvalue(r, 0, c), 0, NULL);
            json_decref(v);
            v = parsed ? parsed : json_null();
        }
        json_object_set_new(item, names[c], v);
    }
    return item;
}

json_t *ing_read_item(hd_db_t *db, const ing_person_t *viewer, const char *id, int *status,
                      char *why, size_t why_len) {
    PGresult *r = hd_db_exec(db, ITEM_SQL, 1, (const char *[]){id});
    if (!r) {
        *status = 503;
        snprintf(why, why_len, "database unavailable, retry");
        return NULL;
    }
    /* Another department's item is answered exactly as an unknown one: a
       caller who may not see it learns nothing, not even that it exists. */
    if (PQntuples(r) != 1 ||
        (strcmp(PQgetvalue(r, 0, 1), viewer->department) != 0 &&
         strcmp(PQgetvalue(r, 0, 2), viewer->email) != 0 && !ing_read_sees_all(viewer))) {
        PQclear(r);
        *status = 404;
        snprintf(why, why_len, "no content item %s", id);
        return NULL;
    }
    json_t *item = item_json(r);
    PQclear(r);
    json_t *h = ing_read_history(db, id);
    json_object_set_new(item, "history", h ? h : json_array());
    *status = 200;
    return item;
}

/* ---------- GET /v1/queue ---------- */

/* Candidates (items awaiting one of the viewer's roles, not the viewer's
   own), each with its approval rows: columns 0..6 the item as shown, 7.. the
   rule's APPROVAL_COLS, one row per required role, one item after another. */
static const char *QUEUE_SQL =
    "SELECT q.content_id, q.department_id, q.author_email, q.channel_id, q.text, "
    "q.required_roles::text, q.requested_at, " APPROVAL_COLS " "
    "FROM (SELECT * FROM read_approval_queue "
    "      WHERE author_id <> $1 "
    "      AND required_roles && (SELECT roles FROM read_actor WHERE person_id = $1) "
    "      ORDER BY requested_at LIMIT $2) q "
    "JOIN read_item_approval a ON a.content_id = q.content_id "
    "ORDER BY q.requested_at, q.content_id, a.ord";

/* The queue entry of rows [row, row + n) when the viewer may decide it now,
   else NULL. */
static json_t *queue_entry(PGresult *r, int row, int n, const hd_actor_t *who) {
    static const char *names[] = {"id",   "department",     "author",      "channel",
                                  "text", "required_roles", "requested_at"};
    hd_approval_item_t item;
    char role[HD_ROLE_LEN], why[256];
    if (hd_approval_rows(r, row, n, 7, PQgetvalue(r, row, 0), &item, why, sizeof why) != 0 ||
        hd_approval_pick_role(&item, who, role, sizeof role) < 0 ||
        !hd_approval_may_decide(&item, who, role, why, sizeof why))
        return NULL;
    json_t *o = json_object();
    for (int c = 0; c < 7; c++)
        json_object_set_new(o, names[c], text_or_null(r, row, c));
    json_object_set_new(o, "as_role", json_string(role));
    return o;
}

json_t *ing_read_queue(hd_db_t *db, const ing_person_t *viewer, int limit, int *status) {
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    hd_actor_t who;
    if (ing_read_actor(db, viewer->id, &who) != 0) {
        *status = 503;
        return NULL;
    }
    PGresult *r = hd_db_exec(db, QUEUE_SQL, 2, (const char *[]){viewer->id, lim});
    if (!r) {
        *status = 503;
        return NULL;
    }
    json_t *items = json_array();
    for (int row = 0, rows = PQntuples(r); row < rows;) {
        int n = 1;
        while (row + n < rows && !strcmp(PQgetvalue(r, row + n, 0), PQgetvalue(r, row, 0)))
            n++;
        json_t *o = queue_entry(r, row, n, &who);
        if (o)
            json_array_append_new(items, o);
        row += n;
    }
    PQclear(r);
    *status = 200;
    return json_pack("{s:o}", "items", items);
}
