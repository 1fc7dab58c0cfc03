/*  config_check: the pure checks of what an administrator writes into the
    organization's configuration (admin_config.c): ids, URLs, keyword lists,
    timestamps. No database, no I/O: unit-tested on their own. Each returns
    NULL when the value is acceptable, else a sentence saying what is wrong
    (a string literal). */
#ifndef ING_CONFIG_CHECK_H
#define ING_CONFIG_CHECK_H

#include <stddef.h>

#define ING_CHECK_MAX_KEYWORDS 100
#define ING_CHECK_KEYWORD_LEN 64
#define ING_CHECK_MAX_LENGTH 100000

/* An id (channel, routing rule): a lowercase slug, ^[a-z0-9][a-z0-9-]{0,62}$. */
const char *ing_check_slug(const char *s);

/* A channel's base URL: http:// or https://, a host, no spaces or control
   characters, at most 512 bytes. */
const char *ing_check_url(const char *s);

/* One keyword of a routing rule: 1..64 bytes, no control characters; n is
   the number of keywords in the rule ('*', the catch-all, stands alone). */
const char *ing_check_keyword(const char *s, size_t n);

/* An RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
const char *ing_check_rfc3339(const char *s);

#endif
