/*  admin_config: administering the organization's configuration through
    the API (docs/admin-channels.md): channels and the departments'
    accounts on them (admin_channels.c), routing rules, approval steps,
    review roles and policy reviewers (admin_chains.c), certifications and
    delegations (admin_facts.c). The route table, ing_config_routes, and
    the helpers every one of those handlers shares live in admin_config.c.
    Objects are read as JSON built by PostgreSQL (json_build_object), so
    that a read and the event of a change show the same object; a
    credential is never part of one. */
#ifndef ING_ADMIN_CONFIG_H
#define ING_ADMIN_CONFIG_H

#include "org.h"
#include "route.h"

#include <jansson.h>

/* The key sealing channel credentials (hd_secret.h), copied; NULL: none
   (setting an account's credential then answers 503). Set once by main
   before requests arrive. */
void ing_config_set_key(const unsigned char *key);

/* ---- handlers (admin_channels.c, admin_chains.c, admin_facts.c) ---- */
void ing_cfg_channels_list(ing_call_t *c);
void ing_cfg_channel_create(ing_call_t *c);
void ing_cfg_channel_get(ing_call_t *c);
void ing_cfg_channel_update(ing_call_t *c);
void ing_cfg_accounts_list(ing_call_t *c);
void ing_cfg_account_put(ing_call_t *c);
void ing_cfg_account_delete(ing_call_t *c);
void ing_cfg_rules_list(ing_call_t *c);
void ing_cfg_rule_create(ing_call_t *c);
void ing_cfg_rule_get(ing_call_t *c);
void ing_cfg_rule_update(ing_call_t *c);
void ing_cfg_rule_delete(ing_call_t *c);
void ing_cfg_steps_list(ing_call_t *c);
void ing_cfg_step_create(ing_call_t *c);
void ing_cfg_step_delete(ing_call_t *c);
void ing_cfg_review_roles_list(ing_call_t *c);
void ing_cfg_review_role_put(ing_call_t *c);
void ing_cfg_review_role_delete(ing_call_t *c);
void ing_cfg_reviewers_list(ing_call_t *c);
void ing_cfg_reviewer_put(ing_call_t *c);
void ing_cfg_reviewer_delete(ing_call_t *c);
void ing_cfg_certs_list(ing_call_t *c);
void ing_cfg_cert_create(ing_call_t *c);
void ing_cfg_cert_update(ing_call_t *c);
void ing_cfg_cert_delete(ing_call_t *c);
void ing_cfg_delegations_list(ing_call_t *c);
void ing_cfg_delegation_create(ing_call_t *c);
void ing_cfg_delegation_delete(ing_call_t *c);

/* ---- shared by the handlers (admin_config.c) ---- */

/* How far the caller's grants of `permission` reach: 2 the organization,
   1 the caller's own department, 0 nowhere. -1 after answering 503. */
int ing_cfg_reach(ing_call_t *c, const char *permission);

/* For a list: the department to filter on (*dept: NULL for every one, the
   caller's own when its grant is department-scoped). -1 after answering
   403 (no grant at all) or 503. */
int ing_cfg_list_scope(ing_call_t *c, const char *permission, const char **dept);

/* The JSON object in the first column of sql's first row (a new
   reference), or NULL: no row (*err 0) or a database error (*err 1). */
json_t *ing_cfg_one(hd_db_t *db, const char *sql, int n, const char *const *p, int *err);

/* Answers {"items":[...]} of the first column of every row of sql, or 503. */
void ing_cfg_list(ing_call_t *c, const char *sql, int n, const char *const *p);

/* Answers obj (the reference is taken) with an ETag of its "version". */
void ing_cfg_answer(ing_call_t *c, int status, json_t *obj);

/* Rolls back c->db's transaction, then refuses (ing_api_refuse). */
void ing_cfg_refuse(ing_call_t *c, int status, const char *field, const char *code, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* ing_org_authorize that also rolls back c->db's transaction when it
   refuses (0 allowed, -1 answered). */
int ing_cfg_authorize(ing_call_t *c, const char *permission, const char *dept, const char *what);

/* 0 when every member of body is in allowed (NULL-terminated), else -1
   after answering 422 naming the first unknown one. */
int ing_cfg_known(ing_call_t *c, json_t *body, const char *const *allowed);

/* body's string member `name` into *out (borrowed; NULL when absent or
   null). -1 after answering 422 when it is required and absent, not a
   string, empty or longer than max bytes. */
int ing_cfg_text(ing_call_t *c, json_t *body, const char *name, int required, size_t max,
                 const char **out);

/* body's boolean member `name` into *out ("t"/"f"; left as is when
   absent). -1 after answering 422 when it is not a boolean. */
int ing_cfg_bool(ing_call_t *c, json_t *body, const char *name, const char **out);

/* The version the caller read (If-Match or body's "version"; body NULL:
   the request's own body when it has one, {"version": N} only): > 0, or
   -1 after answering 428 (neither given), 400 or 422 (malformed). */
long long ing_cfg_want(ing_call_t *c, json_t *body);

/* In an open transaction: 0 when before's "version" is want, else -1
   after rolling back and answering 409. */
int ing_cfg_fresh(ing_call_t *c, json_t *before, long long want, const char *what);

/* Records org.<object>.<action> and commits c->db's transaction. 0, or -1
   after rolling back and answering 503. */
int ing_cfg_finish(ing_call_t *c, const char *object, const char *id, const char *action,
                   const char *dept, json_t *before, json_t *after);

/* A person named by uuid or email, in an open transaction or not: its id
   and department into id / dept. 1 found, 0 not, -1 database error. */
int ing_cfg_person(ing_call_t *c, const char *who, char *id, char *dept, size_t dept_len);

/* 1 when `sql` (one parameter) returns a row, 0 when not, -1 on error. */
int ing_cfg_exists(ing_call_t *c, const char *sql, const char *param);

#endif
