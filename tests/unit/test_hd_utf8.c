/*  hd_utf8: what counts as text (well-formed UTF-8, no NUL) and how bytes
    that are not are quoted. */
#include "hd_test.h"
#include "hd_utf8.h"

HD_TEST(valid_and_not) {
    ASSERT(hd_utf8_valid("", 0));
    ASSERT(hd_utf8_valid("h\xc3\xa9", 3));
    ASSERT(hd_utf8_valid("\xf0\x9f\x98\x80", 4));  /* U+1F600 */
    ASSERT(!hd_utf8_valid("a\0b", 3));             /* NUL */
    ASSERT(!hd_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    ASSERT(!hd_utf8_valid("\xe0\x80\x80", 3));     /* overlong */
    ASSERT(!hd_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    ASSERT(!hd_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    ASSERT(!hd_utf8_valid("\xc3", 1));             /* cut short */
    ASSERT(!hd_utf8_valid("\xff", 1));
}

HD_TEST(escape_quotes_bytes_and_controls) {
    char out[32];
    hd_utf8_escape("/v1/\xff\xfe\xc3\xa9\n", out, sizeof out);
    ASSERT_STR(out, "/v1/\\xFF\\xFE\xc3\xa9\\x0A");
    ASSERT(hd_utf8_valid(out, strlen(out)));
    hd_utf8_escape(NULL, out, sizeof out);
    ASSERT_STR(out, "");
}

HD_TEST(escape_cuts_at_a_character) {
    char out[5];
    hd_utf8_escape("abcdef", out, 4);
    ASSERT_STR(out, "abc");
    hd_utf8_escape("ab\xc3\xa9", out, 4); /* é does not fit after "ab" + NUL */
    ASSERT_STR(out, "ab");
    hd_utf8_escape("a\xff", out, 5); /* \xFF needs 4 + NUL */
    ASSERT_STR(out, "a");
}

HD_TEST_MAIN({"valid_and_not", valid_and_not},
             {"escape_quotes_bytes_and_controls", escape_quotes_bytes_and_controls},
             {"escape_cuts_at_a_character", escape_cuts_at_a_character})
