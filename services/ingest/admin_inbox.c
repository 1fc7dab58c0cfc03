/*  admin_inbox: the inbox's settings and holidays through the
    administration API (docs/inbox.md): a department's business hours,
    first-response target, assignment cap, skip-approval certification and
    reply signature (table inbox_setting; "default" names the
    organization's own row, department ''), and the days nobody works
    (table business_holiday; "all" names the organization's, department
    ''). Permission `inbox` for the department (organization-wide for the
    default and for all); reads need any admin token. Every change is one
    transaction with its org.inbox_setting.* / org.holiday.* event, as
    every administration route (org.h). */
#include "admin.h"
#include "api.h"
#include "inbox_api.h"
#include "inbox_setting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTING_JSON                                                                             \
    "json_build_object('department', CASE WHEN s.department_id = '' THEN 'default' ELSE "        \
    "s.department_id END, 'time_zone', s.time_zone, 'working_days', s.working_days, "            \
    "'opens_at', to_char(s.opens_at, 'HH24:MI'), 'closes_at', to_char(s.closes_at, 'HH24:MI'), " \
    "'first_response_minutes', s.first_response_minutes, 'warn_minutes', s.warn_minutes, "       \
    "'assign_cap', s.assign_cap, 'auto_assign', s.auto_assign, "                                 \
    "'skip_approval_certification', s.skip_approval_certification, 'signature', s.signature, "   \
    "'version', s.version, 'updated_at', s.updated_at)::text"

#define HOLIDAY_JSON                                                                  \
    "json_build_object('department', CASE WHEN h.department_id = '' THEN 'all' ELSE " \
    "h.department_id END, 'day', to_char(h.day, 'YYYY-MM-DD'), 'name', h.name)::text"

/* The path's department: "" for `word` (default, all), else an existing
   department's id. 0 with *dept set, or -1 answered (404). In the open
   transaction when there is one. */
static int path_department(ing_call_t *c, const char *word, const char **dept) {
    const char *d = c->params[0];
    *dept = strcmp(d, word) == 0 ? "" : d;
    if (!**dept)
        return 0;
    if (!ing_admin_slug(d)) {
        ing_org_refuse(c, 404, "department", "not_found", "no such department '%s'", d);
        return -1;
    }
    return ing_org_exists(c, "SELECT 1 FROM department WHERE id = $1", d, 404, "department",
                          "department") == 1
               ? 0
               : -1;
}

/* ---------------- settings ---------------- */

void ing_inbox_settings_list(ing_call_t *c) {
    ing_org_list(c,
                 "SELECT " SETTING_JSON " FROM inbox_setting s ORDER BY s.department_id LIMIT 1000",
                 0, NULL);
}

void ing_inbox_setting_get(ing_call_t *c) {
    const char *dept;
    json_t *o;
    if (path_department(c, "default", &dept) < 0)
        return;
    int got =
        ing_org_one(c, "SELECT " SETTING_JSON " FROM inbox_setting s WHERE s.department_id = $1", 1,
                    (const char *[]){dept}, &o);
    if (got == 0)
        ing_api_refuse(c, 404, "department", "not_found",
                       "department '%s' has no inbox settings of its own: it uses the default "
                       "(GET /v1/admin/inbox-settings/default)",
                       dept);
    else if (got == 1)
        ing_org_respond(c, 200, o);
}

static const char *LOAD_SQL =
    "SELECT " SETTING_JSON ", s.time_zone, s.working_days::text, to_char(s.opens_at, 'HH24:MI'), "
    "to_char(s.closes_at, 'HH24:MI'), s.first_response_minutes, s.warn_minutes, s.assign_cap, "
    "s.auto_assign, coalesce(s.skip_approval_certification, ''), s.signature "
    "FROM inbox_setting s WHERE s.department_id = $1 FOR UPDATE";

/* The settings row of dept, locked: its JSON into *json and its values
   into s. 1 found, 0 none, -1 answered 503. */
static int setting_load(ing_call_t *c, const char *dept, json_t **json, ing_inbox_setting_t *s) {
    PGresult *r = hd_db_exec(c->db, LOAD_SQL, 1, (const char *[]){dept});
    *json = NULL;
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    int found = PQntuples(r) == 1;
    if (found) {
        *json = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
        memset(s, 0, sizeof *s);
        snprintf(s->zone, sizeof s->zone, "%s", PQgetvalue(r, 0, 1));
        if (ing_inbox_days_parse(PQgetvalue(r, 0, 2), &s->days) < 0)
            s->days = 0;
        ing_inbox_hhmm(PQgetvalue(r, 0, 3), &s->open_min);
        ing_inbox_hhmm(PQgetvalue(r, 0, 4), &s->close_min);
        s->first_response_minutes = atoi(PQgetvalue(r, 0, 5));
        s->warn_minutes = atoi(PQgetvalue(r, 0, 6));
        s->assign_cap = atoi(PQgetvalue(r, 0, 7));
        s->auto_assign = PQgetvalue(r, 0, 8)[0] == 't';
        snprintf(s->skip_cert, sizeof s->skip_cert, "%s", PQgetvalue(r, 0, 9));
        snprintf(s->signature, sizeof s->signature, "%s", PQgetvalue(r, 0, 10));
    }
    PQclear(r);
    return found;
}

