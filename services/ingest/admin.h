/*  admin: the administration of departments, people, roles, grants and the
    organization's history over the HTTP API (docs/admin.md). admin.c holds
    the route table, the departments, the history and the keepers
    (below; the rest the handlers share is org.h's); admin_people.c the people and their roles;
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
