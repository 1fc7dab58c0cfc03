/*  auth: who is calling. An API token (table api_token, stored only as its
    SHA-256) belongs to one known, active person, or to a named integration;
    it is refused once revoked or expired, at the next request. The
    person's department and roles decide what they may do; the token's
    scopes bound it further. */
#ifndef ING_AUTH_H
#define ING_AUTH_H

#include "hd_db.h"
#include "hd_id.h"

#define ING_MAX_ROLES 16
#define ING_MAX_TOKEN 512

typedef struct {
    char id[HD_ID_LEN]; /* the person; "" for an integration token */
    char email[256];
    char department[128];
    char roles[ING_MAX_ROLES][64];
    int nroles;
    char token_id[HD_ID_LEN]; /* the token used ("" when authenticated otherwise) */
    unsigned scopes;          /* ing_scope_t bits (route.h) */
    char integration[64];     /* the integration's name; "" for a person */
    char channels[512];       /* integration: its channels, comma-separated ("": any) */
    char departments[512];    /* integration: its departments ("": any) */
} ing_person_t;

/* A CTE, ", u AS (...)", noting the use of the tokens whose ids `ids` (a
   subquery) selects: at most once a minute each, skipping a row another
   transaction holds, so that concurrent requests never wait or deadlock
   on it. For a WITH list whose first CTE is already written. */
#define ING_AUTH_NOTE_USE(ids)                                                      \
    "u AS (UPDATE api_token a SET last_used_at = now() WHERE a.id IN "              \
    "(SELECT id FROM api_token WHERE id IN (" ids ") AND (last_used_at IS NULL OR " \
    "last_used_at < now() - interval '1 minute') FOR UPDATE SKIP LOCKED)) "

/* 1 if `token` has the shape of a huddle token (printable ASCII without
   spaces, at most ING_MAX_TOKEN bytes): anything else is refused before
   it reaches SQL, so that one caller's bytes cannot fail another's query. */
int ing_auth_token_wellformed(const char *token);

/* Looks up the live token `token` (borrowed): not revoked, not expired, its
   person active. Notes its use (to the minute). 1 found (out filled), 0
   unknown, revoked, expired or inactive, -1 database error. */
int ing_auth_token(hd_db_t *db, const char *token, ing_person_t *out);

/* Looks up an active person by email (the ZeroMQ door's author of record).
   1 / 0 / -1 as above; scopes are those of a person's full token. */
int ing_auth_email(hd_db_t *db, const char *email, ing_person_t *out);

/* The token in an "Authorization: Bearer X" header value; NULL if the value
   is absent or not of that form. Borrowed from `header`. */
const char *ing_auth_bearer(const char *header);

/* 1 if the person holds `role`. */
int ing_auth_has_role(const ing_person_t *p, const char *role);

/* 1 if `item` is in the comma-separated `list`, or the list is empty. */
int ing_auth_listed(const char *list, const char *item);

#endif
