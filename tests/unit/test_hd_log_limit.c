/*  hd_log_limit: per event name, at most `limit` lines a window; the next
    line written after a drop reports how many were dropped; other events
    are not affected; a full table reuses the slot idle longest. */
#include "hd_log_limit.h"
#include "hd_test.h"

#include <stdio.h>

static hd_log_limit_t s_l;

HD_TEST(under_the_limit_everything_is_written) {
    hd_log_limit_init(&s_l, 3, 1000);
    long rep;
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(hd_log_limit_check(&s_l, "http_rejected", 100 + i, &rep), HD_LOG_LIMIT_WRITE);
        ASSERT_EQ(rep, 0);
    }
}

HD_TEST(a_flood_is_cut_and_reported_in_the_next_window) {
    hd_log_limit_init(&s_l, 3, 1000);
    long rep, written = 0;
    for (int i = 0; i < 1000; i++)
        written +=
            hd_log_limit_check(&s_l, "dead_letter", 5000 + i / 10, &rep) == HD_LOG_LIMIT_WRITE;
    ASSERT_EQ(written, 3);
    ASSERT_EQ(s_l.total_suppressed, 997);
    ASSERT_EQ(hd_log_limit_check(&s_l, "dead_letter", 6000, &rep), HD_LOG_LIMIT_WRITE);
    ASSERT_EQ(rep, 997);
    ASSERT_EQ(hd_log_limit_check(&s_l, "dead_letter", 6001, &rep), HD_LOG_LIMIT_WRITE);
    ASSERT_EQ(rep, 0); /* reported once */
}

HD_TEST(one_event_flooding_leaves_the_others_alone) {
    hd_log_limit_init(&s_l, 2, 1000);
    long rep;
    for (int i = 0; i < 50; i++)
        hd_log_limit_check(&s_l, "noisy", 10, &rep);
    ASSERT_EQ(hd_log_limit_check(&s_l, "quiet", 10, &rep), HD_LOG_LIMIT_WRITE);
    ASSERT_EQ(hd_log_limit_check(&s_l, "quiet", 11, &rep), HD_LOG_LIMIT_WRITE);
    ASSERT_EQ(hd_log_limit_check(&s_l, "quiet", 12, &rep), HD_LOG_LIMIT_DROP);
}

HD_TEST(many_distinct_names_reuse_slots) {
    hd_log_limit_init(&s_l, 1, 1000);
    long rep;
    char name[32];
    for (int i = 0; i < 10 * HD_LOG_LIMIT_SLOTS; i++) {
        snprintf(name, sizeof name, "event_%d", i);
        ASSERT_EQ(hd_log_limit_check(&s_l, name, i, &rep), HD_LOG_LIMIT_WRITE);
    }
    /* the last name is still tracked: its second line in the window drops */
    ASSERT_EQ(hd_log_limit_check(&s_l, name, 10 * HD_LOG_LIMIT_SLOTS, &rep), HD_LOG_LIMIT_DROP);
}

HD_TEST(no_limit_writes_all) {
    hd_log_limit_init(&s_l, 0, 1000);
    long rep;
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(hd_log_limit_check(&s_l, "x", 1, &rep), HD_LOG_LIMIT_WRITE);
}

HD_TEST(a_clock_going_back_opens_a_new_window) {
    hd_log_limit_init(&s_l, 1, 1000);
    long rep;
    ASSERT_EQ(hd_log_limit_check(&s_l, "x", 5000, &rep), HD_LOG_LIMIT_WRITE);
    ASSERT_EQ(hd_log_limit_check(&s_l, "x", 5001, &rep), HD_LOG_LIMIT_DROP);
    ASSERT_EQ(hd_log_limit_check(&s_l, "x", 100, &rep), HD_LOG_LIMIT_WRITE);
    ASSERT_EQ(rep, 1);
}

HD_TEST_MAIN({"under_the_limit_everything_is_written", under_the_limit_everything_is_written},
             {"a_flood_is_cut_and_reported_in_the_next_window",
              a_flood_is_cut_and_reported_in_the_next_window},
             {"one_event_flooding_leaves_the_others_alone",
              one_event_flooding_leaves_the_others_alone},
             {"many_distinct_names_reuse_slots", many_distinct_names_reuse_slots},
             {"no_limit_writes_all", no_limit_writes_all},
             {"a_clock_going_back_opens_a_new_window", a_clock_going_back_opens_a_new_window})
