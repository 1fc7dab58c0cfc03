/*  admin_facts: what is true of people. Certifications (permission
    certifications) and delegations (permission delegations) are objects
    of their person's department (a delegation: its principal's), so a
    coach administers those of their own department. A person is named by
    uuid or email. */
#include "admin_config.h"
#include "api.h"
#include "config_check.h"
#include "hd_id.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CERT_JSON                                                                           \
    "json_build_object('id', k.id, 'person', k.person_id, 'email', p.email, 'department', " \
    "p.department_id, 'channel', k.channel_id, 'name', k.name, 'certified_at', "            \
    "k.certified_at, 'expires_at', k.expires_at, 'version', k.version)"
#define CERT_FROM " FROM certification k JOIN person p ON p.id = k.person_id "
#define DELEG_JSON                                                                            \
    "json_build_object('id', k.id, 'principal', k.principal_id, 'principal_email', p.email, " \
    "'delegate', k.delegate_id, 'delegate_email', d.email, 'department', p.department_id, "   \
    "'channel', k.channel_id, 'valid_from', k.valid_from, 'valid_until', k.valid_until, "     \
    "'version', k.version)"
#define DELEG_FROM                                               \
    " FROM delegation k JOIN person p ON p.id = k.principal_id " \
    "JOIN person d ON d.id = k.delegate_id "

/* A list of `sql` (whose $1 is the department filter, $2 the person
   filter) under `permission`. */
static void facts_list(ing_call_t *c, const char *permission, const char *sql) {
    char who[256];
    const char *p[2] = {NULL, hd_http_req_param(c->req, "person", who, sizeof who)};
    if (ing_org_scope(c, permission, NULL, &p[0]) == 0)
        ing_org_list(c, sql, 2, p);
}

void ing_cfg_certs_list(ing_call_t *c) {
    facts_list(c, "certifications",
               "SELECT " CERT_JSON CERT_FROM "WHERE ($1::text IS NULL OR p.department_id = $1) "
               "AND ($2::text IS NULL OR p.id::text = lower($2) OR p.email = $2) "
               "ORDER BY p.email, k.channel_id NULLS FIRST");
}

void ing_cfg_delegations_list(ing_call_t *c) {
    facts_list(c, "delegations",
               "SELECT " DELEG_JSON DELEG_FROM "WHERE ($1::text IS NULL OR p.department_id = $1) "
               "AND ($2::text IS NULL OR p.id::text = lower($2) OR p.email = $2 "
               "OR d.id::text = lower($2) OR d.email = $2) ORDER BY p.email, k.valid_from");
}

/* The object {id} read by `select` ($1 the id; FOR UPDATE) in the open
   transaction, that the caller may administer under `permission`; NULL
   after answering 404 / 403 / 503 (rolled back). */
