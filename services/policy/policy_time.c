/*  policy_time: local wall time in a named zone. The C library only
    converts to the process's zone (TZ), so conversions swap TZ under a
    mutex and put it back: timing rules are rare and the swap is cheap next
    to the rest of an evaluation. */
#include "policy_time.h"

#include "hd_mem.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

static pthread_mutex_t s_tz_lock = PTHREAD_MUTEX_INITIALIZER;

int pol_ptime_day(const char *s) {
    static const char *const names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};
    size_t n = strlen(s);
    for (int i = 0; i < 7; i++)
        if (n >= 3 && n <= strlen(names[i]) && strncasecmp(s, names[i], n) == 0)
            return i;
    return -1;
}

int pol_ptime_parse_hhmm(const char *s, int *min) {
    if (!s || strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    *min = h * 60 + m;
    return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int pol_ptime_parse_date(const char *s, int64_t *minutes, int *date_only) {
    int y, mo, d, h = 0, mi = 0, n = 0;
    size_t len = s ? strlen(s) : 0;
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
            return -1;
        *date_only = 1;
    } else if (len == 16 && (s[10] == 'T' || s[10] == ' ')) {
        if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 || pol_ptime_parse_hhmm(s + 11, &mi) < 0)
            return -1;
        *date_only = 0;
    } else {
        return -1;
    }
    for (size_t i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
        return -1;
    *minutes = days_from_civil(y, (unsigned)mo, (unsigned)d) * 1440 + h * 60 + mi;
    return 0;
}

int pol_ptime_zone_valid(const char *tz) {
    if (!tz || !*tz || strlen(tz) > 64 || strstr(tz, "..") || tz[0] == '/' || tz[0] == ':')
        return 0;
    if (!strcmp(tz, "UTC"))
        return 1;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p))
            return 0;
    char path[128];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int pol_ptime_local(const char *tz, int64_t utc_ms, int *wday, int *minute, int64_t *wall_minutes) {
    time_t t = (time_t)(utc_ms / 1000);
    struct tm tm;
    int ok;
    if (!tz || !strcmp(tz, "UTC")) {
        ok = gmtime_r(&t, &tm) != NULL;
    } else {
        pthread_mutex_lock(&s_tz_lock);
        const char *old = getenv("TZ");
        char *saved = old ? hd_strdup(old) : NULL;
        setenv("TZ", tz, 1);
        tzset();
        ok = localtime_r(&t, &tm) != NULL;
        if (saved)
            setenv("TZ", saved, 1);
        else
            unsetenv("TZ");
        tzset();
        free(saved);
        pthread_mutex_unlock(&s_tz_lock);
    }
    if (!ok)
        return -1;
    *wday = tm.tm_wday;
    *minute = tm.tm_hour * 60 + tm.tm_min;
    *wall_minutes =
        days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) * 1440 +
        *minute;
    return 0;
}
