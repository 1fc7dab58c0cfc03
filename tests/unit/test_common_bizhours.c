/*  hd_bizhours: business time across a weekend, a holiday, the
    daylight-saving changes of Europe/Paris and America/New_York, a start
    outside the opening hours, spans of many days, calendars with no
    working time and unknown zones. The expected instants are written as
    UTC wall times with the offsets the zones had on those dates, so they
    do not come from the code under test. */
#include "hd_bizhours.h"
#include "hd_test.h"

#include <time.h>

#define MIN 60000LL
#define HOUR (60 * MIN)
#define WEEKDAYS 0x1f /* Monday .. Friday */

/* The UTC instant of a UTC wall time. */
static int64_t utc(int y, int mo, int d, int h, int mi) {
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm) * 1000;
}

static hd_biz_t calendar(const char *zone, unsigned days, int open_h, int close_h) {
    hd_biz_t c = {.days = days, .open_min = open_h * 60, .close_min = close_h * 60};
    snprintf(c.zone, sizeof c.zone, "%s", zone);
    return c;
}

static int64_t add(const hd_biz_t *c, int64_t start, int64_t ms) {
    int64_t out = -42;
    return hd_biz_add(c, start, ms, &out) == 0 ? out : -1;
}

static int64_t between(const hd_biz_t *c, int64_t from, int64_t to) {
    int64_t out = -42;
    return hd_biz_between(c, from, to, &out) == 0 ? out : -1;
}

HD_TEST(zones_are_checked_against_the_database) {
    ASSERT(hd_biz_zone_valid("Europe/Paris"));
    ASSERT(hd_biz_zone_valid("America/New_York"));
    ASSERT(hd_biz_zone_valid("UTC"));
    ASSERT(hd_biz_zone_valid("Etc/GMT+5"));
    ASSERT(!hd_biz_zone_valid("Mars/Olympus"));
    ASSERT(!hd_biz_zone_valid("GMT+5")); /* a custom id, not a zone of the database */
    ASSERT(!hd_biz_zone_valid(""));
    ASSERT(!hd_biz_zone_valid(NULL));
    ASSERT(!hd_biz_zone_valid("Europe/ Paris"));
    ASSERT(!hd_biz_zone_valid("Europe/Pärís"));
    char longest[HD_BIZ_ZONE_LEN + 8];
    memset(longest, 'A', sizeof longest - 1);
    longest[sizeof longest - 1] = 0;
    ASSERT(!hd_biz_zone_valid(longest));
}

HD_TEST(the_clock_stops_over_a_weekend) {
    hd_biz_t c = calendar("UTC", WEEKDAYS, 9, 17);
    int64_t fri = utc(2025, 1, 10, 16, 30);
    ASSERT_EQ(add(&c, fri, 60 * MIN), utc(2025, 1, 13, 9, 30));
    ASSERT_EQ(between(&c, fri, utc(2025, 1, 13, 9, 30)), 60 * MIN);
    ASSERT_EQ(between(&c, utc(2025, 1, 11, 8, 0), utc(2025, 1, 12, 20, 0)), 0); /* all weekend */
    /* a weekend worker: Saturday counts, Sunday does not */
    hd_biz_t sat = calendar("UTC", WEEKDAYS | 0x20, 9, 17);
    ASSERT_EQ(add(&sat, fri, 60 * MIN), utc(2025, 1, 11, 9, 30));
}

HD_TEST(the_clock_stops_on_a_holiday) {
    /* Paris in winter is UTC+1; Christmas 2025 is a Thursday */
    hd_biz_t c = calendar("Europe/Paris", WEEKDAYS, 9, 17);
    c.holidays[0] = 20251225;
    c.holidays[1] = 20250101;
    c.nholidays = 2;
    int64_t wed = utc(2025, 12, 24, 15, 45); /* 16:45 local */
    ASSERT_EQ(add(&c, wed, 30 * MIN), utc(2025, 12, 26, 8, 15));
    ASSERT_EQ(between(&c, wed, utc(2025, 12, 26, 8, 15)), 30 * MIN);
    ASSERT_EQ(between(&c, utc(2025, 12, 25, 8, 0), utc(2025, 12, 25, 16, 0)), 0);
    c.nholidays = 0; /* the same span without the holiday */
    ASSERT_EQ(add(&c, wed, 30 * MIN), utc(2025, 12, 25, 8, 15));
}

