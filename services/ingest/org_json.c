/*  org_json: the administration routes' request and answer JSON (see
    org_json.h). */
#include "org_json.h"

#include "api.h"
#include "org.h"

#include <stdio.h>
#include <string.h>

json_t *ing_org_body(ing_call_t *c, const char *const *allowed, int optional) {
    size_t len = 0;
    hd_http_req_body(c->req, &len);
    json_t *b = optional && len == 0 ? json_object() : ing_api_body(c);
    if (b && ing_org_known(c, b, allowed) < 0) {
        json_decref(b);
        return NULL;
    }
    return b;
}

int ing_org_known(ing_call_t *c, json_t *body, const char *const *allowed) {
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v) {
        int known = 0;
        for (size_t i = 0; allowed[i] && !known; i++)
            known = strcmp(allowed[i], key) == 0;
        if (!known) {
            ing_api_refuse(c, 422, key, "unknown_field", "unknown field '%s'", key);
            return -1;
        }
    }
    return 0;
}

int ing_org_text(ing_call_t *c, json_t *body, const char *name, int required, size_t min,
                 size_t max, const char **out) {
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required)
            return 0;
        ing_api_refuse(c, 422, name, "required", "'%s' is required", name);
        return -1;
    }
    size_t n = json_is_string(v) ? json_string_length(v) : 0;
    if (!json_is_string(v) || n < min || n > max || strlen(json_string_value(v)) != n) {
        ing_api_refuse(c, 422, name, "invalid", "'%s' must be a string of %zu to %zu bytes", name,
                       min, max);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int ing_org_bool(ing_call_t *c, json_t *body, const char *name, const char **out) {
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

int ing_org_rows(ing_call_t *c, hd_db_t *db, const char *sql, int n, const char *const *p,
                 json_t **rows) {
    PGresult *r = hd_db_exec(db, sql, n, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    *rows = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *o = json_loads(PQgetvalue(r, i, 0), 0, NULL);
        json_array_append_new(*rows, o ? o : json_null());
    }
    int count = PQntuples(r);
    PQclear(r);
    return count;
}

int ing_org_one(ing_call_t *c, const char *sql, int n, const char *const *p, json_t **out) {
    json_t *rows;
    *out = NULL;
    int got = ing_org_rows(c, c->db, sql, n, p, &rows);
    if (got < 0)
        return -1;
    if (got > 0 && json_is_object(json_array_get(rows, 0)))
        *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return *out != NULL;
}

int ing_org_exists(ing_call_t *c, const char *sql, const char *key, int status, const char *field,
                   const char *noun) {
    if (!key)
        return 1;
    const char *p[1] = {key};
    long n = hd_db_count(c->db, sql, 1, p);
    if (n < 0)
        ing_org_unavailable(c);
    else if (n == 0)
        ing_org_refuse(c, status, field, status == 404 ? "not_found" : "invalid", "no such %s '%s'",
                       noun, key);
    return n < 0 ? -1 : n > 0;
}

void ing_org_list(ing_call_t *c, const char *sql, int n, const char *const *p) {
    json_t *rows;
    if (ing_org_rows(c, c->db, sql, n, p, &rows) >= 0)
        hd_http_respond_json(c->req, 200, json_pack("{s:o}", "items", rows));
}

void ing_org_respond(ing_call_t *c, int status, json_t *obj) {
    json_t *v = json_object_get(obj, "version");
    if (json_is_integer(v)) {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)json_integer_value(v));
        hd_http_respond_header(c->req, "ETag", etag);
    }
    hd_http_respond_json(c->req, status, obj);
}
