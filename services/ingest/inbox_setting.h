/*  inbox_setting: a department's inbox settings (table inbox_setting,
    docs/inbox.md) as the administration API changes them, in pure
    functions: a request's members merged over the settings as they stand,
    each checked and refused by name, then the rules that tie them together
    (opening before closing, the warning before the breach); and the
    day of a holiday. The time zone's name is checked by the caller
    (hd_biz_zone_valid: the time zone database is the calendar's). */
#ifndef ING_INBOX_SETTING_H
#define ING_INBOX_SETTING_H

#include "hd_bizhours.h"

#include <jansson.h>
#include <stddef.h>

#define ING_INBOX_MAX_SIGNATURE 500        /* bytes of a signature */
#define ING_INBOX_MAX_CERT 64              /* bytes of a certification's name */
#define ING_INBOX_MAX_FIRST_RESPONSE 10080 /* business minutes: a week of them */
#define ING_INBOX_MAX_CAP 1000             /* assigned items per person */
#define ING_INBOX_MAX_HOLIDAY_NAME 200     /* bytes of a holiday's name */

typedef struct {
    char zone[HD_BIZ_ZONE_LEN];
    unsigned days;           /* bit (d - 1): ISO day d (1 Monday .. 7 Sunday) works */
    int open_min, close_min; /* local minutes after midnight */
    int first_response_minutes, warn_minutes, assign_cap;
    int auto_assign;
    char skip_cert[ING_INBOX_MAX_CERT + 1]; /* "" none: every reply goes through approval */
    char signature[ING_INBOX_MAX_SIGNATURE + 1];
} ing_inbox_setting_t;

/* Merges body's members (time_zone, working_days, opens_at, closes_at,
   first_response_minutes, warn_minutes, assign_cap, auto_assign,
   skip_approval_certification, signature; any other is the caller's to
   refuse) over s, each checked on its own: 0, or -1 with the member at
   fault in *field and a sentence in why (a 422). s may be changed in part
   on a refusal. Pure. */
int ing_inbox_setting_merge(ing_inbox_setting_t *s, json_t *body, const char **field, char *why,
                            size_t why_len);

/* The rules across members: at least one working day, opening before
   closing, the warning before the breach. 0, or -1 with the member at
   fault and why. Pure. */
int ing_inbox_setting_check(const ing_inbox_setting_t *s, const char **field, char *why,
                            size_t why_len);

/* "HH:MM" (00:00 to 24:00) as minutes after midnight into *min: 0, or -1. */
int ing_inbox_hhmm(const char *s, int *min);

/* The working days as a PostgreSQL array literal ("{1,2,3,4,5}") into out. */
void ing_inbox_days_text(unsigned days, char *out, size_t len);

/* Parses a PostgreSQL array literal of days ("{1,2,3}") into a bit set;
   -1 when it is not one. */
int ing_inbox_days_parse(const char *text, unsigned *days);

/* 1 if s is a day that exists, written YYYY-MM-DD, of a year from 2000 to
   2999 (a holiday). Pure. */
int ing_inbox_day_valid(const char *s);

#endif
