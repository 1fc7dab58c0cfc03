/*  policy_api: the policy routes (see policy_api.h). Versions and their
    sources are read through the read side's view read_policy_version;
    validate and simulate run the policy library on the HTTP worker. */
#include "policy_api.h"

#include "api.h"
#include "hd_mem.h"
#include "org.h"
#include "policy.h"
#include "policy_diff.h"
#include "policy_simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest period /v1/policy/simulate looks back, and how long each of
   its statements may take: the simulation runs on an HTTP worker. */
#define SIMULATE_MAX_S (90L * 86400)
#define SIMULATE_STATEMENT_TIMEOUT "10s"
#define SIMULATE_EXAMPLES 3

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* ---------- shared ---------- */

int ing_policy_source(ing_call_t *c, json_t *body, const char **src, size_t *len) {
    if (ing_org_text(c, body, "source", 0, 0, POL_MAX_SOURCE, src) < 0)
        return -1;
    if (!*src || !**src) {
        ing_api_refuse(c, 422, "source", "invalid", "source (the policy's YAML text) is required");
        return -1;
    }
    *len = strlen(*src);
    return 0;
}

/* The loader's errors (one per line) joined with "; " (caller frees). */
static char *joined(const char *err) {
    char *s = hd_strdup(err);
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        s[--n] = 0;
    char *out = hd_calloc(2 * n + 1, 1), *o = out;
    for (const char *p = s; *p; p++) {
        if (*p == '\n') {
            *o++ = ';';
            *o++ = ' ';
        } else
            *o++ = *p;
    }
    free(s);
    return out;
}

int ing_policy_compile(ing_call_t *c, const char *src, size_t len, size_t *rules) {
    char err[4096] = "";
    pol_t *p = pol_new(src, len, err, sizeof err);
    if (p) {
        *rules = pol_rule_count(p);
        pol_destroy(&p);
        return 0;
    }
    char *msg = joined(err);
    ing_api_refuse(c, 422, "source", "invalid", "the policy does not validate: %s", msg);
    free(msg);
    return -1;
}

/* ---------- versions ---------- */

static json_t *text_or_null(PGresult *r, int row, int col) {
    return PQgetisnull(r, row, col) ? json_null() : json_string(PQgetvalue(r, row, col));
}

static const char *VERSION_COLS = "version, created_by, " TS("created_at") ", active, proposal_id";

static json_t *version_json(PGresult *r, int i) {
    return json_pack("{s:I, s:s, s:s, s:b, s:o}", "version", (json_int_t)atoll(PQgetvalue(r, i, 0)),
                     "created_by", PQgetvalue(r, i, 1), "created_at", PQgetvalue(r, i, 2), "active",
                     PQgetvalue(r, i, 3)[0] == 't', "proposal_id", text_or_null(r, i, 4));
}

static void get_versions(ing_call_t *c) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT %s FROM read_policy_version ORDER BY version", VERSION_COLS);
    PGresult *r = hd_db_exec(c->read_db, sql, 0, NULL);
    if (!r) {
        hd_http_respond_error(c->req, 503, "unavailable", NULL, "database unavailable, retry");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(items, version_json(r, i));
    PQclear(r);
    hd_http_respond_json(c->req, 200, json_pack("{s:o}", "items", items));
}

/* A version number from s into *v: 0, or -1 when s is not one. */
static int version_arg(const char *s, long long *v) {
    char *end = NULL;
    *v = s ? strtoll(s, &end, 10) : 0;
    return s && *s && !*end && *v > 0 ? 0 : -1;
}

/* Version v's row with its source (column 5); NULL after answering 404 /
   503 (field names the parameter). */
static PGresult *version_row(ing_call_t *c, long long v, const char *field) {
    char sql[256], vs[32];
    snprintf(sql, sizeof sql, "SELECT %s, source FROM read_policy_version WHERE version = $1",
             VERSION_COLS);
    snprintf(vs, sizeof vs, "%lld", v);
    PGresult *r = hd_db_exec(c->read_db, sql, 1, (const char *[]){vs});
    if (!r)
        hd_http_respond_error(c->req, 503, "unavailable", NULL, "database unavailable, retry");
    else if (PQntuples(r) != 1) {
        PQclear(r);
        r = NULL;
        hd_http_respond_error(c->req, 404, "not_found", field, "no policy version %lld", v);
    }
    return r;
}

static void get_version(ing_call_t *c) {
    long long v;
    if (version_arg(c->params[0], &v) < 0) {
        hd_http_respond_error(c->req, 404, "not_found", "version", "'%s' is not a version number",
                              c->params[0]);
        return;
    }
    PGresult *r = version_row(c, v, "version");
    if (!r)
        return;
    json_t *o = version_json(r, 0);
    json_object_set_new(o, "source", json_string(PQgetvalue(r, 0, 5)));
    PQclear(r);
    hd_http_respond_json(c->req, 200, o);
}

/* The query parameter `name` as a version; -1 after answering 422. */
static int version_param(ing_call_t *c, const char *name, long long *v) {
    char buf[256]; /* the dispatcher refuses longer values (422) */
    const char *s = hd_http_req_param(c->req, name, buf, sizeof buf);
    if (version_arg(s, v) == 0)
        return 0;
    hd_http_respond_error(c->req, 422, "invalid", name, "%s must be a version number (?%s=N)", name,
                          name);
    return -1;
}

