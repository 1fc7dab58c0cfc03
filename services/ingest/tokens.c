/*  tokens: API tokens over the HTTP API (docs/tokens.md).
      POST   /v1/tokens              a person makes a token of their own
      GET    /v1/tokens              their tokens (never a secret)
      DELETE /v1/tokens/{id}         they revoke one of theirs
      GET    /v1/admin/tokens        anyone's (permission tokens)
      DELETE /v1/admin/tokens/{id}   revoke anyone's (permission tokens)
      POST   /v1/admin/integrations  a named system's token for mentions
      GET    /v1/admin/integrations
    A token's secret is made here (hd_token), answered once and stored only
    as its SHA-256; what a request may ask is decided by token_rule. Every
    creation and revocation is one transaction with its org.token.* event
    (org.h): the token as JSON, never the secret. */
#include "api.h"
#include "hd_id.h"
#include "hd_mem.h"
#include "hd_pgarray.h"
#include "hd_token.h"
#include "org.h"
#include "token_rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A token as JSON text: what every answer and event shows of it. t is the
   api_token row, p its person (NULL for an integration); timestamps in
   RFC 3339, UTC, to the second. */
/* clang-format off */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define TOKEN_JSON                                                                           \
    "json_build_object('id', t.id, 'name', t.name, 'prefix', t.prefix, 'scopes', t.scopes, " \
    "'person', p.email, 'department', p.department_id, 'integration', t.integration, "       \
    "'channels', t.channels, 'departments', t.departments, "                                 \
    "'created_at', " TS("t.created_at") ", 'expires_at', " TS("t.expires_at") ", "           \
    "'last_used_at', " TS("t.last_used_at") ", 'revoked_at', " TS("t.revoked_at") ", "       \
    "'state', CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' "                            \
    "WHEN t.expires_at <= now() THEN 'expired' ELSE 'active' END)::text"
/* clang-format on */

#define TOKEN_FROM " FROM api_token t LEFT JOIN person p ON p.id = t.person_id "
/* The same after a data-modifying CTE named t (RETURNING *). */
#define CHANGED_FROM " FROM t LEFT JOIN person p ON p.id = t.person_id"

/* Inserts a token ($1 id, $2 person or NULL, $3 integration or NULL, $4
   name, $5 the secret, $6 scopes, $7 channels, $8 departments, $9 expiry
   in Unix seconds or NULL, $10 the creating token) and returns it. */
static const char *INSERT_SQL =
    "WITH t AS (INSERT INTO api_token (id, person_id, integration, name, prefix, hash, scopes, "
    "channels, departments, expires_at, created_by) VALUES ($1, $2, $3, $4, substr($5, 1, 12), "
    "sha256(convert_to($5, 'UTF8')), $6::text[], $7::text[], $8::text[], "
    "to_timestamp($9::bigint), $10) RETURNING *) "
    "SELECT " TOKEN_JSON CHANGED_FROM;

/* Refuses a call made with an integration's token (such a token posts
   mentions and nothing else). 1 if refused. */
static int integration_refused(ing_call_t *c) {
    if (!c->who->integration[0])
        return 0;
    ing_api_refuse(c, 403, "Authorization", "forbidden",
                   "an integration token may only post mentions (POST /v1/inbound)");
    return 1;
}

/* The names of the scope bits as an array literal ("{read,submit}"). */
static void scopes_array(unsigned bits, hd_pgarray_t *a) {
    for (unsigned b = 1; b <= ING_SCOPE_INBOUND; b <<= 1)
        if (bits & b)
            hd_pgarray_add(a, ing_scope_name((ing_scope_t)b));
}

/* The strings of a JSON array (NULL: none) as an array literal. */
static void names_array(json_t *list, hd_pgarray_t *a) {
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s) hd_pgarray_add(a, json_string_value(s));
}

/* What issue() makes: whose token, and with what. */
typedef struct {
    const char *person_id, *integration, *name, *department;
    unsigned scopes;
    json_t *channels, *departments;
    int64_t expires_at;
} issue_t;

/* Makes the token, records org.token.created and answers 201 with the
   token and its secret, in one transaction. */
