/*  A department's inbox settings as the administration API checks them
    (services/ingest/inbox_setting.c): each member merged and refused by
    name, the rules across members, the days, times and holidays. */
#include "hd_test.h"
#include "inbox_setting.h"

static ing_inbox_setting_t defaults(void) {
    ing_inbox_setting_t s = {.zone = "UTC",
                             .days = 0x1f,
                             .open_min = 9 * 60,
                             .close_min = 17 * 60,
                             .first_response_minutes = 60,
                             .warn_minutes = 15,
                             .assign_cap = 20,
                             .auto_assign = 1};
    return s;
}

/* The member a body is refused on ("" accepted, merged and checked). */
static const char *refused(const char *body_json, ing_inbox_setting_t *s) {
    static char field[64];
    const char *f = NULL;
    char why[300];
    json_t *b = json_loads(body_json, 0, NULL);
    int rc = b ? ing_inbox_setting_merge(s, b, &f, why, sizeof why) : -1;
    if (rc == 0)
        rc = ing_inbox_setting_check(s, &f, why, sizeof why);
    json_decref(b);
    snprintf(field, sizeof field, "%s", rc == 0 ? "" : f ? f : "?");
    return field;
}

HD_TEST(members_merge) {
    ing_inbox_setting_t s = defaults();
    ASSERT_STR(refused("{\"time_zone\": \"Europe/Paris\", \"working_days\": [7, 1], "
                       "\"opens_at\": \"08:30\", \"closes_at\": \"24:00\", "
                       "\"first_response_minutes\": 120, \"warn_minutes\": 0, "
                       "\"assign_cap\": 5, \"auto_assign\": false, "
                       "\"skip_approval_certification\": \"replies\", \"signature\": \"\"}",
                       &s),
               "");
    ASSERT_STR(s.zone, "Europe/Paris");
    ASSERT_EQ(s.days, 0x41u);
    ASSERT_EQ(s.open_min, 510);
    ASSERT_EQ(s.close_min, 1440);
    ASSERT_EQ(s.first_response_minutes, 120);
    ASSERT_EQ(s.warn_minutes, 0);
    ASSERT_EQ(s.assign_cap, 5);
    ASSERT_EQ(s.auto_assign, 0);
    ASSERT_STR(s.skip_cert, "replies");
    ASSERT_STR(s.signature, "");
    ASSERT_STR(refused("{\"skip_approval_certification\": null}", &s), "");
    ASSERT_STR(s.skip_cert, "");
    ASSERT_STR(refused("{}", &s), ""); /* nothing asked: nothing changes */
    ASSERT_STR(s.zone, "Europe/Paris");
}

HD_TEST(members_refused_by_name) {
    ing_inbox_setting_t s = defaults();
    ASSERT_STR(refused("{\"time_zone\": 5}", &s), "time_zone");
    ASSERT_STR(refused("{\"time_zone\": \"\"}", &s), "time_zone");
    ASSERT_STR(refused("{\"working_days\": []}", &s), "working_days");
    ASSERT_STR(refused("{\"working_days\": [1, 1]}", &s), "working_days");
    ASSERT_STR(refused("{\"working_days\": [0]}", &s), "working_days");
    ASSERT_STR(refused("{\"working_days\": [8]}", &s), "working_days");
    ASSERT_STR(refused("{\"working_days\": \"1,2\"}", &s), "working_days");
    ASSERT_STR(refused("{\"opens_at\": \"9:00\"}", &s), "opens_at");
    ASSERT_STR(refused("{\"opens_at\": \"24:30\"}", &s), "opens_at");
    ASSERT_STR(refused("{\"closes_at\": \"12:60\"}", &s), "closes_at");
    ASSERT_STR(refused("{\"first_response_minutes\": 0}", &s), "first_response_minutes");
    ASSERT_STR(refused("{\"first_response_minutes\": 10081}", &s), "first_response_minutes");
    ASSERT_STR(refused("{\"warn_minutes\": -1}", &s), "warn_minutes");
    ASSERT_STR(refused("{\"assign_cap\": 0}", &s), "assign_cap");
    ASSERT_STR(refused("{\"assign_cap\": 1.5}", &s), "assign_cap");
    ASSERT_STR(refused("{\"auto_assign\": \"yes\"}", &s), "auto_assign");
    ASSERT_STR(refused("{\"skip_approval_certification\": \"\"}", &s),
               "skip_approval_certification");
    ASSERT_STR(refused("{\"signature\": 1}", &s), "signature");
}

HD_TEST(rules_across_members) {
    ing_inbox_setting_t s = defaults();
    ASSERT_STR(refused("{\"opens_at\": \"17:00\"}", &s), "closes_at");
    s = defaults();
    ASSERT_STR(refused("{\"closes_at\": \"08:00\"}", &s), "closes_at");
    s = defaults();
    ASSERT_STR(refused("{\"warn_minutes\": 60}", &s), "warn_minutes");
    s = defaults();
    ASSERT_STR(refused("{\"first_response_minutes\": 15}", &s), "warn_minutes");
    s = defaults();
    ASSERT_STR(refused("{\"first_response_minutes\": 16}", &s), "");
}

HD_TEST(days_and_times) {
    char text[32];
    unsigned days;
    ing_inbox_days_text(0x1f, text, sizeof text);
    ASSERT_STR(text, "{1,2,3,4,5}");
    ing_inbox_days_text(0x40, text, sizeof text);
    ASSERT_STR(text, "{7}");
    ASSERT_EQ(ing_inbox_days_parse("{1,3,7}", &days), 0);
    ASSERT_EQ(days, 0x45u);
    ASSERT_EQ(ing_inbox_days_parse("{}", &days), 0);
    ASSERT_EQ(days, 0u);
    ASSERT_EQ(ing_inbox_days_parse("{8}", &days), -1);
    ASSERT_EQ(ing_inbox_days_parse("1,2", &days), -1);
    int m;
    ASSERT_EQ(ing_inbox_hhmm("00:00", &m), 0);
    ASSERT_EQ(m, 0);
    ASSERT_EQ(ing_inbox_hhmm("23:59", &m), 0);
    ASSERT_EQ(m, 1439);
    ASSERT_EQ(ing_inbox_hhmm("24:01", &m), -1);
    ASSERT_EQ(ing_inbox_hhmm("09:00:00", &m), -1);
    ASSERT_EQ(ing_inbox_hhmm("ab:cd", &m), -1);
}

HD_TEST(holiday_days) {
    ASSERT(ing_inbox_day_valid("2026-12-25"));
    ASSERT(ing_inbox_day_valid("2028-02-29"));  /* a leap year */
    ASSERT(!ing_inbox_day_valid("2100-02-29")); /* not one */
    ASSERT(ing_inbox_day_valid("2000-02-29"));  /* one again */
    ASSERT(!ing_inbox_day_valid("2026-04-31"));
    ASSERT(!ing_inbox_day_valid("2026-13-01"));
    ASSERT(!ing_inbox_day_valid("1999-12-31"));
    ASSERT(!ing_inbox_day_valid("2026-1-01"));
    ASSERT(!ing_inbox_day_valid("2026-12-25T00:00:00Z"));
    ASSERT(!ing_inbox_day_valid(NULL));
}

HD_TEST_MAIN(HD_CASE(members_merge), HD_CASE(members_refused_by_name),
             HD_CASE(rules_across_members), HD_CASE(days_and_times), HD_CASE(holiday_days))
