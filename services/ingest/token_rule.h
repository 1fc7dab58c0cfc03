/*  token_rule: what a request for a new API token may ask, decided without
    a database. A person's token (POST /v1/tokens) has a name, scopes that
    the token making the request holds too, and an expiry; an integration's
    token (POST /v1/admin/integrations) has a slug name, the channels and
    departments it may post mentions for, and an optional expiry. The
    handlers (tokens.c) check what only the database knows: that the
    channels and departments exist, that the name is free. docs/tokens.md
    is the contract. */
#ifndef ING_TOKEN_RULE_H
#define ING_TOKEN_RULE_H

#include <jansson.h>
#include <stdint.h>

#define ING_TOKEN_NAME_MAX 100
#define ING_TOKEN_DEFAULT_DAYS 90
#define ING_TOKEN_MAX_DAYS 3650
#define ING_TOKEN_LIST_MAX 100 /* channels or departments of an integration */

/* A refusal: the HTTP status (403, 422), the field and a sentence. */
typedef struct {
    int status;
    char field[32];
    char message[256];
} ing_token_err_t;

/* A person's token as asked for. */
typedef struct {
    char name[ING_TOKEN_NAME_MAX + 1];
    unsigned scopes;    /* ing_scope_t bits */
    int64_t expires_at; /* Unix seconds; 0: never */
} ing_token_req_t;

/* An integration's token as asked for. The lists are borrowed from the
   body (JSON arrays of strings, possibly empty: any). */
typedef struct {
    char name[64];
    json_t *channels, *departments;
    int64_t expires_at; /* 0: never */
} ing_integration_req_t;

/* Checks the body of POST /v1/tokens made with a token holding
   caller_scopes, at `now` (Unix seconds). 0 with *out filled, or -1 with
   *err (422 for an invalid or unknown field, 403 naming a scope the
   caller's token lacks). Pure. */
int ing_token_request(json_t *body, unsigned caller_scopes, int64_t now, ing_token_req_t *out,
                      ing_token_err_t *err);

/* Checks the body of POST /v1/admin/integrations. 0 / -1 as above. Pure. */
int ing_integration_request(json_t *body, int64_t now, ing_integration_req_t *out,
                            ing_token_err_t *err);

/* The expiry the body asks for: "expires_at" (RFC 3339, in the future, at
   most ING_TOKEN_MAX_DAYS ahead; null: never) or "expires_in_days"
   (1..ING_TOKEN_MAX_DAYS), not both; neither: now + default_days (0:
   never). *at is Unix seconds, 0 for never. 0, or -1 with *err. Pure. */
int ing_token_expiry(json_t *body, int64_t now, int default_days, int64_t *at,
                     ing_token_err_t *err);

/* Reads an RFC 3339 date-time with rfc3339.h's ing_rfc3339_ms (the one
   parser) into Unix seconds, fractions dropped. 0, or -1 when s is NULL or
   not one. Pure. */
int ing_rfc3339_parse(const char *s, int64_t *out);

/* 1 if s is a slug: ^[a-z][a-z0-9-]{0,62}$. Pure. */
int ing_token_slug(const char *s);

#endif
