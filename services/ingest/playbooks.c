/*  playbooks: the playbook routes (see playbooks.h). The YAML is checked
    by hd_playbook on the HTTP worker; an apply holds a lock on the
    playbook's name for its transaction, so that two applies of one
    playbook make versions one after the other, never the same number. */
#include "playbooks.h"

#include "api.h"
#include "decode.h"
#include "hd_log.h"
#include "hd_pgarray.h"
#include "hd_playbook.h"
#include "org.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* A version's row as the answers show it (read_playbook and
   playbook_version have these columns). */
#define ROW_JSON(extra)                                                                    \
    "json_build_object('name', name, 'version', version, 'active', active, 'created_by', " \
    "created_by, 'created_at', " TS("created_at") ", 'spec', spec" extra ")::text"

/* ---------- the body ---------- */

ing_playbook_body_t ing_playbook_body_type(const char *ct) {
    static const char *const yaml[] = {"application/yaml", "application/x-yaml", "text/yaml",
                                       "text/plain", NULL};
    if (ing_content_type_json(ct))
        return ING_PLAYBOOK_BODY_JSON;
    while (ct && (*ct == ' ' || *ct == '\t'))
        ct++;
    for (size_t i = 0; ct && yaml[i]; i++) {
        size_t n = strlen(yaml[i]);
        if (strncasecmp(ct, yaml[i], n) || (ct[n] && !strchr("; \t", ct[n])))
            continue;
        /* the parameters are those of any media type: checked as JSON's are */
        char as_json[512];
        if (strlen(ct + n) >= sizeof as_json - 20)
            return ING_PLAYBOOK_BODY_OTHER;
        snprintf(as_json, sizeof as_json, "application/json%s", ct + n);
        return ing_content_type_json(as_json) ? ING_PLAYBOOK_BODY_YAML : ING_PLAYBOOK_BODY_OTHER;
    }
    return ING_PLAYBOOK_BODY_OTHER;
}

/* The playbook's YAML from the request into *src / *len: the body itself
   under a YAML Content-Type, or the "source" member of a JSON body (kept
   in *json, which the caller decrefs). 0, or -1 answered (400, 415, 422). */
static int read_source(ing_call_t *c, json_t **json, const char **src, size_t *len) {
    static const char *const fields[] = {"source", NULL};
    const char *body = hd_http_req_body(c->req, len);
    *json = NULL;
    if (*len == 0) {
        ing_api_refuse(c, 422, "body", "required",
                       "the body must be the playbook: its YAML (Content-Type: application/yaml) "
                       "or {\"source\": \"...\"} (application/json)");
        return -1;
    }
    switch (ing_playbook_body_type(hd_http_req_header(c->req, "Content-Type"))) {
    case ING_PLAYBOOK_BODY_YAML:
        *src = body;
        return 0;
    case ING_PLAYBOOK_BODY_JSON:
        if (!(*json = ing_api_body(c)) || ing_org_known(c, *json, fields) < 0 ||
            ing_org_text(c, *json, "source", 1, 1, HD_PLAYBOOK_MAX_SOURCE, src) < 0)
            return -1;
        *len = strlen(*src);
        return 0;
    default:
        ing_api_refuse(c, 415, "Content-Type", "unsupported_media_type",
                       "a playbook is sent as its YAML (Content-Type application/yaml, "
                       "application/x-yaml, text/yaml or text/plain; charset utf-8 if any) or as "
                       "{\"source\": \"...\"} (application/json)");
        return -1;
    }
}

/* ---------- POST /v1/playbooks/validate ---------- */

/* A verdict, not a refusal: 422 {"valid": false, ...} keeps no dead letter. */
static void post_validate(ing_call_t *c) {
    json_t *json;
    const char *src;
    size_t len;
    if (read_source(c, &json, &src, &len) < 0)
        return;
    hd_playbook_t pb;
    if (hd_playbook_load(src, len, &pb) == 0)
        hd_http_respond_json(c->req, 200, json_pack("{s:b, s:O}", "valid", 1, "spec", pb.spec));
    else
        hd_http_respond_json(c->req, 422, json_pack("{s:b, s:O}", "valid", 0, "errors", pb.errors));
    hd_playbook_clear(&pb);
    json_decref(json);
}