static json_t *fact_of(ing_call_t *c, const char *select, const char *permission,
                       const char *noun) {
    char what[200];
    snprintf(what, sizeof what, "%s '%s'", noun, c->params[0]);
    if (!hd_id_valid(c->params[0])) {
        ing_org_refuse(c, 404, "id", "not_found", "no such %s", what);
        return NULL;
    }
    const char *p[1] = {c->params[0]};
    json_t *o;
    int got = ing_org_one(c, select, 1, p, &o);
    if (got == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such %s", what);
    else if (got > 0 &&
             ing_org_authorize(c, permission, json_string_value(json_object_get(o, "department")),
                               what) < 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

/* Removes {id} (DELETE sql, $1 the id) after the version check. */
static void fact_delete(ing_call_t *c, const char *select, const char *del, const char *permission,
                        const char *object, const char *noun) {
    long long want = ing_org_required_version(c, NULL);
    if (want < 0)
        return;
    if (ing_org_begin(c) < 0)
        return;
    json_t *before = fact_of(c, select, permission, noun);
    if (!before || ing_org_fresh(c, before, want, noun))
        goto out;
    const char *p[1] = {c->params[0]};
    if (hd_db_cmd(c->db, del, 1, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(c,
                       &(ing_org_change_t){object, c->params[0], "deleted",
                                           json_string_value(json_object_get(before, "department")),
                                           NULL, before, NULL},
                       200, json_incref(before));
out:
    json_decref(before);
}

/* A person named by body's member `field`, that the caller may
   administer under `permission` (authorize: 1), into id / dept. 0, or -1
   after answering (422 unknown, 404 / 403, 503). */
static int person_field(ing_call_t *c, json_t *body, const char *field, const char *permission,
                        int authorize, char *id, char *dept) {
    const char *who;
    if (ing_org_text(c, body, field, 1, 1, 255, &who) < 0)
        return -1;
    int f = ing_cfg_person(c, who, id, dept, 128);
    if (f < 0)
        ing_org_unavailable(c);
    else if (f == 0)
        ing_org_refuse(c, 422, field, "invalid", "no such person '%s'", who);
    if (f <= 0)
        return -1;
    char what[300];
    snprintf(what, sizeof what, "person '%s'", who);
    return authorize ? ing_org_authorize(c, permission, dept, what) : 0;
}

/* body's timestamp member `name` (RFC 3339) into *out: NULL when absent
   or null. -1 after answering 422. */
static int when_field(ing_call_t *c, json_t *body, const char *name, const char **out) {
    const char *why;
    if (ing_org_text(c, body, name, 0, 1, 64, out) < 0)
        return -1;
    if (*out && (why = ing_check_rfc3339(*out))) {
        ing_api_refuse(c, 422, name, "invalid", "%s %s", name, why);
        return -1;
    }
    return 0;
}

/* A channel named (when not NULL) exists: 0, or -1 answered (rolled back). */
static int channel_exists(ing_call_t *c, const char *channel) {
    return ing_org_exists(c, "SELECT 1 FROM channel WHERE id = $1", channel, 422, "channel",
                          "channel") > 0
               ? 0
               : -1;
}

/* ---------------- certifications ---------------- */

void ing_cfg_cert_create(ing_call_t *c) {
    static const char *const known[] = {"person", "channel", "name", "expires_at", NULL};
    json_t *body = ing_api_body(c), *o = NULL;
    char id[HD_ID_LEN], dept[128];
    const char *p[4] = {id, NULL, NULL, NULL};
    if (!body || ing_org_known(c, body, known) ||
        ing_org_text(c, body, "channel", 0, 1, 63, &p[1]) ||
        ing_org_text(c, body, "name", 0, 1, 64, &p[2]) ||
        when_field(c, body, "expires_at", &p[3]) ||
        person_field(c, body, "person", "certifications", 1, id, dept) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    if (channel_exists(c, p[1]) < 0)
        goto out;
    int got =
        ing_org_one(c,
                    "WITH k AS (INSERT INTO certification (person_id, channel_id, name, "
                    "expires_at) VALUES ($1, $2, coalesce($3, 'publishing'), $4::timestamptz) "
                    "ON CONFLICT DO NOTHING RETURNING *) SELECT " CERT_JSON
                    " FROM k JOIN person p ON p.id = k.person_id",
                    4, p, &o);
    char oid[HD_ID_LEN] = "";
    if (o)
        snprintf(oid, sizeof oid, "%s", json_string_value(json_object_get(o, "id")));
    if (got == 0)
        ing_org_refuse(c, 409, "channel", "exists",
                       "the person already holds a certification for %s",
                       p[1] ? p[1] : "every channel");
    else if (got > 0)
        ing_org_finish(c, &(ing_org_change_t){"certification", oid, "created", dept, NULL, NULL, o},
                       201, json_incref(o));
out:
    json_decref(o);
    json_decref(body);
}

#define CERT_ONE "SELECT " CERT_JSON CERT_FROM "WHERE k.id = $1::uuid FOR UPDATE OF k"

/* PATCH: name, channel and expires_at (null: no expiry / every channel). */
void ing_cfg_cert_update(ing_call_t *c) {
    static const char *const known[] = {"channel", "name", "expires_at", "version", NULL};
    json_t *body = ing_api_body(c), *before = NULL, *after = NULL;
    const char *p[6] = {c->params[0], NULL, NULL, NULL};
    long long want;
    if (!body || ing_org_known(c, body, known) ||
        ing_org_text(c, body, "channel", 0, 1, 63, &p[1]) ||
        ing_org_text(c, body, "name", 0, 1, 64, &p[2]) ||
        when_field(c, body, "expires_at", &p[3]) || (want = ing_org_required_version(c, body)) < 0)
        goto out;
    p[4] = json_object_get(body, "channel") ? "t" : "f";
    p[5] = json_object_get(body, "expires_at") ? "t" : "f";
    if (ing_org_begin(c) < 0)
        goto out;
    if (!(before = fact_of(c, CERT_ONE, "certifications", "certification")) ||
        ing_org_fresh(c, before, want, "the certification") || channel_exists(c, p[1]) < 0)
        goto out;
    /* not ing_org_one: a unique violation is this change's 409, not a 503 */
    PGresult *r =
        hd_db_exec(c->db,
                   "WITH k AS (UPDATE certification SET name = coalesce($3, name), "
                   "channel_id = CASE WHEN $5::boolean THEN $2 ELSE channel_id END, "
                   "expires_at = CASE WHEN $6::boolean THEN $4::timestamptz ELSE expires_at END, "
                   "version = version + 1 WHERE id = $1::uuid RETURNING *) "
                   "SELECT " CERT_JSON " FROM k JOIN person p ON p.id = k.person_id",
                   6, p);
    after = r && PQntuples(r) == 1 ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
    int taken = !r && hd_db_unique_violation(c->db);
    PQclear(r);
    if (taken)
        ing_org_refuse(c, 409, "channel", "exists",
                       "the person already holds a certification for that channel");
    else if (!after)
        ing_org_unavailable(c);
    else
        ing_org_finish(c,
                       &(ing_org_change_t){"certification", c->params[0], "updated",
                                           json_string_value(json_object_get(after, "department")),
                                           NULL, before, after},
                       200, json_incref(after));
out:
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

void ing_cfg_cert_delete(ing_call_t *c) {
    fact_delete(c, CERT_ONE, "DELETE FROM certification WHERE id = $1::uuid", "certifications",
                "certification", "certification");
}

/* ---------------- delegations ---------------- */

/* valid_until (when given) is after valid_from (default now): 0, or -1
   answered (422, 503; rolled back). */
static int period_ok(ing_call_t *c, const char *from, const char *until) {
    if (!until)
        return 0;
    const char *p[2] = {from, until};
    PGresult *r =
        hd_db_exec(c->db, "SELECT $2::timestamptz > coalesce($1::timestamptz, now())", 2, p);
    int ok = r && PQgetvalue(r, 0, 0)[0] == 't';
    if (!r)
        ing_org_unavailable(c);
    else if (!ok)
        ing_org_refuse(c, 422, "valid_until", "invalid", "valid_until must be after valid_from");
    PQclear(r);
    return ok ? 0 : -1;
}

void ing_cfg_delegation_create(ing_call_t *c) {
    static const char *const known[] = {"principal",  "delegate",    "channel",
                                        "valid_from", "valid_until", NULL};
    json_t *body = ing_api_body(c), *o = NULL;
    char pid[HD_ID_LEN], did[HD_ID_LEN], pdept[128], ddept[128];
    const char *p[5] = {pid, did, NULL, NULL, NULL};
    if (!body || ing_org_known(c, body, known) ||
        ing_org_text(c, body, "channel", 0, 1, 63, &p[2]) ||
        when_field(c, body, "valid_from", &p[3]) || when_field(c, body, "valid_until", &p[4]) ||
        person_field(c, body, "principal", "delegations", 1, pid, pdept) < 0 ||
        person_field(c, body, "delegate", "delegations", 0, did, ddept) < 0)
        goto out;
    if (!strcmp(pid, did)) {
        ing_api_refuse(c, 422, "delegate", "invalid", "a person cannot delegate to themselves");
        goto out;
    }
    if (ing_org_begin(c) < 0)
        goto out;
    if (channel_exists(c, p[2]) < 0 || period_ok(c, p[3], p[4]) < 0)
        goto out;
    int got =
        ing_org_one(c,
                    "WITH k AS (INSERT INTO delegation (principal_id, delegate_id, channel_id, "
                    "valid_from, valid_until) VALUES ($1, $2, $3, "
                    "coalesce($4::timestamptz, now()), $5::timestamptz) "
                    "ON CONFLICT DO NOTHING RETURNING *) "
                    "SELECT " DELEG_JSON " FROM k JOIN person p ON p.id = k.principal_id "
                    "JOIN person d ON d.id = k.delegate_id",
                    5, p, &o);
    char oid[HD_ID_LEN] = "";
    if (o)
        snprintf(oid, sizeof oid, "%s", json_string_value(json_object_get(o, "id")));
    if (got == 0)
        ing_org_refuse(c, 409, "valid_from", "exists", "this delegation exists already");
    else if (got > 0)
        ing_org_finish(c, &(ing_org_change_t){"delegation", oid, "created", pdept, NULL, NULL, o},
                       201, json_incref(o));
out:
    json_decref(o);
    json_decref(body);
}

void ing_cfg_delegation_delete(ing_call_t *c) {
    fact_delete(c, "SELECT " DELEG_JSON DELEG_FROM "WHERE k.id = $1::uuid FOR UPDATE OF k",
                "DELETE FROM delegation WHERE id = $1::uuid", "delegations", "delegation",
                "delegation");
}
