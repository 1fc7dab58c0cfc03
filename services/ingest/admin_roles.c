/*  admin_roles: the role catalog and the grants of who may administer what
    (admin.h, docs/admin.md). Both are organization-wide objects: changing
    them needs an organization-wide grant of 'roles' or 'grants'. A grant
    change never leaves the organization without an active orchestrator or
    without someone able to change the grants (ing_admin_keepers). */
#include "admin.h"

#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The permissions a grant may name (hd_perm.h, 009_org.sql). */
static const char *const PERMISSIONS[] = {
    "*",         "departments", "people",           "roles",          "grants",
    "channels",  "routing",     "chains",           "certifications", "delegations",
    "tokens",    "history",     "policy-emergency", "deadletters",    "webhooks",
    "playbooks", NULL};

#define ROLE_JSON                                                                                \
    "json_build_object('name', r.name, 'description', r.description, 'builtin', r.builtin, "     \
    "'version', r.version, 'holders', (SELECT count(*) FROM person_role pr JOIN person p ON "    \
    "p.id = pr.person_id WHERE pr.role = r.name AND p.active), 'organization_wide', r.name = "   \
    "'orchestrator' OR EXISTS (SELECT 1 FROM admin_grant g WHERE g.role = r.name AND g.scope = " \
    "'organization'))::text"

#define GRANT_JSON                                                                     \
    "json_build_object('role', g.role, 'permission', g.permission, 'scope', g.scope, " \
    "'version', g.version)::text"

/* ---------- roles ---------- */

void ing_admin_roles_list(ing_call_t *c) {
    ing_org_list(c, "SELECT " ROLE_JSON " FROM role r ORDER BY r.name LIMIT 1000", 0, NULL);
}

void ing_admin_roles_create(ing_call_t *c) {
    static const char *const fields[] = {"name", "description", NULL};
    if (ing_org_authorize(c, "roles", NULL, "role") < 0)
        return;
    json_t *b = ing_org_body(c, fields, 0), *after = NULL;
    const char *name, *desc;
    if (!b || ing_org_text(c, b, "name", 1, 1, 63, &name) < 0 ||
        ing_org_text(c, b, "description", 0, 0, 500, &desc) < 0)
        goto out;
    if (!ing_admin_slug(name)) {
        ing_api_refuse(c, 422, "name", "invalid", "name must match ^[a-z][a-z0-9-]{0,62}$");
        goto out;
    }
    const char *p[2] = {name, desc ? desc : ""};
    if (ing_org_begin(c) < 0)
        goto out;
    int rc = ing_org_one(c,
                         "WITH r AS (INSERT INTO role (name, description) VALUES ($1, $2) "
                         "ON CONFLICT DO NOTHING RETURNING *) SELECT " ROLE_JSON " FROM r",
                         2, p, &after);
    if (rc == 0)
        ing_org_refuse(c, 409, "name", "conflict", "the role '%s' exists already", name);
    if (rc == 1) {
        ing_org_change_t ch = {"role", name, "created", "", NULL, NULL, after};
        ing_org_finish(c, &ch, 201, json_incref(after));
    }
out:
    json_decref(after);
    json_decref(b);
}

/* Where the role is still used, as a sentence into why ("" unused). 0, or
   -1 answered 503. */
static int role_uses(ing_call_t *c, const char *name, char *why, size_t len) {
    static const char *what[] = {
        "held by %s person(s) (person_role)", "in %s grant(s) (admin_grant)",
        "in %s approval step(s) (approval_step)", "a review role (review_role: %s)",
        "a policy reviewer (policy_review_step: %s)"};
    const char *p[1] = {name};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT (SELECT count(*) FROM person_role WHERE role = $1), "
                             "(SELECT count(*) FROM admin_grant WHERE role = $1), "
                             "(SELECT count(*) FROM approval_step WHERE role = $1), "
                             "(SELECT count(*) FROM review_role WHERE role = $1), "
                             "(SELECT count(*) FROM policy_review_step WHERE role = $1)",
                             1, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    why[0] = 0;
    for (int i = 0; i < 5; i++) {
        if (strcmp(PQgetvalue(r, 0, i), "0") == 0)
            continue;
        size_t used = strlen(why);
        snprintf(why + used, len - used, "%s", used ? ", " : "");
        used = strlen(why);
        snprintf(why + used, len - used, what[i], PQgetvalue(r, 0, i));
    }
    PQclear(r);
    return 0;
}

