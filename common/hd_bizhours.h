/*  hd_bizhours: business hours, the clock of a first-response SLA
    (docs/inbox.md): a department's time zone, working days, opening
    hours and holidays, and the arithmetic of business time over them
    (across weekends, holidays and daylight-saving changes, which the
    time zone database knows: ICU's calendar does the conversions). Pure:
    no database, no clock of its own. */
#ifndef HD_BIZHOURS_H
#define HD_BIZHOURS_H

#include <stddef.h>
#include <stdint.h>

#define HD_BIZ_ZONE_LEN 64
#define HD_BIZ_MAX_HOLIDAYS 366

typedef struct {
    char zone[HD_BIZ_ZONE_LEN]; /* IANA name ("Europe/Paris") */
    unsigned days;              /* bit (d - 1) set: ISO day d (1 Monday .. 7 Sunday) works */
    int open_min, close_min;    /* local opening hours, minutes after midnight; open < close */
    int32_t holidays[HD_BIZ_MAX_HOLIDAYS]; /* local dates as yyyymmdd, any order */
    size_t nholidays;
} hd_biz_t;

/* 1 if zone is a time zone ICU knows (an IANA name, or "UTC"). */
int hd_biz_zone_valid(const char *zone);

/* The instant (UTC ms) that lies `ms` business milliseconds after
   start_ms. A start outside business hours counts from the next opening.
   0 with *out set, -1 when the calendar has no working time at all (no
   working day, or an unknown zone) or the answer lies beyond ten years. */
int hd_biz_add(const hd_biz_t *cal, int64_t start_ms, int64_t ms, int64_t *out);

/* The business milliseconds between from_ms and to_ms (0 when to <= from).
   0 with *out set, -1 for an unusable calendar. */
int hd_biz_between(const hd_biz_t *cal, int64_t from_ms, int64_t to_ms, int64_t *out);

#endif
