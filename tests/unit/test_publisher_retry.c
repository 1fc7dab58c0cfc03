/*  Delivery retry rules (services/publisher/retry.c) and the Mastodon
    answer parsers (adapter_mastodon.c), without a network. */
#include "adapter.h"
#include "adapter_mastodon.h"
#include "hd_test.h"
#include "reason.h"
#include "retry.h"

#include <time.h>

HD_TEST(status_classification) {
    ASSERT_EQ(pub_retry_classify(200), PUB_CLASS_OK);
    ASSERT_EQ(pub_retry_classify(201), PUB_CLASS_OK);
    ASSERT_EQ(pub_retry_classify(0), PUB_CLASS_TRANSIENT);
    ASSERT_EQ(pub_retry_classify(429), PUB_CLASS_TRANSIENT);
    ASSERT_EQ(pub_retry_classify(408), PUB_CLASS_TRANSIENT);
    ASSERT_EQ(pub_retry_classify(500), PUB_CLASS_TRANSIENT);
    ASSERT_EQ(pub_retry_classify(503), PUB_CLASS_TRANSIENT);
    ASSERT_EQ(pub_retry_classify(400), PUB_CLASS_PERMANENT);
    ASSERT_EQ(pub_retry_classify(401), PUB_CLASS_PERMANENT);
    ASSERT_EQ(pub_retry_classify(403), PUB_CLASS_PERMANENT);
    ASSERT_EQ(pub_retry_classify(422), PUB_CLASS_PERMANENT);
    ASSERT_EQ(pub_retry_classify(301), PUB_CLASS_PERMANENT);
    ASSERT_EQ(pub_retry_classify(600), PUB_CLASS_PERMANENT);
}