void ing_admin_roles_delete(ing_call_t *c) {
    static const char *const fields[] = {"version", NULL};
    const char *name = c->params[0];
    json_t *b = NULL, *before = NULL;
    long long v;
    char uses[512];
    if (ing_org_authorize(c, "roles", NULL, "role") < 0 || !(b = ing_org_body(c, fields, 1)) ||
        (v = ing_org_required_version(c, b)) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    const char *p[1] = {name};
    int rc = ing_org_one(c, "SELECT " ROLE_JSON " FROM role r WHERE r.name = $1 FOR UPDATE", 1, p,
                         &before);
    if (rc == 0) {
        ing_org_refuse(c, 404, "name", "not_found", "no such role '%s'", name);
    }
    if (rc != 1 || ing_org_fresh(c, before, v, "the role") < 0)
        goto out;
    if (json_is_true(json_object_get(before, "builtin"))) {
        ing_org_refuse(c, 409, "name", "conflict", "the role '%s' is built in", name);
        goto out;
    }
    if (role_uses(c, name, uses, sizeof uses) < 0)
        goto out;
    if (uses[0]) {
        ing_org_refuse(c, 409, "name", "conflict", "the role '%s' is in use: %s", name, uses);
        goto out;
    }
    if (hd_db_cmd(c->db, "DELETE FROM role WHERE name = $1", 1, p) < 0) {
        ing_org_unavailable(c);
        goto out;
    }
    ing_org_change_t ch = {"role", name, "deleted", "", NULL, before, NULL};
    ing_org_finish(c, &ch, 200, json_incref(before));
out:
    json_decref(before);
    json_decref(b);
}

/* ---------- grants ---------- */

void ing_admin_grants_list(ing_call_t *c) {
    if (ing_org_authorize(c, "grants", NULL, "grant") == 0)
        ing_org_list(c,
                     "SELECT " GRANT_JSON " FROM admin_grant g ORDER BY g.role, g.permission "
                     "LIMIT 1000",
                     0, NULL);
}

/* The grant of the path, authorized and checked: its role exists and its
   permission is known. 0, or -1 answered. */
static int grant_admit(ing_call_t *c) {
    const char *role = c->params[0], *perm = c->params[1];
    if (ing_org_authorize(c, "grants", NULL, "grant") < 0)
        return -1;
    int known = 0;
    for (size_t i = 0; PERMISSIONS[i] && !known; i++)
        known = strcmp(PERMISSIONS[i], perm) == 0;
    if (!known) {
        ing_api_refuse(c, 422, "permission", "invalid",
                       "unknown permission '%s' (one of *, departments, people, roles, grants, "
                       "channels, routing, chains, certifications, delegations, tokens, history, "
                       "policy-emergency, deadletters, webhooks, playbooks)",
                       perm);
        return -1;
    }
    long n = hd_db_count(c->db, "SELECT 1 FROM role WHERE name = $1", 1, &role);
    if (n > 0)
        return 0;
    if (n < 0)
        ing_org_unavailable(c);
    else
        ing_api_refuse(c, 404, "role", "not_found", "no such role '%s'", role);
    return -1;
}

/* Opens the grant change's transaction: the keepers counted, the grant of
   the path locked into *before (NULL when there is none). 0, or -1
   answered. */
static int grant_begin(ing_call_t *c, ing_admin_keepers_t *keep, json_t **before) {
    const char *p[2] = {c->params[0], c->params[1]};
    if (ing_org_begin(c) < 0)
        return -1;
    if (ing_admin_keepers(c, keep) < 0)
        return -1;
    return ing_org_one(c,
                       "SELECT " GRANT_JSON " FROM admin_grant g WHERE g.role = $1 AND "
                       "g.permission = $2 FOR UPDATE",
                       2, p, before) < 0
               ? -1
               : 0;
}

/* Writes the grant change (sql: $1 role, $2 permission, $3 scope; the
   grant after as GRANT_JSON, or nothing), checks the keepers and
   finishes. */
static void grant_write(ing_call_t *c, const char *sql, const char *scope,
                        const ing_admin_keepers_t *keep, json_t *before, const char *action,
                        int status) {
    const char *p[3] = {c->params[0], c->params[1], scope};
    json_t *after = NULL;
    char what[512], id[300];
    snprintf(what, sizeof what, "changing the grant of '%s' to role '%s'", p[1], p[0]);
    snprintf(id, sizeof id, "%s/%s", p[0], p[1]);
    if (ing_org_one(c, sql, scope ? 3 : 2, p, &after) < 0 ||
        ing_admin_keepers_check(c, keep, what) < 0) {
        json_decref(after);
        return;
    }
    ing_org_change_t ch = {"grant", id, action, "", NULL, before, after};
    ing_org_finish(c, &ch, status, json_incref(after ? after : before));
    json_decref(after);
}

void ing_admin_grants_put(ing_call_t *c) {
    static const char *const fields[] = {"scope", "version", NULL};
    json_t *b = NULL, *before = NULL;
    const char *scope;
    ing_admin_keepers_t keep;
    long long v;
    if (grant_admit(c) < 0 || !(b = ing_org_body(c, fields, 0)) ||
        ing_org_text(c, b, "scope", 1, 1, 32, &scope) < 0 ||
        (v = ing_org_expected_version(c, b)) < 0)
        goto out;
    if (strcmp(scope, "organization") != 0 && strcmp(scope, "department") != 0) {
        ing_api_refuse(c, 422, "scope", "invalid", "scope must be 'organization' or 'department'");
        goto out;
    }
    if (grant_begin(c, &keep, &before) < 0)
        goto out;
    if (before && v == 0) {
        ing_org_version_missing(c);
        goto out;
    }
    if (before && ing_org_fresh(c, before, v, "the grant") < 0)
        goto out;
    if (before)
        grant_write(c,
                    "WITH g AS (UPDATE admin_grant SET scope = $3, version = version + 1 "
                    "WHERE role = $1 AND permission = $2 RETURNING *) SELECT " GRANT_JSON " FROM g",
                    scope, &keep, before, "updated", 200);
    else
        grant_write(c,
                    "WITH g AS (INSERT INTO admin_grant (role, permission, scope) VALUES "
                    "($1, $2, $3) RETURNING *) SELECT " GRANT_JSON " FROM g",
                    scope, &keep, NULL, "created", 201);
out:
    json_decref(before);
    json_decref(b);
}

void ing_admin_grants_delete(ing_call_t *c) {
    static const char *const fields[] = {"version", NULL};
    json_t *b = NULL, *before = NULL;
    ing_admin_keepers_t keep;
    long long v;
    if (grant_admit(c) < 0 || !(b = ing_org_body(c, fields, 1)) ||
        (v = ing_org_required_version(c, b)) < 0 || grant_begin(c, &keep, &before) < 0)
        goto out;
    if (!before) {
        ing_org_refuse(c, 404, "permission", "not_found", "the role '%s' has no grant of '%s'",
                       c->params[0], c->params[1]);
        goto out;
    }
    if (ing_org_fresh(c, before, v, "the grant") < 0)
        goto out;
    grant_write(c, "DELETE FROM admin_grant WHERE role = $1 AND permission = $2", NULL, &keep,
                before, "deleted", 200);
out:
    json_decref(before);
    json_decref(b);
}
