/*  retry: status classification, Retry-After and backoff. */
#include "retry.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

pub_class_t pub_retry_classify(long http_status) {
    if (http_status >= 200 && http_status < 300)
        return PUB_CLASS_OK;
    if (http_status == 0 || http_status == 408 || http_status == 429 ||
        (http_status >= 500 && http_status < 600))
        return PUB_CLASS_TRANSIENT;
    return PUB_CLASS_PERMANENT;
}

static long clamp(long long ms) {
    if (ms < 0)
        return 0;
    return ms > PUB_RETRY_AFTER_MAX_MS ? PUB_RETRY_AFTER_MAX_MS : (long)ms;
}

long pub_retry_after_ms(const char *value, int64_t now_ms) {
    if (!value)
        return -1;
    while (isspace((unsigned char)*value))
        value++;
    if (!*value)
        return -1;
    if (isdigit((unsigned char)*value)) {
        char *end;
        errno = 0;
        long long secs = strtoll(value, &end, 10);
        while (isspace((unsigned char)*end))
            end++;
        if (*end)
            return -1;
        if (errno == ERANGE || secs > PUB_RETRY_AFTER_MAX_MS / 1000)
            return PUB_RETRY_AFTER_MAX_MS;
        return clamp(secs * 1000);
    }
    /* IMF-fixdate, the only HTTP-date form a sender may generate. */
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    time_t at = timegm(&tm);
    if (at == (time_t)-1)
        return -1;
    return clamp((long long)at * 1000 - now_ms);
}

long pub_retry_backoff_ms(unsigned attempts, long retry_after_ms, double jitter) {
    long d = PUB_BACKOFF_BASE_MS;
    for (unsigned i = 1; i < attempts && d < PUB_BACKOFF_CAP_MS; i++)
        d *= 2;
    if (d > PUB_BACKOFF_CAP_MS)
        d = PUB_BACKOFF_CAP_MS;
    if (!(jitter >= 0.0)) /* also catches NaN */
        jitter = 0.0;
    if (jitter >= 1.0)
        jitter = 0.999999;
    long ms = d / 2 + (long)(jitter * (double)(d - d / 2));
    return retry_after_ms > ms ? retry_after_ms : ms;
}
