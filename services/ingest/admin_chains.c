/*  admin_chains: how work flows through the organization. Routing rules
    (permission routing, an object of the rule's department: a coach
    manages their own department's), approval steps (permission chains, an
    object of the step's department, organization-wide when it applies to
    every department), review roles and policy reviewers (permission
    chains, organization-wide). */
#include "admin_config.h"
#include "api.h"
#include "config_check.h"
#include "hd_pgarray.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_JSON                                                                             \
    "json_build_object('id', r.id, 'priority', r.priority, 'keywords', to_json(r.keywords), " \
    "'channel', r.channel_id, 'department', r.department_id, 'version', r.version)"
#define STEP_JSON                                                                   \
    "json_build_object('id', s.id, 'department', s.department_id, 'role', s.role, " \
    "'same_department', s.same_department, 'version', s.version)"

/* ---------------- routing rules ---------------- */

void ing_cfg_rules_list(ing_call_t *c) {
    const char *p[1];
    if (ing_org_scope(c, "routing", NULL, &p[0]) == 0)
        ing_org_list(c,
                     "SELECT " RULE_JSON " FROM routing_rule r "
                     "WHERE $1::text IS NULL OR r.department_id = $1 ORDER BY r.priority, r.id",
                     1, p);
}

/* The rule {id} (FOR UPDATE when lock) the caller may administer, or NULL:
   answered 404 (unknown, or another department's) / 403 / 503. */
