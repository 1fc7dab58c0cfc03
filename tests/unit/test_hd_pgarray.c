/*  hd_pgarray: the array literals PostgreSQL reads back element for element
    (quotes, backslashes, braces, commas and NULL), and the bytea form. The
    round trip through a real server is exercised by the ingest batch. */
#include "hd_pgarray.h"
#include "hd_test.h"

#include <string.h>

HD_TEST(empty_array) {
    hd_pgarray_t a = {0};
    ASSERT_STR(hd_pgarray_str(&a), "{}");
    hd_pgarray_add(&a, "x"); /* an array read once can still grow */
    ASSERT_STR(hd_pgarray_str(&a), "{\"x\"}");
    hd_pgarray_free(&a);
}

HD_TEST(every_element_is_quoted_and_escaped) {
    hd_pgarray_t a = {0};
    hd_pgarray_add(&a, "plain");
    hd_pgarray_add(&a, "with \"quotes\"");
    hd_pgarray_add(&a, "back\\slash");
    hd_pgarray_add(&a, "{braces},commas");
    hd_pgarray_add(&a, NULL);
    hd_pgarray_add(&a, "NULL");
    hd_pgarray_add(&a, "");
    ASSERT_STR(hd_pgarray_str(&a), "{\"plain\",\"with \\\"quotes\\\"\",\"back\\\\slash\","
                                   "\"{braces},commas\",NULL,\"NULL\",\"\"}");
    ASSERT_EQ(a.n, 7);
    hd_pgarray_add(&a, "after");
    ASSERT(strstr(hd_pgarray_str(&a), ",\"\",\"after\"}"));
    hd_pgarray_free(&a);
    ASSERT(a.data == NULL && a.n == 0);
}

HD_TEST(bytea_in_hex) {
    hd_pgarray_t a = {0};
    const uint8_t bytes[] = {0x00, 0x7f, 0xff, '"'};
    hd_pgarray_add_bytea(&a, bytes, sizeof bytes);
    hd_pgarray_add_bytea(&a, bytes, 0);
    ASSERT_STR(hd_pgarray_str(&a), "{\"\\\\x007fff22\",\"\\\\x\"}");
    hd_pgarray_free(&a);
}

HD_TEST(large_arrays_grow) {
    hd_pgarray_t a = {0};
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 300; i++)
        hd_pgarray_add(&a, big);
    const char *s = hd_pgarray_str(&a);
    ASSERT_EQ(strlen(s), 300 * (sizeof big - 1 + 2) + 299 + 2);
    hd_pgarray_free(&a);
}

HD_TEST_MAIN(HD_CASE(empty_array), HD_CASE(every_element_is_quoted_and_escaped),
             HD_CASE(bytea_in_hex), HD_CASE(large_arrays_grow))
