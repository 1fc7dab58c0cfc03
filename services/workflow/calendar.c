/*  calendar: the departments' inbox settings and business calendars, read
    in one statement and kept between batches (calendar.h). */
#include "calendar.h"

#include "hd_log.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MINUTE_MS 60000LL

/* One department: its own row, or the default's settings with its own
   holidays (owned strings). */
typedef struct {
    char *department;
    hd_biz_t biz;
    wf_inbox_setting_t set;
    char *cert, *signature;
} dept_t;

struct wf_calendars {
    dept_t *depts; /* sorted by department; the default ("") first */
    size_t n;
    int64_t read_at_ms; /* monotonic; 0: never read */
};

/* The schema's column defaults (migrations/019_inbox.sql), for an
   organization whose default row was deleted. */
static const char *const DEFAULT_SIGNATURE = "\n\n\xe2\x80\x94 {name}, {department}";

static void dept_defaults(dept_t *d) {
    memset(d, 0, sizeof *d);
    d->department = hd_strdup("");
    snprintf(d->biz.zone, sizeof d->biz.zone, "UTC");
    d->biz.days = 0x1f;
    d->biz.open_min = 9 * 60;
    d->biz.close_min = 17 * 60;
    d->set = (wf_inbox_setting_t){
        .first_response_minutes = 60, .warn_minutes = 15, .assign_cap = 20, .auto_assign = 1};
    d->signature = hd_strdup(DEFAULT_SIGNATURE);
}

/* Points the settings' strings at the department's own copies. */
static void dept_link(dept_t *d) {
    d->set.skip_approval_certification = d->cert;
    d->set.signature = d->signature;
}

static void dept_free(dept_t *d) {
    free(d->department);
    free(d->cert);
    free(d->signature);
}

static void depts_free(dept_t *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        dept_free(&v[i]);
    free(v);
}

static int64_t monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

wf_calendars_t *wf_calendars_new(void) {
    wf_calendars_t *c = hd_calloc(1, sizeof *c);
    c->depts = hd_calloc(1, sizeof *c->depts);
    dept_defaults(&c->depts[0]);
    dept_link(&c->depts[0]);
    c->n = 1;
    return c;
}

void wf_calendars_destroy(wf_calendars_t **self_p) {
    if (!self_p || !*self_p)
        return;
    depts_free((*self_p)->depts, (*self_p)->n);
    free(*self_p);
    *self_p = NULL;
}

int wf_calendars_stale(const wf_calendars_t *c) {
    return c->read_at_ms == 0 || monotonic_ms() - c->read_at_ms >= WF_CALENDARS_TTL_MS;
}

/* Settings rows ('s') first, then holiday rows ('h') nearest today first
   (a department keeps at most HD_BIZ_MAX_HOLIDAYS, its own and the
   default's). Opening hours in minutes after midnight. */
static const char *CALENDARS_SQL =
    "SELECT 's' AS k, department_id, time_zone, array_to_string(working_days, ','), "
    "  extract(epoch FROM opens_at)::int / 60, extract(epoch FROM closes_at)::int / 60, "
    "  first_response_minutes, warn_minutes, assign_cap, auto_assign, "
    "  skip_approval_certification, signature, 0 AS near "
    "FROM inbox_setting "
    "UNION ALL SELECT 'h', department_id, to_char(day, 'YYYYMMDD'), NULL, NULL, NULL, NULL, "
    "  NULL, NULL, NULL, NULL, NULL, abs(day - current_date) "
    "FROM business_holiday WHERE day BETWEEN current_date - 366 AND current_date + 366 "
    "ORDER BY k DESC, near, department_id";

int wf_calendars_send(hd_db_t *db) { return hd_db_send(db, CALENDARS_SQL, 0, NULL); }

static int by_department(const void *a, const void *b) {
    return strcmp(((const dept_t *)a)->department, ((const dept_t *)b)->department);
}

static dept_t *find(dept_t *v, size_t n, const char *department) {
    dept_t key = {.department = (char *)department};
    return bsearch(&key, v, n, sizeof *v, by_department);
}

