/*  libFuzzer target: the API's body decoders (services/ingest/decode.h),
    pure functions from bytes to a struct or a refusal. Built only when
    decode.h exists (tests/fuzz/ingest_fuzz/CMakeLists.txt). The input is a
    request body, given to each decoder:
      POST /v1/content              ing_decode_submission, without and with
                                    an Idempotency-Key header;
      POST /v1/content/{id}/decisions  ing_decode_decision;
      POST /v1/inbound              ing_decode_mention;
    and, as a header value, to ing_content_type_json, ing_decode_key and
    hd_utf8_escape.
    Checks: what a decoder accepts passes the matching check again
    (ing_check_submission, ing_check_mention), and every string in it is
    UTF-8 within its bound; a refusal is 400 or 422 with a code and a
    message, a 422 names its field (a member named "" is an unknown field
    named ""), and leaves the struct empty; an escaped
    text is UTF-8 and fits its buffer. */
#include "decode.h"
#include "hd_utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW_MS 1765000000000LL /* 2025-12-06 */

#define FAIL(...)                     \
    do {                              \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr);          \
        abort();                      \
    } while (0)

static void check_refusal(const char *what, const ing_refusal_t *why) {
    if ((why->status != 400 && why->status != 422) || !why->code[0] || !why->message[0] ||
        (why->status == 422 && !why->field[0] && strcmp(why->code, "unknown_field") != 0))
        FAIL("%s: refusal %d without code, message or field", what, why->status);
    if (!hd_utf8_valid(why->message, strlen(why->message)))
        FAIL("%s: the refusal's message is not UTF-8", what);
}

static void check_text(const char *what, const char *s, size_t max, int required) {
    if (!s) {
        if (required)
            FAIL("%s: a required string is missing", what);
        return;
    }
    size_t n = strlen(s);
    if ((required && n == 0) || n > max || !hd_utf8_valid(s, n))
        FAIL("%s: '%s' is not 1..%zu bytes of UTF-8", what, s, max);
}

static void submission(const char *body, size_t len, const char *key) {
    ing_submission_t s;
    ing_refusal_t why;
    memset(&s, 0, sizeof s);
    memset(&why, 0, sizeof why);
    if (ing_decode_submission(body, len, key, NOW_MS, &s, &why) < 0) {
        check_refusal("ing_decode_submission", &why);
        if (s.channel || s.text || s.kind || s.idempotency_key)
            FAIL("ing_decode_submission: a refusal left strings behind");
        return;
    }
    check_text("submission channel", s.channel, 63, 1);
    check_text("submission text", s.text, ING_MAX_TEXT, 1);
    check_text("submission kind", s.kind, 16, 0);
    check_text("submission key", s.idempotency_key, ING_MAX_KEY, 0);
    if (!ing_channel_valid(s.channel))
        FAIL("ing_decode_submission: channel '%s' accepted", s.channel);
    if (s.idempotency_key && !s.key_field)
        FAIL("ing_decode_submission: a key without the field it came from");
    if (s.scheduled_at_ms && (s.scheduled_at_ms < NOW_MS - ING_SCHEDULE_PAST_MS ||
                              s.scheduled_at_ms > NOW_MS + ING_SCHEDULE_AHEAD_MS))
        FAIL("ing_decode_submission: scheduled_at %lld out of range", s.scheduled_at_ms);
    if (ing_check_submission(&s, NOW_MS, &why) < 0)
        FAIL("ing_check_submission refuses what ing_decode_submission accepted: %s", why.message);
    ing_submission_clear(&s);
    ing_submission_clear(&s); /* safe on an empty one */
}

static void decision(const char *body, size_t len) {
    ing_dec_decision_t d;
    ing_refusal_t why;
    memset(&d, 0, sizeof d);
    memset(&why, 0, sizeof why);
    if (ing_decode_decision(body, len, &d, &why) < 0) {
        check_refusal("ing_decode_decision", &why);
        if (d.decision || d.role || d.reason)
            FAIL("ing_decode_decision: a refusal left strings behind");
        return;
    }
    if (!d.decision || (strcmp(d.decision, "approve") != 0 && strcmp(d.decision, "reject") != 0))
        FAIL("ing_decode_decision: decision '%s' accepted", d.decision ? d.decision : "(null)");
    check_text("decision role", d.role, ING_MAX_ROLE, 0);
    check_text("decision reason", d.reason, ING_MAX_REASON, 0);
    ing_dec_decision_clear(&d);
}

static void mention(const char *body, size_t len) {
    ing_dec_mention_t m;
    ing_refusal_t why;
    memset(&m, 0, sizeof m);
    memset(&why, 0, sizeof why);
    if (ing_decode_mention(body, len, &m, &why) < 0) {
        check_refusal("ing_decode_mention", &why);
        if (m.channel || m.external_id || m.author || m.text || m.url)
            FAIL("ing_decode_mention: a refusal left strings behind");
        return;
    }
    if (ing_check_mention(&m, &why) < 0)
        FAIL("ing_check_mention refuses what ing_decode_mention accepted: %s", why.message);
    ing_dec_mention_clear(&m);
}

/* The input as a header value (NUL-terminated; cut at a NUL). */
static void header(const char *s) {
    (void)ing_content_type_json(s);
    ing_refusal_t why;
    memset(&why, 0, sizeof why);
    if (ing_decode_key(s, "Idempotency-Key", &why) < 0)
        check_refusal("ing_decode_key", &why);
    char out[64];
    hd_utf8_escape(s, out, sizeof out);
    if (strlen(out) >= sizeof out || !hd_utf8_valid(out, strlen(out)))
        FAIL("hd_utf8_escape: the escaped text is not UTF-8 within its buffer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* An exact-size copy, so a decoder that reads past len is caught. */
    char *body = malloc(size ? size : 1);
    memcpy(body, data, size);
    submission(body, size, NULL);
    submission(body, size, "spring-2026-01");
    decision(body, size);
    mention(body, size);
    free(body);
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    header(s);
    free(s);
    return 0;
}