static void issue(ing_call_t *c, const issue_t *in) {
    char id[HD_ID_LEN], secret[HD_TOKEN_LEN], exp[24];
    hd_id_random(id);
    if (hd_token_new(secret) < 0) {
        ing_api_refuse(c, 503, NULL, "unavailable", "no randomness for a token, retry");
        return;
    }
    snprintf(exp, sizeof exp, "%lld", (long long)in->expires_at);
    hd_pgarray_t sc = {0}, ch = {0}, de = {0};
    scopes_array(in->scopes, &sc);
    names_array(in->channels, &ch);
    names_array(in->departments, &de);
    const char *p[10] = {id,
                         in->person_id,
                         in->integration,
                         in->name,
                         secret,
                         hd_pgarray_str(&sc),
                         hd_pgarray_str(&ch),
                         hd_pgarray_str(&de),
                         in->expires_at ? exp : NULL,
                         c->who->token_id[0] ? c->who->token_id : NULL};
    PGresult *r = hd_db_begin(c->db) < 0 ? NULL : hd_db_exec(c->db, INSERT_SQL, 10, p);
    hd_pgarray_free(&sc);
    hd_pgarray_free(&ch);
    hd_pgarray_free(&de);
    if (!r || PQntuples(r) != 1) {
        int taken = !r && hd_db_unique_violation(c->db);
        PQclear(r);
        hd_db_rollback(c->db);
        if (taken)
            ing_api_refuse(c, 409, "name", "conflict",
                           "integration '%s' already has a live token: revoke it first",
                           in->integration);
        else
            ing_org_unavailable(c);
        return;
    }
    json_t *tok = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    if (!tok) {
        ing_org_unavailable(c);
        return;
    }
    json_t *shown = json_copy(tok); /* the answer alone shows the secret */
    json_object_set_new(shown, "token", json_string(secret));
    ing_org_change_t change = {"token", id, "created", in->department, NULL, NULL, tok};
    ing_org_finish(c, &change, 201, shown);
    json_decref(tok);
}

/* POST /v1/tokens */
static void create_own(ing_call_t *c) {
    if (integration_refused(c))
        return;
    json_t *body = ing_api_body(c);
    if (!body)
        return;
    ing_token_req_t rq;
    ing_token_err_t err;
    if (ing_token_request(body, c->who->scopes, hd_now_ms() / 1000, &rq, &err) < 0)
        ing_api_refuse(c, err.status, err.field, err.status == 403 ? "forbidden" : "invalid", "%s",
                       err.message);
    else {
        issue_t in = {.person_id = c->who->id,
                      .name = rq.name,
                      .department = c->who->department,
                      .scopes = rq.scopes,
                      .expires_at = rq.expires_at};
        issue(c, &in);
    }
    json_decref(body);
}

/* GET /v1/tokens */
static void list_own(ing_call_t *c) {
    int limit;
    if (integration_refused(c) || ing_api_limit(c, 100, 1000, &limit) < 0)
        return;
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[2] = {c->who->id, lim};
    ing_org_list(c,
                 "SELECT " TOKEN_JSON TOKEN_FROM "WHERE t.person_id = $1 "
                 "ORDER BY t.created_at DESC, t.id LIMIT $2::int",
                 2, p);
}

/* A token looked up for revocation. */
typedef struct {
    json_t *json; /* as it is now (caller decrefs) */
    char person_id[HD_ID_LEN];
    char department[128]; /* its person's; "" for an integration */
} found_t;

/* Looks up token `id`. 1 found, 0 not (or not a token id), -1 error. */
static int find(ing_call_t *c, const char *id, found_t *f) {
    memset(f, 0, sizeof *f);
    if (!hd_id_valid(id))
        return 0;
    const char *p[1] = {id};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT " TOKEN_JSON ", coalesce(t.person_id::text, ''), "
                             "coalesce(p.department_id, '')" TOKEN_FROM "WHERE t.id = $1",
                             1, p);
    if (!r)
        return -1;
    int n = PQntuples(r);
    if (n == 1) {
        f->json = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        hd_db_value_copy(r, 0, 1, f->person_id, sizeof f->person_id);
        hd_db_value_copy(r, 0, 2, f->department, sizeof f->department);
    }
    PQclear(r);
    return n == 1 && f->json ? 1 : 0;
}

/* Revokes the token found (f), records org.token.revoked and answers 200
   with the token as revoked; 409 if it was revoked already. */
