/*  hd_token: a token is "hdt_" and 32 URL-safe characters, different each
    time. */
#include "hd_test.h"
#include "hd_token.h"

#include <string.h>

HD_TEST(shape_and_randomness) {
    char a[HD_TOKEN_LEN], b[HD_TOKEN_LEN];
    ASSERT_EQ(hd_token_new(a), 0);
    ASSERT_EQ(hd_token_new(b), 0);
    ASSERT_EQ(strlen(a), HD_TOKEN_LEN - 1);
    ASSERT(strncmp(a, "hdt_", 4) == 0);
    ASSERT(strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 32);
    ASSERT(strcmp(a, b) != 0);
}

HD_TEST_MAIN({"shape_and_randomness", shape_and_randomness})
