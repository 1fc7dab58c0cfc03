/*  decode: the API's bodies and headers, refused before SQL with the field
    at fault named (every kind of poison the probes of issue 14 found), and
    accepted as plain structs otherwise. */
#include "decode.h"
#include "hd_test.h"
#include "rfc3339.h"

#include <string.h>

#define NOW 1796637600000LL /* 2026-12-07T10:00:00Z */

static ing_refusal_t s_why;

/* The submission body b (with Idempotency-Key header key) is refused with
   status and field. */
static int refused(const char *b, size_t len, const char *key, int status, const char *field) {
    ing_submission_t s;
    if (ing_decode_submission(b, len, key, NOW, &s, &s_why) != -1 || s.channel || s.text) {
        fprintf(stderr, "accepted: %.*s\n", (int)len, b);
        return 0;
    }
    if (s_why.status != status || strcmp(s_why.field, field) != 0) {
        fprintf(stderr, "%.*s: %d %s (%s), wanted %d %s\n", (int)len, b, s_why.status, s_why.field,
                s_why.message, status, field);
        return 0;
    }
    return 1;
}
#define REFUSED(lit, key, status, field) ASSERT(refused(lit, sizeof lit - 1, key, status, field))

HD_TEST(a_good_submission) {
    const char b[] = "{\"channel\":\"sandbox\",\"text\":\"h\\u00e9llo \\ud83d\\ude00\","
                     "\"kind\":\"reply\",\"scheduled_at\":\"2026-12-08T11:00:00.250+01:00\","
                     "\"idempotency_key\":\"body-key\"}";
    ing_submission_t s;
    ASSERT_EQ(ing_decode_submission(b, sizeof b - 1, NULL, NOW, &s, &s_why), 0);
    ASSERT_STR(s.channel, "sandbox");
    ASSERT_STR(s.text, "h\xc3\xa9llo \xf0\x9f\x98\x80");
    ASSERT_STR(s.kind, "reply");
    ASSERT_STR(s.idempotency_key, "body-key");
    ASSERT_STR(s.key_field, "idempotency_key");
    ASSERT_EQ(s.scheduled_at_ms, NOW + 86400000LL + 250);
    ing_submission_clear(&s);
    ASSERT(s.channel == NULL);
    ASSERT_EQ(ing_decode_submission(b, sizeof b - 1, "header-key", NOW, &s, &s_why), 0);
    ASSERT_STR(s.idempotency_key, "header-key"); /* the header wins */
    ASSERT_STR(s.key_field, "Idempotency-Key");
    ing_submission_clear(&s);
    const char min[] = "{\"channel\":\"sandbox\",\"text\":\"x\",\"kind\":null}";
    ASSERT_EQ(ing_decode_submission(min, sizeof min - 1, NULL, NOW, &s, &s_why), 0);
    ASSERT(s.kind == NULL && s.idempotency_key == NULL && s.scheduled_at_ms == 0);
    ing_submission_clear(&s);
}

HD_TEST(not_text_names_the_field) {
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ab\\udc80cd\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ab\\ud800\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ab\\ud800\\u0041\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"a\\u0000b\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ab\xff\xfe\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ab\xc0\xaf\"}", NULL, 422, "text"); /* overlong */
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ab\xed\xa0\x80\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"a\tb\"}", NULL, 422, "text"); /* raw control */
    REFUSED("{\"text\":\"ok\",\"channel\":\"sand\xffx\"}", NULL, 422, "channel");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"kind\":\"\\udc80\"}", NULL, 422, "kind");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"scheduled_at\":\"2026\xff\"}", NULL, 422,
            "scheduled_at");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"idempotency_key\":\"k\\udc80\"}", NULL, 422,
            "idempotency_key");
    REFUSED("{\"channel\":\"sandbox\",\"text\":[\"\\udc80\"]}", NULL, 422, "text");
    REFUSED("{\"te\xffxt\":\"a\"}", NULL, 400, "body"); /* a member's name */
    REFUSED("{\"channel\":\"sandbox\",\"text\": tru}", NULL, 400, "body");
    REFUSED("not json", NULL, 400, "body");
    REFUSED("[]", NULL, 400, "body");
    REFUSED("{\"a\":1,\"a\":2}", NULL, 400, "body");
    ASSERT(refused(NULL, 0, NULL, 400, "body"));
}

