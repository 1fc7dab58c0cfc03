/*  org: what every administration handler shares. An administrative change
    is one transaction: the caller is authorized (org_authorize: the grants
    of admin_grant, decided by hd_perm), the object is checked against the
    version the caller read (If-Match or "version": a stale writer gets 409),
    the tables change and an org.<object>.<action> event with the object
    before and after goes in the outbox (ing_org_event). Nothing
    administrative bypasses the outbox. */
#ifndef ING_ORG_H
#define ING_ORG_H

#include "hd_perm.h"
#include "route.h"

#include <jansson.h>

/* May c's caller exercise `permission` on an object of department
   object_dept (NULL: organization-wide)? Reads the grants of the caller's
   roles (c->db). 0 allowed; -1 refused and answered: 403 naming the missing
   permission, 404 for another department's object (what names it is
   `what`, "person 'x@y'"), 503 on a database error. */
int ing_org_authorize(ing_call_t *c, const char *permission, const char *object_dept,
                      const char *what);

/* Records org.<object>.<action> in c->db's open transaction: who did it
   (c->who, its token), the object's department (NULL/"": organization-wide),
   the object before and after as JSON (borrowed; NULL for none; never a
   secret) and a reason (NULL: none). Correlated with object_id when it is a
   UUID. 0, or -1 on a database error (the caller rolls back). */
int ing_org_event(ing_call_t *c, const char *object, const char *object_id, const char *action,
                  const char *department, json_t *before, json_t *after, const char *reason);

/* The version the caller says it read: the If-Match header ("3" or "\"3\"")
   or the body's "version" member (body may be NULL). 0 when neither is
   given; -1 when one is given but is not a positive integer (answered 422). */
long long ing_org_expected_version(ing_call_t *c, json_t *body);

/* The version a change of an existing object must carry: as
   ing_org_expected_version, but 0 (nothing given) is answered 428 naming
   If-Match and returns -1. */
long long ing_org_required_version(ing_call_t *c, json_t *body);

/* Answers 409: the object changed since the caller read it. */
void ing_org_conflict(ing_call_t *c, const char *what, long long have, long long sent);

/* Answers 503 after a database error (the transaction rolled back). */
void ing_org_unavailable(ing_call_t *c);

#endif