HD_TEST(paris_changes_its_clocks_inside_the_opening_hours) {
    /* 2025-03-30: 02:00 becomes 03:00 (UTC+1 to UTC+2); 2025-10-26: 03:00
       becomes 02:00. Open every day from midnight to 06:00. */
    hd_biz_t c = calendar("Europe/Paris", 0x7f, 0, 6);
    ASSERT_EQ(between(&c, utc(2025, 3, 29, 12, 0), utc(2025, 3, 30, 12, 0)), 5 * HOUR);
    ASSERT_EQ(between(&c, utc(2025, 10, 25, 12, 0), utc(2025, 10, 26, 12, 0)), 7 * HOUR);
    ASSERT_EQ(between(&c, utc(2025, 6, 1, 12, 0), utc(2025, 6, 2, 12, 0)), 6 * HOUR);
    /* the spring day's opening hours end at 04:00 UTC, five real hours
       after they began; one millisecond more is the next day's */
    ASSERT_EQ(add(&c, utc(2025, 3, 29, 23, 0), 5 * HOUR), utc(2025, 3, 30, 4, 0));
    ASSERT_EQ(add(&c, utc(2025, 3, 29, 23, 0), 5 * HOUR + 1), utc(2025, 3, 30, 22, 0) + 1);
}

HD_TEST(paris_over_the_weekend_the_clocks_change) {
    /* Friday 16:00 local (UTC+1) plus two business hours is Monday 10:00
       local, now UTC+2: 08:00 UTC, not the 09:00 a fixed offset gives */
    hd_biz_t c = calendar("Europe/Paris", WEEKDAYS, 9, 17);
    ASSERT_EQ(add(&c, utc(2025, 3, 28, 15, 0), 2 * HOUR), utc(2025, 3, 31, 8, 0));
    ASSERT_EQ(add(&c, utc(2025, 10, 24, 14, 0), 2 * HOUR), utc(2025, 10, 27, 9, 0));
    ASSERT_EQ(between(&c, utc(2025, 3, 28, 15, 0), utc(2025, 3, 31, 8, 0)), 2 * HOUR);
}

HD_TEST(new_york_changes_its_clocks) {
    hd_biz_t c = calendar("America/New_York", WEEKDAYS, 9, 17);
    /* Friday 16:00 EDT (UTC-4) + 2 h: Monday 10:00 EST (UTC-5) */
    ASSERT_EQ(add(&c, utc(2025, 10, 31, 20, 0), 2 * HOUR), utc(2025, 11, 3, 15, 0));
    /* Friday 16:00 EST + 2 h: Monday 10:00 EDT */
    ASSERT_EQ(add(&c, utc(2025, 3, 7, 21, 0), 2 * HOUR), utc(2025, 3, 10, 14, 0));
    /* 2025-11-02, open 01:00 to 04:00: 01:00 is taken at its first
       occurrence (EDT, 05:00 UTC), 04:00 is EST (09:00 UTC): four hours */
    hd_biz_t night = calendar("America/New_York", 0x7f, 1, 4);
    ASSERT_EQ(between(&night, utc(2025, 11, 2, 0, 0), utc(2025, 11, 2, 23, 0)), 4 * HOUR);
    /* 2025-03-09, open 02:30 to 05:00: 02:30 does not exist, the day opens
       at 03:00 EDT (07:00 UTC) and closes at 05:00 EDT: two hours */
    night.open_min = 2 * 60 + 30;
    night.close_min = 5 * 60;
    ASSERT_EQ(between(&night, utc(2025, 3, 9, 0, 0), utc(2025, 3, 9, 23, 0)), 2 * HOUR);
    ASSERT_EQ(add(&night, utc(2025, 3, 9, 5, 0), 0), utc(2025, 3, 9, 7, 0));
}

HD_TEST(a_start_outside_hours_counts_from_the_next_opening) {
    hd_biz_t c = calendar("UTC", WEEKDAYS, 9, 17);
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 7, 0), 30 * MIN), utc(2025, 1, 7, 9, 30));  /* early */
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 18, 0), 30 * MIN), utc(2025, 1, 8, 9, 30)); /* late */
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 17, 0), 0), utc(2025, 1, 8, 9, 0)); /* closing is out */
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 9, 0), 0), utc(2025, 1, 7, 9, 0));  /* opening is in */
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 12, 34), 0), utc(2025, 1, 7, 12, 34));
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 16, 0), 60 * MIN), utc(2025, 1, 7, 17, 0));
    ASSERT_EQ(between(&c, utc(2025, 1, 7, 6, 0), utc(2025, 1, 7, 8, 0)), 0);
    ASSERT_EQ(between(&c, utc(2025, 1, 7, 10, 0), utc(2025, 1, 7, 10, 0)), 0);
    ASSERT_EQ(between(&c, utc(2025, 1, 7, 11, 0), utc(2025, 1, 7, 10, 0)), 0);
    ASSERT_EQ(add(&c, utc(2025, 1, 7, 10, 0), -1), -1);
}

