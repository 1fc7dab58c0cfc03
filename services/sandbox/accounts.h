/*  accounts: who may post to the sandbox. Configured as
    "handle:token,handle2:token2" (SANDBOX_ACCOUNTS); a request's
    "Authorization: Bearer TOKEN" names its account. */
#ifndef SB_ACCOUNTS_H
#define SB_ACCOUNTS_H

#include <stddef.h>

typedef struct sb_accounts sb_accounts_t;

/* Parses the spec. Handles are [A-Za-z0-9_.-]{1,30}, tokens are non-empty
   without ',' or whitespace, handles and tokens unique. NULL on bad input
   with the reason written to err. The caller owns the result. */
sb_accounts_t *sb_accounts_parse(const char *spec, char *err, size_t err_len);

void sb_accounts_destroy(sb_accounts_t **self_p);

/* The handle owning the bearer token in an Authorization header value, or
   NULL (absent, not "Bearer", unknown token). Borrowed. */
const char *sb_accounts_authorize(const sb_accounts_t *self, const char *authorization);

/* Whether a handle exists. */
int sb_accounts_has(const sb_accounts_t *self, const char *handle);

size_t sb_accounts_count(const sb_accounts_t *self);

#endif
