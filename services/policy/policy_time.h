/*  policy_time: the organization's clock for timing rules. Blackout
    windows are written in local wall time of the policy's time zone (IANA
    name, tzdata from the system); this file converts instants to that wall
    time and parses the window notation. */
#ifndef POL_TIME_H
#define POL_TIME_H

#include <stdint.h>

/* "sun".."sat" or full names, any case: 0..6; -1 if not a day. */
int pol_ptime_day(const char *s);

/* "HH:MM" (24 h) into minutes of the day. 0 / -1. */
int pol_ptime_parse_hhmm(const char *s, int *min);

/* "YYYY-MM-DD" or "YYYY-MM-DD[T ]HH:MM" into wall-clock minutes since
   1970-01-01 00:00 (as if UTC); *date_only says which form it was. 0 / -1. */
int pol_ptime_parse_date(const char *s, int64_t *minutes, int *date_only);

/* 1 if tz names a zone the system knows ("UTC", "Europe/Paris"). */
int pol_ptime_zone_valid(const char *tz);

/* Wall time of the instant utc_ms in zone tz: weekday (0 = Sunday), minute
   of the day and wall-clock minutes since the epoch. 0 / -1. Thread-safe. */
int pol_ptime_local(const char *tz, int64_t utc_ms, int *wday, int *minute, int64_t *wall_minutes);

#endif
