/*  calendar: the inbox settings and business calendars of every department
    (inbox_setting + business_holiday), read with one statement as a batch
    reads; "" is the organization's default, used by a department without
    a row of its own and by triage.

    INTERIM (part C): the API of INBOX.md, part D, so that workflow's inbox
    work builds and runs before part D's calendar.{c,h} land; the lead
    replaces both files with part D's. Beyond INBOX.md's API it declares
    wf_calendars_new / wf_calendars_destroy (an opaque type needs them)
    and the fields of wf_inbox_setting_t that workflow reads. */
#ifndef WF_CALENDAR_H
#define WF_CALENDAR_H

#include "hd_approval.h"
#include "hd_bizhours.h"
#include "hd_db.h"

#include <libpq-fe.h>
#include <stdint.h>

/* A department's inbox_setting row, as far as workflow uses it. */
typedef struct {
    char department[HD_DEPT_LEN];
    int first_response_minutes, warn_minutes; /* business minutes */
    int assign_cap;                           /* assigned items per person */
    int auto_assign;
    char skip_approval_certification[HD_ROLE_LEN]; /* "" none */
} wf_inbox_setting_t;

typedef struct wf_calendars wf_calendars_t;

/* An empty set (only the built-in default); the caller owns it. Aborts
   on out-of-memory. */
wf_calendars_t *wf_calendars_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void wf_calendars_destroy(wf_calendars_t **self_p);

/* Sends the read (hd_db_send: pipelined with the batch's others). 0 / -1. */
int wf_calendars_send(hd_db_t *db);

/* Replaces c's contents with the rows of r; takes r. 0, or -1 on a
   malformed row (c then holds the rows before it). */
int wf_calendars_parse(wf_calendars_t *c, PGresult *r);

/* The calendar of department (its own, else the default). Borrowed. */
const hd_biz_t *wf_calendar_of(const wf_calendars_t *c, const char *department);

/* The settings row of department (its own, else the default row, else
   the table's defaults). Borrowed; never NULL. */
const wf_inbox_setting_t *wf_setting_of(const wf_calendars_t *c, const char *department);

/* The first-response deadline and its warning of an item of department
   received at received_ms. 0, or -1 when the calendar has no working time
   (the item then has no deadline). */
int wf_calendar_deadlines(const wf_calendars_t *c, const char *department, int64_t received_ms,
                          int64_t *due_ms, int64_t *warn_ms);

/* The business milliseconds of department's calendar between from_ms and
   to_ms. 0, or -1 for a calendar with no working time. */
int wf_calendar_elapsed(const wf_calendars_t *c, const char *department, int64_t from_ms,
                        int64_t to_ms, int64_t *business_ms);

#endif
