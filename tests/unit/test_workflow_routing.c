/*  Mention routing rules (services/workflow/routing.c), without a
    database: whole words, case, priority, channel filter, no match. */
#include "hd_test.h"
#include "routing.h"

HD_TEST(whole_words_only) {
    ASSERT_EQ(wf_routing_word_match("I want a refund now", "refund"), 1);
    ASSERT_EQ(wf_routing_word_match("refund", "refund"), 1);
    ASSERT_EQ(wf_routing_word_match("refund!", "refund"), 1);
    ASSERT_EQ(wf_routing_word_match("(refund)", "refund"), 1);
    ASSERT_EQ(wf_routing_word_match("refunded already", "refund"), 0);
    ASSERT_EQ(wf_routing_word_match("prerefund", "refund"), 0);
    ASSERT_EQ(wf_routing_word_match("my_refund", "refund"), 0);
    ASSERT_EQ(wf_routing_word_match("refund2", "refund"), 0);
    /* a later occurrence still counts after an embedded one */
    ASSERT_EQ(wf_routing_word_match("refunds? refund.", "refund"), 1);
    /* non-ASCII letters are word characters: no match inside a word */
    ASSERT_EQ(wf_routing_word_match("caf\xc3\xa9", "caf"), 0);
    ASSERT_EQ(wf_routing_word_match("sue", "sue"), 1);
    ASSERT_EQ(wf_routing_word_match("pursue", "sue"), 0);
}

HD_TEST(case_insensitive) {
    ASSERT_EQ(wf_routing_word_match("We will SUE you", "sue"), 1);
    ASSERT_EQ(wf_routing_word_match("GDPR request", "gdpr"), 1);
    ASSERT_EQ(wf_routing_word_match("gdpr request", "GDPR"), 1);
}

HD_TEST(phrases_and_punctuated_keywords) {
    ASSERT_EQ(wf_routing_word_match("please issue a Refund Request", "refund request"), 1);
    ASSERT_EQ(wf_routing_word_match("love #acme!", "#acme"), 1);
    ASSERT_EQ(wf_routing_word_match("love#acme", "#acme"), 1);
    ASSERT_EQ(wf_routing_word_match("love #acmes", "#acme"), 0);
    ASSERT_EQ(wf_routing_word_match("i write c++ daily", "c++"), 1);
    ASSERT_EQ(wf_routing_word_match("anything", "*"), 1);
    ASSERT_EQ(wf_routing_word_match("", "*"), 1);
    ASSERT_EQ(wf_routing_word_match("text", ""), 0);
    ASSERT_EQ(wf_routing_word_match(NULL, "x"), 0);
}

static const char *legal_kw[] = {"lawsuit", "sue"};
static const char *care_kw[] = {"refund", "broken"};
static const char *social_kw[] = {"refund"};
static const char *any_kw[] = {"*"};

HD_TEST(priority_order_decides) {
    wf_rule_t rules[] = {
        {"legal", NULL, "legal", legal_kw, 2},
        {"care", NULL, "customer-care", care_kw, 2},
        {"rest", NULL, "marketing", any_kw, 1},
    };
    ASSERT_EQ(wf_routing_match(rules, 3, "sandbox", "refund or I sue", NULL, 0), 0);
    ASSERT_EQ(wf_routing_match(rules, 3, "sandbox", "my order is broken", NULL, 0), 1);
    ASSERT_EQ(wf_routing_match(rules, 3, "sandbox", "nice post", NULL, 0), 2);
}

HD_TEST(channel_filter) {
    wf_rule_t rules[] = {
        {"social-refund", "mastodon-main", "marketing", social_kw, 1},
        {"care", "", "customer-care", care_kw, 2},
    };
    ASSERT_EQ(wf_routing_match(rules, 2, "mastodon-main", "refund please", NULL, 0), 0);
    ASSERT_EQ(wf_routing_match(rules, 2, "sandbox", "refund please", NULL, 0), 1);
    ASSERT_EQ(wf_routing_match(rules, 2, NULL, "refund please", NULL, 0), 1);
}

HD_TEST(no_match) {
    wf_rule_t rules[] = {
        {"legal", NULL, "legal", legal_kw, 2},
        {"care", NULL, "customer-care", care_kw, 2},
    };
    ASSERT_EQ(wf_routing_match(rules, 2, "sandbox", "what a lovely day", NULL, 0), -1);
    ASSERT_EQ(wf_routing_match(rules, 0, "sandbox", "refund", NULL, 0), -1);
    ASSERT_EQ(wf_routing_match(rules, 2, "sandbox", "", NULL, 0), -1);
}

/* An integration limited to departments: rules of others are passed over. */
HD_TEST(limited_departments) {
    const char *k1[] = {"refund"}, *k2[] = {"*"};
    wf_rule_t rules[] = {{"support", NULL, "customer-care", k1, 1},
                         {"rest", NULL, "marketing", k2, 1}};
    char *only_marketing[] = {"marketing"}, *only_legal[] = {"legal"};
    ASSERT_EQ(wf_routing_match(rules, 2, "sandbox", "refund please", NULL, 0), 0);
    ASSERT_EQ(wf_routing_match(rules, 2, "sandbox", "refund please", only_marketing, 1), 1);
    ASSERT_EQ(wf_routing_match(rules, 2, "sandbox", "refund please", only_legal, 1), -1);
}

HD_TEST_MAIN(HD_CASE(limited_departments), HD_CASE(whole_words_only), HD_CASE(case_insensitive),
             HD_CASE(phrases_and_punctuated_keywords), HD_CASE(priority_order_decides),
             HD_CASE(channel_filter), HD_CASE(no_match))
