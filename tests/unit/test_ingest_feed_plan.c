/*  feed_plan: a listening feed's decisions without a network or a
    database: the requests it makes, where its cursor goes after a page and
    when it asks for the next one (never backwards, never past a gap), which
    RSS items it passes over, how long it waits after failures, and what an
    administrator may configure. */
#include "feed_plan.h"
#include "hd_test.h"

#include <string.h>

HD_TEST(names_round_trip) {
    for (int k = 0; k < ING_FEED_KINDS; k++)
        ASSERT_EQ(ing_feed_kind_parse(ing_feed_kind_name((ing_feed_kind_t)k)), k);
    ASSERT_EQ(ing_feed_kind_parse("mastodon"), -1);
    ASSERT_EQ(ing_feed_kind_parse(NULL), -1);
    ASSERT_STR(ing_feed_kind_name(ING_FEED_MASTODON_MENTIONS), "mastodon-mentions");
    for (int o = 0; o < ING_FEED_OUTCOMES; o++)
        ASSERT(strcmp(ing_feed_outcome_name((ing_feed_outcome_t)o), "unknown") != 0);
    ASSERT_STR(ing_feed_outcome_name(ING_FEED_HTTP_ERROR), "http_error");
    ASSERT(ing_feed_outcome_fails(ING_FEED_GARBAGE));
    ASSERT(ing_feed_outcome_fails(ING_FEED_NO_CREDENTIAL));
    ASSERT(!ing_feed_outcome_fails(ING_FEED_OK));
    ASSERT(!ing_feed_outcome_fails(ING_FEED_NOT_MODIFIED));
    ASSERT(!ing_feed_outcome_fails(ING_FEED_LOST)); /* huddle's own trouble: no backoff */
}

HD_TEST(request_urls) {
    char u[256];
    ASSERT_EQ(ing_feed_request_url(ING_FEED_MASTODON_MENTIONS, "https://social.example/", NULL, "",
                                   u, sizeof u),
              0);
    ASSERT_STR(u, "https://social.example/api/v1/notifications?types[]=mention&limit=40");
    ASSERT_EQ(ing_feed_request_url(ING_FEED_MASTODON_MENTIONS, "https://social.example", NULL,
                                   "34975861", u, sizeof u),
              0);
    ASSERT_STR(u, "https://social.example/api/v1/notifications?types[]=mention&limit=40"
                  "&min_id=34975861");
    ASSERT_EQ(ing_feed_request_url(ING_FEED_MASTODON_TAG, "http://127.0.0.1:7700//",
                                   "qualitätskatzen", "103206185588894565", u, sizeof u),
              0);
    ASSERT_STR(u, "http://127.0.0.1:7700/api/v1/timelines/tag/qualit%C3%A4tskatzen?limit=40"
                  "&min_id=103206185588894565");
    /* a cursor is the channel's text: it never adds a parameter */
    ASSERT_EQ(
        ing_feed_request_url(ING_FEED_MASTODON_TAG, "http://h", "cats", "1&max_id=9", u, sizeof u),
        0);
    ASSERT_STR(u, "http://h/api/v1/timelines/tag/cats?limit=40&min_id=1%26max_id%3D9");
    ASSERT_EQ(ing_feed_request_url(ING_FEED_RSS, "https://blog.example/feed.xml?x=1", NULL,
                                   "2024-01-01T00:00:00.000Z", u, sizeof u),
              0);
    ASSERT_STR(u, "https://blog.example/feed.xml?x=1");
    char small[40];
    ASSERT_EQ(ing_feed_request_url(ING_FEED_MASTODON_MENTIONS, "https://social.example", NULL, "1",
                                   small, sizeof small),
              -1);
}

HD_TEST(ids_order_as_numbers) {
    ASSERT(ing_feed_id_cmp("9", "10") < 0); /* bytes would say otherwise */
    ASSERT(ing_feed_id_cmp("103186126728896492", "34975861") > 0);
    ASSERT(ing_feed_id_cmp("0010", "10") == 0);
    ASSERT(ing_feed_id_cmp("12", "12") == 0);
    ASSERT(ing_feed_id_cmp("", "1") < 0);
    ASSERT(ing_feed_id_cmp("abc", "abd") < 0); /* not numbers: by bytes */
}

HD_TEST(cursor_after_a_page) {
    char out[64];
    /* the first poll takes the newest page and does not look further */
    ASSERT_EQ(ing_feed_mastodon_next("", "57", ING_FEED_PAGE_LIMIT, out, sizeof out), 0);
    ASSERT_STR(out, "57");
    /* a full page read from a cursor: the next page at once */
    ASSERT_EQ(ing_feed_mastodon_next("17", "57", ING_FEED_PAGE_LIMIT, out, sizeof out), 1);
    ASSERT_STR(out, "57");
    /* a short page: done until the next poll */
    ASSERT_EQ(ing_feed_mastodon_next("17", "20", 3, out, sizeof out), 0);
    ASSERT_STR(out, "20");
    /* an empty page, or one of older ids only, never moves the cursor back */
    ASSERT_EQ(ing_feed_mastodon_next("100", NULL, 0, out, sizeof out), 0);
    ASSERT_STR(out, "100");
    ASSERT_EQ(ing_feed_mastodon_next("100", "99", ING_FEED_PAGE_LIMIT, out, sizeof out), 0);
    ASSERT_STR(out, "100");
    /* a full page that did not move the cursor is not followed (no loop) */
    ASSERT_EQ(ing_feed_mastodon_next("100", "100", ING_FEED_PAGE_LIMIT, out, sizeof out), 0);
    char tiny[3];
    ASSERT_EQ(ing_feed_mastodon_next("10", "12345", 1, tiny, sizeof tiny), -1);
    ASSERT_STR(tiny, "10");
}

