/*  admin_config: the routes of the configuration's administration and the
    helpers their handlers share (see admin_config.h). */
#include "admin_config.h"

#include "api.h"
#include "hd_id.h"
#include "hd_mem.h"
#include "hd_pgarray.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const ing_route_t ing_config_routes[] = {
    {"GET", "/v1/admin/channels", ING_SCOPE_ADMIN, ing_cfg_channels_list, "channels"},
    {"POST", "/v1/admin/channels", ING_SCOPE_ADMIN, ing_cfg_channel_create, "add a channel"},
    {"GET", "/v1/admin/channels/{id}", ING_SCOPE_ADMIN, ing_cfg_channel_get, "a channel"},
    {"PATCH", "/v1/admin/channels/{id}", ING_SCOPE_ADMIN, ing_cfg_channel_update,
     "change a channel"},
    {"GET", "/v1/admin/channels/{id}/accounts", ING_SCOPE_ADMIN, ing_cfg_accounts_list,
     "the departments' accounts on a channel (never their credentials)"},
    {"PUT", "/v1/admin/channels/{id}/accounts/{department}", ING_SCOPE_ADMIN, ing_cfg_account_put,
     "set a department's account and credential (write-only)"},
    {"DELETE", "/v1/admin/channels/{id}/accounts/{department}", ING_SCOPE_ADMIN,
     ing_cfg_account_delete, "remove a department's account"},
    {"GET", "/v1/admin/routing-rules", ING_SCOPE_ADMIN, ing_cfg_rules_list, "routing rules"},
    {"POST", "/v1/admin/routing-rules", ING_SCOPE_ADMIN, ing_cfg_rule_create, "add a routing rule"},
    {"GET", "/v1/admin/routing-rules/{id}", ING_SCOPE_ADMIN, ing_cfg_rule_get, "a routing rule"},
    {"PATCH", "/v1/admin/routing-rules/{id}", ING_SCOPE_ADMIN, ing_cfg_rule_update,
     "change a routing rule"},
    {"DELETE", "/v1/admin/routing-rules/{id}", ING_SCOPE_ADMIN, ing_cfg_rule_delete,
     "remove a routing rule"},
    {"GET", "/v1/admin/approval-steps", ING_SCOPE_ADMIN, ing_cfg_steps_list,
     "approval chains' steps"},
    {"POST", "/v1/admin/approval-steps", ING_SCOPE_ADMIN, ing_cfg_step_create,
     "add an approval step"},
    {"DELETE", "/v1/admin/approval-steps/{id}", ING_SCOPE_ADMIN, ing_cfg_step_delete,
     "remove an approval step"},
    {"GET", "/v1/admin/review-roles", ING_SCOPE_ADMIN, ing_cfg_review_roles_list,
     "roles findings may pull into a review"},
    {"PUT", "/v1/admin/review-roles/{role}", ING_SCOPE_ADMIN, ing_cfg_review_role_put,
     "set a review role"},
    {"DELETE", "/v1/admin/review-roles/{role}", ING_SCOPE_ADMIN, ing_cfg_review_role_delete,
     "remove a review role"},
    {"GET", "/v1/admin/policy-reviewers", ING_SCOPE_ADMIN, ing_cfg_reviewers_list,
     "roles that must approve a policy proposal"},
    {"PUT", "/v1/admin/policy-reviewers/{role}", ING_SCOPE_ADMIN, ing_cfg_reviewer_put,
     "set a policy reviewer role"},
    {"DELETE", "/v1/admin/policy-reviewers/{role}", ING_SCOPE_ADMIN, ing_cfg_reviewer_delete,
     "remove a policy reviewer role"},
    {"GET", "/v1/admin/certifications", ING_SCOPE_ADMIN, ing_cfg_certs_list, "certifications"},
    {"POST", "/v1/admin/certifications", ING_SCOPE_ADMIN, ing_cfg_cert_create,
     "grant a certification"},
    {"PATCH", "/v1/admin/certifications/{id}", ING_SCOPE_ADMIN, ing_cfg_cert_update,
     "change a certification"},
    {"DELETE", "/v1/admin/certifications/{id}", ING_SCOPE_ADMIN, ing_cfg_cert_delete,
     "revoke a certification"},
    {"GET", "/v1/admin/delegations", ING_SCOPE_ADMIN, ing_cfg_delegations_list, "delegations"},
    {"POST", "/v1/admin/delegations", ING_SCOPE_ADMIN, ing_cfg_delegation_create,
     "create a delegation"},
    {"DELETE", "/v1/admin/delegations/{id}", ING_SCOPE_ADMIN, ing_cfg_delegation_delete,
     "remove a delegation"},
    {NULL, NULL, 0, NULL, NULL}};

