/*  org: authorization, concurrency and the record of administrative
    changes (see org.h). */
#include "org.h"

#include "api.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GRANTS 64

int ing_org_authorize(ing_call_t *c, const char *permission, const char *object_dept,
                      const char *what) {
    const ing_person_t *who = c->who;
    char roles[1200] = "{";
    for (int i = 0; i < who->nroles; i++)
        snprintf(roles + strlen(roles), sizeof roles - strlen(roles), "%s\"%s\"", i ? "," : "",
                 who->roles[i]);
    strcat(roles, "}");
    const char *p[1] = {roles};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT role, permission, scope = 'organization' FROM admin_grant "
                             "WHERE role = ANY ($1::text[]) LIMIT 64",
                             1, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    hd_grant_t grants[MAX_GRANTS];
    size_t n = 0;
    for (int i = 0; i < PQntuples(r) && n < MAX_GRANTS; i++, n++) {
        snprintf(grants[n].role, sizeof grants[n].role, "%s", PQgetvalue(r, i, 0));
        snprintf(grants[n].permission, sizeof grants[n].permission, "%s", PQgetvalue(r, i, 1));
        grants[n].organization = PQgetvalue(r, i, 2)[0] == 't';
    }
    PQclear(r);
    const char *rp[ING_MAX_ROLES];
    for (int i = 0; i < who->nroles; i++)
        rp[i] = who->roles[i];
    char why[256];
    hd_perm_t d = hd_perm_check(grants, n, rp, (size_t)who->nroles, who->department, permission,
                                object_dept, why, sizeof why);
    if (d == HD_PERM_ALLOWED)
        return 0;
    if (d == HD_PERM_OTHER_DEPARTMENT)
        ing_api_refuse(c, 404, NULL, "not_found", "no such %s", what);
    else
        ing_api_refuse(c, 403, NULL, "forbidden", "%s", why);
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

long long ing_org_required_version(ing_call_t *c, json_t *body) {
    long long v = ing_org_expected_version(c, body);
    if (v == 0) {
        ing_api_refuse(c, 428, "If-Match", "precondition_required",
                       "send the version you read: If-Match: \"N\" (or \"version\": N)");
        return -1;
    }
    return v;
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

void ing_org_unavailable(ing_call_t *c) {
    hd_db_rollback(c->db);
    ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
}
