/*  The departments' calendars (calendar.h) read from a real PostgreSQL
    as workflow's own role: a department's own settings row, the
    default's for a department without one (also when it has holidays of
    its own), holidays of the department and of all, the deadlines and
    the elapsed business time over them, a zone no database knows (no
    deadline), a malformed row (the previous read is kept), and the
    schema's defaults when the default row is gone. */
#include "calendar.h"
#include "hd_test.h"
#include "hd_testdb.h"

#define MIN 60000LL

static hd_db_t *s_db;

static int sql(const char *text) {
    PGresult *r = PQexec(hd_db_conn(s_db), text);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "%s: %s\n", text, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* yyyymmdd of current_date + days. */
static int32_t day_from_today(int days) {
    char text[96];
    snprintf(text, sizeof text, "SELECT to_char(current_date + %d, 'YYYYMMDD')", days);
    PGresult *r = hd_db_exec(s_db, text, 0, NULL);
    int32_t v = r && PQntuples(r) ? (int32_t)atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

static int holds(const hd_biz_t *b, int32_t ymd) {
    for (size_t i = 0; i < b->nholidays; i++)
        if (b->holidays[i] == ymd)
            return 1;
    return 0;
}

/* A read as workflow: send, results, parse. */
static int read_as_workflow(wf_calendars_t *c) {
    PGresult *r = NULL;
    if (sql("SET ROLE huddle_workflow") < 0 || wf_calendars_send(s_db) < 0 ||
        hd_db_results(s_db, &r, 1) < 0)
        return -2;
    int rc = wf_calendars_parse(c, r);
    return sql("RESET ROLE") < 0 ? -2 : rc;
}

static const char *FIXTURE =
    "INSERT INTO inbox_setting (department_id, time_zone, working_days, opens_at, closes_at, "
    "  first_response_minutes, warn_minutes, assign_cap, auto_assign, "
    "  skip_approval_certification, signature) VALUES "
    " ('customer-care', 'Europe/Paris', '{1,2,3,4,5,6}', '08:00', '20:00', 30, 10, 5, false, "
    "  'responder', '— {first_name}'),"
    " ('broken', 'Mars/Olympus', '{1,2,3,4,5}', '09:00', '17:00', 60, 15, 20, true, NULL, '');"
    "INSERT INTO business_holiday (department_id, day, name) VALUES"
    " ('', current_date + 3, 'for all'),"
    " ('customer-care', current_date + 4, 'care day'),"
    " ('legal', current_date + 5, 'legal day'),"
    " ('legal', current_date - 400, 'long ago')";

static int setup(void) {
    char url[512];
    if (hd_testdb_create("test_workflow_calendar", 0, url, sizeof url) < 0)
        return -1;
    s_db = hd_db_connect(url, 5000);
    return s_db ? sql(FIXTURE) : -1;
}

HD_TEST(a_fresh_set_is_stale_and_holds_the_defaults) {
    wf_calendars_t *c = wf_calendars_new();
    ASSERT(wf_calendars_stale(c));
    const wf_inbox_setting_t *s = wf_setting_of(c, "anything");
    ASSERT_EQ(s->first_response_minutes, 60);
    ASSERT_EQ(s->warn_minutes, 15);
    ASSERT_EQ(s->assign_cap, 20);
    ASSERT_EQ(s->auto_assign, 1);
    ASSERT(s->skip_approval_certification == NULL);
    ASSERT_STR(wf_calendar_of(c, "")->zone, "UTC");
    wf_calendars_destroy(&c);
    ASSERT(c == NULL);
    wf_calendars_destroy(&c);
}

HD_TEST(each_department_has_its_settings_or_the_default) {
    wf_calendars_t *c = wf_calendars_new();
    ASSERT_EQ(read_as_workflow(c), 0);
    ASSERT(!wf_calendars_stale(c));
    const wf_inbox_setting_t *care = wf_setting_of(c, "customer-care");
    ASSERT_EQ(care->first_response_minutes, 30);
    ASSERT_EQ(care->warn_minutes, 10);
    ASSERT_EQ(care->assign_cap, 5);
    ASSERT_EQ(care->auto_assign, 0);
    ASSERT_STR(care->skip_approval_certification, "responder");
    ASSERT_STR(care->signature, "— {first_name}");
    const hd_biz_t *b = wf_calendar_of(c, "customer-care");
    ASSERT_STR(b->zone, "Europe/Paris");
    ASSERT_EQ(b->days, 0x3f);
    ASSERT_EQ(b->open_min, 8 * 60);
    ASSERT_EQ(b->close_min, 20 * 60);
    /* no row: the default's settings; legal's holidays are still its own */
    const wf_inbox_setting_t *legal = wf_setting_of(c, "legal");
    ASSERT_EQ(legal->first_response_minutes, 60);
    ASSERT_STR(legal->signature, "\n\n— {name}, {department}");
    ASSERT_STR(wf_calendar_of(c, "legal")->zone, "UTC");
    ASSERT(wf_setting_of(c, "nobody") == wf_setting_of(c, ""));
    ASSERT(wf_setting_of(c, NULL) == wf_setting_of(c, ""));
    wf_calendars_destroy(&c);
}

HD_TEST(holidays_are_the_departments_and_everyones) {
    wf_calendars_t *c = wf_calendars_new();
    ASSERT_EQ(read_as_workflow(c), 0);
    int32_t all = day_from_today(3), care = day_from_today(4), legal = day_from_today(5);
    const hd_biz_t *def = wf_calendar_of(c, ""), *cc = wf_calendar_of(c, "customer-care");
    const hd_biz_t *lg = wf_calendar_of(c, "legal"), *other = wf_calendar_of(c, "hr");
    ASSERT_EQ(def->nholidays, 1);
    ASSERT(holds(def, all));
    ASSERT_EQ(cc->nholidays, 2);
    ASSERT(holds(cc, all) && holds(cc, care));
    ASSERT_EQ(lg->nholidays, 2); /* the one of long ago is not read */
    ASSERT(holds(lg, all) && holds(lg, legal));
    ASSERT(!holds(lg, care));
    ASSERT(other == def);
    wf_calendars_destroy(&c);
}

HD_TEST(deadlines_and_elapsed_time_in_the_departments_hours) {
    wf_calendars_t *c = wf_calendars_new();
    ASSERT_EQ(read_as_workflow(c), 0);
    /* Friday 2026-01-09 19:50 in Paris (18:50 UTC): ten minutes that day,
       Saturday works from 08:00 (07:00 UTC) */
    const int64_t fri = 1767984600000LL, sat_0800 = 1768028400000LL;
    int64_t due = 0, warn = 0, took = 0;
    ASSERT_EQ(wf_calendar_deadlines(c, "customer-care", fri, &due, &warn), 0);
    ASSERT_EQ(due, sat_0800 + 20 * MIN);
    ASSERT_EQ(warn, sat_0800 + 10 * MIN);
    ASSERT_EQ(wf_calendar_elapsed(c, "customer-care", fri, sat_0800 + 20 * MIN, &took), 0);
    ASSERT_EQ(took, 30 * MIN);
    /* the default (UTC, weekdays 9 to 17): Friday 18:50 UTC waits for Monday */
    const int64_t mon_0900 = 1768208400000LL; /* 2026-01-12T09:00Z */
    ASSERT_EQ(wf_calendar_deadlines(c, "", fri, &due, &warn), 0);
    ASSERT_EQ(due, mon_0900 + 60 * MIN);
    ASSERT_EQ(warn, mon_0900 + 45 * MIN);
    /* a zone no database knows: no deadline, no elapsed time */
    ASSERT_EQ(wf_calendar_deadlines(c, "broken", fri, &due, &warn), -1);
    ASSERT_EQ(wf_calendar_elapsed(c, "broken", fri, fri + 60 * MIN, &took), -1);
    wf_calendars_destroy(&c);
}

HD_TEST(a_malformed_row_keeps_the_previous_read) {
    wf_calendars_t *c = wf_calendars_new();
    ASSERT_EQ(read_as_workflow(c), 0);
    ASSERT_EQ(sql("INSERT INTO inbox_setting (department_id, working_days) VALUES ('odd', '{0}')"),
              0);
    ASSERT_EQ(read_as_workflow(c), -1);
    ASSERT_EQ(wf_setting_of(c, "customer-care")->first_response_minutes, 30);
    ASSERT_EQ(sql("DELETE FROM inbox_setting WHERE department_id = 'odd'"), 0);
    wf_calendars_destroy(&c);
}

HD_TEST(without_a_default_row_the_schema_defaults_apply) {
    ASSERT_EQ(sql("DELETE FROM inbox_setting WHERE department_id = ''"), 0);
    wf_calendars_t *c = wf_calendars_new();
    ASSERT_EQ(read_as_workflow(c), 0);
    const wf_inbox_setting_t *s = wf_setting_of(c, "hr");
    ASSERT_EQ(s->first_response_minutes, 60);
    ASSERT_EQ(s->warn_minutes, 15);
    ASSERT_STR(s->signature, "\n\n— {name}, {department}");
    ASSERT_STR(wf_calendar_of(c, "hr")->zone, "UTC");
    ASSERT_EQ(wf_calendar_of(c, "hr")->days, 0x1f);
    ASSERT(holds(wf_calendar_of(c, "legal"), day_from_today(3)));
    ASSERT_EQ(wf_setting_of(c, "customer-care")->first_response_minutes, 30);
    wf_calendars_destroy(&c);
}

int main(void) {
    if (setup() < 0)
        return 1;
    hd_test_case_t cases[] = {HD_CASE(a_fresh_set_is_stale_and_holds_the_defaults),
                              HD_CASE(each_department_has_its_settings_or_the_default),
                              HD_CASE(holidays_are_the_departments_and_everyones),
                              HD_CASE(deadlines_and_elapsed_time_in_the_departments_hours),
                              HD_CASE(a_malformed_row_keeps_the_previous_read),
                              HD_CASE(without_a_default_row_the_schema_defaults_apply)};
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        hd_test_failed = 0;
        cases[i].fn();
        printf("%s %s\n", hd_test_failed ? "FAIL" : "ok  ", cases[i].name);
        failures += hd_test_failed;
    }
    hd_db_destroy(&s_db);
    return failures ? 1 : 0;
}

int hd_test_failed;