HD_TEST(a_span_of_many_days) {
    hd_biz_t c = calendar("Europe/Paris", WEEKDAYS, 9, 17);
    int64_t mon = utc(2025, 1, 6, 8, 0);                         /* Monday 09:00 local */
    ASSERT_EQ(add(&c, mon, 40 * HOUR), utc(2025, 1, 10, 16, 0)); /* Friday's closing */
    ASSERT_EQ(add(&c, mon, 41 * HOUR), utc(2025, 1, 13, 9, 0));
    /* 100 working days from Monday 6 January: 20 weeks later, in summer
       time (UTC+2), with Easter Monday 21 April a holiday: one day more */
    c.holidays[0] = 20250421;
    c.nholidays = 1;
    ASSERT_EQ(add(&c, mon, 100 * 8 * HOUR), utc(2025, 5, 26, 15, 0));
    ASSERT_EQ(between(&c, mon, utc(2025, 5, 26, 15, 0)), 100 * 8 * HOUR);
    /* beyond ten years of calendar: no answer */
    ASSERT_EQ(add(&c, mon, 3000LL * 8 * HOUR), -1);
    ASSERT_EQ(between(&c, mon, mon + 11LL * 366 * 24 * HOUR), -1);
}

/* between undoes add, whatever the start: time outside the hours is worth
   nothing on both sides. Starts every 7 h 13 min over 2025, durations up
   to a week of business time, in both zones with their changes. */
HD_TEST(between_undoes_add) {
    const char *zones[] = {"Europe/Paris", "America/New_York"};
    for (size_t z = 0; z < 2; z++) {
        hd_biz_t c = calendar(zones[z], WEEKDAYS, 8, 18);
        c.holidays[0] = 20250704;
        c.holidays[1] = 20251111;
        c.nholidays = 2;
        int64_t ms = 7 * MIN;
        for (int64_t t = utc(2025, 1, 1, 0, 0); t < utc(2026, 1, 1, 0, 0);
             t += 7 * HOUR + 13 * MIN) {
            int64_t end = add(&c, t, ms);
            ASSERT(end >= t);
            ASSERT_EQ(between(&c, t, end), ms);
            ms = (ms * 7 + 11 * MIN) % (50 * HOUR);
        }
    }
}

HD_TEST(no_working_time_has_no_answer) {
    int64_t t = utc(2025, 1, 7, 10, 0), out = 7;
    hd_biz_t none = calendar("UTC", 0, 9, 17);
    ASSERT_EQ(hd_biz_add(&none, t, MIN, &out), -1);
    ASSERT_EQ(hd_biz_between(&none, t, t + HOUR, &out), -1);
    ASSERT_EQ(out, 7);
    hd_biz_t closed = calendar("UTC", WEEKDAYS, 17, 9); /* closes before it opens */
    ASSERT_EQ(hd_biz_add(&closed, t, MIN, &out), -1);
    hd_biz_t shut = calendar("UTC", WEEKDAYS, 9, 9);
    ASSERT_EQ(hd_biz_add(&shut, t, MIN, &out), -1);
    hd_biz_t late = calendar("UTC", WEEKDAYS, 9, 25);
    ASSERT_EQ(hd_biz_add(&late, t, MIN, &out), -1);
    ASSERT_EQ(hd_biz_add(NULL, t, MIN, &out), -1);
    /* open until midnight is fine */
    hd_biz_t evening = calendar("UTC", WEEKDAYS, 20, 24);
    ASSERT_EQ(add(&evening, t, 5 * HOUR), utc(2025, 1, 8, 21, 0));
}

HD_TEST(an_unknown_zone_has_no_answer) {
    int64_t t = utc(2025, 1, 7, 10, 0), out = 7;
    hd_biz_t c = calendar("Mars/Olympus", WEEKDAYS, 9, 17);
    ASSERT_EQ(hd_biz_add(&c, t, MIN, &out), -1);
    ASSERT_EQ(hd_biz_between(&c, t, t + HOUR, &out), -1);
    ASSERT_EQ(out, 7);
    c.zone[0] = 0;
    ASSERT_EQ(hd_biz_add(&c, t, MIN, &out), -1);
}

HD_TEST_MAIN(HD_CASE(zones_are_checked_against_the_database),
             HD_CASE(the_clock_stops_over_a_weekend), HD_CASE(the_clock_stops_on_a_holiday),
             HD_CASE(paris_changes_its_clocks_inside_the_opening_hours),
             HD_CASE(paris_over_the_weekend_the_clocks_change),
             HD_CASE(new_york_changes_its_clocks),
             HD_CASE(a_start_outside_hours_counts_from_the_next_opening),
             HD_CASE(a_span_of_many_days), HD_CASE(between_undoes_add),
             HD_CASE(no_working_time_has_no_answer), HD_CASE(an_unknown_zone_has_no_answer))
