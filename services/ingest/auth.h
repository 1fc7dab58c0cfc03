/*  auth: who is calling. An API token maps to one known person; the person's
    department and roles decide what they may do. Tokens are stored only as
    their SHA-256 (table person.token_hash). */
#ifndef ING_AUTH_H
#define ING_AUTH_H

#include "hd_db.h"
#include "hd_id.h"

#define ING_MAX_ROLES 16

typedef struct {
    char id[HD_ID_LEN];
    char email[256];
    char department[128];
    char roles[ING_MAX_ROLES][64];
    int nroles;
} ing_person_t;

/* Looks up the person holding `token` (the bearer token, borrowed).
   1 found (out filled), 0 unknown or inactive, -1 database error. */
int ing_auth_token(hd_db_t *db, const char *token, ing_person_t *out);

/* Looks up an active person by email. 1 / 0 / -1 as above. */
int ing_auth_email(hd_db_t *db, const char *email, ing_person_t *out);

/* The token in an "Authorization: Bearer X" header value; NULL if the value
   is absent or not of that form. Borrowed from `header`. */
const char *ing_auth_bearer(const char *header);

/* 1 if the person holds `role`. */
int ing_auth_has_role(const ing_person_t *p, const char *role);

#endif