/* body merged over s and checked. 0, or -1 answered (rolled back). */
static int setting_merge(ing_call_t *c, json_t *body, ing_inbox_setting_t *s) {
    const char *field;
    char why[300];
    if (ing_inbox_setting_merge(s, body, &field, why, sizeof why) < 0 ||
        ing_inbox_setting_check(s, &field, why, sizeof why) < 0) {
        ing_org_refuse(c, 422, field, "invalid", "%s", why);
        return -1;
    }
    /* the calendar's verdict: the SLA clock runs on ICU's zones */
    if (hd_biz_zone_valid(s->zone))
        return 0;
    ing_org_refuse(c, 422, "time_zone", "invalid", "time_zone '%s' is not a time zone's name",
                   s->zone);
    return -1;
}

static const char *UPSERT_SQL =
    "INSERT INTO inbox_setting AS s (department_id, time_zone, working_days, opens_at, "
    "  closes_at, first_response_minutes, warn_minutes, assign_cap, auto_assign, "
    "  skip_approval_certification, signature) "
    "VALUES ($1, $2, $3::smallint[], $4::time, $5::time, $6::int, $7::int, $8::int, "
    "  $9::boolean, nullif($10, ''), $11) "
    "ON CONFLICT (department_id) DO UPDATE SET time_zone = $2, working_days = $3::smallint[], "
    "  opens_at = $4::time, closes_at = $5::time, first_response_minutes = $6::int, "
    "  warn_minutes = $7::int, assign_cap = $8::int, auto_assign = $9::boolean, "
    "  skip_approval_certification = nullif($10, ''), signature = $11, "
    "  version = s.version + 1, updated_at = now() "
    "RETURNING " SETTING_JSON;

/* Writes s as dept's settings; the new row's JSON into *after. 1, or -1
   answered. */
static int setting_write(ing_call_t *c, const char *dept, const ing_inbox_setting_t *s,
                         json_t **after) {
    char days[32], open[24], close[24], first[16], warn[16], cap[16];
    ing_inbox_days_text(s->days, days, sizeof days);
    snprintf(open, sizeof open, "%02d:%02d", s->open_min / 60, s->open_min % 60);
    snprintf(close, sizeof close, "%02d:%02d", s->close_min / 60, s->close_min % 60);
    snprintf(first, sizeof first, "%d", s->first_response_minutes);
    snprintf(warn, sizeof warn, "%d", s->warn_minutes);
    snprintf(cap, sizeof cap, "%d", s->assign_cap);
    const char *p[11] = {
        dept,         s->zone,     days, open, close, first, warn, cap, s->auto_assign ? "t" : "f",
        s->skip_cert, s->signature};
    int got = ing_org_one(c, UPSERT_SQL, 11, p, after);
    if (got == 0)
        ing_org_unavailable(c);
    return got == 1 ? 1 : -1;
}

/* What a department without settings of its own starts from: the
   organization's default row (which huddle-migrate keeps). 0, or -1
   answered. */
static int base_load(ing_call_t *c, ing_inbox_setting_t *s) {
    json_t *j;
    int got = setting_load(c, "", &j, s);
    json_decref(j);
    if (got == 0)
        ing_org_refuse(c, 409, "department", "conflict",
                       "the organization's default inbox settings are missing (huddle-migrate "
                       "restores them)");
    return got == 1 ? 0 : -1;
}

