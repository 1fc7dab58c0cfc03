/*  config_check: pure checks of configuration values (see config_check.h). */
#include "config_check.h"

#include "rfc3339.h"

#include <ctype.h>
#include <string.h>

const char *ing_check_slug(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return "must be 1 to 63 characters";
    if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
        return "must start with a lowercase letter or a digit";
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
            return "may hold only lowercase letters, digits and '-'";
    return NULL;
}

const char *ing_check_url(const char *s) {
    size_t n = strlen(s), skip = 0;
    if (strncmp(s, "http://", 7) == 0)
        skip = 7;
    else if (strncmp(s, "https://", 8) == 0)
        skip = 8;
    else
        return "must be an http:// or https:// URL";
    if (n > 512)
        return "must be at most 512 bytes";
    if (n == skip || s[skip] == '/' || s[skip] == ':')
        return "must name a host";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return "must not hold spaces or control characters";
    return NULL;
}

const char *ing_check_keyword(const char *s, size_t n) {
    size_t len = strlen(s);
    if (len == 0 || len > ING_CHECK_KEYWORD_LEN)
        return "each keyword must be 1 to 64 bytes";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return "a keyword must not hold control characters";
    if (strcmp(s, "*") == 0 && n != 1)
        return "'*' (every mention) must be the rule's only keyword";
    return NULL;
}

const char *ing_check_rfc3339(const char *s) {
    long long ms;
    return ing_rfc3339_ms(s, &ms) == 0 ? NULL
                                       : "must be an RFC 3339 date-time, e.g. 2027-01-31T12:00:00Z";
}
