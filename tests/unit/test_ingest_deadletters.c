/*  deadletters' pure helpers: the RFC 3339 check of ?since= (rfc3339.h's
    parser: a bad one is a 422, never a database error) and the URL a
    replay is sent to. */
#include "deadletters.h"
#include "hd_test.h"
#include "rfc3339.h"

static int valid(const char *s) {
    long long ms;
    return s && ing_rfc3339_ms(s, &ms) == 0;
}

HD_TEST(rfc3339_accepts) {
    ASSERT(valid("2026-01-31T12:00:00Z"));
    ASSERT(valid("2026-01-31t12:00:00z"));
    ASSERT(valid("2024-02-29T23:59:60.123456+02:00"));
    ASSERT(valid("2026-12-07T18:00:00-05:30"));
}

HD_TEST(rfc3339_refuses) {
    const char *bad[] = {"",
                         "now",
                         "epoch",
                         "infinity",
                         "J2451187",
                         "2026-01-31",
                         "2026-01-31 12:00:00Z",
                         "2026-13-01T00:00:00Z",
                         "2026-02-29T00:00:00Z",
                         "2026-04-31T00:00:00Z",
                         "2026-01-31T24:00:00Z",
                         "2026-01-31T12:00:00",
                         "2026-01-31T12:00:00.Z",
                         "2026-01-31T12:00:00+0200",
                         "2026-01-31T12:00:00Z junk",
                         "0000-01-01T00:00:00Z",
                         NULL};
    for (const char **b = bad; *b; b++)
        if (valid(*b)) {
            fprintf(stderr, "accepted '%s'\n", *b);
            ASSERT(0);
        }
    ASSERT(!valid(NULL));
}

HD_TEST(loopback_url) {
    char u[256];
    ing_deadletter_loopback_url("127.0.0.1:8080", 8080, 0, "/v1/content", u, sizeof u);
    ASSERT_STR(u, "http://127.0.0.1:8080/v1/content");
    ing_deadletter_loopback_url("0.0.0.0:0", 41234, 1, "/v1/inbound?x=1", u, sizeof u);
    ASSERT_STR(u, "https://127.0.0.1:41234/v1/inbound?x=1");
    ing_deadletter_loopback_url("[::1]:8080", 8080, 0, "/", u, sizeof u);
    ASSERT_STR(u, "http://[::1]:8080/");
    ing_deadletter_loopback_url(":8080", 8080, 0, "/", u, sizeof u);
    ASSERT_STR(u, "http://127.0.0.1:8080/");
    ing_deadletter_loopback_url(NULL, 9, 0, "/", u, sizeof u);
    ASSERT_STR(u, "http://127.0.0.1:9/");
}

HD_TEST_MAIN(HD_CASE(rfc3339_accepts), HD_CASE(rfc3339_refuses), HD_CASE(loopback_url))