/* ---------- PUT /v1/playbooks/{name} ---------- */

/* Refuses 422 with `errors` ([{line, column, message}], borrowed) in the
   error object, after rolling back; the message says how many and the
   first. */
static void refuse_errors(ing_call_t *c, json_t *errors, const char *what) {
    json_t *first = json_array_get(errors, 0);
    hd_db_rollback(c->db);
    ing_api_refuse_with(c, 422, "source", "invalid", json_pack("{s:O}", "errors", errors),
                        "%s: %zu problem%s, the first at line %lld, column %lld: %s", what,
                        json_array_size(errors), json_array_size(errors) == 1 ? "" : "s",
                        json_integer_value(json_object_get(first, "line")),
                        json_integer_value(json_object_get(first, "column")),
                        json_string_value(json_object_get(first, "message")));
}

/* The references (kind, name) of a playbook that name nothing: a
   department, a channel, a role of the catalog, an active webhook
   endpoint. */
static const char *MISSING_SQL =
    "SELECT k, x FROM unnest($1::text[], $2::text[]) AS r(k, x) WHERE NOT CASE k "
    " WHEN 'department' THEN EXISTS (SELECT 1 FROM department WHERE id = x) "
    " WHEN 'channel' THEN EXISTS (SELECT 1 FROM channel WHERE id = x) "
    " WHEN 'role' THEN EXISTS (SELECT 1 FROM role WHERE name = x) "
    " ELSE EXISTS (SELECT 1 FROM webhook_endpoint WHERE name = x AND active) END";

static const char *hint(const char *kind) {
    return !strcmp(kind, "department") ? "huddle admin department list"
           : !strcmp(kind, "channel")  ? "huddle admin channel list"
           : !strcmp(kind, "role")     ? "the role catalog: huddle admin role list"
                                       : "an active webhook endpoint: docs/webhooks.md";
}

/* The errors of refs whose (kind, name) is a row of missing. */
static json_t *missing_errors(json_t *refs, PGresult *missing) {
    json_t *errors = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r) {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *name = json_string_value(json_object_get(r, "name"));
        for (int m = 0; m < PQntuples(missing); m++) {
            if (strcmp(PQgetvalue(missing, m, 0), kind) || strcmp(PQgetvalue(missing, m, 1), name))
                continue;
            char msg[300];
            snprintf(msg, sizeof msg, "%s: there is no %s '%s' (%s)",
                     json_string_value(json_object_get(r, "key")), kind, name, hint(kind));
            json_array_append_new(errors, json_pack("{s:O, s:O, s:s}", "line",
                                                    json_object_get(r, "line"), "column",
                                                    json_object_get(r, "column"), "message", msg));
        }
    }
    return errors;
}

/* In c->db's open transaction: every reference of pb names something. 0,
   or -1 answered (422 naming each, or 503; rolled back). */
static int check_refs(ing_call_t *c, const hd_playbook_t *pb) {
    hd_pgarray_t cols[2] = {{0}, {0}};
    size_t i;
    json_t *r;
    json_array_foreach(pb->refs, i, r) {
        hd_pgarray_add(&cols[0], json_string_value(json_object_get(r, "kind")));
        hd_pgarray_add(&cols[1], json_string_value(json_object_get(r, "name")));
    }
    PGresult *missing = hd_db_exec_arrays(c->db, MISSING_SQL, cols, 2);
    if (!missing) {
        ing_org_unavailable(c);
        return -1;
    }
    json_t *errors = PQntuples(missing) ? missing_errors(pb->refs, missing) : NULL;
    PQclear(missing);
    if (errors)
        refuse_errors(c, errors, "the playbook names what the organization does not have");
    json_decref(errors);
    return errors ? -1 : 0;
}

/* The active version's row of `name` in ingest's table: version, source,
   spec, and the answer's JSON. */
static const char *ACTIVE_SQL = "SELECT version, source, spec::text, " ROW_JSON(
    "") " "
        "FROM playbook_version WHERE name = $1 AND active";

/* The new version (the next number), active; its answer's JSON. The one
   before was made inactive first: one active version per name. */
static const char *INSERT_SQL =
    "INSERT INTO playbook_version (name, version, source, spec, created_by, active) "
    "SELECT $1, coalesce(max(version), 0) + 1, $2, $3::jsonb, $4, true "
    "FROM playbook_version WHERE name = $1 RETURNING " ROW_JSON("");