HD_TEST(the_key_header) {
    const char b[] = "{\"channel\":\"sandbox\",\"text\":\"ok\"}";
    REFUSED(b, "k\xff\xfe", 422, "Idempotency-Key");
    REFUSED(b, "", 422, "Idempotency-Key");
    REFUSED(b, "a\x01", 422, "Idempotency-Key");
    char big[300];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    REFUSED(b, big, 422, "Idempotency-Key");
    big[ING_MAX_KEY] = 0;
    ing_submission_t s;
    ASSERT_EQ(ing_decode_submission(b, sizeof b - 1, big, NOW, &s, &s_why), 0);
    ing_submission_clear(&s);
}

HD_TEST(values) {
    REFUSED("{\"text\":\"ok\"}", NULL, 422, "channel");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"\"}", NULL, 422, "text");
    REFUSED("{\"channel\":\"Sandbox\",\"text\":\"ok\"}", NULL, 422, "channel");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"kind\":\"poll\"}", NULL, 422, "kind");
    REFUSED("{\"channel\":\"sandbox\",\"text\":5}", NULL, 422, "text");
    REFUSED("{\"channel\":[],\"text\":\"ok\"}", NULL, 422, "channel");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"kind\":{}}", NULL, 422, "kind");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"extra\":1}", NULL, 422, "extra");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"Channel\":\"x\"}", NULL, 422, "Channel");
    ASSERT_STR(s_why.code, "unknown_field");
    char big[ING_MAX_TEXT + 64];
    int n = snprintf(big, sizeof big, "{\"channel\":\"sandbox\",\"text\":\"");
    memset(big + n, 'x', ING_MAX_TEXT + 1);
    memcpy(big + n + ING_MAX_TEXT + 1, "\"}", 3);
    ASSERT(refused(big, strlen(big), NULL, 422, "text"));
}

HD_TEST(scheduled_at) {
    const char *bad[] = {"infinity", "-infinity",  "now",
                         "epoch",    "J2451187",   "99999-01-01T00:00:00Z",
                         "tomorrow", "2026-12-07", ""};
    char b[200];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(b, sizeof b, "{\"channel\":\"sandbox\",\"text\":\"ok\",\"scheduled_at\":\"%s\"}",
                 bad[i]);
        ASSERT(refused(b, strlen(b), NULL, 422, "scheduled_at"));
        ASSERT(strstr(s_why.message, "RFC 3339") != NULL);
    }
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"scheduled_at\":1796637600}", NULL, 422,
            "scheduled_at");
    /* the range: a day back, 366 days ahead */
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"scheduled_at\":\"2026-12-06T09:59:59Z\"}",
            NULL, 422, "scheduled_at");
    ASSERT(strstr(s_why.message, "366 days") != NULL);
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"scheduled_at\":\"2027-12-08T10:00:01Z\"}",
            NULL, 422, "scheduled_at");
    REFUSED("{\"channel\":\"sandbox\",\"text\":\"ok\",\"scheduled_at\":\"1970-01-01T00:00:00Z\"}",
            NULL, 422, "scheduled_at");
    ing_submission_t s;
    const char ok[] = "{\"channel\":\"sandbox\",\"text\":\"ok\","
                      "\"scheduled_at\":\"2026-12-06T10:00:00Z\"}";
    ASSERT_EQ(ing_decode_submission(ok, sizeof ok - 1, NULL, NOW, &s, &s_why), 0);
    ASSERT_EQ(s.scheduled_at_ms, NOW - 86400000LL);
    ing_submission_clear(&s);
}

HD_TEST(a_submission_from_frames) {
    ing_submission_t in = {
        .channel = "sandbox", .text = "ok", .idempotency_key = "k", .key_field = "idempotency_key"};
    ASSERT_EQ(ing_check_submission(&in, NOW, &s_why), 0);
    in.text = "a\xff";
    ASSERT_EQ(ing_check_submission(&in, NOW, &s_why), -1);
    ASSERT_STR(s_why.field, "text");
    in.text = "ok";
    in.idempotency_key = "\xc3\x28";
    ASSERT_EQ(ing_check_submission(&in, NOW, &s_why), -1);
    ASSERT_STR(s_why.field, "idempotency_key");
    in.idempotency_key = "k";
    in.scheduled_at_ms = -9000000000000000LL;
    ASSERT_EQ(ing_check_submission(&in, NOW, &s_why), -1);
    ASSERT_STR(s_why.field, "scheduled_at");
    in.scheduled_at_ms = 0;
    in.channel = "x\xff";
    ASSERT_EQ(ing_check_submission(&in, NOW, &s_why), -1);
    ASSERT_STR(s_why.field, "channel");
}

