/*  Which crisis an item's banner shows (services/ingest/crisis_banner.c,
    ing_banner_pick): the crises in force that cover its department and
    channel, the one declared first. */
#include "crisis_banner.h"
#include "hd_test.h"

static const char *MKT[] = {"marketing"}, *SBX[] = {"sandbox"}, *CARE[] = {"customer-care"};

HD_TEST(none) {
    ASSERT_EQ(ing_banner_pick(NULL, 0, "marketing", "sandbox"), -1);
    ing_banner_crisis_t only_care = {CARE, 1, NULL, 0, 1000, "b"};
    ASSERT_EQ(ing_banner_pick(&only_care, 1, "marketing", "sandbox"), -1);
}

HD_TEST(scope) {
    ing_banner_crisis_t l[] = {{MKT, 1, SBX, 1, 1000, "a"}};
    ASSERT_EQ(ing_banner_pick(l, 1, "marketing", "sandbox"), 0);
    ASSERT_EQ(ing_banner_pick(l, 1, "marketing", "x-main"), -1); /* another channel */
    ASSERT_EQ(ing_banner_pick(l, 1, "hr", "sandbox"), -1);       /* another department */
    ing_banner_crisis_t all = {NULL, 0, NULL, 0, 1000, "a"};     /* the whole organization */
    ASSERT_EQ(ing_banner_pick(&all, 1, "hr", "x-main"), 0);
}

HD_TEST(oldest_covering_wins) {
    ing_banner_crisis_t l[] = {
        {NULL, 0, NULL, 0, 3000, "c"}, /* everything, declared last */
        {CARE, 1, NULL, 0, 1000, "a"}, /* first, but not marketing's */
        {MKT, 1, NULL, 0, 2000, "b"},  /* marketing, declared before c */
    };
    ASSERT_EQ(ing_banner_pick(l, 3, "marketing", "sandbox"), 2);
    ASSERT_EQ(ing_banner_pick(l, 3, "customer-care", "sandbox"), 1);
    ASSERT_EQ(ing_banner_pick(l, 3, "hr", "sandbox"), 0);
}

HD_TEST(equal_times_by_id) {
    ing_banner_crisis_t l[] = {{NULL, 0, NULL, 0, 1000, "b"}, {NULL, 0, NULL, 0, 1000, "a"}};
    ASSERT_EQ(ing_banner_pick(l, 2, "hr", "sandbox"), 1);
}

HD_TEST_MAIN(HD_CASE(none), HD_CASE(scope), HD_CASE(oldest_covering_wins),
             HD_CASE(equal_times_by_id))
