/*  Standard Webhooks signatures (services/publisher/webhook.c): the
    spec's published test vector (its reference libraries' "sign function
    works" case), then what a receiver must refuse: a changed body, another
    secret, a stale or future timestamp, missing headers, partial
    signatures; and what it must accept: a list of signatures with one
    valid, a secret without its prefix. */
#include "hd_test.h"
#include "webhook.h"

#include <string.h>

/* The spec's vector: secret, message id, timestamp, payload, signature. */
#define V_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define V_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define V_TS 1614265330LL
#define V_TS_S "1614265330"
#define V_BODY "{\"test\": 2432232314}"
#define V_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static pub_webhook_key_t key_of(const char *secret) {
    pub_webhook_key_t k;
    memset(&k, 0, sizeof k);
    pub_webhook_key_parse(secret, &k);
    return k;
}

static pub_webhook_verdict_t verify(const char *secret, const char *id, const char *ts,
                                    const char *sig, const char *body, int64_t now) {
    pub_webhook_key_t k = key_of(secret);
    return pub_webhook_verify(&k, id, ts, sig, body, body ? strlen(body) : 0, now,
                              PUB_WEBHOOK_TOLERANCE_S);
}

HD_TEST(spec_vector_signs) {
    pub_webhook_key_t k;
    ASSERT_EQ(pub_webhook_key_parse(V_SECRET, &k), 0);
    ASSERT_EQ(k.len, 24);
    char sig[PUB_WEBHOOK_SIG_LEN];
    ASSERT_EQ(pub_webhook_sign(&k, V_ID, V_TS, V_BODY, strlen(V_BODY), sig), 0);
    ASSERT_STR(sig, V_SIG);
}

HD_TEST(spec_vector_verifies) {
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, V_BODY, V_TS), PUB_WEBHOOK_VALID);
    /* the secret without its prefix, as the spec's libraries accept */
    ASSERT_EQ(verify("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", V_ID, V_TS_S, V_SIG, V_BODY, V_TS),
              PUB_WEBHOOK_VALID);
    /* within the tolerance on either side */
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, V_BODY, V_TS + 300), PUB_WEBHOOK_VALID);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, V_BODY, V_TS - 300), PUB_WEBHOOK_VALID);
}

HD_TEST(tampering_is_refused) {
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, "{\"test\": 2432232315}", V_TS),
              PUB_WEBHOOK_MISMATCH);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, "{\"test\":2432232314}", V_TS),
              PUB_WEBHOOK_MISMATCH);
    ASSERT_EQ(verify(V_SECRET, "msg_other", V_TS_S, V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISMATCH);
    ASSERT_EQ(verify(V_SECRET, V_ID, "1614265331", V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISMATCH);
    /* the same timestamp written otherwise is other signed bytes */
    ASSERT_EQ(verify(V_SECRET, V_ID, "01614265330", V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISMATCH);
    ASSERT_EQ(verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", V_ID, V_TS_S, V_SIG, V_BODY, V_TS),
              PUB_WEBHOOK_MISMATCH);
}

HD_TEST(stale_and_future_timestamps) {
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, V_BODY, V_TS + 301), PUB_WEBHOOK_STALE);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, V_SIG, V_BODY, V_TS - 301), PUB_WEBHOOK_STALE);
}

HD_TEST(missing_headers) {
    ASSERT_EQ(verify(V_SECRET, NULL, V_TS_S, V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISSING);
    ASSERT_EQ(verify(V_SECRET, "", V_TS_S, V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISSING);
    ASSERT_EQ(verify(V_SECRET, V_ID, NULL, V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISSING);
    ASSERT_EQ(verify(V_SECRET, V_ID, "hello", V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISSING);
    ASSERT_EQ(verify(V_SECRET, V_ID, "-1614265330", V_SIG, V_BODY, V_TS), PUB_WEBHOOK_MISSING);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, NULL, V_BODY, V_TS), PUB_WEBHOOK_MISSING);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, "", V_BODY, V_TS), PUB_WEBHOOK_MISSING);
}

