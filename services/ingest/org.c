/*  org: authorization, concurrency and the record of administrative
    changes (see org.h). */
#include "org.h"

#include "api.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRANTS 64

/* The caller's roles and the grants of them (admin_grant): what hd_perm
   decides on. */
typedef struct {
    hd_grant_t grants[MAX_GRANTS];
    size_t n;
    const char *roles[ING_MAX_ROLES];
} grants_t;

/* Loads the grants of c's caller's roles into g. 0, or -1 after answering
   503. */
static int grants_load(ing_call_t *c, grants_t *g) {
    const ing_person_t *who = c->who;
    hd_pgarray_t roles = {0};
    for (int i = 0; i < who->nroles; i++) {
        hd_pgarray_add(&roles, who->roles[i]);
        g->roles[i] = who->roles[i];
    }
    PGresult *r = hd_db_exec_arrays(c->db,
                                    "SELECT role, permission, scope = 'organization' FROM "
                                    "admin_grant WHERE role = ANY ($1::text[]) LIMIT 64",
                                    &roles, 1);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    g->n = 0;
    for (int i = 0; i < PQntuples(r) && g->n < MAX_GRANTS; i++, g->n++) {
        hd_grant_t *x = &g->grants[g->n];
        snprintf(x->role, sizeof x->role, "%s", PQgetvalue(r, i, 0));
        snprintf(x->permission, sizeof x->permission, "%s", PQgetvalue(r, i, 1));
        x->organization = PQgetvalue(r, i, 2)[0] == 't';
    }
    PQclear(r);
    return 0;
}

/* hd_perm's decision over the loaded grants. Pure. */
static hd_perm_t decide(const ing_call_t *c, const grants_t *g, const char *permission,
                        const char *object_dept, char *why, size_t why_len) {
    return hd_perm_check(g->grants, g->n, g->roles, (size_t)c->who->nroles, c->who->department,
                         permission, object_dept, why, why_len);
}

/* Answers the refusal d (not HD_PERM_ALLOWED) after rolling back. */
static void refuse(ing_call_t *c, hd_perm_t d, const char *what, const char *why) {
    if (d == HD_PERM_OTHER_DEPARTMENT)
        ing_org_refuse(c, 404, NULL, "not_found", "no such %s", what);
    else
        ing_org_refuse(c, 403, NULL, "forbidden", "%s", why);
}

int ing_org_check(ing_call_t *c, const char *permission, const char *object_dept, char *why,
                  size_t why_len) {
    grants_t g;
    if (grants_load(c, &g) < 0)
        return -1;
    return (int)decide(c, &g, permission, object_dept, why, why_len);
}

int ing_org_allowed(ing_call_t *c, const char *permission, const char *object_dept) {
    char why[256];
    int d = ing_org_check(c, permission, object_dept, why, sizeof why);
    return d < 0 ? -1 : d == HD_PERM_ALLOWED;
}

int ing_org_authorize(ing_call_t *c, const char *permission, const char *object_dept,
                      const char *what) {
    char why[256];
    int d = ing_org_check(c, permission, object_dept, why, sizeof why);
    if (d == HD_PERM_ALLOWED)
        return 0;
    if (d > 0)
        refuse(c, (hd_perm_t)d, what, why);
    return -1;
}

int ing_org_scope(ing_call_t *c, const char *permission, const char *asked, const char **dept) {
    grants_t g;
    char why[256];
    if (grants_load(c, &g) < 0)
        return -1;
    hd_perm_t d;
    if (asked && *asked) {
        *dept = asked;
        d = decide(c, &g, permission, asked, why, sizeof why);
    } else if (decide(c, &g, permission, NULL, why, sizeof why) == HD_PERM_ALLOWED) {
        *dept = NULL;
        return 0;
    } else {
        *dept = c->who->department;
        d = decide(c, &g, permission, *dept, why, sizeof why);
    }
    if (d == HD_PERM_ALLOWED)
        return 0;
    refuse(c, d, "department", why);
    return -1;
}

/* The JSON of o, or "" (malloc'd either way; caller frees). */
static char *dump(json_t *o) { return o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL; }