static void revoke(ing_call_t *c, const char *id, found_t *f) {
    const char *p[2] = {id, c->who->token_id[0] ? c->who->token_id : NULL};
    PGresult *r = hd_db_begin(c->db) < 0
                      ? NULL
                      : hd_db_exec(c->db,
                                   "WITH t AS (UPDATE api_token SET revoked_at = now(), "
                                   "revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL "
                                   "RETURNING *) SELECT " TOKEN_JSON CHANGED_FROM,
                                   2, p);
    if (!r) {
        ing_org_unavailable(c);
        return;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        ing_org_refuse(c, 409, "id", "conflict", "token %s is revoked already", id);
        return;
    }
    json_t *after = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    ing_org_change_t ch = {"token", id, "revoked", f->department, NULL, f->json, after};
    if (!after)
        ing_org_unavailable(c);
    else
        ing_org_finish(c, &ch, 200, json_incref(after));
    json_decref(after);
}

/* DELETE /v1/tokens/{id}: one of the caller's own (404 for another's). */
static void revoke_own(ing_call_t *c) {
    if (integration_refused(c))
        return;
    const char *id = c->params[0];
    found_t f;
    int rc = find(c, id, &f);
    if (rc < 0)
        ing_org_unavailable(c);
    else if (rc == 0 || strcmp(f.person_id, c->who->id) != 0)
        ing_api_refuse(c, 404, "id", "not_found", "you have no token %s", id);
    else
        revoke(c, id, &f);
    json_decref(f.json);
}

/* DELETE /v1/admin/tokens/{id}: anyone's, with permission tokens over the
   token's person's department (an integration's: organization-wide). */
static void revoke_any(ing_call_t *c) {
    if (integration_refused(c))
        return;
    const char *id = c->params[0];
    found_t f;
    char what[80];
    snprintf(what, sizeof what, "token %.40s", id);
    int rc = find(c, id, &f);
    if (rc < 0)
        ing_org_unavailable(c);
    else if (rc == 0)
        ing_api_refuse(c, 404, "id", "not_found", "no such token %s", id);
    else if (ing_org_authorize(c, "tokens", f.department[0] ? f.department : NULL, what) == 0)
        revoke(c, id, &f);
    json_decref(f.json);
}

/* The person named by ?person=EMAIL: 1 found (id and department filled),
   0 not (answered 404), -1 error (answered). */
static int person_of(ing_call_t *c, const char *email, char id[HD_ID_LEN], char *dept, size_t n) {
    const char *p[1] = {email};
    PGresult *r = hd_db_exec(
        c->db, "SELECT id, department_id FROM person WHERE lower(email) = lower($1)", 1, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int found = PQntuples(r) == 1 && hd_db_value_copy(r, 0, 0, id, HD_ID_LEN) == 0 &&
                hd_db_value_copy(r, 0, 1, dept, n) == 0;
    PQclear(r);
    if (!found)
        ing_api_refuse(c, 404, "person", "not_found", "no such person '%.200s'", email);
    return found ? 1 : 0;
}

/* Authorizes GET /v1/admin/tokens for its filter; fills the person's id
   (or "") and the department filter (or ""). 0, or -1 when answered. */
static int list_filter(ing_call_t *c, char pid[HD_ID_LEN], char *dept, size_t n) {
    char email[256], what[300];
    const char *person = hd_http_req_param(c->req, "person", email, sizeof email);
    const char *d = hd_http_req_param(c->req, "department", dept, n);
    pid[0] = 0;
    if (person && d) {
        ing_api_refuse(c, 422, "department", "invalid", "give person or department, not both");
        return -1;
    }
    if (person) {
        char pdept[128];
        if (person_of(c, person, pid, pdept, sizeof pdept) <= 0)
            return -1;
        snprintf(what, sizeof what, "person '%s'", person);
        dept[0] = 0;
        return ing_org_authorize(c, "tokens", pdept, what);
    }
    if (!d) {
        dept[0] = 0;
        return ing_org_authorize(c, "tokens", NULL, "tokens");
    }
    snprintf(what, sizeof what, "department '%s'", d);
    if (ing_org_authorize(c, "tokens", d, what) < 0)
        return -1;
    return ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", d, 404, "department",
                          "department") > 0
               ? 0
               : -1;
}

/* GET /v1/admin/tokens?person=EMAIL|department=D: people's tokens. */
static void list_any(ing_call_t *c) {
    char pid[HD_ID_LEN], dept[256], lim[16];
    int limit;
    if (integration_refused(c) || ing_api_limit(c, 100, 1000, &limit) < 0 ||
        list_filter(c, pid, dept, sizeof dept) < 0)
        return;
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[3] = {pid[0] ? pid : NULL, dept[0] ? dept : NULL, lim};
    ing_org_list(c,
                 "SELECT " TOKEN_JSON TOKEN_FROM
                 "WHERE t.person_id IS NOT NULL AND ($1::uuid IS NULL OR "
                 "t.person_id = $1) AND ($2::text IS NULL OR p.department_id = $2) "
                 "ORDER BY t.created_at DESC, t.id LIMIT $3::int",
                 3, p);
}