HD_TEST(partial_and_foreign_signatures) {
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, "v1,", V_BODY, V_TS), PUB_WEBHOOK_MISMATCH);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, "v1,g0hM9SsE", V_BODY, V_TS), PUB_WEBHOOK_MISMATCH);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, "v1,dawfeoifkpqwoekfpqoekf", V_BODY, V_TS),
              PUB_WEBHOOK_MISMATCH);
    /* the right MAC under another scheme's identifier is not a v1 one */
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S,
                     "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", V_BODY, V_TS),
              PUB_WEBHOOK_MISMATCH);
}

HD_TEST(one_valid_signature_of_several) {
    const char *list = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
                       "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " V_SIG
                       " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, list, V_BODY, V_TS), PUB_WEBHOOK_VALID);
    ASSERT_EQ(verify(V_SECRET, V_ID, V_TS_S, "  " V_SIG "  ", V_BODY, V_TS), PUB_WEBHOOK_VALID);
}

HD_TEST(secrets_out_of_bounds) {
    pub_webhook_key_t k;
    ASSERT_EQ(pub_webhook_key_parse(NULL, &k), -1);
    ASSERT_EQ(pub_webhook_key_parse("whsec_", &k), -1);
    ASSERT_EQ(pub_webhook_key_parse("whsec_not base64!", &k), -1);
    /* 18 bytes: under the spec's 24 */
    ASSERT_EQ(pub_webhook_key_parse("whsec_AAAAAAAAAAAAAAAAAAAAAAAA", &k), -1);
    /* 66 bytes: over its 64 */
    ASSERT_EQ(
        pub_webhook_key_parse("whsec_"
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAAAAAAAAAAAAAAAAAAAAA",
                              &k),
        -1);
    /* 32 bytes, what huddle makes */
    ASSERT_EQ(pub_webhook_key_parse("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &k), 0);
    ASSERT_EQ(k.len, 32);
}

HD_TEST(ids_that_would_shift_the_fields) {
    pub_webhook_key_t k = key_of(V_SECRET);
    char sig[PUB_WEBHOOK_SIG_LEN];
    ASSERT_EQ(pub_webhook_sign(&k, "msg.1", V_TS, V_BODY, strlen(V_BODY), sig), -1);
    ASSERT_EQ(pub_webhook_sign(&k, "", V_TS, V_BODY, strlen(V_BODY), sig), -1);
    pub_webhook_key_t none = {.len = 0};
    ASSERT_EQ(pub_webhook_sign(&none, V_ID, V_TS, V_BODY, strlen(V_BODY), sig), -1);
}

HD_TEST(a_signed_message_round_trips) {
    pub_webhook_key_t k = key_of("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    ASSERT_EQ(k.len, 32);
    const char *body = "{\"type\":\"crisis.declared\",\"data\":{\"drill\":true}}";
    char sig[PUB_WEBHOOK_SIG_LEN];
    ASSERT_EQ(pub_webhook_sign(&k, "7c0e1f4e-2a52-5b0e-9d1c-0f4e6c2b9a11", 1800000000, body,
                               strlen(body), sig),
              0);
    ASSERT_EQ(strlen(sig), PUB_WEBHOOK_SIG_LEN - 1);
    ASSERT_EQ(pub_webhook_verify(&k, "7c0e1f4e-2a52-5b0e-9d1c-0f4e6c2b9a11", "1800000000", sig,
                                 body, strlen(body), 1800000010, PUB_WEBHOOK_TOLERANCE_S),
              PUB_WEBHOOK_VALID);
    ASSERT_STR(pub_webhook_verdict_name(PUB_WEBHOOK_STALE), "stale");
    ASSERT_STR(pub_webhook_verdict_name(PUB_WEBHOOK_VERDICT_COUNT), "unknown");
}

HD_TEST_MAIN({"spec_vector_signs", spec_vector_signs},
             {"spec_vector_verifies", spec_vector_verifies},
             {"tampering_is_refused", tampering_is_refused},
             {"stale_and_future_timestamps", stale_and_future_timestamps},
             {"missing_headers", missing_headers},
             {"partial_and_foreign_signatures", partial_and_foreign_signatures},
             {"one_valid_signature_of_several", one_valid_signature_of_several},
             {"secrets_out_of_bounds", secrets_out_of_bounds},
             {"ids_that_would_shift_the_fields", ids_that_would_shift_the_fields},
             {"a_signed_message_round_trips", a_signed_message_round_trips})