/* The answer: the version's JSON with "status" added (taken). */
static void answer(ing_call_t *c, int status, const char *row, const char *what) {
    json_t *o = json_loads(row, 0, NULL);
    json_object_set_new(o, "status", json_string(what));
    ing_org_respond(c, status, o);
}

/* Records the new version (its source changed) with its event; answers. */
static void record(ing_call_t *c, const hd_playbook_t *pb, const char *src, PGresult *active) {
    const char *name = json_string_value(json_object_get(pb->spec, "name"));
    char *spec = json_dumps(pb->spec, JSON_COMPACT);
    const char *p[4] = {name, src, spec, c->who->email};
    PGresult *r =
        hd_db_cmd(c->db, "UPDATE playbook_version SET active = false WHERE name = $1 AND active", 1,
                  p) == 0
            ? hd_db_exec(c->db, INSERT_SQL, 4, p)
            : NULL;
    free(spec);
    if (!r || PQntuples(r) != 1) {
        if (r)
            PQclear(r);
        ing_org_unavailable(c);
        return;
    }
    json_t *row = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    PQclear(r);
    json_t *before = PQntuples(active) ? json_loads(PQgetvalue(active, 0, 2), 0, NULL) : NULL;
    long long v = json_integer_value(json_object_get(row, "version"));
    char reason[64];
    snprintf(reason, sizeof reason, "version %lld", v);
    int created = before == NULL;
    ing_org_change_t ch = {.object = "playbook",
                           .object_id = name,
                           .action = created ? "created" : "updated",
                           .reason = reason,
                           .before = before,
                           .after = pb->spec};
    json_object_set_new(row, "status", json_string(created ? "created" : "updated"));
    if (ing_org_finish(c, &ch, 201, row) == 0)
        hd_log(HD_LOG_INFO, "playbook_applied", NULL, NULL, "%s version %lld by %s", name, v,
               c->who->email);
    json_decref(before);
}

/* In c->db's open transaction, pb valid: the version `want` (0: any) is
   the active one, the references exist, then a new version unless the
   source is the active one's. */
static void apply(ing_call_t *c, const hd_playbook_t *pb, const char *src, long long want) {
    const char *name = json_string_value(json_object_get(pb->spec, "name"));
    if (hd_db_cmd(c->db, "SELECT pg_advisory_xact_lock(hashtextextended('playbook:' || $1, 0))", 1,
                  &name) < 0) {
        ing_org_unavailable(c);
        return;
    }
    if (check_refs(c, pb) < 0)
        return;
    PGresult *active = hd_db_exec(c->db, ACTIVE_SQL, 1, &name);
    if (!active) {
        ing_org_unavailable(c);
        return;
    }
    long long have = PQntuples(active) ? atoll(PQgetvalue(active, 0, 0)) : 0;
    char what[100];
    snprintf(what, sizeof what, "playbook '%s'", name);
    if (want && want != have) {
        hd_db_rollback(c->db);
        ing_org_conflict(c, what, have, want);
    } else if (have && !strcmp(PQgetvalue(active, 0, 1), src)) {
        hd_db_rollback(c->db);
        answer(c, 200, PQgetvalue(active, 0, 3), "unchanged");
    } else
        record(c, pb, src, active);
    PQclear(active);
}

static void put_playbook(ing_call_t *c) {
    json_t *json = NULL;
    const char *src;
    size_t len;
    hd_playbook_t pb = {0};
    long long want;
    if (ing_org_authorize(c, "playbooks", NULL, "playbook") < 0 ||
        (want = ing_org_expected_version(c, NULL)) < 0 || read_source(c, &json, &src, &len) < 0)
        goto done;
    if (hd_playbook_load(src, len, &pb) < 0) {
        refuse_errors(c, pb.errors, "the playbook does not validate");
        goto done;
    }
    const char *name = json_string_value(json_object_get(pb.spec, "name"));
    if (strcmp(name, c->params[0])) {
        ing_api_refuse(c, 422, "playbook", "invalid",
                       "the playbook is named '%s' but was sent to /v1/playbooks/%s: the names "
                       "must agree",
                       name, c->params[0]);
        goto done;
    }
    if (ing_org_begin(c) == 0)
        apply(c, &pb, src, want); /* valid: text without NUL, stored as sent */
done:
    hd_playbook_clear(&pb);
    json_decref(json);
}

