/*  admin_people: people and their roles (admin.h, docs/admin.md). A person
    is administered with permission 'people' for their department (a coach:
    their own department only; another department's person is not found);
    a role that carries an organization-wide grant (orchestrator) is given
    or taken only with an organization-wide grant of 'roles'. An invitation
    creates the person with a token of their own, shown once. */
#include "admin.h"

#include "api.h"
#include "hd_id.h"
#include "hd_mem.h"
#include "hd_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERSON_JSON                                                                            \
    "json_build_object('id', p.id, 'email', p.email, 'name', p.name, 'department', "           \
    "p.department_id, 'roles', coalesce((SELECT json_agg(r.role ORDER BY r.role) FROM "        \
    "person_role r WHERE r.person_id = p.id), '[]'::json), 'active', p.active, 'version', "    \
    "p.version, 'created_at', p.created_at, 'deactivated_at', p.deactivated_at)::text, p.id, " \
    "p.email, p.department_id, p.version, p.active"

typedef struct {
    char id[HD_ID_LEN], email[256], dept[128];
    long long version;
    int active;
    json_t *json; /* the API's view of the person (owned) */
} person_t;

/* Row i of a PERSON_JSON select into *p. */
static void person_from(PGresult *r, int i, person_t *p) {
    p->json = json_loads(PQgetvalue(r, i, 0), 0, NULL);
    snprintf(p->id, sizeof p->id, "%s", PQgetvalue(r, i, 1));
    snprintf(p->email, sizeof p->email, "%s", PQgetvalue(r, i, 2));
    snprintf(p->dept, sizeof p->dept, "%s", PQgetvalue(r, i, 3));
    p->version = strtoll(PQgetvalue(r, i, 4), NULL, 10);
    p->active = PQgetvalue(r, i, 5)[0] == 't';
}

/* The person `key` (uuid or email), locked when lock. 1 found, 0 not
   (answered 404, rolled back), -1 answered 503. */
static int person_load(ing_call_t *c, const char *key, int lock, person_t *out) {
    const char *p[2] = {hd_id_valid(key) ? key : NULL, key};
    PGresult *r = hd_db_exec(c->db,
                             lock ? "SELECT " PERSON_JSON " FROM person p WHERE p.id = $1::uuid OR "
                                    "lower(p.email) = lower($2) FOR UPDATE OF p"
                                  : "SELECT " PERSON_JSON " FROM person p WHERE p.id = $1::uuid OR "
                                    "lower(p.email) = lower($2)",
                             2, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int found = PQntuples(r) == 1;
    if (found)
        person_from(r, 0, out);
    PQclear(r);
    if (!found) {
        ing_org_refuse(c, 404, "id", "not_found", "no such person '%s'", key);
    }
    return found;
}

/* The person of the path, whom the caller may administer. 1, or else
   answered (404 also for another department's person). */
static int person_admit(ing_call_t *c, person_t *out) {
    const char *key = c->params[0];
    int rc = person_load(c, key, 0, out);
    if (rc != 1)
        return rc;
    char what[512];
    snprintf(what, sizeof what, "person '%s'", key);
    if (ing_org_authorize(c, "people", out->dept, what) < 0) {
        json_decref(out->json);
        out->json = NULL;
        return -1;
    }
    return 1;
}

/* Opens the change's transaction and locks the person `seen` read as
   version v. 0 (*locked filled), or -1 answered (409 when it changed). */
static int person_begin(ing_call_t *c, const person_t *seen, long long v, person_t *locked) {
    if (ing_org_begin(c) < 0)
        return -1;
    if (person_load(c, seen->id, 1, locked) != 1)
        return -1;
    if (locked->version == v && strcmp(locked->dept, seen->dept) == 0)
        return 0;
    hd_db_rollback(c->db);
    ing_org_conflict(c, "the person", locked->version, v);
    json_decref(locked->json);
    locked->json = NULL;
    return -1;
}

/* Runs a write of the person (sql's $1 is its id, params after it) and
   reads them back: 0 (*after filled), -1 answered 503. */
static int person_write(ing_call_t *c, const char *sql, const char *const *p, int n,
                        person_t *after) {
    if (hd_db_cmd(c->db, sql, n, p) < 0 ||
        hd_db_cmd(c->db, "UPDATE person SET version = version + 1 WHERE id = $1", 1, p) < 0) {
        ing_org_unavailable(c);
        return -1;
    }
    return person_load(c, p[0], 0, after) == 1 ? 0 : -1;
}

/* Records the change from before to after, commits, answers after. */
static void person_finish(ing_call_t *c, const char *object, const char *action, person_t *before,
                          person_t *after, const char *reason) {
    ing_org_change_t ch = {object, after->id,    action,     after->dept,
                           reason, before->json, after->json};
    ing_org_finish(c, &ch, 200, json_incref(after->json));
}

/* ---------- reads ---------- */

void ing_admin_people_list(ing_call_t *c) {
    char buf[256];
    const char *p[1];
    if (ing_org_scope(c, "people", hd_http_req_param(c->req, "department", buf, sizeof buf),
                      &p[0]) == 0)
        ing_org_list(c,
                     "SELECT " PERSON_JSON " FROM person p WHERE $1::text IS NULL OR "
                     "p.department_id = $1 ORDER BY p.email LIMIT 1000",
                     1, p);
}

void ing_admin_person_show(ing_call_t *c) {
    person_t p;
    if (person_admit(c, &p) == 1)
        ing_org_respond(c, 200, p.json);
}

/* ---------- invitation ---------- */

/* 1 if s looks like an email: one '@' with something on both sides, no
   space or control character. Pure. */
static int email_ok(const char *s) {
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const unsigned char *k = (const unsigned char *)s; *k; k++)
        if (*k <= 0x20 || *k == 0x7f)
            return 0;
    return 1;
}