/* The first name of list (a JSON array) that `sql` ($1: the names) returns
   as unknown: 1 and answered 422, 0 all known, -1 error (answered). */
static int unknown_name(ing_call_t *c, json_t *list, const char *field, const char *sql) {
    if (!json_array_size(list))
        return 0;
    hd_pgarray_t a = {0};
    names_array(list, &a);
    PGresult *r = hd_db_exec_arrays(c->db, sql, &a, 1);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int n = PQntuples(r);
    if (n)
        ing_api_refuse(c, 422, field, "invalid", "no such %s '%s'",
                       strcmp(field, "channels") ? "department" : "channel", PQgetvalue(r, 0, 0));
    PQclear(r);
    return n ? 1 : 0;
}

/* POST /v1/admin/integrations */
static void create_integration(ing_call_t *c) {
    if (integration_refused(c) || ing_org_authorize(c, "tokens", NULL, "integrations") < 0)
        return;
    json_t *body = ing_api_body(c);
    if (!body)
        return;
    ing_integration_req_t rq;
    ing_token_err_t err;
    const char *p[1] = {rq.name};
    long live;
    if (ing_integration_request(body, hd_now_ms() / 1000, &rq, &err) < 0)
        ing_api_refuse(c, err.status, err.field, "invalid", "%s", err.message);
    else if (unknown_name(c, rq.channels, "channels",
                          "SELECT x FROM unnest($1::text[]) x WHERE NOT EXISTS "
                          "(SELECT 1 FROM channel WHERE id = x) LIMIT 1") != 0 ||
             unknown_name(c, rq.departments, "departments",
                          "SELECT x FROM unnest($1::text[]) x WHERE NOT EXISTS "
                          "(SELECT 1 FROM department WHERE id = x) LIMIT 1") != 0)
        ; /* answered */
    else if ((live = hd_db_count(c->db,
                                 "SELECT 1 FROM api_token WHERE integration = $1 "
                                 "AND revoked_at IS NULL",
                                 1, p)) != 0) {
        if (live < 0)
            ing_org_unavailable(c);
        else
            ing_api_refuse(c, 409, "name", "conflict",
                           "integration '%s' already has a live token: revoke it first", rq.name);
    } else {
        issue_t in = {.integration = rq.name,
                      .name = rq.name,
                      .scopes = ING_SCOPE_INBOUND,
                      .channels = rq.channels,
                      .departments = rq.departments,
                      .expires_at = rq.expires_at};
        issue(c, &in);
    }
    json_decref(body);
}

/* GET /v1/admin/integrations */
static void list_integrations(ing_call_t *c) {
    if (integration_refused(c) || ing_org_authorize(c, "tokens", NULL, "integrations") < 0)
        return;
    ing_org_list(c,
                 "SELECT " TOKEN_JSON TOKEN_FROM "WHERE t.integration IS NOT NULL "
                 "ORDER BY t.integration, t.created_at DESC",
                 0, NULL);
}

const ing_route_t ing_token_routes[] = {
    {"POST", "/v1/tokens", ING_SCOPE_NONE, create_own,
     "make a token of your own (shown once; scopes at most the caller's)"},
    {"GET", "/v1/tokens", ING_SCOPE_NONE, list_own, "your tokens (never a secret)"},
    {"DELETE", "/v1/tokens/{id}", ING_SCOPE_NONE, revoke_own, "revoke one of your tokens"},
    {"GET", "/v1/admin/tokens", ING_SCOPE_ADMIN, list_any,
     "people's tokens (?person=EMAIL or ?department=D; permission tokens)"},
    {"DELETE", "/v1/admin/tokens/{id}", ING_SCOPE_ADMIN, revoke_any,
     "revoke anyone's token (permission tokens)"},
    {"POST", "/v1/admin/integrations", ING_SCOPE_ADMIN, create_integration,
     "an integration's token for posting mentions (shown once)"},
    {"GET", "/v1/admin/integrations", ING_SCOPE_ADMIN, list_integrations, "integrations' tokens"},
    {NULL, NULL, 0, NULL, NULL}};