HD_TEST(decisions) {
    ing_dec_decision_t d;
    const char ok[] = "{\"decision\":\"reject\",\"reason\":\"too loud\",\"role\":\"coach\"}";
    ASSERT_EQ(ing_decode_decision(ok, sizeof ok - 1, &d, &s_why), 0);
    ASSERT_STR(d.decision, "reject");
    ASSERT_STR(d.role, "coach");
    ASSERT_STR(d.reason, "too loud");
    ing_dec_decision_clear(&d);
    struct {
        const char *body;
        const char *field;
    } bad[] = {{"{\"decision\":\"maybe\"}", "decision"},
               {"{\"decision\":\"reject\"}", "reason"},
               {"{\"decision\":\"approve\",\"comment\":\"x\"}", "comment"},
               {"{\"decision\":\"approve\",\"role\":5}", "role"},
               {"{\"decision\":\"approve\",\"role\":\"\"}", "role"},
               {"{\"decision\":\"approve\",\"role\":\"c\\u0001\"}", "role"},
               {"{\"decision\":\"approve\",\"reason\":\"\xff\"}", "reason"},
               {"{}", "decision"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_EQ(ing_decode_decision(bad[i].body, strlen(bad[i].body), &d, &s_why), -1);
        ASSERT_EQ(s_why.status, 422);
        ASSERT_STR(s_why.field, bad[i].field);
        ASSERT(d.decision == NULL);
    }
}

HD_TEST(mentions) {
    ing_dec_mention_t m;
    const char ok[] = "{\"channel\":\"sandbox\",\"external_id\":\"e1\",\"author\":\"@a\","
                      "\"text\":\"hi\",\"url\":\"https://x\"}";
    ASSERT_EQ(ing_decode_mention(ok, sizeof ok - 1, &m, &s_why), 0);
    ASSERT_STR(m.url, "https://x");
    ing_dec_mention_clear(&m);
    struct {
        const char *body;
        const char *field;
    } bad[] = {
        {"{\"channel\":\"sandbox\",\"external_id\":\"e1\",\"author\":\"@a\"}", "text"},
        {"{\"channel\":\"sandbox\",\"external_id\":\"e\\udc80\",\"author\":\"@a\","
         "\"text\":\"hi\"}",
         "external_id"},
        {"{\"channel\":\"UP\",\"external_id\":\"e\",\"author\":\"@a\",\"text\":\"hi\"}", "channel"},
        {"{\"channel\":\"sandbox\",\"external_id\":\"e\",\"author\":\"@a\",\"text\":\"hi\","
         "\"likes\":3}",
         "likes"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ASSERT_EQ(ing_decode_mention(bad[i].body, strlen(bad[i].body), &m, &s_why), -1);
        ASSERT_STR(s_why.field, bad[i].field);
    }
    ing_dec_mention_t frames = {"sandbox", "e", "\xff", "hi", NULL};
    ASSERT_EQ(ing_check_mention(&frames, &s_why), -1);
    ASSERT_STR(s_why.field, "author");
}

HD_TEST(text_helpers) {
    ASSERT(ing_content_type_json("application/json"));
    ASSERT(ing_content_type_json("Application/JSON; charset=UTF-8"));
    ASSERT(ing_content_type_json("application/json;charset=\"utf-8\""));
    ASSERT(!ing_content_type_json("application/json; charset=latin1"));
    ASSERT(!ing_content_type_json("application/jsonx"));
    ASSERT(!ing_content_type_json("text/plain"));
    ASSERT(!ing_content_type_json("application/x-www-form-urlencoded"));
    ASSERT(!ing_content_type_json(NULL));
    ASSERT(ing_channel_valid("sandbox") && !ing_channel_valid("") && !ing_channel_valid(NULL));
}

HD_TEST_MAIN(HD_CASE(a_good_submission), HD_CASE(not_text_names_the_field), HD_CASE(the_key_header),
             HD_CASE(values), HD_CASE(scheduled_at), HD_CASE(a_submission_from_frames),
             HD_CASE(decisions), HD_CASE(mentions), HD_CASE(text_helpers))
