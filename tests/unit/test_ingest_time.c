/*  rfc3339: the times a client may write for scheduled_at, and the ones it
    may not (what PostgreSQL would have read: now, infinity, epoch, Julian
    days, five-digit years). */
#include "hd_test.h"
#include "rfc3339.h"

HD_TEST(utc_and_offsets) {
    long long ms;
    ASSERT_EQ(ing_rfc3339_ms("1970-01-01T00:00:00Z", &ms), 0);
    ASSERT_EQ(ms, 0);
    ASSERT_EQ(ing_rfc3339_ms("2026-12-07T10:00:00Z", &ms), 0);
    ASSERT_EQ(ms, 1796637600000LL);
    long long same;
    ASSERT_EQ(ing_rfc3339_ms("2026-12-07T11:00:00+01:00", &same), 0);
    ASSERT_EQ(same, ms);
    ASSERT_EQ(ing_rfc3339_ms("2026-12-07t05:30:00-04:30", &same), 0);
    ASSERT_EQ(same, ms);
    ASSERT_EQ(ing_rfc3339_ms("2026-12-07T10:00:00.5z", &same), 0);
    ASSERT_EQ(same, ms + 500);
    ASSERT_EQ(ing_rfc3339_ms("2026-12-07T10:00:00.123456789Z", &same), 0);
    ASSERT_EQ(same, ms + 123);
    ASSERT_EQ(ing_rfc3339_ms("2028-02-29T00:00:00Z", &same), 0); /* a leap day */
    ASSERT_EQ(ing_rfc3339_ms("2026-12-31T23:59:60Z", &same), 0); /* a leap second */
    ASSERT_EQ(ing_rfc3339_ms("1969-12-31T23:59:59.999Z", &same), 0);
    ASSERT_EQ(same, -1);
}

HD_TEST(what_postgres_would_have_read) {
    const char *bad[] = {"infinity",
                         "-infinity",
                         "now",
                         "epoch",
                         "today",
                         "J2451187",
                         "99999-01-01T00:00:00Z",
                         "2026-12-07",
                         "2026-12-07 10:00:00Z",
                         "2026-12-07T10:00:00",
                         "2026-12-07T10:00Z",
                         "2026-12-07T10:00:00+0100",
                         "2026-12-07T10:00:00+24:00",
                         "2026-12-07T10:00:00.Z",
                         "2026-12-07T10:00:00.1234567890Z",
                         "2026-02-29T10:00:00Z",
                         "2026-13-01T10:00:00Z",
                         "2026-12-32T10:00:00Z",
                         "2026-12-07T24:00:00Z",
                         "2026-12-07T10:60:00Z",
                         "2026-12-07T10:00:61Z",
                         "0000-01-01T00:00:00Z",
                         "2026-12-07T10:00:00Z ",
                         " 2026-12-07T10:00:00Z",
                         "2026-12-07T10:00:00ZZ",
                         "",
                         "\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long long ms = 42;
        if (ing_rfc3339_ms(bad[i], &ms) != -1) {
            fprintf(stderr, "accepted '%s'\n", bad[i]);
            ASSERT(0);
        }
    }
    long long ms;
    ASSERT_EQ(ing_rfc3339_ms(NULL, &ms), -1);
}

HD_TEST(format_round_trips) {
    char out[32];
    ing_rfc3339_format(1796637600123LL, out, sizeof out);
    ASSERT_STR(out, "2026-12-07T10:00:00.123Z");
    ing_rfc3339_format(-1, out, sizeof out);
    ASSERT_STR(out, "1969-12-31T23:59:59.999Z");
    long long ms;
    ASSERT_EQ(ing_rfc3339_ms(out, &ms), 0);
    ASSERT_EQ(ms, -1);
    ing_rfc3339_format(400000000000000LL, out, sizeof out); /* year 14645 */
    ASSERT_STR(out, "");
    for (long long t = -86400000LL * 800; t < 86400000LL * 80000; t += 86400000LL * 13 + 7777) {
        ing_rfc3339_format(t, out, sizeof out);
        ASSERT_EQ(ing_rfc3339_ms(out, &ms), 0);
        ASSERT_EQ(ms, t);
    }
    ASSERT(ing_rfc3339_now_ms() > 1700000000000LL);
}

HD_TEST_MAIN(HD_CASE(utc_and_offsets), HD_CASE(what_postgres_would_have_read),
             HD_CASE(format_round_trips))