/* May the caller give `role` (roles, NULL-terminated, all of it)? Every
   role must exist (else 422 naming it); one that carries an
   organization-wide grant, or orchestrator, needs an organization-wide
   grant of 'roles' (else 403 naming it). 0, or -1 answered. */
static int roles_admit(ing_call_t *c, hd_pgarray_t *roles, const char *field) {
    const char *p[1] = {hd_pgarray_str(roles)};
    PGresult *r = hd_db_exec(
        c->db,
        "SELECT x, r.name IS NOT NULL, x = 'orchestrator' OR EXISTS (SELECT 1 FROM admin_grant g "
        "WHERE g.role = x AND g.scope = 'organization') FROM unnest($1::text[]) x "
        "LEFT JOIN role r ON r.name = x",
        1, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        const char *name = PQgetvalue(r, i, 0);
        if (PQgetvalue(r, i, 1)[0] != 't') {
            ing_api_refuse(c, field ? 422 : 404, field ? field : "role",
                           field ? "invalid" : "not_found",
                           "no such role '%s' (huddle admin role "
                           "list)",
                           name);
            rc = -1;
        } else if (PQgetvalue(r, i, 2)[0] == 't') {
            int all = ing_org_allowed(c, "roles", NULL);
            if (all == 0)
                ing_api_refuse(c, 403, field ? field : "role", "forbidden",
                               "missing permission 'roles' for the whole organization: the role "
                               "'%s' carries an organization-wide grant",
                               name);
            rc = all == 1 ? 0 : -1;
        }
    }
    PQclear(r);
    return rc;
}

/* The invitation's roles[] into out: slugs, at most ING_MAX_ROLES. 0, or
   -1 answered 422. */
static int invite_roles(ing_call_t *c, json_t *body, hd_pgarray_t *out) {
    json_t *a = json_object_get(body, "roles"), *v;
    size_t i;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) > ING_MAX_ROLES) {
        ing_api_refuse(c, 422, "roles", "invalid", "roles must be an array of at most %d names",
                       ING_MAX_ROLES);
        return -1;
    }
    json_array_foreach(a, i, v) {
        if (!json_is_string(v) || !ing_admin_slug(json_string_value(v))) {
            ing_api_refuse(c, 422, "roles", "invalid", "roles[%zu] is not a role name", i);
            return -1;
        }
        hd_pgarray_add(out, json_string_value(v));
    }
    return 0;
}

/* Checks the invitation's fields; *roles receives its roles. 0, or -1
   answered. */
static int invite_check(ing_call_t *c, json_t *b, const char **email, const char **name,
                        const char **dept, hd_pgarray_t *roles) {
    if (ing_org_text(c, b, "email", 1, 3, 254, email) < 0 ||
        ing_org_text(c, b, "name", 1, 1, 200, name) < 0 ||
        ing_org_text(c, b, "department", 1, 1, 63, dept) < 0 || invite_roles(c, b, roles) < 0)
        return -1;
    if (!email_ok(*email)) {
        ing_api_refuse(c, 422, "email", "invalid", "email must be an address (name@domain)");
        return -1;
    }
    if (ing_org_authorize(c, "people", *dept, "department") < 0)
        return -1;
    if (ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", *dept, 422, "department",
                       "department") <= 0)
        return -1;
    return roles->n ? roles_admit(c, roles, "roles") : 0;
}