int ing_org_event(ing_call_t *c, const char *object, const char *object_id, const char *action,
                  const char *department, json_t *before, json_t *after, const char *reason) {
    char *b = dump(before), *a = dump(after);
    Huddle__V1__OrgChanged body = HUDDLE__V1__ORG_CHANGED__INIT;
    body.object = (char *)object;
    body.object_id = (char *)object_id;
    body.action = (char *)action;
    body.before_json = b ? b : "";
    body.after_json = a ? a : "";
    body.actor_id = (char *)(c->who ? c->who->id : "");
    body.reason = (char *)(reason ? reason : "");
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED;
    env.org_changed = &body;
    char type[HD_TYPE_LEN];
    env.type = (char *)hd_envelope_org_type(&body, type, sizeof type);
    env.department = (char *)(department ? department : "");
    env.correlation_id = (char *)(hd_id_valid(object_id) ? object_id : "");
    env.actor = (char *)(c->who && c->who->email[0] ? c->who->email : "first-start");
    env.token_id = (char *)(c->who ? c->who->token_id : "");
    char id[HD_ID_LEN];
    hd_envelope_stamp(&env, id, "ingest", NULL, NULL);
    int rc = env.type[0] ? hd_outbox_put(c->db, &env) : -1;
    if (rc >= 0)
        hd_log(HD_LOG_INFO, "org_changed", id, env.correlation_id, "%s %s by %s", type, object_id,
               env.actor);
    free(b);
    free(a);
    return rc < 0 ? -1 : 0;
}

long long ing_org_expected_version(ing_call_t *c, json_t *body) {
    const char *h = hd_http_req_header(c->req, "If-Match");
    json_t *v = body ? json_object_get(body, "version") : NULL;
    if (h) {
        char buf[32];
        size_t n = strlen(h);
        if (n >= 2 && h[0] == '"' && h[n - 1] == '"')
            snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), h + 1);
        else
            snprintf(buf, sizeof buf, "%s", h);
        char *end = NULL;
        long long x = strtoll(buf, &end, 10);
        if (*buf && !*end && x > 0)
            return x;
        ing_api_refuse(c, 422, "If-Match", "invalid",
                       "If-Match must be the version you read, a positive integer");
        return -1;
    }
    if (!v || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return json_integer_value(v);
    ing_api_refuse(c, 422, "version", "invalid",
                   "version must be the version you read, a positive integer");
    return -1;
}

void ing_org_version_missing(ing_call_t *c) {
    ing_org_refuse(c, 428, "If-Match", "precondition_required",
                   "send the version you read: If-Match: \"N\" (or \"version\": N)");
}

long long ing_org_required_version(ing_call_t *c, json_t *body) {
    size_t len = 0;
    hd_http_req_body(c->req, &len);
    if (!body && len > 0) { /* a DELETE may say its version in a body */
        static const char *const known[] = {"version", NULL};
        json_t *b = ing_org_body(c, known, 0);
        long long v = b ? ing_org_required_version(c, b) : -1;
        json_decref(b);
        return v;
    }
    long long v = ing_org_expected_version(c, body);
    if (v == 0) {
        ing_org_version_missing(c);
        return -1;
    }
    return v;
}

int ing_org_fresh(ing_call_t *c, json_t *before, long long want, const char *what) {
    long long have = json_integer_value(json_object_get(before, "version"));
    if (have == want)
        return 0;
    hd_db_rollback(c->db);
    ing_org_conflict(c, what, have, want);
    return -1;
}

void ing_org_conflict(ing_call_t *c, const char *what, long long have, long long sent) {
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", have);
    hd_http_respond_header(c->req, "ETag", etag);
    ing_api_refuse(c, 409, "version", "conflict",
                   "%s changed since you read it (you sent version %lld, it is at %lld): read it "
                   "again and retry",
                   what, sent, have);
}

int ing_org_begin(ing_call_t *c) {
    if (hd_db_begin(c->db) == 0)
        return 0;
    ing_org_unavailable(c);
    return -1;
}

void ing_org_unavailable(ing_call_t *c) {
    hd_db_rollback(c->db);
    ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
}

int ing_org_finish(ing_call_t *c, const ing_org_change_t *ch, int status, json_t *answer) {
    if (ing_org_event(c, ch->object, ch->object_id, ch->action, ch->department, ch->before,
                      ch->after, ch->reason) < 0 ||
        hd_db_commit(c->db) < 0) {
        json_decref(answer);
        ing_org_unavailable(c);
        return -1;
    }
    ing_org_respond(c, status, answer);
    return 0;
}

void ing_org_refuse(ing_call_t *c, int status, const char *field, const char *code, const char *fmt,
                    ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hd_db_rollback(c->db);
    ing_api_refuse(c, status, field, code, "%s", msg);
}