static void get_diff(ing_call_t *c) {
    long long from, to;
    if (version_param(c, "from", &from) < 0 || version_param(c, "to", &to) < 0)
        return;
    PGresult *a = version_row(c, from, "from"), *b = a ? version_row(c, to, "to") : NULL;
    if (!a || !b) {
        if (a)
            PQclear(a);
        return;
    }
    char *buf = NULL, err[2048] = "";
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int n = f ? pol_diff(PQgetvalue(a, 0, 5), (size_t)PQgetlength(a, 0, 5), PQgetvalue(b, 0, 5),
                         (size_t)PQgetlength(b, 0, 5), f, err, sizeof err)
              : -1;
    if (f)
        fclose(f);
    PQclear(a);
    PQclear(b);
    if (n < 0)
        hd_http_respond_error(c->req, 409, "conflict", NULL, "a version does not parse: %s", err);
    else
        hd_http_respond_json(c->req, 200,
                             json_pack("{s:I, s:I, s:i, s:s}", "from", (json_int_t)from, "to",
                                       (json_int_t)to, "changes", n, "diff", buf ? buf : ""));
    free(buf);
}

/* ---------- validate, simulate ---------- */

static void post_validate(ing_call_t *c) {
    static const char *const fields[] = {"source", NULL};
    json_t *body = ing_api_body(c);
    const char *src;
    size_t len, rules;
    if (body && ing_org_known(c, body, fields) == 0 &&
        ing_policy_source(c, body, &src, &len) == 0 && ing_policy_compile(c, src, len, &rules) == 0)
        hd_http_respond_json(c->req, 200,
                             json_pack("{s:b, s:I}", "ok", 1, "rules", (json_int_t)rules));
    json_decref(body);
}

/* Runs the simulation in a read-only transaction whose statements are
   each bounded; the report into *report (caller frees). */
static long run_simulation(ing_call_t *c, const char *src, size_t len, long secs, char **report,
                           char *err, size_t err_len) {
    size_t rlen = 0;
    FILE *f = open_memstream(report, &rlen);
    if (!f) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    long n = -1;
    if (hd_db_cmd(c->db, "BEGIN READ ONLY", 0, NULL) == 0 &&
        hd_db_cmd(c->db, "SET LOCAL statement_timeout = '" SIMULATE_STATEMENT_TIMEOUT "'", 0,
                  NULL) == 0)
        n = pol_simulate(c->db, src, len, secs, SIMULATE_EXAMPLES, f, err, err_len);
    else
        snprintf(err, err_len, "database: %s", hd_db_error(c->db));
    hd_db_rollback(c->db);
    fclose(f);
    return n;
}

static void post_simulate(ing_call_t *c) {
    static const char *const fields[] = {"source", "since", NULL};
    json_t *body = ing_api_body(c);
    const char *src, *since;
    size_t len, rules;
    if (!body || ing_org_known(c, body, fields) < 0 ||
        ing_org_text(c, body, "since", 0, 0, 32, &since) < 0 ||
        ing_policy_source(c, body, &src, &len) < 0) {
        json_decref(body);
        return;
    }
    long secs = pol_parse_period(since ? since : "30d");
    if (secs <= 0 || secs > SIMULATE_MAX_S) {
        ing_api_refuse(c, 422, "since", "invalid",
                       "since must be a period such as 30d, 12h, 90m or seconds, at most 90d");
    } else if (ing_policy_compile(c, src, len, &rules) == 0) {
        char *report = NULL, err[2048] = "";
        long n = run_simulation(c, src, len, secs, &report, err, sizeof err);
        if (n < 0)
            ing_api_refuse(c, 503, NULL, "unavailable", "the simulation failed: %s", err);
        else
            hd_http_respond_json(c->req, 200,
                                 json_pack("{s:I, s:s, s:s}", "changed", (json_int_t)n, "since",
                                           since ? since : "30d", "report", report ? report : ""));
        free(report);
    }
    json_decref(body);
}

const ing_route_t ing_policy_routes[] = {
    {"GET", "/v1/policy/versions", ING_SCOPE_READ, get_versions, "policy versions"},
    {"GET", "/v1/policy/versions/{version}", ING_SCOPE_READ, get_version,
     "a policy version with its source"},
    {"GET", "/v1/policy/diff", ING_SCOPE_READ, get_diff, "what changed between two versions"},
    {"POST", "/v1/policy/validate", ING_SCOPE_READ, post_validate, "validate a policy source"},
    {"POST", "/v1/policy/simulate", ING_SCOPE_READ, post_simulate,
     "what-if: verdicts a source would change over a period"},
    {"POST", "/v1/policy/proposals", ING_SCOPE_ADMIN, ing_policy_propose,
     "propose a policy change (emergency: activate at once)"},
    {"GET", "/v1/policy/proposals", ING_SCOPE_READ, ing_policy_proposals, "policy proposals"},
    {"GET", "/v1/policy/proposals/{id}", ING_SCOPE_READ, ing_policy_proposal,
     "a proposal with its diff, simulation and reviews"},
    {"POST", "/v1/policy/proposals/{id}/reviews", ING_SCOPE_DECIDE, ing_policy_review_submit,
     "approve or reject a proposal"},
    {NULL, NULL, 0, NULL, NULL}};
