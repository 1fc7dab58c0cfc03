/*  hd_id: random and derived UUIDs. */
#include "hd_id.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

/* The huddle namespace for v5 ids; fixed forever, or derived ids change. */
static const char *HD_NS = "6f1c8a52-3b7e-4c1d-9a0e-5d2b7c4e8f10";

void hd_id_random(char out[HD_ID_LEN]) {
    uuid_t u;
    uuid_generate_random(u);
    uuid_unparse_lower(u, out);
}

void hd_id_derive(char out[HD_ID_LEN], const char *parent, const char *label) {
    uuid_t ns, u;
    uuid_parse(HD_NS, ns);
    /* "parent\0label": the separator keeps ("ab","c") apart from ("a","bc"). */
    size_t pl = strlen(parent), ll = strlen(label);
    char buf[1024];
    if (pl + ll + 1 > sizeof buf) {
        uuid_t inner;
        uuid_generate_sha1(inner, ns, parent, pl);
        uuid_generate_sha1(u, inner, label, ll);
    } else {
        memcpy(buf, parent, pl);
        buf[pl] = 0;
        memcpy(buf + pl + 1, label, ll);
        uuid_generate_sha1(u, ns, buf, pl + 1 + ll);
    }
    uuid_unparse_lower(u, out);
}

int hd_id_valid(const char *s) {
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

int64_t hd_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hd_now_rfc3339(char *buf, size_t len) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}
