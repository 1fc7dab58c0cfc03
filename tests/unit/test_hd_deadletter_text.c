/*  hd_deadletter's pure helpers: any bytes become valid UTF-8 that
    PostgreSQL stores (the sanitiser), a client address loses its port (what
    sampling compares), a refusal's kind (what eviction counts under). */
#include "hd_deadletter.h"
#include "hd_test.h"
#include "hd_utf8.h"

#include <stdlib.h>
#include <string.h>

static int check(const char *in, size_t max, const char *want) {
    char *got = hd_deadletter_text(in, max);
    int ok = got && strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "text(%s) = \"%s\", wanted \"%s\"\n", in, got ? got : "(null)", want);
    free(got);
    return ok;
}

HD_TEST(valid_text_is_kept) {
    ASSERT(check("plain ascii", 100, "plain ascii"));
    ASSERT(check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 100,
                 "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    ASSERT(check("", 100, ""));
    ASSERT(hd_deadletter_text(NULL, 10) == NULL);
}

HD_TEST(invalid_bytes_are_escaped) {
    ASSERT(check("a\xff"
                 "b",
                 100, "a\\xFFb"));
    ASSERT(check("/v1/\x80\x81", 100, "/v1/\\x80\\x81"));
    ASSERT(check("\xc3", 100, "\\xC3"));                            /* truncated sequence */
    ASSERT(check("\xc0\xaf", 100, "\\xC0\\xAF"));                   /* overlong '/' */
    ASSERT(check("\xe0\x80\xaf", 100, "\\xE0\\x80\\xAF"));          /* overlong, 3 bytes */
    ASSERT(check("\xed\xa0\x80", 100, "\\xED\\xA0\\x80"));          /* a surrogate */
    ASSERT(check("\xf4\x90\x80\x80", 100, "\\xF4\\x90\\x80\\x80")); /* past U+10FFFF */
    ASSERT(check("\xf5", 100, "\\xF5"));
    ASSERT(check("\xc3\xa9\xc3", 100, "\xc3\xa9\\xC3")); /* valid, then a cut one */
}

/* An independent check: decode each sequence and test the code point. */
static int valid_utf8(const unsigned char *p) {
    while (*p) {
        int n = *p < 0x80             ? 1
                : (*p & 0xE0) == 0xC0 ? 2
                : (*p & 0xF0) == 0xE0 ? 3
                : (*p & 0xF8) == 0xF0 ? 4
                                      : 0;
        if (!n)
            return 0;
        unsigned cp = n == 1 ? *p : *p & (0x7F >> n);
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += n;
    }
    return 1;
}

HD_TEST(every_byte_string_comes_out_valid) {
    /* every three-byte string (and the four-byte ones from F0..F4) */
    char in[5] = {0};
    int bad = 0;
    for (int a = 1; a < 256; a++)
        for (int b = 1; b < 256; b++)
            for (int c = 1; c < 256; c += (a >= 0xF0 && a <= 0xF4) ? 1 : 255) {
                in[0] = (char)a, in[1] = (char)b, in[2] = (char)c, in[3] = (char)0x80;
                char *out = hd_deadletter_text(in, 64);
                bad += !valid_utf8((const unsigned char *)out);
                free(out);
            }
    ASSERT_EQ(bad, 0);
}

HD_TEST(utf8_validity) {
    ASSERT(hd_utf8_valid("caf\xc3\xa9", 5));
    ASSERT(hd_utf8_valid("", 0));
    ASSERT(!hd_utf8_valid("caf\xc3", 4));
    ASSERT(!hd_utf8_valid("a\0b", 3));
    ASSERT(!hd_utf8_valid("\xed\xa0\x80", 3));
}

HD_TEST(long_text_is_cut_at_a_character) {
    ASSERT(check("abcdefghij", 10, "abcdefghij"));
    ASSERT(check("abcdefghijk", 10, "abcdefg..."));
    /* é is two bytes: never half of one */
    ASSERT(check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, "\xc3\xa9\xc3\xa9..."));
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char *out = hd_deadletter_text(big, HD_DEADLETTER_REASON_MAX);
    ASSERT_EQ(strlen(out), HD_DEADLETTER_REASON_MAX);
    ASSERT(strcmp(out + HD_DEADLETTER_REASON_MAX - 3, "...") == 0);
    free(out);
}

HD_TEST(peer_without_port) {
    char h[64];
    hd_deadletter_peer_host("10.0.0.1:5000", h, sizeof h);
    ASSERT_STR(h, "10.0.0.1");
    hd_deadletter_peer_host("[::1]:41234", h, sizeof h);
    ASSERT_STR(h, "::1");
    hd_deadletter_peer_host("::1", h, sizeof h);
    ASSERT_STR(h, "::1");
    hd_deadletter_peer_host("marketing-spoke", h, sizeof h);
    ASSERT_STR(h, "marketing-spoke");
    hd_deadletter_peer_host("host:name", h, sizeof h);
    ASSERT_STR(h, "host:name");
    hd_deadletter_peer_host(NULL, h, sizeof h);
    ASSERT_STR(h, "");
}

HD_TEST(kind_of_a_refusal) {
    char k[64];
    hd_deadletter_kind("ingest.http", "401 POST /v1/content: missing", k, sizeof k);
    ASSERT_STR(k, "ingest.http:401");
    hd_deadletter_kind("ingest.http", "413", k, sizeof k);
    ASSERT_STR(k, "ingest.http:413");
    hd_deadletter_kind("policy", "no such version 7", k, sizeof k);
    ASSERT_STR(k, "policy");
    hd_deadletter_kind("hub", "1234 frames", k, sizeof k);
    ASSERT_STR(k, "hub");
}

HD_TEST(limits_from_defaults) {
    hd_deadletter_cfg_t c = hd_deadletter_defaults();
    ASSERT_EQ(c.max_bytes, 256LL << 20);
    ASSERT_EQ(c.max_age_s, 30L * 86400);
    ASSERT_EQ(c.sample_s, 60);
    c.sample_s = 5;
    hd_deadletter_configure(&c);
    ASSERT_EQ(hd_deadletter_config().sample_s, 5);
}

HD_TEST_MAIN(HD_CASE(valid_text_is_kept), HD_CASE(invalid_bytes_are_escaped),
             HD_CASE(every_byte_string_comes_out_valid), HD_CASE(utf8_validity),
             HD_CASE(long_text_is_cut_at_a_character), HD_CASE(peer_without_port),
             HD_CASE(kind_of_a_refusal), HD_CASE(limits_from_defaults))
