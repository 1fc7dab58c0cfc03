/*  calendar: INTERIM (part C) implementation of calendar.h until part D's
    lands. It reads the settings and holidays as part D's will, but counts
    deadlines and elapsed time on the wall clock (every hour of every day),
    not in business hours: hd_bizhours.c is a stub until part D too. The
    lead replaces this file with part D's. */
#include "calendar.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    wf_inbox_setting_t set;
    hd_biz_t biz;
} wf_calendar_row_t;

struct wf_calendars {
    wf_calendar_row_t *rows;
    size_t n, cap;
    wf_calendar_row_t fallback; /* the table's defaults */
};

wf_calendars_t *wf_calendars_new(void) {
    wf_calendars_t *c = hd_calloc(1, sizeof *c);
    wf_inbox_setting_t *s = &c->fallback.set;
    s->first_response_minutes = 60;
    s->warn_minutes = 15;
    s->assign_cap = 20;
    s->auto_assign = 1;
    snprintf(c->fallback.biz.zone, sizeof c->fallback.biz.zone, "UTC");
    c->fallback.biz.days = 0x1f;
    c->fallback.biz.open_min = 9 * 60;
    c->fallback.biz.close_min = 17 * 60;
    return c;
}

void wf_calendars_destroy(wf_calendars_t **self_p) {
    if (!self_p || !*self_p)
        return;
    free((*self_p)->rows);
    free(*self_p);
    *self_p = NULL;
}

/* Settings rows (kind 1) then holidays (kind 2, a yyyymmdd date). */
static const char *CALENDARS_SQL =
    "SELECT 1, department_id, time_zone, array_to_string(working_days, ','), "
    "  (extract(epoch FROM opens_at) / 60)::int, (extract(epoch FROM closes_at) / 60)::int, "
    "  first_response_minutes, warn_minutes, assign_cap, auto_assign, "
    "  coalesce(skip_approval_certification, ''), 0 FROM inbox_setting "
    "UNION ALL SELECT 2, department_id, '', '', 0, 0, 0, 0, 0, false, '', "
    "  to_char(day, 'YYYYMMDD')::int FROM business_holiday ORDER BY 1";

int wf_calendars_send(hd_db_t *db) { return hd_db_send(db, CALENDARS_SQL, 0, NULL); }

static wf_calendar_row_t *row_of(wf_calendars_t *c, const char *department) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->rows[i].set.department, department) == 0)
            return &c->rows[i];
    return NULL;
}

static int parse_setting(wf_calendars_t *c, PGresult *r, int i) {
    c->rows = hd_grow(c->rows, &c->cap, c->n + 1, sizeof *c->rows);
    wf_calendar_row_t *row = &c->rows[c->n];
    memset(row, 0, sizeof *row);
    if (hd_db_value_copy(r, i, 1, row->set.department, sizeof row->set.department) < 0 ||
        hd_db_value_copy(r, i, 2, row->biz.zone, sizeof row->biz.zone) < 0 ||
        hd_db_value_copy(r, i, 10, row->set.skip_approval_certification,
                         sizeof row->set.skip_approval_certification) < 0)
        return -1;
    for (const char *d = PQgetvalue(r, i, 3); *d; d++)
        if (*d >= '1' && *d <= '7')
            row->biz.days |= 1u << (*d - '1');
    row->biz.open_min = atoi(PQgetvalue(r, i, 4));
    row->biz.close_min = atoi(PQgetvalue(r, i, 5));
    row->set.first_response_minutes = atoi(PQgetvalue(r, i, 6));
    row->set.warn_minutes = atoi(PQgetvalue(r, i, 7));
    row->set.assign_cap = atoi(PQgetvalue(r, i, 8));
    row->set.auto_assign = PQgetvalue(r, i, 9)[0] == 't';
    c->n++;
    return 0;
}

int wf_calendars_parse(wf_calendars_t *c, PGresult *r) {
    int rc = 0;
    c->n = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
        if (PQgetvalue(r, i, 0)[0] == '1') {
            rc = parse_setting(c, r, i);
            continue;
        }
        const char *dept = PQgetvalue(r, i, 1);
        int32_t day = (int32_t)atoi(PQgetvalue(r, i, 11));
        for (size_t k = 0; k < c->n; k++) { /* '' holidays are everyone's */
            hd_biz_t *b = &c->rows[k].biz;
            if ((!*dept || strcmp(c->rows[k].set.department, dept) == 0) &&
                b->nholidays < HD_BIZ_MAX_HOLIDAYS)
                b->holidays[b->nholidays++] = day;
        }
    }
    if (rc < 0)
        hd_error("inbox_setting_malformed", "an inbox_setting row has an overlong column");
    PQclear(r);
    return rc;
}

static const wf_calendar_row_t *find(const wf_calendars_t *c, const char *department) {
    const wf_calendar_row_t *own = row_of((wf_calendars_t *)c, department ? department : "");
    const wf_calendar_row_t *def = row_of((wf_calendars_t *)c, "");
    return own ? own : def ? def : &c->fallback;
}

const hd_biz_t *wf_calendar_of(const wf_calendars_t *c, const char *department) {
    return &find(c, department)->biz;
}

const wf_inbox_setting_t *wf_setting_of(const wf_calendars_t *c, const char *department) {
    return &find(c, department)->set;
}

/* INTERIM: wall-clock minutes, not business minutes. */
int wf_calendar_deadlines(const wf_calendars_t *c, const char *department, int64_t received_ms,
                          int64_t *due_ms, int64_t *warn_ms) {
    const wf_inbox_setting_t *s = wf_setting_of(c, department);
    *due_ms = received_ms + (int64_t)s->first_response_minutes * 60000;
    *warn_ms = received_ms + (int64_t)(s->first_response_minutes - s->warn_minutes) * 60000;
    return 0;
}

/* INTERIM: wall-clock milliseconds, not business milliseconds. */
int wf_calendar_elapsed(const wf_calendars_t *c, const char *department, int64_t from_ms,
                        int64_t to_ms, int64_t *business_ms) {
    (void)c;
    (void)department;
    *business_ms = to_ms > from_ms ? to_ms - from_ms : 0;
    return 0;
}