HD_TEST(retry_after_seconds_and_dates) {
    ASSERT_EQ(pub_retry_after_ms("3", 0), 3000);
    ASSERT_EQ(pub_retry_after_ms(" 0 ", 0), 0);
    ASSERT_EQ(pub_retry_after_ms("999999999999999999999", 0), PUB_RETRY_AFTER_MAX_MS);
    ASSERT_EQ(pub_retry_after_ms("86400", 0), PUB_RETRY_AFTER_MAX_MS);
    ASSERT_EQ(pub_retry_after_ms(NULL, 0), -1);
    ASSERT_EQ(pub_retry_after_ms("", 0), -1);
    ASSERT_EQ(pub_retry_after_ms("soon", 0), -1);
    ASSERT_EQ(pub_retry_after_ms("3s", 0), -1);
    ASSERT_EQ(pub_retry_after_ms("-5", 0), -1);
    /* Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 */
    int64_t at = 1445412480LL * 1000;
    ASSERT_EQ(pub_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", at - 7000), 7000);
    ASSERT_EQ(pub_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", at + 7000), 0);
    ASSERT_EQ(pub_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT junk", at), -1);
}

HD_TEST(backoff_grows_caps_and_jitters) {
    /* jitter 0: the lower half; jitter ~1: the full delay */
    ASSERT_EQ(pub_retry_backoff_ms(1, -1, 0.0), 250);
    ASSERT_EQ(pub_retry_backoff_ms(2, -1, 0.0), 500);
    ASSERT_EQ(pub_retry_backoff_ms(3, -1, 0.0), 1000);
    ASSERT(pub_retry_backoff_ms(1, -1, 0.999999) <= 500);
    ASSERT(pub_retry_backoff_ms(1, -1, 0.999999) >= 499);
    ASSERT_EQ(pub_retry_backoff_ms(7, -1, 0.0), 16000);
    ASSERT_EQ(pub_retry_backoff_ms(8, -1, 0.0), 30000); /* 64 s, capped at 60 */
    for (unsigned a = 9; a < 200; a += 13) {
        long d = pub_retry_backoff_ms(a, -1, 0.5);
        ASSERT(d >= 30000 && d <= PUB_BACKOFF_CAP_MS);
    }
    ASSERT_EQ(pub_retry_backoff_ms(1000000, -1, 0.0), 30000);
    /* out-of-range jitter is clamped, never negative */
    ASSERT_EQ(pub_retry_backoff_ms(1, -1, -3.0), 250);
    ASSERT(pub_retry_backoff_ms(1, -1, 7.0) <= 500);
}

HD_TEST(retry_after_is_honoured) {
    ASSERT_EQ(pub_retry_backoff_ms(1, 5000, 0.0), 5000);
    ASSERT_EQ(pub_retry_backoff_ms(1, 0, 0.0), 250);
    /* a shorter Retry-After does not shorten the backoff */
    ASSERT_EQ(pub_retry_backoff_ms(4, 100, 0.0), 2000);
}

HD_TEST(mastodon_status_answers) {
    pub_result_t r;
    memset(&r, 0, sizeof r);
    const char *ok = "{\"id\":\"1093\",\"url\":\"http://sbx/@a/1093\",\"content\":\"x\"}";
    ASSERT_EQ(pub_mastodon_parse_status(ok, strlen(ok), &r), 0);
    ASSERT_STR(r.post_id, "1093");
    ASSERT_STR(r.url, "http://sbx/@a/1093");
    const char *num = "{\"id\":77,\"url\":\"u\"}";
    ASSERT_EQ(pub_mastodon_parse_status(num, strlen(num), &r), 0);
    ASSERT_STR(r.post_id, "77");
    const char *bad[] = {"",
                         "nope",
                         "{\"url\":\"u\"}",
                         "{\"id\":\"1\"}",
                         "[1]",
                         "{\"id\":\"\",\"url\":\"u\"}",
                         "{\"id\":{},\"url\":\"u\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&r, 0, sizeof r);
        ASSERT_EQ(pub_mastodon_parse_status(bad[i], strlen(bad[i]), &r), -1);
        ASSERT(r.error[0] != 0);
    }
    ASSERT_EQ(pub_mastodon_parse_status(NULL, 0, &r), -1);
    /* not NUL-terminated: only len bytes are read */
    char buf[] = {'{', '}', 'X'};
    ASSERT_EQ(pub_mastodon_parse_status(buf, 2, &r), -1);
}

HD_TEST(mastodon_lookup_answers) {
    pub_result_t r;
    memset(&r, 0, sizeof r);
    ASSERT_EQ(pub_mastodon_parse_lookup("[]", 2, &r), 1);
    const char *one = "[{\"id\":\"5\",\"url\":\"http://x/5\"}]";
    ASSERT_EQ(pub_mastodon_parse_lookup(one, strlen(one), &r), 0);
    ASSERT_STR(r.post_id, "5");
    ASSERT_EQ(pub_mastodon_parse_lookup("{}", 2, &r), -1);
    ASSERT_EQ(pub_mastodon_parse_lookup("[{}]", 4, &r), -1);
    ASSERT_EQ(pub_mastodon_parse_lookup("[", 1, &r), -1);
}

HD_TEST(adapters_by_kind) {
    ASSERT(pub_adapter_find("mastodon") == &pub_adapter_mastodon);
    ASSERT(pub_adapter_find("twitter") == NULL);
    ASSERT(pub_adapter_find(NULL) == NULL);
}

HD_TEST(malformed_token_is_refused_before_any_call) {
    pub_request_t req = {.base_url = "http://127.0.0.1:1",
                         .token = "tok\r\nX-Evil: 1",
                         .idempotency_key = "k",
                         .text = "hi",
                         .post_id = "7"};
    pub_result_t r;
    pub_adapter_mastodon.post(&req, &r);
    ASSERT_EQ(r.outcome, PUB_FAIL);
    ASSERT(strstr(r.error, "malformed") != NULL);
    pub_adapter_mastodon.delete(&req, &r);
    ASSERT_EQ(r.outcome, PUB_FAIL);
    ASSERT(strstr(r.error, "malformed") != NULL);
    /* a delete names the post; without one there is nothing to ask */
    req.token = "tok";
    req.post_id = "";
    pub_adapter_mastodon.delete(&req, &r);
    ASSERT_EQ(r.outcome, PUB_FAIL);
    ASSERT(strstr(r.error, "no post id") != NULL);
}

/* A channel's answer, cut and cleaned for a text column. */
HD_TEST(channel_answers_become_valid_text) {
    char out[32] = "HTTP 500";
    /* "caf\u00e9" cut inside the two bytes of e-acute: the character goes whole */
    pub_reason_append(out, sizeof out, ": caf\xc3\xa9", 7, 6);
    ASSERT_STR(out, "HTTP 500: caf");
    out[0] = 0;
    pub_reason_append(out, sizeof out,
                      "a\xff\x01"
                      "b\xed\xa0\x80"
                      "c\xe0\x80\x80",
                      11, 100);
    ASSERT_STR(out, "a??b???c???");
    out[0] = 0;
    pub_reason_append(out, sizeof out, "\xf0\x9f\x99\x82 ok", 7, 100);
    ASSERT_STR(out, "\xf0\x9f\x99\x82 ok");
    out[0] = 0; /* never past the buffer, never half a character at its end */
    pub_reason_append(out, 6, "abcd\xc3\xa9", 6, 100);
    ASSERT_STR(out, "abcd");
    out[0] = 0; /* a NUL inside the answer is a control character, not the end */
    pub_reason_append(out, sizeof out, "a\0b", 3, 100);
    ASSERT_STR(out, "a?b");
}

HD_TEST_MAIN(HD_CASE(status_classification), HD_CASE(channel_answers_become_valid_text),
             HD_CASE(retry_after_seconds_and_dates), HD_CASE(backoff_grows_caps_and_jitters),
             HD_CASE(retry_after_is_honoured), HD_CASE(mastodon_status_answers),
             HD_CASE(mastodon_lookup_answers), HD_CASE(adapters_by_kind),
             HD_CASE(malformed_token_is_refused_before_any_call))
