/*  admin: the administration routes (admin.h, docs/admin.md): the route
    table, departments, the organization's history and the keepers. */
#include "admin.h"

#include "api.h"
#include "hd_envelope.h"
#include "hd_mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEPERS_LOCK "7413013" /* pg_advisory_xact_lock key of keeper changes */

/* ---------- shared ---------- */

int ing_admin_slug(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 63 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

static const char *KEEPERS_SQL =
    "SELECT (SELECT count(*) FROM person p WHERE p.active AND EXISTS (SELECT 1 FROM person_role "
    "        pr WHERE pr.person_id = p.id AND pr.role = 'orchestrator')), "
    "       (SELECT count(*) FROM person p WHERE p.active AND EXISTS (SELECT 1 FROM person_role "
    "        pr JOIN admin_grant g ON g.role = pr.role WHERE pr.person_id = p.id "
    "        AND g.scope = 'organization' AND g.permission IN ('*', 'grants'))) "
    "  FROM pg_advisory_xact_lock(" KEEPERS_LOCK ")";

int ing_admin_keepers(ing_call_t *c, ing_admin_keepers_t *out) {
    /* The lock first, in a statement of its own: the count's snapshot is
       then taken after any concurrent keeper change has committed. */
    PGresult *r = NULL;
    if (hd_db_cmd(c->db, "SELECT pg_advisory_xact_lock(" KEEPERS_LOCK ")", 0, NULL) == 0)
        r = hd_db_exec(c->db, KEEPERS_SQL, 0, NULL);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        ing_org_unavailable(c);
        return -1;
    }
    out->orchestrators = atol(PQgetvalue(r, 0, 0));
    out->administrators = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

const char *ing_admin_keepers_lost(const ing_admin_keepers_t *before,
                                   const ing_admin_keepers_t *after) {
    if (before->orchestrators > 0 && after->orchestrators == 0)
        return "the organization would have no active orchestrator left";
    if (before->administrators > 0 && after->administrators == 0)
        return "nobody active would be left with an organization-wide grant of '*' or 'grants' "
               "(able to administer the grants)";
    return NULL;
}

int ing_admin_keepers_check(ing_call_t *c, const ing_admin_keepers_t *before, const char *what) {
    ing_admin_keepers_t after;
    if (ing_admin_keepers(c, &after) < 0)
        return -1;
    const char *lost = ing_admin_keepers_lost(before, &after);
    if (!lost)
        return 0;
    ing_org_refuse(c, 409, NULL, "conflict", "refused %s: %s", what, lost);
    return -1;
}

/* ---------- departments ---------- */

#define DEPT_JSON                                                                          \
    "json_build_object('id', d.id, 'name', d.name, 'version', d.version, 'created_at', "   \
    "d.created_at, 'people', (SELECT count(*) FROM person p WHERE p.department_id = d.id " \
    "AND p.active))::text"

static void departments_list(ing_call_t *c) {
    ing_org_list(c, "SELECT " DEPT_JSON " FROM department d ORDER BY d.id LIMIT 1000", 0, NULL);
}

/* The department `id` as JSON (locked FOR UPDATE when lock): 1 found
   (*out set, caller decrefs), 0 not (answered 404), -1 answered 503. */
static int department_load(ing_call_t *c, const char *id, int lock, json_t **out) {
    const char *p[1] = {id};
    int n = ing_org_one(c,
                        lock ? "SELECT " DEPT_JSON " FROM department d WHERE d.id = $1 FOR UPDATE"
                             : "SELECT " DEPT_JSON " FROM department d WHERE d.id = $1",
                        1, p, out);
    if (n == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such department '%s'", id);
    return n;
}

static void department_show(ing_call_t *c) {
    json_t *d;
    if (department_load(c, c->params[0], 0, &d) == 1)
        ing_org_respond(c, 200, d);
}

static void department_create(ing_call_t *c) {
    if (ing_org_authorize(c, "departments", NULL, "department") < 0)
        return;
    static const char *const fields[] = {"id", "name", NULL};
    json_t *b = ing_org_body(c, fields, 0);
    const char *id, *name;
    if (!b || ing_org_text(c, b, "id", 1, 1, 63, &id) < 0 ||
        ing_org_text(c, b, "name", 1, 1, 200, &name) < 0)
        goto out;
    if (!ing_admin_slug(id)) {
        ing_api_refuse(c, 422, "id", "invalid", "id must match ^[a-z][a-z0-9-]{0,62}$");
        goto out;
    }
    const char *p[2] = {id, name};
    json_t *after = NULL;
    if (ing_org_begin(c) < 0)
        goto out;
    int n = ing_org_one(c,
                        "WITH d AS (INSERT INTO department (id, name) VALUES ($1, $2) "
                        "ON CONFLICT DO NOTHING RETURNING *) SELECT " DEPT_JSON " FROM d",
                        2, p, &after);
    if (n == 0)
        ing_org_refuse(c, 409, "id", "conflict", "department '%s' exists already", id);
    if (n == 1) {
        ing_org_change_t ch = {"department", id, "created", id, NULL, NULL, after};
        ing_org_finish(c, &ch, 201, json_incref(after));
    }
    json_decref(after);
out:
    json_decref(b);
}

static void department_update(ing_call_t *c) {
    const char *id = c->params[0];
    if (ing_org_authorize(c, "departments", NULL, "department") < 0)
        return;
    static const char *const fields[] = {"name", "version", NULL};
    json_t *b = ing_org_body(c, fields, 0), *before = NULL, *after = NULL;
    const char *name;
    long long v;
    if (!b || ing_org_text(c, b, "name", 1, 1, 200, &name) < 0 ||
        (v = ing_org_required_version(c, b)) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    if (department_load(c, id, 1, &before) != 1 || ing_org_fresh(c, before, v, "department") < 0)
        goto out;
    const char *p[2] = {id, name};
    int n = ing_org_one(c,
                        "WITH d AS (UPDATE department SET name = $2, version = version + 1 "
                        "WHERE id = $1 RETURNING *) SELECT " DEPT_JSON " FROM d",
                        2, p, &after);
    if (n == 1) {
        ing_org_change_t ch = {"department", id, "updated", id, NULL, before, after};
        ing_org_finish(c, &ch, 200, json_incref(after));
    } else if (n == 0)
        ing_org_unavailable(c);
out:
    json_decref(after);
    json_decref(before);
    json_decref(b);
}

/* ---------- history ---------- */

/* One event of read_org_history as the API's JSON (NULL if undecodable). */
static json_t *history_entry(PGresult *r, int i) {
    const uint8_t *pay = (const uint8_t *)PQgetvalue(r, i, 1);
    hd_envelope_t *env = hd_envelope_unpack(pay, (size_t)PQgetlength(r, i, 1));
    if (!env || env->body_case != HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED) {
        hd_envelope_free(env);
        return NULL;
    }
    const Huddle__V1__OrgChanged *o = env->org_changed;
    json_t *before = o->before_json[0] ? json_loads(o->before_json, 0, NULL) : NULL;
    json_t *after = o->after_json[0] ? json_loads(o->after_json, 0, NULL) : NULL;
    json_t *e = json_pack(
        "{s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s, s:s, s:o, s:o, s:s?}", "seq",
        (json_int_t)strtoll(PQgetvalue(r, i, 0), NULL, 10), "type", env->type, "at",
        PQgetvalue(r, i, 2), "actor", env->actor, "actor_id", o->actor_id[0] ? o->actor_id : NULL,
        "token_id", env->token_id[0] ? env->token_id : NULL, "department",
        env->department[0] ? env->department : NULL, "object", o->object, "object_id", o->object_id,
        "action", o->action, "before", before ? before : json_null(), "after",
        after ? after : json_null(), "reason", o->reason[0] ? o->reason : NULL);
    hd_envelope_free(env);
    return e;
}

static void history(ing_call_t *c) {
    int limit;
    char asked[256], before[256];
    const char *dept;
    if (ing_api_limit(c, 50, 500, &limit) < 0 ||
        ing_org_scope(c, "history", hd_http_req_param(c->req, "department", asked, sizeof asked),
                      &dept) < 0)
        return;
    const char *b = hd_http_req_param(c->req, "before", before, sizeof before);
    char *end = NULL;
    if (b && (strtoll(b, &end, 10) < 1 || *end || !*b)) {
        ing_api_refuse(c, 422, "before", "invalid", "before must be a positive event seq");
        return;
    }
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[3] = {dept, b, lim};
    PGresult *r =
        hd_db_execv(c->read_db,
                    "SELECT seq::text AS seq_text, payload, to_char(created_at AT TIME ZONE 'UTC', "
                    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM read_org_history "
                    "WHERE ($1::text IS NULL OR department = $1) "
                    "AND ($2::bigint IS NULL OR seq < $2::bigint) "
                    "ORDER BY seq DESC LIMIT $3::int",
                    3, p, NULL, NULL, 1);
    if (!r) {
        ing_org_unavailable(c);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *e = history_entry(r, i);
        if (e)
            json_array_append_new(items, e);
    }
    json_t *ans = json_pack("{s:o}", "items", items);
    if (PQntuples(r) == limit)
        json_object_set_new(ans, "next", json_string(PQgetvalue(r, limit - 1, 0)));
    PQclear(r);
    hd_http_respond_json(c->req, 200, ans);
}

const ing_route_t ing_admin_routes[] = {
    {"GET", "/v1/admin/departments", ING_SCOPE_ADMIN, departments_list, "the departments"},
    {"POST", "/v1/admin/departments", ING_SCOPE_ADMIN, department_create, "create a department"},
    {"GET", "/v1/admin/departments/{id}", ING_SCOPE_ADMIN, department_show, "a department"},
    {"PATCH", "/v1/admin/departments/{id}", ING_SCOPE_ADMIN, department_update,
     "rename a department (If-Match)"},
    {"GET", "/v1/admin/people", ING_SCOPE_ADMIN, ing_admin_people_list, "people (?department=D)"},
    {"POST", "/v1/admin/people", ING_SCOPE_ADMIN, ing_admin_people_invite,
     "invite a person: an invitation token, shown once"},
    {"GET", "/v1/admin/people/{id}", ING_SCOPE_ADMIN, ing_admin_person_show,
     "a person (id or email)"},
    {"PATCH", "/v1/admin/people/{id}", ING_SCOPE_ADMIN, ing_admin_person_update,
     "change a person's name or department (If-Match)"},
    {"POST", "/v1/admin/people/{id}/deactivate", ING_SCOPE_ADMIN, ing_admin_person_deactivate,
     "deactivate a person: their tokens stop at once"},
    {"POST", "/v1/admin/people/{id}/activate", ING_SCOPE_ADMIN, ing_admin_person_activate,
     "activate a person again"},
    {"PUT", "/v1/admin/people/{id}/roles/{role}", ING_SCOPE_ADMIN, ing_admin_person_role_put,
     "give a person a role (If-Match)"},
    {"DELETE", "/v1/admin/people/{id}/roles/{role}", ING_SCOPE_ADMIN, ing_admin_person_role_delete,
     "take a role from a person (If-Match)"},
    {"GET", "/v1/admin/roles", ING_SCOPE_ADMIN, ing_admin_roles_list, "the role catalog"},
    {"POST", "/v1/admin/roles", ING_SCOPE_ADMIN, ing_admin_roles_create, "add a role"},
    {"DELETE", "/v1/admin/roles/{name}", ING_SCOPE_ADMIN, ing_admin_roles_delete,
     "delete an unused role (If-Match)"},
    {"GET", "/v1/admin/grants", ING_SCOPE_ADMIN, ing_admin_grants_list, "who may administer what"},
    {"PUT", "/v1/admin/grants/{role}/{permission}", ING_SCOPE_ADMIN, ing_admin_grants_put,
     "grant a role a permission (If-Match when it exists)"},
    {"DELETE", "/v1/admin/grants/{role}/{permission}", ING_SCOPE_ADMIN, ing_admin_grants_delete,
     "withdraw a grant (If-Match)"},
    {"GET", "/v1/admin/history", ING_SCOPE_ADMIN, history,
     "the organization's changes, newest first (?department=D&limit=N&before=SEQ)"},
    {NULL, NULL, 0, NULL, NULL}};