static const char *INVITE_SQL =
    "WITH p AS (INSERT INTO person (id, email, name, department_id) VALUES ($1, $2, $3, $4) "
    "           ON CONFLICT DO NOTHING RETURNING id), "
    "r AS (INSERT INTO person_role (person_id, role) SELECT p.id, x FROM p, "
    "      unnest($5::text[]) x ON CONFLICT DO NOTHING), "
    "t AS (INSERT INTO api_token (id, person_id, name, prefix, hash, scopes, expires_at, "
    "      created_by) SELECT $6, p.id, 'invitation', substr($7, 1, 12), "
    "      sha256(convert_to($7, 'UTF8')), '{read,submit,decide,admin}', "
    "      now() + interval '7 days', $8::uuid FROM p RETURNING expires_at) "
    "SELECT to_json(expires_at) #>> '{}' FROM t";

/* Inserts the person, their roles and token. 1 done (expires filled), 0
   the email is taken (answered 409), -1 answered 503. */
static int invite_insert(ing_call_t *c, const char *const *f, hd_pgarray_t *roles,
                         const char *token, char *expires, size_t len) {
    char id[HD_ID_LEN], tid[HD_ID_LEN];
    hd_id_random(id);
    hd_id_random(tid);
    const char *p[8] = {id,
                        f[0],
                        f[1],
                        f[2],
                        hd_pgarray_str(roles),
                        tid,
                        token,
                        c->who->token_id[0] ? c->who->token_id : NULL};
    PGresult *r = hd_db_exec(c->db, INVITE_SQL, 8, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int done = PQntuples(r) == 1;
    if (done)
        snprintf(expires, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!done)
        ing_org_refuse(c, 409, "email", "conflict", "a person with email '%s' exists already",
                       f[0]);
    return done;
}

void ing_admin_people_invite(ing_call_t *c) {
    static const char *const fields[] = {"email", "name", "department", "roles", NULL};
    json_t *b = ing_org_body(c, fields, 0);
    hd_pgarray_t roles = {0};
    const char *f[3];
    char token[HD_TOKEN_LEN], expires[64];
    person_t after = {0};
    if (!b || invite_check(c, b, &f[0], &f[1], &f[2], &roles) < 0)
        goto out;
    if (hd_token_new(token) < 0) {
        ing_api_refuse(c, 503, NULL, "unavailable", "no randomness for a token, retry");
        goto out;
    }
    if (ing_org_begin(c) < 0)
        goto out;
    if (invite_insert(c, f, &roles, token, expires, sizeof expires) != 1 ||
        person_load(c, f[0], 0, &after) != 1)
        goto out;
    ing_org_change_t ch = {"person", after.id, "invited", after.dept, NULL, NULL, after.json};
    json_t *ans = json_pack("{s:O, s:s, s:s}", "person", after.json, "invitation_token", token,
                            "expires_at", expires);
    ing_org_finish(c, &ch, 201, ans);
out:
    memset(token, 0, sizeof token);
    json_decref(after.json);
    hd_pgarray_free(&roles);
    json_decref(b);
}

/* ---------- changes ---------- */

/* The new department of an update (NULL: unchanged), which the caller
   must administer too and which must exist. 0, or -1 answered. */
static int update_department(ing_call_t *c, const person_t *seen, const char *dept) {
    if (!dept || strcmp(dept, seen->dept) == 0)
        return 0;
    if (ing_org_authorize(c, "people", dept, "department") < 0)
        return -1;
    return ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", dept, 422, "department",
                          "department") > 0
               ? 0
               : -1;
}

void ing_admin_person_update(ing_call_t *c) {
    static const char *const fields[] = {"name", "department", "version", NULL};
    person_t seen = {0}, before = {0}, after = {0};
    json_t *b = NULL;
    const char *name, *dept;
    long long v;
    if (person_admit(c, &seen) != 1)
        return;
    if (!(b = ing_org_body(c, fields, 0)) || ing_org_text(c, b, "name", 0, 1, 200, &name) < 0 ||
        ing_org_text(c, b, "department", 0, 1, 63, &dept) < 0)
        goto out;
    if (!name && !dept) {
        ing_api_refuse(c, 422, "name", "invalid", "nothing to change: give name or department");
        goto out;
    }
    if (update_department(c, &seen, dept) < 0 || (v = ing_org_required_version(c, b)) < 0 ||
        person_begin(c, &seen, v, &before) < 0)
        goto out;
    const char *p[3] = {before.id, name, dept};
    if (person_write(c,
                     "UPDATE person SET name = coalesce($2, name), department_id = "
                     "coalesce($3, department_id) WHERE id = $1",
                     p, 3, &after) == 0)
        person_finish(c, "person", "updated", &before, &after, NULL);
out:
    json_decref(seen.json);
    json_decref(before.json);
    json_decref(after.json);
    json_decref(b);
}