/* "1,2,3" into day bits; -1 for a day outside 1..7. */
static int parse_days(const char *text, unsigned *days) {
    *days = 0;
    for (const char *p = text; *p;) {
        char *end;
        long d = strtol(p, &end, 10);
        if (end == p || d < 1 || d > 7 || (*end && *end != ','))
            return -1;
        *days |= 1u << (d - 1);
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* Settings row `row` of r into d. An overlong zone is one no database
   knows: the department then has no working time (hd_bizhours). */
static int parse_setting(PGresult *r, int row, dept_t *d) {
    memset(d, 0, sizeof *d);
    d->department = hd_strdup(PQgetvalue(r, row, 1));
    if (hd_db_value_copy(r, row, 2, d->biz.zone, sizeof d->biz.zone) < 0)
        d->biz.zone[0] = 0;
    d->biz.open_min = atoi(PQgetvalue(r, row, 4));
    d->biz.close_min = atoi(PQgetvalue(r, row, 5));
    d->set.first_response_minutes = atoi(PQgetvalue(r, row, 6));
    d->set.warn_minutes = atoi(PQgetvalue(r, row, 7));
    d->set.assign_cap = atoi(PQgetvalue(r, row, 8));
    d->set.auto_assign = PQgetvalue(r, row, 9)[0] == 't';
    d->cert = PQgetisnull(r, row, 10) ? NULL : hd_strdup(PQgetvalue(r, row, 10));
    d->signature = hd_strdup(PQgetvalue(r, row, 11));
    if (parse_days(PQgetvalue(r, row, 3), &d->biz.days) < 0) {
        hd_error("inbox_setting_malformed", "department '%s': working days '%s'", d->department,
                 PQgetvalue(r, row, 3));
        return -1;
    }
    return 0;
}

/* A department with holidays and no row of its own: the default's
   settings, none of its holidays yet. */
static void dept_like(dept_t *d, const dept_t *def, const char *department) {
    *d = *def;
    d->department = hd_strdup(department);
    d->cert = def->cert ? hd_strdup(def->cert) : NULL;
    d->signature = hd_strdup(def->signature);
    d->biz.nholidays = 0;
}

static int add_holiday(hd_biz_t *b, int32_t ymd) {
    if (b->nholidays >= HD_BIZ_MAX_HOLIDAYS)
        return -1;
    b->holidays[b->nholidays++] = ymd;
    return 0;
}

/* Holiday row `row` of r into its department (created like the default
   when it has no row); *dropped counts those beyond the limit. */
static int parse_holiday(PGresult *r, int row, dept_t **v, size_t *n, size_t *cap,
                         size_t *dropped) {
    const char *department = PQgetvalue(r, row, 1), *day = PQgetvalue(r, row, 2);
    if (strlen(day) != 8) {
        hd_error("business_holiday_malformed", "department '%s': day '%s'", department, day);
        return -1;
    }
    dept_t *d = find(*v, *n, department);
    if (!d) {
        *v = hd_grow(*v, cap, *n + 1, sizeof **v);
        dept_like(&(*v)[*n], find(*v, *n, ""), department);
        (*n)++;
        qsort(*v, *n, sizeof **v, by_department);
        d = find(*v, *n, department);
    }
    *dropped += add_holiday(&d->biz, (int32_t)atol(day)) < 0;
    return 0;
}

/* Every department's holidays gain the default's. */
static void merge_default_holidays(dept_t *v, size_t n, size_t *dropped) {
    const dept_t *def = find(v, n, "");
    for (size_t i = 0; i < n; i++)
        for (size_t h = 0; &v[i] != def && h < def->biz.nholidays; h++)
            *dropped += add_holiday(&v[i].biz, def->biz.holidays[h]) < 0;
}

/* The rows of r into a new sorted array (*v, *n); -1 on a malformed row. */
static int parse_rows(PGresult *r, dept_t **v, size_t *n) {
    size_t cap = 0;
    int rows = PQntuples(r), row = 0;
    *v = hd_grow(NULL, &cap, (size_t)rows + 1, sizeof **v);
    *n = 0;
    for (; row < rows && PQgetvalue(r, row, 0)[0] == 's'; row++)
        if (parse_setting(r, row, &(*v)[(*n)++]) < 0)
            return -1;
    qsort(*v, *n, sizeof **v, by_department);
    if (!find(*v, *n, "")) {
        dept_defaults(&(*v)[(*n)++]);
        qsort(*v, *n, sizeof **v, by_department);
    }
    size_t dropped = 0;
    for (; row < rows; row++)
        if (parse_holiday(r, row, v, n, &cap, &dropped) < 0)
            return -1;
    merge_default_holidays(*v, *n, &dropped);
    if (dropped)
        hd_warn("business_holidays_dropped",
                "%zu holidays left out: a department keeps the %d nearest today", dropped,
                HD_BIZ_MAX_HOLIDAYS);
    for (size_t i = 0; i < *n; i++)
        dept_link(&(*v)[i]);
    return 0;
}

int wf_calendars_parse(wf_calendars_t *c, PGresult *r) {
    dept_t *v = NULL;
    size_t n = 0;
    int rc = parse_rows(r, &v, &n);
    PQclear(r);
    if (rc < 0) {
        depts_free(v, n);
        return -1;
    }
    depts_free(c->depts, c->n);
    c->depts = v;
    c->n = n;
    c->read_at_ms = monotonic_ms();
    return 0;
}

/* The department's entry, else the default's. */
static const dept_t *entry(const wf_calendars_t *c, const char *department) {
    const dept_t *d = find(c->depts, c->n, department ? department : "");
    return d ? d : find(c->depts, c->n, "");
}

const hd_biz_t *wf_calendar_of(const wf_calendars_t *c, const char *department) {
    return &entry(c, department)->biz;
}

const wf_inbox_setting_t *wf_setting_of(const wf_calendars_t *c, const char *department) {
    return &entry(c, department)->set;
}

int wf_calendar_deadlines(const wf_calendars_t *c, const char *department, int64_t received_ms,
                          int64_t *due_ms, int64_t *warn_ms) {
    const dept_t *d = entry(c, department);
    int64_t first = d->set.first_response_minutes, warn = d->set.warn_minutes;
    int64_t before = warn < first ? first - warn : 0;
    if (first <= 0 || hd_biz_add(&d->biz, received_ms, first * MINUTE_MS, due_ms) < 0 ||
        hd_biz_add(&d->biz, received_ms, before * MINUTE_MS, warn_ms) < 0)
        return -1;
    return 0;
}

int wf_calendar_elapsed(const wf_calendars_t *c, const char *department, int64_t from_ms,
                        int64_t to_ms, int64_t *business_ms) {
    return hd_biz_between(&entry(c, department)->biz, from_ms, to_ms, business_ms);
}
