/*  hd_token: the shape of an API token. A token is "hdt_" and 32 URL-safe
    characters drawn from /dev/urandom (192 bits); only its SHA-256 is ever
    stored (api_token.hash, computed by PostgreSQL from the text), and its
    first HD_TOKEN_PREFIX_LEN characters are what people see to tell tokens
    apart. One maker for every place that issues tokens: huddle-migrate
    (first start, the sample seed) and ingest (POST /v1/tokens, integrations). */
#ifndef HD_TOKEN_H
#define HD_TOKEN_H

#include <stddef.h>

#define HD_TOKEN_LEN 37 /* "hdt_" + 32 + NUL */
#define HD_TOKEN_PREFIX_LEN 12

/* Writes a new random token into out (NUL-terminated). 0, or -1 when
   /dev/urandom cannot be read (out is then ""). */
int hd_token_new(char out[HD_TOKEN_LEN]);

#endif
