/*  hd_crisis's pure rules: state and resume-rule names both ways, what a
    scope covers, and which resume rule a held item gets. */
#include "hd_crisis.h"
#include "hd_test.h"

HD_TEST(state_names_round_trip) {
    for (int i = 0; i < HD_CRISIS_STATE_COUNT; i++)
        ASSERT_EQ(hd_crisis_state_parse(hd_crisis_state_name((hd_crisis_state_t)i)), i);
    ASSERT_STR(hd_crisis_state_name(HD_CRISIS_DECLARED), "declared");
    ASSERT_STR(hd_crisis_state_name(HD_CRISIS_STATE_COUNT), "unknown");
    ASSERT_EQ(hd_crisis_state_parse("active"), -1);
    ASSERT_EQ(hd_crisis_state_parse(NULL), -1);
    ASSERT(hd_crisis_state_final(HD_CRISIS_RESUMED));
    ASSERT(hd_crisis_state_final(HD_CRISIS_DISMISSED));
    ASSERT(!hd_crisis_state_final(HD_CRISIS_DRILL));
    ASSERT(!hd_crisis_state_final(HD_CRISIS_PROPOSED));
}

HD_TEST(resume_names_round_trip) {
    for (int i = 0; i < HD_RESUME_COUNT; i++)
        ASSERT_EQ(hd_resume_parse(hd_resume_name((hd_resume_t)i)), i);
    ASSERT_EQ(hd_resume_parse("Publish"), -1);
    ASSERT_STR(hd_resume_name(HD_RESUME_COUNT), "unknown");
}

HD_TEST(an_empty_scope_covers_everything) {
    hd_crisis_scope_t all = {0};
    ASSERT(hd_crisis_covers(&all, "marketing", "sandbox"));
    ASSERT(hd_crisis_covers(&all, "", ""));
}

HD_TEST(a_scope_covers_its_departments_and_channels_only) {
    const char *deps[] = {"marketing", "customer-care"};
    const char *chans[] = {"mastodon-main"};
    hd_crisis_scope_t s = {.departments = deps, .ndepartments = 2};
    ASSERT(hd_crisis_covers(&s, "customer-care", "anything"));
    ASSERT(!hd_crisis_covers(&s, "hr", "sandbox"));
    ASSERT(!hd_crisis_covers(&s, NULL, "sandbox"));
    s.channels = chans;
    s.nchannels = 1;
    ASSERT(hd_crisis_covers(&s, "marketing", "mastodon-main"));
    ASSERT(!hd_crisis_covers(&s, "marketing", "sandbox"));
    hd_crisis_scope_t only_channel = {.channels = chans, .nchannels = 1};
    ASSERT(hd_crisis_covers(&only_channel, "hr", "mastodon-main"));
    ASSERT(!hd_crisis_covers(&only_channel, "hr", "mastodon-main-2"));
}

HD_TEST(a_held_item_is_late_only_when_its_slot_passed) {
    const int64_t now = 1765000000000;
    /* no slot: never late */
    ASSERT_EQ(hd_crisis_resume_outcome(HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, 0, now),
              HD_RESUME_PUBLISH);
    /* a slot still ahead */
    ASSERT_EQ(hd_crisis_resume_outcome(HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, now + 1, now),
              HD_RESUME_PUBLISH);
    /* a slot exactly now has not passed */
    ASSERT_EQ(hd_crisis_resume_outcome(HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, now, now),
              HD_RESUME_PUBLISH);
    /* a slot passed during the hold */
    ASSERT_EQ(hd_crisis_resume_outcome(HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, now - 1, now),
              HD_RESUME_EXPIRE);
    ASSERT_EQ(hd_crisis_resume_outcome(HD_RESUME_REAPPROVE, HD_RESUME_REAPPROVE, now - 1, now),
              HD_RESUME_REAPPROVE);
}

HD_TEST_MAIN({"state_names_round_trip", state_names_round_trip},
             {"resume_names_round_trip", resume_names_round_trip},
             {"an_empty_scope_covers_everything", an_empty_scope_covers_everything},
             {"a_scope_covers_its_departments_and_channels_only",
              a_scope_covers_its_departments_and_channels_only},
             {"a_held_item_is_late_only_when_its_slot_passed",
              a_held_item_is_late_only_when_its_slot_passed})
