/*  org: what every administration handler shares. An administrative change
    is one transaction: the caller is authorized (ing_org_authorize: the
    grants of admin_grant, loaded once here, decided by hd_perm), the object
    is checked against the version the caller read (If-Match or "version":
    a stale writer gets 409), the tables change and an
    org.<object>.<action> event with the object before and after goes in
    the outbox (ing_org_finish / ing_org_event). Nothing administrative
    bypasses the outbox. The request's JSON and the answers' JSON are
    org_json.h's (included here). */
#ifndef ING_ORG_H
#define ING_ORG_H

#include "hd_perm.h"
#include "org_json.h"
#include "route.h"

#include <jansson.h>

/* ---- authorization ---- */

/* hd_perm's decision for c's caller on `permission` over an object of
   department object_dept (NULL or "": organization-wide), reading the
   grants of the caller's roles (c->db); why receives the refusal's
   sentence. Answers nothing but 503: returns an hd_perm_t, or -1 after
   answering 503 (rolled back). */
int ing_org_check(ing_call_t *c, const char *permission, const char *object_dept, char *why,
                  size_t why_len);

/* 1 when the caller may exercise `permission` on an object of object_dept
   (NULL: every object of the organization), 0 when not (nothing
   answered), -1 after answering 503. */
int ing_org_allowed(ing_call_t *c, const char *permission, const char *object_dept);

/* May c's caller exercise `permission` on an object of department
   object_dept (NULL: organization-wide)? 0 allowed; -1 refused and
   answered, c->db's open transaction (if any) rolled back: 403 naming the
   missing permission, 404 for another department's object (what names
   it: "person 'x@y'"), 503 on a database error. */
int ing_org_authorize(ing_call_t *c, const char *permission, const char *object_dept,
                      const char *what);

/* For a list: the department the caller's `permission` lets it read.
   asked (?department=, NULL or "": not asked) must be one it may read
   (else 403 / 404 "no such department"); not asked: *dept is NULL when
   its grant is organization-wide, else its own department (403 when it
   has no grant at all). 0, or -1 answered. */
int ing_org_scope(ing_call_t *c, const char *permission, const char *asked, const char **dept);

/* ---- versions ---- */

/* The version the caller says it read: the If-Match header ("3" or "\"3\"")
   or the body's "version" member (body may be NULL). 0 when neither is
   given; -1 when one is given but is not a positive integer (answered 422). */
long long ing_org_expected_version(ing_call_t *c, json_t *body);

/* The version a change of an existing object must carry: as
   ing_org_expected_version, but 0 (nothing given) is answered 428 naming
   If-Match and returns -1. body NULL: the request's own body when it has
   one (a DELETE may send {"version": N}; 400 / 422 when it is not that). */
long long ing_org_required_version(ing_call_t *c, json_t *body);

/* Rolls back c->db's open transaction (if any) and answers 428 naming
   If-Match: the change of an existing object needs the version read. */
void ing_org_version_missing(ing_call_t *c);

/* In an open transaction: 0 when before's "version" is `want`, else -1
   after rolling back and answering 409 (ing_org_conflict). */
int ing_org_fresh(ing_call_t *c, json_t *before, long long want, const char *what);

/* Answers 409 (with the current ETag): the object changed since the
   caller read it. */
void ing_org_conflict(ing_call_t *c, const char *what, long long have, long long sent);

/* ---- the change's end ---- */

/* Records org.<object>.<action> in c->db's open transaction: who did it
   (c->who, its token), the object's department (NULL/"": organization-wide),
   the object before and after as JSON (borrowed; NULL for none; never a
   secret) and a reason (NULL: none). Correlated with object_id when it is a
   UUID. 0, or -1 on a database error (the caller rolls back). */
int ing_org_event(ing_call_t *c, const char *object, const char *object_id, const char *action,
                  const char *department, json_t *before, json_t *after, const char *reason);

/* A change of the organization, as ing_org_finish records it. before and
   after are borrowed JSON objects (NULL: none). */
typedef struct {
    const char *object, *object_id, *action, *department, *reason;
    json_t *before, *after;
} ing_org_change_t;

/* Ends the open transaction of a change: records its event, commits, and
   answers `status` with `answer` (taken; ing_org_respond). 0; or -1 after
   a database error (rolled back, answered 503, answer dropped). */
int ing_org_finish(ing_call_t *c, const ing_org_change_t *ch, int status, json_t *answer);

/* Rolls back c->db's open transaction (if any), then refuses
   (ing_api_refuse: field may be NULL). */
void ing_org_refuse(ing_call_t *c, int status, const char *field, const char *code, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* Opens the change's transaction on c->db. 0, or -1 after answering 503. */
int ing_org_begin(ing_call_t *c);

/* Answers 503 after a database error (the transaction rolled back). */
void ing_org_unavailable(ing_call_t *c);

#endif
