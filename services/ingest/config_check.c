/*  config_check: pure checks of configuration values (see config_check.h). */
#include "config_check.h"

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

/* n digits at s, within lo..hi. */
static int digits(const char *s, int n, int lo, int hi) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v >= lo && v <= hi;
}

const char *ing_check_rfc3339(const char *s) {
    static const char *bad = "must be an RFC 3339 date-time, e.g. 2027-01-31T12:00:00Z";
    if (strlen(s) < 20 || !digits(s, 4, 1, 9999) || s[4] != '-' || !digits(s + 5, 2, 1, 12) ||
        s[7] != '-' || !digits(s + 8, 2, 1, 31) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, 0, 23) || s[13] != ':' || !digits(s + 14, 2, 0, 59) || s[16] != ':' ||
        !digits(s + 17, 2, 0, 60))
        return bad;
    const char *p = s + 19;
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]))
            return bad;
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    }
    if ((*p == 'Z' || *p == 'z') && p[1] == 0)
        return NULL;
    if ((*p == '+' || *p == '-') && digits(p + 1, 2, 0, 23) && p[3] == ':' &&
        digits(p + 4, 2, 0, 59) && p[6] == 0)
        return NULL;
    return bad;
}
