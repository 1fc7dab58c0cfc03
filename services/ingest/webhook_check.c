/*  webhook_check: an endpoint's name and URL (see webhook_check.h). */
#include "webhook_check.h"

#include "config_check.h"

#include <stdlib.h>
#include <string.h>

const char *ing_webhook_check_name(const char *s) { return ing_check_slug(s); }

/* The port after a host: empty (none), or ":" and 1..65535 in digits. */
static const char *check_port(const char *p, size_t n) {
    if (n == 0)
        return NULL;
    if (p[0] != ':' || n < 2 || n > 6 || strspn(p + 1, "0123456789") < n - 1)
        return "must have a port from 1 to 65535 after ':'";
    long v = strtol(p + 1, NULL, 10);
    return v >= 1 && v <= 65535 ? NULL : "must have a port from 1 to 65535 after ':'";
}

/* The authority (host and port), n bytes at a. */
static const char *check_authority(const char *a, size_t n) {
    if (memchr(a, '@', n))
        return "must not hold a user or password (answers show the URL)";
    size_t host = n;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close || close == a + 1)
            return "must name a host";
        host = (size_t)(close - a) + 1;
    } else {
        const char *colon = memchr(a, ':', n);
        if (colon)
            host = (size_t)(colon - a);
    }
    if (host == 0)
        return "must name a host";
    return check_port(a + host, n - host);
}

const char *ing_webhook_check_url(const char *s) {
    size_t n = strlen(s), skip;
    if (strncmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return "must be an http:// or https:// URL";
    if (n > ING_WEBHOOK_URL_MAX)
        return "must be at most 2048 bytes";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return "must not hold spaces or control characters";
    return check_authority(s + skip, strcspn(s + skip, "/?#"));
}