static json_t *rule_of(ing_call_t *c, int lock) {
    const char *p[1] = {c->params[0]};
    char what[200];
    snprintf(what, sizeof what, "routing rule '%s'", c->params[0]);
    json_t *o;
    int got = ing_org_one(c,
                          lock ? "SELECT " RULE_JSON " FROM routing_rule r WHERE r.id = $1 "
                                 "FOR UPDATE"
                               : "SELECT " RULE_JSON " FROM routing_rule r WHERE r.id = $1",
                          1, p, &o);
    if (got == 0)
        ing_org_refuse(c, 404, NULL, "not_found", "no such %s", what);
    else if (got > 0 &&
             ing_org_authorize(c, "routing", json_string_value(json_object_get(o, "department")),
                               what) < 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

void ing_cfg_rule_get(ing_call_t *c) {
    json_t *o = rule_of(c, 0);
    if (o)
        ing_org_respond(c, 200, o);
}

/* A rule's checked fields, as text parameters; NULL where absent. */
typedef struct {
    const char *priority, *keywords, *channel, *department;
    int channel_given; /* "channel" present (null clears it) */
    char prio[24];
    hd_pgarray_t kw;
} rule_in_t;

static int rule_keywords(ing_call_t *c, json_t *k, rule_in_t *in) {
    size_t n = json_is_array(k) ? json_array_size(k) : 0, i;
    json_t *v;
    if (n < 1 || n > ING_CHECK_MAX_KEYWORDS) {
        ing_api_refuse(c, 422, "keywords", "invalid",
                       "keywords must be a list of 1 to %d words ('*' alone: every mention)",
                       ING_CHECK_MAX_KEYWORDS);
        return -1;
    }
    json_array_foreach(k, i, v) {
        const char *why = json_is_string(v) ? ing_check_keyword(json_string_value(v), n)
                                            : "each keyword must be a string";
        if (why) {
            ing_api_refuse(c, 422, "keywords", "invalid", "keywords[%zu]: %s", i, why);
            return -1;
        }
        hd_pgarray_add(&in->kw, json_string_value(v));
    }
    in->keywords = hd_pgarray_str(&in->kw);
    return 0;
}

/* Reads body into in (all required when create). -1 after 422. */
static int rule_fields(ing_call_t *c, json_t *body, int create, rule_in_t *in) {
    json_t *pr = json_object_get(body, "priority"), *k = json_object_get(body, "keywords");
    if ((pr || create) &&
        (!json_is_integer(pr) || json_integer_value(pr) < 0 || json_integer_value(pr) > 1000000)) {
        ing_api_refuse(c, 422, "priority", "invalid",
                       "priority must be an integer from 0 to 1000000 (lowest first)");
        return -1;
    }
    if (pr) {
        snprintf(in->prio, sizeof in->prio, "%lld", (long long)json_integer_value(pr));
        in->priority = in->prio;
    }
    if ((k || create) && rule_keywords(c, k, in) < 0)
        return -1;
    in->channel_given = json_object_get(body, "channel") != NULL;
    return ing_org_text(c, body, "channel", 0, 1, 63, &in->channel) ||
                   ing_org_text(c, body, "department", create, 1, 127, &in->department)
               ? -1
               : 0;
}

/* The channel and department named by in exist (in the open transaction):
   0, or -1 after rolling back and answering 422 / 503. */
static int rule_refs(ing_call_t *c, const rule_in_t *in) {
    return ing_org_exists(c, "SELECT 1 FROM channel WHERE id = $1", in->channel, 422, "channel",
                          "channel") > 0 &&
                   ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", in->department, 422,
                                  "department", "department") > 0
               ? 0
               : -1;
}

void ing_cfg_rule_create(ing_call_t *c) {
    static const char *const known[] = {"id",      "priority",   "keywords",
                                        "channel", "department", NULL};
    json_t *body = ing_api_body(c), *o = NULL;
    rule_in_t in = {0};
    const char *id = NULL, *why;
    if (!body || ing_org_known(c, body, known) || ing_org_text(c, body, "id", 1, 1, 63, &id) ||
        rule_fields(c, body, 1, &in))
        goto out;
    if ((why = ing_check_slug(id))) {
        ing_api_refuse(c, 422, "id", "invalid", "id %s", why);
        goto out;
    }
    char what[200];
    snprintf(what, sizeof what, "department '%s'", in.department);
    if (ing_org_authorize(c, "routing", in.department, what) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    if (rule_refs(c, &in) < 0)
        goto out;
    const char *p[5] = {id, in.priority, in.keywords, in.channel, in.department};
    int got = ing_org_one(c,
                          "INSERT INTO routing_rule AS r (id, priority, keywords, channel_id, "
                          "department_id) VALUES ($1, $2::int, $3::text[], $4, $5) "
                          "ON CONFLICT (id) DO NOTHING RETURNING " RULE_JSON,
                          5, p, &o);
    if (got == 0)
        ing_org_refuse(c, 409, "id", "exists", "routing rule '%s' exists already", id);
    else if (got > 0)
        ing_org_finish(
            c, &(ing_org_change_t){"routing_rule", id, "created", in.department, NULL, NULL, o},
            201, json_incref(o));
out:
    hd_pgarray_free(&in.kw);
    json_decref(o);
    json_decref(body);
}

/* PATCH: moving a rule to another department needs the permission there
   too. */
void ing_cfg_rule_update(ing_call_t *c) {
    static const char *const known[] = {"priority",   "keywords", "channel",
                                        "department", "version",  NULL};
    json_t *body = ing_api_body(c), *before = NULL, *after = NULL;
    rule_in_t in = {0};
    long long want;
    if (!body || ing_org_known(c, body, known) || rule_fields(c, body, 0, &in) ||
        (want = ing_org_required_version(c, body)) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    char what[200];
    snprintf(what, sizeof what, "department '%s'", in.department ? in.department : "");
    if (!(before = rule_of(c, 1)) ||
        (in.department && ing_org_authorize(c, "routing", in.department, what) < 0) ||
        ing_org_fresh(c, before, want, "the routing rule") || rule_refs(c, &in) < 0)
        goto out;
    const char *p[6] = {c->params[0], in.priority,   in.keywords,
                        in.channel,   in.department, in.channel_given ? "t" : "f"};
    int got = ing_org_one(c,
                          "UPDATE routing_rule r SET priority = coalesce($2::int, priority), "
                          "keywords = coalesce($3::text[], keywords), "
                          "channel_id = CASE WHEN $6::boolean THEN $4 ELSE channel_id END, "
                          "department_id = coalesce($5, department_id), version = version + 1 "
                          "WHERE r.id = $1 RETURNING " RULE_JSON,
                          6, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(c,
                       &(ing_org_change_t){"routing_rule", c->params[0], "updated",
                                           json_string_value(json_object_get(after, "department")),
                                           NULL, before, after},
                       200, json_incref(after));
out:
    hd_pgarray_free(&in.kw);
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

void ing_cfg_rule_delete(ing_call_t *c) {
    long long want = ing_org_required_version(c, NULL);
    if (want < 0)
        return;
    if (ing_org_begin(c) < 0)
        return;
    json_t *before = rule_of(c, 1);
    if (!before || ing_org_fresh(c, before, want, "the routing rule"))
        goto out;
    const char *p[1] = {c->params[0]};
    if (hd_db_cmd(c->db, "DELETE FROM routing_rule WHERE id = $1", 1, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(c,
                       &(ing_org_change_t){"routing_rule", c->params[0], "deleted",
                                           json_string_value(json_object_get(before, "department")),
                                           NULL, before, NULL},
                       200, json_incref(before));
out:
    json_decref(before);
}

/* ---------------- approval steps ---------------- */

void ing_cfg_steps_list(ing_call_t *c) {
    const char *p[1];
    if (ing_org_scope(c, "chains", NULL, &p[0]) == 0)
        ing_org_list(c,
                     "SELECT " STEP_JSON " FROM approval_step s "
                     "WHERE $1::text IS NULL OR s.department_id = $1 "
                     "ORDER BY s.department_id NULLS FIRST, s.role",
                     1, p);
}

/* The role (or 'auto') and the department (when given) exist: 0, or -1
   after rolling back and answering 422 / 503. */
static int step_refs(ing_call_t *c, const char *role, const char *dept) {
    const char *p[1] = {role};
    long r = strcmp(role, "auto") == 0
                 ? 1
                 : hd_db_count(c->db, "SELECT 1 FROM role WHERE name = $1", 1, p);
    if (r < 0)
        ing_org_unavailable(c);
    else if (!r)
        ing_org_refuse(c, 422, "role", "invalid", "no such role '%s' (nor 'auto')", role);
    return r > 0 && ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", dept, 422,
                                   "department", "department") > 0
               ? 0
               : -1;
}

void ing_cfg_step_create(ing_call_t *c) {
    static const char *const known[] = {"department", "role", "same_department", NULL};
    json_t *body = ing_api_body(c), *o = NULL;
    const char *p[3] = {NULL, NULL, "t"};
    if (!body || ing_org_known(c, body, known) ||
        ing_org_text(c, body, "department", 0, 1, 127, &p[0]) ||
        ing_org_text(c, body, "role", 1, 1, 63, &p[1]) ||
        ing_org_bool(c, body, "same_department", &p[2]))
        goto out;
    char what[200];
    snprintf(what, sizeof what, "department '%s'", p[0] ? p[0] : "");
    if (ing_org_authorize(c, "chains", p[0], what) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    if (step_refs(c, p[1], p[0]) < 0)
        goto out;
    int got =
        ing_org_one(c,
                    "INSERT INTO approval_step AS s (department_id, role, same_department) "
                    "VALUES ($1, $2, $3::boolean) ON CONFLICT DO NOTHING RETURNING " STEP_JSON,
                    3, p, &o);
    char id[24];
    snprintf(id, sizeof id, "%lld",
             o ? (long long)json_integer_value(json_object_get(o, "id")) : 0);
    if (got == 0)
        ing_org_refuse(c, 409, "role", "exists", "the chain of %s already has the step '%s'",
                       p[0] ? p[0] : "every department", p[1]);
    else if (got > 0)
        ing_org_finish(c, &(ing_org_change_t){"approval_step", id, "created", p[0], NULL, NULL, o},
                       201, json_incref(o));
out:
    json_decref(o);
    json_decref(body);
}

void ing_cfg_step_delete(ing_call_t *c) {
    char *end = NULL;
    long id = strtol(c->params[0], &end, 10);
    if (!*c->params[0] || *end || id <= 0) {
        ing_api_refuse(c, 404, "id", "not_found", "no such approval step '%s'", c->params[0]);
        return;
    }
    long long want = ing_org_required_version(c, NULL);
    if (want < 0)
        return;
    if (ing_org_begin(c) < 0)
        return;
    const char *p[1] = {c->params[0]};
    char what[200];
    snprintf(what, sizeof what, "approval step '%s'", c->params[0]);
    json_t *before;
    int got =
        ing_org_one(c, "SELECT " STEP_JSON " FROM approval_step s WHERE s.id = $1::int FOR UPDATE",
                    1, p, &before);
    const char *dept = json_string_value(json_object_get(before, "department"));
    if (got == 0)
        ing_org_refuse(c, 404, "id", "not_found", "no such %s", what);
    if (!before || ing_org_authorize(c, "chains", dept, what) < 0 ||
        ing_org_fresh(c, before, want, "the approval step"))
        goto out;
    if (hd_db_cmd(c->db, "DELETE FROM approval_step WHERE id = $1::int", 1, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(
            c,
            &(ing_org_change_t){"approval_step", c->params[0], "deleted", dept, NULL, before, NULL},
            200, json_incref(before));
out:
    json_decref(before);
}

/* ---------------- review roles and policy reviewers ---------------- */

/* A table keyed by a role (review_role, policy_review_step), one value per
   row: what differs between the two. */
typedef struct {
    const char *object; /* the event's object */
    const char *field;  /* the value's JSON member */
    int is_bool;        /* 1: boolean (default false), 0: integer (default 0) */
    const char *select; /* $1 role -> the row's JSON */
    const char *list;   /* every row's JSON */
    const char *upsert; /* $1 role, $2 value (NULL: keep / default) -> JSON */
    const char *remove; /* $1 role */
} keyed_t;

static const keyed_t s_review_role = {
    "review_role",
    "same_department",
    1,
    "SELECT json_build_object('role', k.role, 'same_department', k.same_department, 'version', "
    "k.version) FROM review_role k WHERE k.role = $1 FOR UPDATE",
    "SELECT json_build_object('role', k.role, 'same_department', k.same_department, 'version', "
    "k.version) FROM review_role k ORDER BY k.role",
    "INSERT INTO review_role AS k (role, same_department) VALUES ($1, coalesce($2::boolean, "
    "false)) ON CONFLICT (role) DO UPDATE SET same_department = coalesce($2::boolean, "
    "k.same_department), version = k.version + 1 RETURNING json_build_object('role', k.role, "
    "'same_department', k.same_department, 'version', k.version)",
    "DELETE FROM review_role WHERE role = $1"};

static const keyed_t s_reviewer = {
    "policy_review_step",
    "ord",
    0,
    "SELECT json_build_object('role', k.role, 'ord', k.ord, 'version', k.version) "
    "FROM policy_review_step k WHERE k.role = $1 FOR UPDATE",
    "SELECT json_build_object('role', k.role, 'ord', k.ord, 'version', k.version) "
    "FROM policy_review_step k ORDER BY k.ord, k.role",
    "INSERT INTO policy_review_step AS k (role, ord) VALUES ($1, coalesce($2::int, 0)) "
    "ON CONFLICT (role) DO UPDATE SET ord = coalesce($2::int, k.ord), version = k.version + 1 "
    "RETURNING json_build_object('role', k.role, 'ord', k.ord, 'version', k.version)",
    "DELETE FROM policy_review_step WHERE role = $1"};

/* The keyed value of body into *out (text; NULL when absent). */
static int keyed_value(ing_call_t *c, const keyed_t *k, json_t *body, const char **out, char *buf) {
    const char *known[] = {k->field, "version", NULL};
    json_t *v = json_object_get(body, k->field);
    *out = NULL;
    if (ing_org_known(c, body, known))
        return -1;
    if (k->is_bool)
        return ing_org_bool(c, body, k->field, out);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000) {
        ing_api_refuse(c, 422, k->field, "invalid", "'%s' must be an integer from 0 to 1000000",
                       k->field);
        return -1;
    }
    snprintf(buf, 24, "%lld", (long long)json_integer_value(v));
    *out = buf;
    return 0;
}

/* The row of role {role} FOR UPDATE, after checking the role exists:
   1 found, 0 none, -1 answered (404 unknown role, 503). */
static int keyed_row(ing_call_t *c, const keyed_t *k, json_t **o) {
    const char *p[1] = {c->params[0]};
    *o = NULL;
    if (ing_org_exists(c, "SELECT 1 FROM role WHERE name = $1", c->params[0], 404, "role",
                       "role") <= 0)
        return -1;
    return ing_org_one(c, k->select, 1, p, o);
}

static void keyed_put(ing_call_t *c, const keyed_t *k) {
    if (ing_org_authorize(c, "chains", NULL, "role") < 0)
        return;
    json_t *body = ing_api_body(c), *before = NULL, *after = NULL;
    const char *p[2] = {c->params[0], NULL};
    char buf[24];
    long long want;
    if (!body || keyed_value(c, k, body, &p[1], buf) ||
        (want = ing_org_expected_version(c, body)) < 0)
        goto out;
    if (ing_org_begin(c) < 0)
        goto out;
    int have = keyed_row(c, k, &before);
    if (have < 0)
        goto out;
    if (have && want == 0) {
        ing_org_refuse(c, 428, "If-Match", "precondition_required",
                       "'%s' is set: send the version you read (If-Match or \"version\")",
                       c->params[0]);
        goto out;
    }
    if (have && ing_org_fresh(c, before, want, c->params[0]))
        goto out;
    int got = ing_org_one(c, k->upsert, 2, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(c,
                       &(ing_org_change_t){k->object, c->params[0], have ? "updated" : "created",
                                           NULL, NULL, before, after},
                       have ? 200 : 201, json_incref(after));
out:
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

static void keyed_delete(ing_call_t *c, const keyed_t *k) {
    if (ing_org_authorize(c, "chains", NULL, "role") < 0)
        return;
    long long want = ing_org_required_version(c, NULL);
    if (want < 0)
        return;
    if (ing_org_begin(c) < 0)
        return;
    json_t *before = NULL;
    int have = keyed_row(c, k, &before);
    if (have == 0)
        ing_org_refuse(c, 404, "role", "not_found", "'%s' is not set", c->params[0]);
    if (have <= 0 || ing_org_fresh(c, before, want, c->params[0]))
        goto out;
    const char *p[1] = {c->params[0]};
    if (hd_db_cmd(c->db, k->remove, 1, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(
            c, &(ing_org_change_t){k->object, c->params[0], "deleted", NULL, NULL, before, NULL},
            200, json_incref(before));
out:
    json_decref(before);
}

static void keyed_list(ing_call_t *c, const keyed_t *k) {
    if (ing_org_authorize(c, "chains", NULL, "role") == 0)
        ing_org_list(c, k->list, 0, NULL);
}

void ing_cfg_review_roles_list(ing_call_t *c) { keyed_list(c, &s_review_role); }
void ing_cfg_review_role_put(ing_call_t *c) { keyed_put(c, &s_review_role); }
void ing_cfg_review_role_delete(ing_call_t *c) { keyed_delete(c, &s_review_role); }
void ing_cfg_reviewers_list(ing_call_t *c) { keyed_list(c, &s_reviewer); }
void ing_cfg_reviewer_put(ing_call_t *c) { keyed_put(c, &s_reviewer); }
void ing_cfg_reviewer_delete(ing_call_t *c) { keyed_delete(c, &s_reviewer); }