HD_TEST(rss_items_older_than_the_cursor_pass) {
    ASSERT(ing_feed_rss_take(5000, 0));     /* no cursor yet */
    ASSERT(ing_feed_rss_take(0, 5000));     /* no time: the mention id decides */
    ASSERT(ing_feed_rss_take(5000, 5000));  /* the cursor's own time: maybe a sibling */
    ASSERT(ing_feed_rss_take(5001, 5000));  /* newer */
    ASSERT(!ing_feed_rss_take(4999, 5000)); /* older: taken before */
}

HD_TEST(backoff_doubles_with_jitter_and_a_cap) {
    /* interval 60 s: the first failure waits 120 s, of which the last quarter is jitter */
    ASSERT_EQ(ing_feed_backoff_ms(60, 1, 0.0), 90000);
    ASSERT_EQ(ing_feed_backoff_ms(60, 1, 0.5), 105000);
    ASSERT(ing_feed_backoff_ms(60, 1, 0.9999) <= 120000);
    ASSERT_EQ(ing_feed_backoff_ms(60, 2, 0.0), 180000);
    /* capped at an hour however many failures */
    ASSERT_EQ(ing_feed_backoff_ms(60, 6, 0.0), 2700000);
    ASSERT_EQ(ing_feed_backoff_ms(60, 60, 0.0), 2700000);
    ASSERT(ing_feed_backoff_ms(60, 1000, 0.9999) <= 3600000);
    ASSERT(ing_feed_backoff_ms(86400, 1, 0.5) <= 3600000);
    /* a jitter out of range is no jitter; never under a second */
    ASSERT_EQ(ing_feed_backoff_ms(60, 1, 7.0), 90000);
    ASSERT_EQ(ing_feed_backoff_ms(0, 0, 0.0), 1000);
    /* the waits grow with the failures */
    long long prev = 0;
    for (int f = 1; f <= 12; f++) {
        long long w = ing_feed_backoff_ms(5, f, 0.0);
        ASSERT(w >= prev);
        prev = w;
    }
}

HD_TEST(what_an_administrator_may_configure) {
    char why[200];
    const char *field = NULL;
    ASSERT(ing_feed_check_id("care-mentions") == NULL);
    ASSERT(ing_feed_check_id("Care") != NULL);
    ASSERT(ing_feed_check_id("a234567890123456789012345678901234567890123456789012345678") ==
           NULL); /* 58 */
    ASSERT(ing_feed_check_id("a2345678901234567890123456789012345678901234567890123456789") !=
           NULL); /* 59 */
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_MENTIONS, "", NULL, "customer-care", why, sizeof why,
                             &field),
              0);
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_MENTIONS, NULL, NULL, NULL, why, sizeof why, &field),
              -1);
    ASSERT_STR(field, "account_department");
    ASSERT_EQ(
        ing_feed_check(ING_FEED_MASTODON_MENTIONS, NULL, "cats", "x", why, sizeof why, &field), -1);
    ASSERT_STR(field, "tag");
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_TAG, NULL, "example", NULL, why, sizeof why, &field),
              0);
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_TAG, NULL, "Qualitätskatzen_2", NULL, why,
                             sizeof why, &field),
              0);
    ASSERT_EQ(
        ing_feed_check(ING_FEED_MASTODON_TAG, NULL, "#example", NULL, why, sizeof why, &field), -1);
    ASSERT_STR(field, "tag");
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_TAG, NULL, "a b", NULL, why, sizeof why, &field),
              -1);
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_TAG, NULL, NULL, NULL, why, sizeof why, &field), -1);
    ASSERT_EQ(ing_feed_check(ING_FEED_MASTODON_TAG, NULL, "x", "hub", why, sizeof why, &field), -1);
    ASSERT_STR(field, "account_department");
    ASSERT_EQ(ing_feed_check(ING_FEED_RSS, "https://blog.example/feed", NULL, NULL, why, sizeof why,
                             &field),
              0);
    ASSERT_EQ(ing_feed_check(ING_FEED_RSS, "", NULL, NULL, why, sizeof why, &field), -1);
    ASSERT_STR(field, "url");
    ASSERT_EQ(ing_feed_check(ING_FEED_RSS, "ftp://x/feed", NULL, NULL, why, sizeof why, &field),
              -1);
    ASSERT_STR(field, "url");
    ASSERT(strncmp(why, "url ", 4) == 0);
}

HD_TEST_MAIN(HD_CASE(names_round_trip), HD_CASE(request_urls), HD_CASE(ids_order_as_numbers),
             HD_CASE(cursor_after_a_page), HD_CASE(rss_items_older_than_the_cursor_pass),
             HD_CASE(backoff_doubles_with_jitter_and_a_cap),
             HD_CASE(what_an_administrator_may_configure))