/* Deactivates (active 0) or activates (1) the person of the path. */
static void set_active(ing_call_t *c, int active) {
    static const char *const dfields[] = {"reason", "version", NULL};
    static const char *const afields[] = {"version", NULL};
    person_t seen = {0}, before = {0}, after = {0};
    json_t *b = NULL;
    const char *reason = NULL;
    long long v;
    ing_admin_keepers_t keep;
    char what[512];
    if (person_admit(c, &seen) != 1)
        return;
    if (!(b = ing_org_body(c, active ? afields : dfields, active)) ||
        (!active && ing_org_text(c, b, "reason", 1, 1, 500, &reason) < 0) ||
        (v = ing_org_required_version(c, b)) < 0 || person_begin(c, &seen, v, &before) < 0)
        goto out;
    if (before.active == active) {
        ing_org_refuse(c, 409, NULL, "conflict", "person '%s' is %s already", before.email,
                       active ? "active" : "inactive");
        goto out;
    }
    snprintf(what, sizeof what, "deactivating '%s'", before.email);
    const char *p[1] = {before.id};
    if ((!active && ing_admin_keepers(c, &keep) < 0) ||
        person_write(c,
                     active ? "UPDATE person SET active = true, deactivated_at = NULL WHERE id = $1"
                            : "UPDATE person SET active = false, deactivated_at = now() "
                              "WHERE id = $1",
                     p, 1, &after) < 0 ||
        (!active && ing_admin_keepers_check(c, &keep, what) < 0))
        goto out;
    person_finish(c, "person", active ? "activated" : "deactivated", &before, &after, reason);
out:
    json_decref(seen.json);
    json_decref(before.json);
    json_decref(after.json);
    json_decref(b);
}

void ing_admin_person_deactivate(ing_call_t *c) { set_active(c, 0); }
void ing_admin_person_activate(ing_call_t *c) { set_active(c, 1); }

/* 1 if the person JSON lists `role`. */
static int holds(json_t *person, const char *role) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(person, "roles"), i,
                       v) if (strcmp(json_string_value(v), role) == 0) return 1;
    return 0;
}

/* Gives (give 1) or takes (0) the role of the path to the person of the
   path. */
static void person_role(ing_call_t *c, int give) {
    static const char *const fields[] = {"version", NULL};
    const char *role = c->params[1];
    person_t seen = {0}, before = {0}, after = {0};
    json_t *b = NULL;
    hd_pgarray_t one = {0};
    ing_admin_keepers_t keep;
    long long v;
    char what[512];
    if (person_admit(c, &seen) != 1)
        return;
    hd_pgarray_add(&one, role);
    if (roles_admit(c, &one, NULL) < 0 || !(b = ing_org_body(c, fields, 1)) ||
        (v = ing_org_required_version(c, b)) < 0 || person_begin(c, &seen, v, &before) < 0)
        goto out;
    if (holds(before.json, role) == give) { /* nothing to do */
        hd_db_rollback(c->db);
        if (give)
            ing_org_respond(c, 200, json_incref(before.json));
        else
            ing_api_refuse(c, 404, "role", "not_found", "'%s' does not hold the role '%s'",
                           before.email, role);
        goto out;
    }
    snprintf(what, sizeof what, "taking the role '%s' from '%s'", role, before.email);
    const char *p[2] = {before.id, role};
    if ((!give && ing_admin_keepers(c, &keep) < 0) ||
        person_write(c,
                     give ? "INSERT INTO person_role (person_id, role) VALUES ($1, $2)"
                          : "DELETE FROM person_role WHERE person_id = $1 AND role = $2",
                     p, 2, &after) < 0 ||
        (!give && ing_admin_keepers_check(c, &keep, what) < 0))
        goto out;
    person_finish(c, "person_role", give ? "created" : "deleted", &before, &after, NULL);
out:
    hd_pgarray_free(&one);
    json_decref(seen.json);
    json_decref(before.json);
    json_decref(after.json);
    json_decref(b);
}

void ing_admin_person_role_put(ing_call_t *c) { person_role(c, 1); }
void ing_admin_person_role_delete(ing_call_t *c) { person_role(c, 0); }