/* ---------- reads (the read side) ---------- */

static void get_playbooks(ing_call_t *c) {
    json_t *rows;
    if (ing_org_rows(
            c, c->read_db,
            "SELECT json_build_object('name', name, 'version', version, 'severity', "
            "spec->>'severity', 'description', spec->>'description', 'triggers', "
            "json_build_object('manual', spec->'triggers'->'manual', 'spike', "
            "spec->'triggers'->'spike'->'then'), 'created_by', created_by, "
            "'created_at', " TS("created_at") ")::text "
                                              "FROM read_playbook WHERE active ORDER BY name",
            0, NULL, &rows) >= 0)
        hd_http_respond_json(c->req, 200, json_pack("{s:o}", "items", rows));
}

/* ?version=N into *v (0: absent); -1 after answering 422. */
static int version_param(ing_call_t *c, long long *v) {
    char buf[256], *end = NULL;
    const char *s = hd_http_req_param(c->req, "version", buf, sizeof buf);
    *v = s ? strtoll(s, &end, 10) : 0;
    if (!s || (*s && !*end && *v > 0 && *v < 1000000000))
        return 0;
    ing_api_refuse(c, 422, "version", "invalid", "version must be a version number (?version=N)");
    return -1;
}

static void get_playbook(ing_call_t *c) {
    long long v;
    if (version_param(c, &v) < 0)
        return;
    char vs[32];
    snprintf(vs, sizeof vs, "%lld", v);
    const char *p[2] = {c->params[0], vs};
    json_t *rows;
    int n = ing_org_rows(c, c->read_db,
                         "SELECT " ROW_JSON(", 'source', source") " FROM read_playbook "
                                                                  "WHERE name = $1 AND "
                                                                  "CASE WHEN $2::int = 0 THEN "
                                                                  "active ELSE version = $2::int "
                                                                  "END",
                         2, p, &rows);
    if (n == 0 && v)
        ing_api_refuse(c, 404, "version", "not_found", "playbook '%s' has no version %lld",
                       c->params[0], v);
    else if (n == 0)
        ing_api_refuse(c, 404, "name", "not_found", "no playbook '%s'", c->params[0]);
    else if (n > 0)
        ing_org_respond(c, 200, json_incref(json_array_get(rows, 0)));
    if (n >= 0)
        json_decref(rows);
}

static void get_versions(ing_call_t *c) {
    json_t *rows;
    int n = ing_org_rows(c, c->read_db,
                         "SELECT json_build_object('version', version, 'active', active, "
                         "'created_by', created_by, 'created_at', " TS(
                             "created_at") ")::text FROM read_playbook WHERE name = $1 "
                                           "ORDER BY version",
                         1, (const char *[]){c->params[0]}, &rows);
    if (n == 0) {
        ing_api_refuse(c, 404, "name", "not_found", "no playbook '%s'", c->params[0]);
        json_decref(rows);
    } else if (n > 0)
        hd_http_respond_json(c->req, 200,
                             json_pack("{s:s, s:o}", "name", c->params[0], "items", rows));
}

const ing_route_t ing_playbook_routes[] = {
    {"POST", "/v1/playbooks/validate", ING_SCOPE_READ, post_validate,
     "check a playbook (nothing is stored)"},
    {"GET", "/v1/playbooks", ING_SCOPE_READ, get_playbooks, "the playbooks' active versions"},
    {"GET", "/v1/playbooks/{name}", ING_SCOPE_READ, get_playbook,
     "a playbook's active version (?version=N: another), its spec and source"},
    {"PUT", "/v1/playbooks/{name}", ING_SCOPE_ADMIN, put_playbook,
     "apply a playbook: a new version when its source changed (permission playbooks)"},
    {"GET", "/v1/playbooks/{name}/versions", ING_SCOPE_READ, get_versions, "a playbook's versions"},
    {NULL, NULL, 0, NULL, NULL}};

int ing_playbook_takes_yaml(const ing_route_t *r) {
    return r && (r->fn == post_validate || r->fn == put_playbook);
}