int ing_cfg_reach(ing_call_t *c, const char *permission) {
    hd_pgarray_t roles = {0};
    for (int i = 0; i < c->who->nroles; i++)
        hd_pgarray_add(&roles, c->who->roles[i]);
    const char *p[2] = {hd_pgarray_str(&roles), permission};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT coalesce(max(CASE scope WHEN 'organization' THEN 2 ELSE 1 "
                             "END), 0) FROM admin_grant WHERE role = ANY ($1::text[]) "
                             "AND permission IN ($2, '*')",
                             2, p);
    hd_pgarray_free(&roles);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int reach = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return reach;
}

int ing_cfg_list_scope(ing_call_t *c, const char *permission, const char **dept) {
    int reach = ing_cfg_reach(c, permission);
    if (reach < 0)
        return -1;
    if (reach == 0) {
        ing_org_authorize(c, permission, NULL, "object"); /* answers the 403 */
        return -1;
    }
    *dept = reach == 2 ? NULL : c->who->department;
    return 0;
}

json_t *ing_cfg_one(hd_db_t *db, const char *sql, int n, const char *const *p, int *err) {
    PGresult *r = hd_db_exec(db, sql, n, p);
    *err = r == NULL;
    json_t *o = NULL;
    if (r && PQntuples(r) > 0)
        o = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    return o;
}

void ing_cfg_list(ing_call_t *c, const char *sql, int n, const char *const *p) {
    PGresult *r = hd_db_exec(c->db, sql, n, p);
    if (!r) {
        ing_org_unavailable(c);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(items, json_loads(PQgetvalue(r, i, 0), 0, NULL));
    PQclear(r);
    hd_http_respond_json(c->req, 200, json_pack("{s:o}", "items", items));
}

void ing_cfg_answer(ing_call_t *c, int status, json_t *obj) {
    json_t *v = json_object_get(obj, "version");
    if (json_is_integer(v)) {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(v));
        hd_http_respond_header(c->req, "ETag", etag);
    }
    hd_http_respond_json(c->req, status, obj);
}

void ing_cfg_refuse(ing_call_t *c, int status, const char *field, const char *code, const char *fmt,
                    ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hd_db_rollback(c->db);
    ing_api_refuse(c, status, field, code, "%s", msg);
}

int ing_cfg_authorize(ing_call_t *c, const char *permission, const char *dept, const char *what) {
    if (ing_org_authorize(c, permission, dept, what) == 0)
        return 0;
    hd_db_rollback(c->db);
    return -1;
}

int ing_cfg_known(ing_call_t *c, json_t *body, const char *const *allowed) {
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        int ok = 0;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (!ok) {
            ing_api_refuse(c, 422, key, "unknown_field", "unknown field '%s'", key);
            return -1;
        }
    }
    return 0;
}

int ing_cfg_text(ing_call_t *c, json_t *body, const char *name, int required, size_t max,
                 const char **out) {
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required)
            return 0;
        ing_api_refuse(c, 422, name, "required", "'%s' is required", name);
        return -1;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        ing_api_refuse(c, 422, name, "invalid", "'%s' must be a string of 1 to %zu bytes", name,
                       max);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int ing_cfg_bool(ing_call_t *c, json_t *body, const char *name, const char **out) {
    json_t *v = json_object_get(body, name);
    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        ing_api_refuse(c, 422, name, "invalid", "'%s' must be true or false", name);
        return -1;
    }
    *out = json_is_true(v) ? "t" : "f";
    return 0;
}

long long ing_cfg_want(ing_call_t *c, json_t *body) {
    size_t len = 0;
    hd_http_req_body(c->req, &len);
    if (!body && len > 0) { /* a DELETE may say its version in a body */
        json_t *b = ing_api_body(c);
        static const char *const known[] = {"version", NULL};
        long long want = !b ? -1 : ing_cfg_known(c, b, known) ? -1 : ing_cfg_want(c, b);
        json_decref(b);
        return want;
    }
    long long want = ing_org_expected_version(c, body);
    if (want == 0) {
        ing_api_refuse(c, 428, "If-Match", "precondition_required",
                       "send the version you read: an If-Match header or \"version\"");
        return -1;
    }
    return want;
}

int ing_cfg_fresh(ing_call_t *c, json_t *before, long long want, const char *what) {
    long long have = json_integer_value(json_object_get(before, "version"));
    if (have == want)
        return 0;
    hd_db_rollback(c->db);
    ing_org_conflict(c, what, have, want);
    return -1;
}

int ing_cfg_finish(ing_call_t *c, const char *object, const char *id, const char *action,
                   const char *dept, json_t *before, json_t *after) {
    if (ing_org_event(c, object, id, action, dept, before, after, NULL) < 0 ||
        hd_db_commit(c->db) < 0) {
        ing_org_unavailable(c);
        return -1;
    }
    return 0;
}

int ing_cfg_person(ing_call_t *c, const char *who, char *id, char *dept, size_t dept_len) {
    const char *p[1] = {who};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT id, department_id FROM person "
                             "WHERE id::text = lower($1) OR email = $1 LIMIT 1",
                             1, p);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    if (found) {
        hd_db_value_copy(r, 0, 0, id, HD_ID_LEN);
        hd_db_value_copy(r, 0, 1, dept, dept_len);
    }
    PQclear(r);
    return found;
}

int ing_cfg_exists(ing_call_t *c, const char *sql, const char *param) {
    const char *p[1] = {param};
    PGresult *r = hd_db_exec(c->db, sql, 1, p);
    if (!r)
        return -1;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}
