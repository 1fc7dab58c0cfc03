/*  hd_bizhours: business-time arithmetic over ICU's calendar (hd_bizhours.h).

    Business time is real elapsed time inside the opening hours of working
    days, as the department's wall clock shows them. Each local day that
    works (its ISO weekday is set and it is no holiday) opens one interval
    [opens, closes), whose instants ICU finds in the zone: on a day the
    clocks change inside the opening hours that interval is an hour longer
    or shorter, as the people working it live it. An opening or closing
    time the clocks skip is taken at the first valid instant after it; a
    repeated one at its first occurrence. The days are walked one by one
    (two conversions each, a fraction of a microsecond), up to ten years. */
#include "hd_bizhours.h"

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#define HORIZON_DAYS 3653 /* ten years, leap days included */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* zone as UTF-16 into out (HD_BIZ_ZONE_LEN units); -1 unless it is
   printable ASCII that fits. */
static int zone_uchars(const char *zone, UChar *out) {
    size_t i = 0;
    for (; zone[i]; i++) {
        if (i + 1 >= HD_BIZ_ZONE_LEN || zone[i] <= ' ' || zone[i] > '~')
            return -1;
        out[i] = (UChar)zone[i];
    }
    out[i] = 0;
    return i ? 0 : -1;
}

int hd_biz_zone_valid(const char *zone) {
    UChar z[HD_BIZ_ZONE_LEN], canonical[HD_BIZ_ZONE_LEN * 2];
    if (!zone || zone_uchars(zone, z) < 0)
        return 0;
    UErrorCode st = U_ZERO_ERROR;
    UBool system = 0;
    ucal_getCanonicalTimeZoneID(z, -1, canonical, HD_BIZ_ZONE_LEN * 2, &system, &st);
    return U_SUCCESS(st) && system; /* custom ids ("GMT+5") are not zones of the database */
}

/* A calendar of cal's zone, or NULL when cal has no working time. */
static UCalendar *open_calendar(const hd_biz_t *cal) {
    if (!cal || (cal->days & 0x7f) == 0 || cal->open_min < 0 || cal->close_min > 24 * 60 ||
        cal->open_min >= cal->close_min || cal->nholidays > HD_BIZ_MAX_HOLIDAYS ||
        !hd_biz_zone_valid(cal->zone))
        return NULL;
    UChar z[HD_BIZ_ZONE_LEN];
    zone_uchars(cal->zone, z);
    UErrorCode st = U_ZERO_ERROR;
    UCalendar *uc = ucal_open(z, -1, "en_US_POSIX", UCAL_GREGORIAN, &st);
    if (U_FAILURE(st)) {
        ucal_close(uc);
        return NULL;
    }
    ucal_setAttribute(uc, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
    ucal_setAttribute(uc, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
    return uc;
}

/* The local day (days since 1970-01-01) of instant t; -1 outside the
   Gregorian years 1600..8999 (ICU's calendar switches to Julian dates
   before 1582; the day walk's arithmetic does not). */
static int local_day(UCalendar *uc, int64_t t, int64_t *day) {
    UErrorCode st = U_ZERO_ERROR;
    ucal_setMillis(uc, (UDate)t, &st);
    int32_t y = ucal_get(uc, UCAL_EXTENDED_YEAR, &st);
    int32_t m = ucal_get(uc, UCAL_MONTH, &st);
    int32_t d = ucal_get(uc, UCAL_DATE, &st);
    if (U_FAILURE(st) || y < 1600 || y >= 9000)
        return -1;
    *day = days_from_civil(y, (unsigned)m + 1, (unsigned)d);
    return 0;
}

/* The instant the wall clock shows `minute` (after midnight) on local
   day `day`. */
static int wall_instant(UCalendar *uc, int64_t day, int minute, int64_t *out) {
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    UErrorCode st = U_ZERO_ERROR;
    ucal_clear(uc);
    ucal_setDateTime(uc, y, m - 1, d, minute / 60, minute % 60, 0, &st);
    UDate t = ucal_getMillis(uc, &st);
    if (U_FAILURE(st))
        return -1;
    *out = (int64_t)t;
    return 0;
}

static int works(const hd_biz_t *cal, int64_t day) {
    int iso = (int)(((day % 7) + 7 + 3) % 7) + 1; /* 1970-01-01 was a Thursday */
    if (!(cal->days & (1u << (iso - 1))))
        return 0;
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    int32_t ymd = y * 10000 + m * 100 + d;
    for (size_t i = 0; i < cal->nholidays; i++)
        if (cal->holidays[i] == ymd)
            return 0;
    return 1;
}

/* The business interval [*open, *close) of local day `day` (empty when it
   does not work); -1 on a conversion error. */
static int day_hours(UCalendar *uc, const hd_biz_t *cal, int64_t day, int64_t *open,
                     int64_t *close) {
    if (!works(cal, day)) {
        *open = *close = 0;
        return 0;
    }
    return wall_instant(uc, day, cal->open_min, open) < 0 ||
                   wall_instant(uc, day, cal->close_min, close) < 0
               ? -1
               : 0;
}

/* `t` is the instant business time has been counted up to: a day whose
   interval starts before it (a zone that skipped a whole day) adds only
   what lies after it. */
static int add_walk(UCalendar *uc, const hd_biz_t *cal, int64_t start_ms, int64_t ms,
                    int64_t *out) {
    int64_t first;
    if (local_day(uc, start_ms, &first) < 0)
        return -1;
    int64_t t = start_ms, left = ms;
    for (int64_t day = first; day <= first + HORIZON_DAYS; day++) {
        int64_t open, close;
        if (day_hours(uc, cal, day, &open, &close) < 0)
            return -1;
        if (open > t)
            t = open;
        if (t >= close)
            continue;
        if (left <= close - t) {
            *out = t + left;
            return 0;
        }
        left -= close - t;
        t = close;
    }
    return -1;
}

int hd_biz_add(const hd_biz_t *cal, int64_t start_ms, int64_t ms, int64_t *out) {
    if (ms < 0 || !out)
        return -1;
    UCalendar *uc = open_calendar(cal);
    if (!uc)
        return -1;
    int rc = add_walk(uc, cal, start_ms, ms, out);
    ucal_close(uc);
    return rc;
}

static int between_walk(UCalendar *uc, const hd_biz_t *cal, int64_t from_ms, int64_t to_ms,
                        int64_t *out) {
    int64_t first, last;
    if (local_day(uc, from_ms, &first) < 0 || local_day(uc, to_ms, &last) < 0 ||
        last - first > HORIZON_DAYS)
        return -1;
    int64_t t = from_ms, sum = 0;
    for (int64_t day = first; day <= last; day++) {
        int64_t open, close;
        if (day_hours(uc, cal, day, &open, &close) < 0)
            return -1;
        if (open > t)
            t = open;
        int64_t end = close < to_ms ? close : to_ms;
        if (t < end) {
            sum += end - t;
            t = end;
        }
    }
    *out = sum;
    return 0;
}

int hd_biz_between(const hd_biz_t *cal, int64_t from_ms, int64_t to_ms, int64_t *out) {
    if (!out)
        return -1;
    UCalendar *uc = open_calendar(cal);
    if (!uc)
        return -1;
    int rc = 0;
    if (to_ms <= from_ms)
        *out = 0;
    else
        rc = between_walk(uc, cal, from_ms, to_ms, out);
    ucal_close(uc);
    return rc;
}
