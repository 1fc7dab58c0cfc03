/*  config_check: what an administrator may write as an id, a channel's
    URL, a routing rule's keywords and a timestamp. */
#include "config_check.h"
#include "hd_test.h"

HD_TEST(slugs) {
    ASSERT(ing_check_slug("mastodon-main") == NULL);
    ASSERT(ing_check_slug("9lives") == NULL);
    ASSERT(ing_check_slug("") != NULL);
    ASSERT(ing_check_slug("-x") != NULL);
    ASSERT(ing_check_slug("Upper") != NULL);
    ASSERT(ing_check_slug("a b") != NULL);
    ASSERT(ing_check_slug("a234567890123456789012345678901234567890123456789012345678901234") !=
           NULL);
}

HD_TEST(urls) {
    ASSERT(ing_check_url("https://social.example") == NULL);
    ASSERT(ing_check_url("http://127.0.0.1:8080/base") == NULL);
    ASSERT(ing_check_url("ftp://x") != NULL);
    ASSERT(ing_check_url("https://") != NULL);
    ASSERT(ing_check_url("https:///path") != NULL);
    ASSERT(ing_check_url("https://a b") != NULL);
    ASSERT(ing_check_url("https://a\n") != NULL);
}

HD_TEST(keywords) {
    ASSERT(ing_check_keyword("refund", 3) == NULL);
    ASSERT(ing_check_keyword("*", 1) == NULL);
    ASSERT(ing_check_keyword("*", 2) != NULL);
    ASSERT(ing_check_keyword("", 1) != NULL);
    ASSERT(ing_check_keyword("a\tb", 1) != NULL);
    ASSERT(ing_check_keyword("12345678901234567890123456789012345678901234567890123456789012345",
                             1) != NULL);
}

HD_TEST(timestamps) {
    ASSERT(ing_check_rfc3339("2027-01-31T12:00:00Z") == NULL);
    ASSERT(ing_check_rfc3339("2027-01-31T12:00:00.250+02:00") == NULL);
    ASSERT(ing_check_rfc3339("2027-01-31") != NULL);
    ASSERT(ing_check_rfc3339("2027-13-01T00:00:00Z") != NULL);
    ASSERT(ing_check_rfc3339("2027-01-31T12:00:00") != NULL);
    ASSERT(ing_check_rfc3339("2027-01-31T12:00:00Zjunk") != NULL);
    ASSERT(ing_check_rfc3339("2027-01-31T12:00:00.Z") != NULL);
    ASSERT(ing_check_rfc3339("tomorrow") != NULL);
}

HD_TEST_MAIN(HD_CASE(slugs), HD_CASE(urls), HD_CASE(keywords), HD_CASE(timestamps))
