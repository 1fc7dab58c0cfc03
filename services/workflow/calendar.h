/*  calendar: every department's inbox settings and business calendar
    (docs/sla.md), as workflow decides with them: the first-response
    deadlines of a routed mention, the business time of its first
    response, and the assignment settings (cap, auto-assignment, the
    certification that skips approval, the reply signature).

    One statement reads inbox_setting and business_holiday (the holidays
    of the last and the coming year: a clock runs for days, not years); it is
    sent with a batch's other reads (pipelined, read.c) and parsed into a
    wf_calendars_t that the workflow context keeps between batches and
    reads again once it is stale (WF_CALENDARS_TTL_MS): the tables are
    small and org.* events do not reach workflow, so a change applies
    within that time.

    Department "" is the organization's default: a department without an
    inbox_setting row takes the default's settings, and its holidays are
    its own and the default's. Triage is department "". When the default
    row is missing too (deleted by hand), the schema's column defaults
    apply. */
#ifndef WF_CALENDAR_H
#define WF_CALENDAR_H

#include "hd_bizhours.h"
#include "hd_db.h"

#include <stdint.h>

/* How long a read stays fresh. The read costs 0.35 ms for 6 departments
   and 20 holidays, 1 ms for 51 and 415 (measured on the test cluster):
   once per batch it would cost a busy workflow a few per cent of the
   database's time for settings that change a few times a year. A setting
   changed through the API applies within this. */
#define WF_CALENDARS_TTL_MS 5000

/* A department's inbox_setting row (or the default's). Strings are the
   calendars' (borrowed, valid until the next parse or destroy). */
typedef struct {
    int first_response_minutes;              /* business minutes from received to the breach */
    int warn_minutes;                        /* business minutes before the breach to warn */
    int assign_cap;                          /* assigned items per person */
    int auto_assign;                         /* 0: never assigned automatically */
    const char *skip_approval_certification; /* NULL: every reply is approved by people */
    const char *signature; /* appended to replies: {name} {first_name} {department} */
} wf_inbox_setting_t;

/* The calendars of every department (inbox_setting + business_holiday),
   read with one statement; "" is the default. */
typedef struct wf_calendars wf_calendars_t;

/* An empty set, stale (never read): the defaults until the first parse.
   The caller owns it; aborts on out-of-memory. */
wf_calendars_t *wf_calendars_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void wf_calendars_destroy(wf_calendars_t **self_p);

/* 1 when c was never read, or read more than WF_CALENDARS_TTL_MS ago
   (a monotonic clock): send the read with the batch's. */
int wf_calendars_stale(const wf_calendars_t *c);

/* Sends the read (hd_db_send: its result comes with the batch's other
   reads, from hd_db_results). 0, or -1 (the connection is gone). */
int wf_calendars_send(hd_db_t *db);

/* Replaces c's contents with the rows of r and marks c fresh; takes r
   (PQclear'd here, also on error). A malformed row (an unknown time zone
   is not one: that calendar has no working time) is logged and leaves c
   as it was: 0, or -1. */
int wf_calendars_parse(wf_calendars_t *c, PGresult *r);

/* The business calendar of department (its own hours, its own and the
   default's holidays; "" the default). Never NULL; borrowed from c. */
const hd_biz_t *wf_calendar_of(const wf_calendars_t *c, const char *department);

/* The settings row (cap, auto_assign, skip certification, signature) of a
   department. Never NULL; borrowed from c. */
const wf_inbox_setting_t *wf_setting_of(const wf_calendars_t *c, const char *department);

/* The first-response deadline of a mention of department received at
   received_ms (UTC ms): *due_ms = received + first_response_minutes of
   business time, *warn_ms = received + (first_response_minutes -
   warn_minutes) of business time. 0, or -1 when the department's calendar
   has no working time (no working day, an unknown zone): no deadline. */
int wf_calendar_deadlines(const wf_calendars_t *c, const char *department, int64_t received_ms,
                          int64_t *due_ms, int64_t *warn_ms);

/* The business milliseconds of department's calendar between from_ms and
   to_ms (0 when to <= from). 0, or -1 when the calendar is unusable. */
int wf_calendar_elapsed(const wf_calendars_t *c, const char *department, int64_t from_ms,
                        int64_t to_ms, int64_t *business_ms);

#endif
