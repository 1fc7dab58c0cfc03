/*  query: read models for the API. */
#include "query.h"

#include "chain.h"
#include "hd_envelope.h"
#include "hd_pbjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *text_or_null(PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}

/* Roles that may read every department's items. */
static int sees_all(const ing_person_t *v) {
    return ing_auth_has_role(v, "orchestrator") || ing_auth_has_role(v, "legal") ||
           ing_auth_has_role(v, "crisis");
}

static json_t *history(hd_db_t *db, const char *id) {
    const char *p[1] = {id};
    PGresult *r = hd_db_execv(db,
                              "SELECT seq, payload, to_char(created_at AT TIME ZONE 'UTC', "
                              "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM event_log "
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

json_t *ing_query_item(hd_db_t *db, const ing_person_t *viewer, const char *id, int *status,
                       char *why, size_t why_len) {
    const char *p[1] = {id};
    PGresult *r = hd_db_exec(
        db,
        "SELECT c.id, c.department_id, a.email, c.channel_id, c.kind, c.text, "
        "coalesce(w.state, 'submitted'), w.required_roles::text, v.verdict, v.findings::text, "
        "v.policy_version, j.state, j.post_id, j.url, j.last_error, j.attempts, "
        "(SELECT json_agg(json_build_object('role', wa.role, 'by', pp.email, 'at', wa.decided_at)) "
        " FROM workflow_approval wa JOIN person pp ON pp.id = wa.actor_id "
        " WHERE wa.content_id = c.id)::text, c.created_at "
        "FROM content c JOIN person a ON a.id = c.author_id "
        "LEFT JOIN workflow_item w ON w.content_id = c.id "
        "LEFT JOIN policy_verdict v ON v.content_id = c.id "
        "LEFT JOIN publish_job j ON j.content_id = c.id WHERE c.id = $1",
        1, p);
    if (!r) {
        *status = 503;
        snprintf(why, why_len, "database unavailable, retry");
        return NULL;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        *status = 404;
        snprintf(why, why_len, "no content item %s", id);
        return NULL;
    }
    if (strcmp(PQgetvalue(r, 0, 1), viewer->department) != 0 &&
        strcmp(PQgetvalue(r, 0, 2), viewer->email) != 0 && !sees_all(viewer)) {
        PQclear(r);
        *status = 403;
        snprintf(why, why_len, "item %s belongs to another department", id);
        return NULL;
    }
    static const char *names[] = {"id", "department", "author", "channel", "kind", "text",
                                  "state", "required_roles", "verdict", "findings",
                                  "policy_version", "publish_state", "post_id", "url",
                                  "publish_error", "publish_attempts", "approvals", "created_at"};
    json_t *item = json_object();
    for (int c = 0; c < 18; c++) {
        json_t *v = text_or_null(r, 0, c);
        /* Columns rendered as JSON or arrays by PostgreSQL become JSON. */
        if ((c == 9 || c == 16) && !json_is_null(v)) {
            json_t *parsed = json_loads(PQgetvalue(r, 0, c), 0, NULL);
            json_decref(v);
            v = parsed ? parsed : json_null();
        }
        json_object_set_new(item, names[c], v);
    }
    PQclear(r);
    json_t *h = history(db, id);
    json_object_set_new(item, "history", h ? h : json_array());
    *status = 200;
    return item;
}

json_t *ing_query_inbox(hd_db_t *db, const ing_person_t *viewer, int limit, int *status) {
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[2] = {viewer->department, lim};
    PGresult *r = hd_db_exec(db,
                             "SELECT mention_id, rule_id, channel_id, author_handle, text, url, "
                             "routed_at, state FROM inbox_item WHERE department_id = $1 "
                             "ORDER BY routed_at DESC LIMIT $2",
                             2, p);
    if (!r) {
        *status = 503;
        return NULL;
    }
    static const char *names[] = {"mention_id", "rule", "channel", "author",
                                  "text",       "url",  "routed_at", "state"};
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *o = json_object();
        for (int c = 0; c < 8; c++)
            json_object_set_new(o, names[c], text_or_null(r, i, c));
        json_array_append_new(items, o);
    }
    PQclear(r);
    *status = 200;
    return json_pack("{s:s, s:o}", "department", viewer->department, "items", items);
}

/* Candidates are items awaiting one of the viewer's roles; the chain's own
   rule then says which of them the viewer may really decide. */
json_t *ing_query_queue(hd_db_t *db, const ing_person_t *viewer, int limit, int *status) {
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[2] = {viewer->id, lim};
    PGresult *r = hd_db_exec(
        db,
        "SELECT w.content_id, w.department_id, w.author_email, w.channel_id, w.text, "
        "w.required_roles::text, w.requested_at FROM workflow_item w "
        "WHERE w.state = 'awaiting_approval' AND w.author_id <> $1 "
        "AND w.required_roles && ARRAY(SELECT role FROM person_role WHERE person_id = $1) "
        "ORDER BY w.requested_at LIMIT $2",
        2, p);
    hd_actor_t who;
    char why[256];
    if (!r || wf_chain_load_actor(db, viewer->id, &who, why, sizeof why) != 0) {
        if (r)
            PQclear(r);
        *status = 503;
        return NULL;
    }
    static const char *names[] = {"id", "department", "author", "channel", "text",
                                  "required_roles", "requested_at"};
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        hd_approval_item_t item;
        char role[HD_ROLE_LEN];
        if (wf_chain_load(db, PQgetvalue(r, i, 0), &item, why, sizeof why) != 0 ||
            hd_approval_pick_role(&item, &who, role, sizeof role) < 0 ||
            !hd_approval_may_decide(&item, &who, role, why, sizeof why))
            continue;
        json_t *o = json_object();
        for (int c = 0; c < 7; c++)
            json_object_set_new(o, names[c], text_or_null(r, i, c));
        json_object_set_new(o, "as_role", json_string(role));
        json_array_append_new(items, o);
    }
    PQclear(r);
    *status = 200;
    return json_pack("{s:o}", "items", items);
}
