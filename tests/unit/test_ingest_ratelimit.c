/*  ratelimit: token buckets per key in a bounded table, decided on the
    time the test passes. */
#include "hd_test.h"
#include "ratelimit.h"

#include <stdio.h>

HD_TEST(burst_then_rate) {
    ing_ratelimit_t *rl = ing_ratelimit_new(10, 5, 100);
    for (int i = 0; i < 5; i++)
        ASSERT_EQ(ing_ratelimit_take(rl, "a", 1000), 0);
    ASSERT_EQ(ing_ratelimit_take(rl, "a", 1000), 1); /* a token in 0.1 s: at least 1 */
    ASSERT_EQ(ing_ratelimit_take(rl, "b", 1000), 0); /* another key has its own */
    ASSERT_EQ(ing_ratelimit_take(rl, "a", 1100), 0); /* 0.1 s later: one token */
    ASSERT_EQ(ing_ratelimit_take(rl, "a", 1100), 1);
    ASSERT_EQ(ing_ratelimit_take(rl, "a", 60000), 0); /* refilled, to the burst only */
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(ing_ratelimit_take(rl, "a", 60000), 0);
    ASSERT_EQ(ing_ratelimit_take(rl, "a", 60000), 1);
    ASSERT_EQ(ing_ratelimit_take(rl, "a", 59000), 1); /* a clock going back refills nothing */
    ing_ratelimit_destroy(&rl);
    ASSERT(rl == NULL);
    ing_ratelimit_destroy(&rl);
}

HD_TEST(retry_after_counts_whole_seconds) {
    ing_ratelimit_t *rl = ing_ratelimit_new(0.25, 1, 10); /* one every 4 s */
    ASSERT_EQ(ing_ratelimit_take(rl, "k", 0), 0);
    ASSERT_EQ(ing_ratelimit_take(rl, "k", 0), 4);
    ASSERT_EQ(ing_ratelimit_take(rl, "k", 1500), 3);
    ASSERT_EQ(ing_ratelimit_take(rl, "k", 4000), 0);
    ing_ratelimit_destroy(&rl);
}

HD_TEST(no_limit) {
    ing_ratelimit_t *rl = ing_ratelimit_new(0, 1, 10);
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(ing_ratelimit_take(rl, "k", 0), 0);
    ASSERT_EQ(ing_ratelimit_keys(rl), 0);
    ing_ratelimit_destroy(&rl);
}

HD_TEST(the_table_is_bounded) {
    ing_ratelimit_t *rl = ing_ratelimit_new(1, 2, 64);
    char key[32];
    for (int i = 0; i < 10000; i++) { /* a flood of distinct addresses */
        snprintf(key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        ASSERT_EQ(ing_ratelimit_take(rl, key, i), 0);
        ASSERT(ing_ratelimit_keys(rl) <= 64);
    }
    ASSERT_EQ(ing_ratelimit_keys(rl), 64);
    /* the busy key stays while idle ones come and go: it is always the
       most recently used */
    ASSERT_EQ(ing_ratelimit_take(rl, "busy", 20000), 0);
    ASSERT_EQ(ing_ratelimit_take(rl, "busy", 20000), 0);
    for (int i = 0; i < 63; i++) {
        snprintf(key, sizeof key, "idle-%d", i);
        ASSERT_EQ(ing_ratelimit_take(rl, key, 20000), 0);
    }
    ASSERT_EQ(ing_ratelimit_take(rl, "busy", 20000), 1);
    /* keys longer than ING_RATELIMIT_KEY are cut, not refused */
    char longkey[200];
    memset(longkey, 'x', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = 0;
    ASSERT_EQ(ing_ratelimit_take(rl, longkey, 20000), 0);
    ASSERT_EQ(ing_ratelimit_take(rl, NULL, 20000), 0);
    ing_ratelimit_destroy(&rl);
}

HD_TEST_MAIN(HD_CASE(burst_then_rate), HD_CASE(retry_after_counts_whole_seconds), HD_CASE(no_limit),
             HD_CASE(the_table_is_bounded))