void ing_inbox_setting_put(ing_call_t *c) {
    static const char *const known[] = {"time_zone",
                                        "working_days",
                                        "opens_at",
                                        "closes_at",
                                        "first_response_minutes",
                                        "warn_minutes",
                                        "assign_cap",
                                        "auto_assign",
                                        "skip_approval_certification",
                                        "signature",
                                        "version",
                                        NULL};
    const char *dept = strcmp(c->params[0], "default") ? c->params[0] : "";
    json_t *body = NULL, *before = NULL, *after = NULL;
    ing_inbox_setting_t s;
    long long want;
    if (ing_org_authorize(c, "inbox", *dept ? dept : NULL, "department") < 0 ||
        !(body = ing_org_body(c, known, 0)) || (want = ing_org_expected_version(c, body)) < 0 ||
        ing_org_begin(c) < 0 || path_department(c, "default", &dept) < 0)
        goto out;
    int have = setting_load(c, dept, &before, &s);
    if (have < 0 || (have == 0 && base_load(c, &s) < 0))
        goto out;
    if (have && want == 0)
        ing_org_version_missing(c);
    else if ((!have || ing_org_fresh(c, before, want, "the inbox settings") == 0) &&
             setting_merge(c, body, &s) == 0 && setting_write(c, dept, &s, &after) == 1)
        ing_org_finish(c,
                       &(ing_org_change_t){"inbox_setting", *dept ? dept : "default",
                                           have ? "updated" : "created", *dept ? dept : NULL, NULL,
                                           before, after},
                       have ? 200 : 201, json_incref(after));
out:
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

/* ---------------- holidays ---------------- */

void ing_inbox_holidays_list(ing_call_t *c) {
    char buf[256];
    const char *d = hd_http_req_param(c->req, "department", buf, sizeof buf);
    if (d && strcmp(d, "all") && !ing_admin_slug(d)) {
        ing_api_refuse(c, 422, "department", "invalid",
                       "department must be a department's id, or all");
        return;
    }
    const char *p[1] = {d && !strcmp(d, "all") ? "" : d};
    ing_org_list(c,
                 "SELECT " HOLIDAY_JSON " FROM business_holiday h "
                 "WHERE $1::text IS NULL OR h.department_id = $1 "
                 "ORDER BY h.day, h.department_id LIMIT 1000",
                 1, p);
}

/* The path's holiday (department and day) authorized, in an open
   transaction: its row's JSON (locked) into *before (NULL: none). 0, or -1
   answered. */
static int holiday_start(ing_call_t *c, const char **dept, json_t **before) {
    *before = NULL;
    *dept = strcmp(c->params[0], "all") ? c->params[0] : "";
    if (ing_org_authorize(c, "inbox", **dept ? *dept : NULL, "department") < 0)
        return -1;
    if (!ing_inbox_day_valid(c->params[1])) {
        ing_api_refuse(c, 422, "day", "invalid",
                       "the day must be a date YYYY-MM-DD (years 2000 to 2999)");
        return -1;
    }
    if (ing_org_begin(c) < 0 || path_department(c, "all", dept) < 0)
        return -1;
    const char *p[2] = {*dept, c->params[1]};
    return ing_org_one(c,
                       "SELECT " HOLIDAY_JSON " FROM business_holiday h "
                       "WHERE h.department_id = $1 AND h.day = $2::date FOR UPDATE",
                       2, p, before) < 0
               ? -1
               : 0;
}

void ing_inbox_holiday_put(ing_call_t *c) {
    static const char *const known[] = {"name", NULL};
    const char *dept, *name;
    json_t *body = ing_org_body(c, known, 0), *before = NULL, *after = NULL;
    if (!body || ing_org_text(c, body, "name", 1, 1, ING_INBOX_MAX_HOLIDAY_NAME, &name) < 0 ||
        holiday_start(c, &dept, &before) < 0)
        goto out;
    char id[2 * ING_ROUTE_PARAM_LEN];
    snprintf(id, sizeof id, "%s/%s", c->params[0], c->params[1]);
    if (before && !strcmp(json_string_value(json_object_get(before, "name")), name)) {
        hd_db_rollback(c->db); /* as it was: nothing changed, nothing recorded */
        hd_http_respond_json(c->req, 200, json_incref(before));
        goto out;
    }
    const char *p[3] = {dept, c->params[1], name};
    int got = ing_org_one(c,
                          "INSERT INTO business_holiday AS h (department_id, day, name) "
                          "VALUES ($1, $2::date, $3) ON CONFLICT (department_id, day) "
                          "DO UPDATE SET name = $3 RETURNING " HOLIDAY_JSON,
                          3, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got == 1)
        ing_org_finish(c,
                       &(ing_org_change_t){"holiday", id, before ? "updated" : "created",
                                           *dept ? dept : NULL, NULL, before, after},
                       before ? 200 : 201, json_incref(after));
out:
    json_decref(before);
    json_decref(after);
    json_decref(body);
}

void ing_inbox_holiday_delete(ing_call_t *c) {
    static const char *const known[] = {NULL};
    const char *dept;
    json_t *body = ing_org_body(c, known, 1), *before = NULL;
    if (!body || holiday_start(c, &dept, &before) < 0)
        goto out;
    char id[2 * ING_ROUTE_PARAM_LEN];
    snprintf(id, sizeof id, "%s/%s", c->params[0], c->params[1]);
    const char *p[2] = {dept, c->params[1]};
    if (!before)
        ing_org_refuse(c, 404, "day", "not_found", "no holiday %s", id);
    else if (hd_db_cmd(c->db,
                       "DELETE FROM business_holiday WHERE department_id = $1 AND day = "
                       "$2::date",
                       2, p) < 0)
        ing_org_unavailable(c);
    else
        ing_org_finish(
            c,
            &(ing_org_change_t){"holiday", id, "deleted", *dept ? dept : NULL, NULL, before, NULL},
            200, json_incref(before));
out:
    json_decref(before);
    json_decref(body);
}
