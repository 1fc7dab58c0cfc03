/*  accounts: who may post to the sandbox. Configured as
    "handle:token,handle2:token2" (SANDBOX_ACCOUNTS, and the crowd's
    SANDBOX_CROWD merged in); a request's "Authorization: Bearer TOKEN"
    names its account. The organization's accounts and the public's are
    alike: any of them posts, mentions and is mentioned. */
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

/* The i-th account's handle and token (i < count), in the order given.
   Borrowed. */
const char *sb_accounts_handle(const sb_accounts_t *self, size_t i);
const char *sb_accounts_token(const sb_accounts_t *self, size_t i);

/* The handle of the account a mention names (name, n bytes), matched as
   Mastodon matches usernames, without regard to ASCII case (an exact
   match first); NULL when there is none. Borrowed. */
const char *sb_accounts_find(const sb_accounts_t *self, const char *name, size_t n);

/* Adds other's accounts to self. A handle both hold must have the same
   token, and a token may not name two handles: -1 with the reason in err
   then (self unchanged by that entry). other is borrowed. */
int sb_accounts_merge(sb_accounts_t *self, const sb_accounts_t *other, char *err, size_t err_len);

/* An account's id as the API shows it (Mastodon's ids are strings of
   digits): derived from the handle alone, so it stays the same across
   restarts and whatever the order of the configuration, and every handle a
   status names (its author, the one it replies to) has one even when it is
   no longer configured. */
#define SB_ACCOUNT_ID_LEN 24
void sb_account_id(const char *handle, char out[SB_ACCOUNT_ID_LEN]);

#endif
