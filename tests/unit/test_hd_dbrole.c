/*  hd_dbrole: where a role's password file is, and what a password file
    may hold (one line of printable ASCII, 16 to 127 characters). */
#include "hd_dbrole.h"
#include "hd_test.h"

#include <string.h>

HD_TEST(path) {
    char out[64];
    ASSERT_EQ(hd_dbrole_path("/k", "ingest", out, sizeof out), 0);
    ASSERT_STR(out, "/k/db/ingest.password");
    ASSERT_EQ(hd_dbrole_path("", "ingest", out, sizeof out), -1);
    ASSERT_EQ(hd_dbrole_path(NULL, "ingest", out, sizeof out), -1);
    ASSERT_EQ(hd_dbrole_path("/k", "../x", out, sizeof out), -1);
    ASSERT_EQ(hd_dbrole_path("/k", "", out, sizeof out), -1);
    ASSERT_EQ(hd_dbrole_path("/k", "Ingest", out, sizeof out), -1);
    ASSERT_EQ(hd_dbrole_path("/a/very/long/keys/folder", "publisher", out, 20), -1);
}

HD_TEST(parse) {
    char pw[HD_DBROLE_PASSWORD_LEN];
    const char *good = "hdt_0123456789abcdef\n";
    ASSERT_EQ(hd_dbrole_parse(good, strlen(good), pw), 0);
    ASSERT_STR(pw, "hdt_0123456789abcdef");
    ASSERT_EQ(hd_dbrole_parse(good, strlen(good) - 1, pw), 0); /* no newline */
    ASSERT_STR(pw, "hdt_0123456789abcdef");
    ASSERT_EQ(hd_dbrole_parse("short\n", 6, pw), -1);
    ASSERT_STR(pw, "");
    ASSERT_EQ(hd_dbrole_parse("hdt_0123456789 abcdef", 21, pw), -1);    /* a space */
    ASSERT_EQ(hd_dbrole_parse("hdt_0123456789abcdef\n\n", 22, pw), -1); /* two lines */
    ASSERT_EQ(hd_dbrole_parse("hdt_0123456789ab\x01ncdef", 21, pw), -1);
    char long_pw[200];
    memset(long_pw, 'a', sizeof long_pw);
    ASSERT_EQ(hd_dbrole_parse(long_pw, HD_DBROLE_PASSWORD_LEN - 1, pw), 0);
    ASSERT_EQ(hd_dbrole_parse(long_pw, HD_DBROLE_PASSWORD_LEN, pw), -1);
}

HD_TEST_MAIN({"path", path}, {"parse", parse})
