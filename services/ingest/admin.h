/*  admin: the administration of departments, people, roles, grants and the
    organization's history over the HTTP API (docs/admin.md). admin.c holds
    the route table, the departments, the history and what the handlers
    share (below); admin_people.c the people and their roles;
    admin_roles.c the role catalog and the grants. Every change is one
    transaction on c->db: the row locked, its version checked and bumped,
    one org.* event (org.h), then the commit. */
#ifndef ING_ADMIN_H
#define ING_ADMIN_H

#include "org.h"
#include "route.h"

#include <jansson.h>

/* ---- handlers (route table in admin.c) ---- */
void ing_admin_people_list(ing_call_t *c);   /* GET /v1/admin/people */
void ing_admin_people_invite(ing_call_t *c); /* POST /v1/admin/people */
void ing_admin_person_show(ing_call_t *c);   /* GET /v1/admin/people/{id} */
void ing_admin_person_update(ing_call_t *c); /* PATCH /v1/admin/people/{id} */
void ing_admin_person_deactivate(ing_call_t *c);
void ing_admin_person_activate(ing_call_t *c);
void ing_admin_person_role_put(ing_call_t *c);    /* PUT .../roles/{role} */
void ing_admin_person_role_delete(ing_call_t *c); /* DELETE .../roles/{role} */
void ing_admin_roles_list(ing_call_t *c);
void ing_admin_roles_create(ing_call_t *c);
void ing_admin_roles_delete(ing_call_t *c);
void ing_admin_grants_list(ing_call_t *c);
void ing_admin_grants_put(ing_call_t *c);
void ing_admin_grants_delete(ing_call_t *c);

/* ---- shared by the handlers ---- */

/* 1 if s is a name of the organization's catalog: ^[a-z][a-z0-9-]{0,62}$
   (department ids, role names). Pure. */
int ing_admin_slug(const char *s);

/* The request's body as a JSON object (caller decrefs): an empty object
   when the body is empty and `optional` (DELETE, activate); NULL after
   answering 400 (not a JSON object) or 422 naming the first member that
   is not in `allowed` (NULL-terminated). */
json_t *ing_admin_body(ing_call_t *c, const char *const *allowed, int optional);

/* The string member `name` of body (borrowed from it) into *out: NULL
   when absent (or JSON null) and not required. Its length in bytes must be
   within min..max. 0, or -1 after answering 422 naming the member. */
int ing_admin_text(ing_call_t *c, json_t *body, const char *name, int required, size_t min,
                   size_t max, const char **out);

/* The version the caller read (If-Match or "version"), which a change of
   an existing object requires: > 0, or -1 after answering 428 naming
   If-Match (none given) or 422 (not a positive integer). */
long long ing_admin_version(ing_call_t *c, json_t *body);

/* Runs sql (its first column: a JSON text per row) on db. rows: every
   row's JSON in a new array (caller decrefs). Returns the number of rows,
   or -1 after answering 503. */
int ing_admin_rows(ing_call_t *c, hd_db_t *db, const char *sql, int n, const char *const *p,
                   json_t **rows);

/* Answers obj (taken) with status, and an ETag "\"N\"" when obj has an
   integer "version". */
void ing_admin_respond(ing_call_t *c, int status, json_t *obj);

/* Whether the caller's grants allow `permission` on every object of the
   organization (hd_perm's rule with an organization-wide object). 1 yes,
   0 no, -1 after answering 503. Answers nothing else. */
int ing_admin_org_wide(ing_call_t *c, const char *permission);

/* A change of the organization, as ing_admin_finish records it. before and
   after are borrowed JSON objects (NULL: none). */
typedef struct {
    const char *object, *object_id, *action, *department, *reason;
    json_t *before, *after;
} ing_admin_change_t;

/* Ends the open transaction of a change: records its event, commits, and
   answers `status` with `answer` (taken). On a database error answers 503
   instead (rolled back). */
void ing_admin_finish(ing_call_t *c, const ing_admin_change_t *ch, int status, json_t *answer);

/* Rolls back the open transaction and answers 409 (field may be NULL). */
void ing_admin_refuse_conflict(ing_call_t *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Who can still run the organization: active orchestrators, and active
   people holding an organization-wide grant of '*' or 'grants'. */
typedef struct {
    long orchestrators, administrators;
} ing_admin_keepers_t;

/* Counts the keepers in the open transaction, the first time also taking
   the transaction's lock on such changes (so two concurrent changes cannot
   each leave the other the last). 0, or -1 after answering 503. */
int ing_admin_keepers(ing_call_t *c, ing_admin_keepers_t *out);

/* What is wrong when a change takes the keepers from before to after
   (NULL: nothing): the last active orchestrator, or the last person able
   to administer grants, may not go. Pure. */
const char *ing_admin_keepers_lost(const ing_admin_keepers_t *before,
                                   const ing_admin_keepers_t *after);

/* After a change in the open transaction whose keepers were `before`:
   0 when the organization keeps its keepers; -1 after rolling back and
   answering 409 naming `what` ("deactivating 'x'"), or 503. */
int ing_admin_keepers_check(ing_call_t *c, const ing_admin_keepers_t *before, const char *what);

#endif
