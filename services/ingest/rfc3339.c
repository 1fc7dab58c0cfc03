/*  rfc3339: RFC 3339 date-times (see rfc3339.h). Days from and to the civil
    calendar by Howard Hinnant's algorithms (proleptic Gregorian). */
#include "rfc3339.h"

#include <stdio.h>
#include <time.h>

/* Days since 1970-01-01 of y-m-d. */
static long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d) {
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

static int leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(long long y, unsigned m) {
    static const unsigned n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* Reads exactly n digits at *p into *v; advances *p. -1 if not digits. */
static int digits(const char **p, int n, unsigned *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)(*p)[i];
        if (c < '0' || c > '9')
            return -1;
        *v = *v * 10 + (c - '0');
    }
    *p += n;
    return 0;
}

/* Reads the expected separator c at *p; advances. */
static int sep(const char **p, char c) { return **p == c ? ((*p)++, 0) : -1; }

/* The fraction's milliseconds after '.', 1..9 digits; advances. */
static int fraction(const char **p, unsigned *ms) {
    int n = 0;
    *ms = 0;
    while (**p >= '0' && **p <= '9') {
        if (++n > 9)
            return -1;
        if (n <= 3)
            *ms = *ms * 10 + (unsigned)(**p - '0');
        (*p)++;
    }
    for (int k = n; k < 3; k++)
        *ms *= 10;
    return n ? 0 : -1;
}

/* The offset from UTC in minutes: Z, or +HH:MM / -HH:MM. */
static int offset(const char **p, long long *minutes) {
    unsigned oh, om;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *minutes = 0;
        return 0;
    }
    int sign = **p == '+' ? 1 : **p == '-' ? -1 : 0;
    if (!sign)
        return -1;
    (*p)++;
    if (digits(p, 2, &oh) || sep(p, ':') || digits(p, 2, &om) || oh > 23 || om > 59)
        return -1;
    *minutes = sign * (long long)(oh * 60 + om);
    return 0;
}

int ing_rfc3339_ms(const char *s, long long *ms) {
    unsigned y, mo, d, h, mi, se, frac = 0;
    long long off;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || sep(&p, '-') || digits(&p, 2, &mo) || sep(&p, '-') ||
        digits(&p, 2, &d) || (*p != 'T' && *p != 't'))
        return -1;
    p++;
    if (digits(&p, 2, &h) || sep(&p, ':') || digits(&p, 2, &mi) || sep(&p, ':') ||
        digits(&p, 2, &se))
        return -1;
    if (*p == '.' && (p++, fraction(&p, &frac)))
        return -1;
    if (offset(&p, &off) || *p)
        return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        se > 60)
        return -1;
    long long secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off * 60;
    *ms = secs * 1000 + frac;
    return 0;
}

void ing_rfc3339_format(long long ms, char *out, size_t len) {
    long long secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    unsigned msec = (unsigned)(ms - secs * 1000);
    long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    long long rem = secs - days * 86400, y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999) {
        snprintf(out, len, "%s", "");
        return;
    }
    snprintf(out, len, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03uZ", y, m, d, rem / 3600,
             rem / 60 % 60, rem % 60, msec);
}

long long ing_rfc3339_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
