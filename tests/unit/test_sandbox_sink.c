/*  Tests for the sandbox's webhook sink store (sink.h): names, what a
    record keeps, oldest-first listings per name, and the bound (the newest
    records kept in all, the oldest dropped). */
#include "sink.h"

#include "hd_test.h"

static int add(sb_sink_t *s, const char *name, const char *id, const char *body) {
    sb_sink_msg_t m = {.name = name,
                       .received_at = "2026-12-07T21:00:00.123Z",
                       .id = id,
                       .timestamp = "1796590800",
                       .signature = "v1,abc=",
                       .body = body,
                       .body_len = body ? strlen(body) : 0};
    return sb_sink_add(s, &m);
}

/* The webhook-ids of name's records, oldest first, joined by ','. */
static const char *ids(const sb_sink_t *s, const char *name) {
    static char out[4096];
    json_t *a = sb_sink_list(s, name), *r;
    size_t i;
    out[0] = '\0';
    json_array_foreach(a, i, r) {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "",
                 json_string_value(json_object_get(r, "webhook-id")));
    }
    json_decref(a);
    return out;
}

HD_TEST(names_are_slugs) {
    char longest[64], too_long[65];
    memset(longest, 'a', 63);
    longest[63] = '\0';
    memset(too_long, 'a', 64);
    too_long[64] = '\0';
    ASSERT(sb_sink_name_ok("crisis-team"));
    ASSERT(sb_sink_name_ok("a"));
    ASSERT(sb_sink_name_ok("a1-"));
    ASSERT(sb_sink_name_ok(longest));
    ASSERT(!sb_sink_name_ok(too_long));
    ASSERT(!sb_sink_name_ok(""));
    ASSERT(!sb_sink_name_ok(NULL));
    ASSERT(!sb_sink_name_ok("1team"));
    ASSERT(!sb_sink_name_ok("-team"));
    ASSERT(!sb_sink_name_ok("Crisis"));
    ASSERT(!sb_sink_name_ok("crisis_team"));
    ASSERT(!sb_sink_name_ok("crisis/team"));
    ASSERT(!sb_sink_name_ok("crisis%2fteam"));
}

HD_TEST(a_record_keeps_headers_and_json_text) {
    sb_sink_t *s = sb_sink_new(10);
    ASSERT(s);
    const char *body = "{\"type\":\"webhook.test\",\"data\":{\"message\":\"h\\u00e9 \xc3\xa9\"}}";
    ASSERT_EQ(add(s, "crisis-team", "msg-1", body), 0);
    json_t *a = sb_sink_list(s, "crisis-team");
    json_t *r = json_array_get(a, 0);
    ASSERT_EQ(json_array_size(a), 1);
    ASSERT_STR(json_string_value(json_object_get(r, "received_at")), "2026-12-07T21:00:00.123Z");
    ASSERT_STR(json_string_value(json_object_get(r, "webhook-id")), "msg-1");
    ASSERT_STR(json_string_value(json_object_get(r, "webhook-timestamp")), "1796590800");
    ASSERT_STR(json_string_value(json_object_get(r, "webhook-signature")), "v1,abc=");
    /* The bytes as sent, not parsed and written again: a signature over
       them still verifies. */
    ASSERT_STR(json_string_value(json_object_get(r, "body")), body);
    ASSERT_EQ(json_integer_value(json_object_get(r, "bytes")), strlen(body));
    json_decref(a);
    sb_sink_destroy(&s);
    ASSERT(s == NULL);
}

HD_TEST(a_body_that_is_not_utf8_json_is_null_and_missing_headers_too) {
    sb_sink_t *s = sb_sink_new(10);
    sb_sink_msg_t m = {.name = "x", .received_at = "t", .body = "not json", .body_len = 8};
    ASSERT_EQ(sb_sink_add(s, &m), 0);
    m.body = "\"\xff\"";
    m.body_len = 3;
    m.id = "bad \xff byte";
    ASSERT_EQ(sb_sink_add(s, &m), 0);
    m.body = NULL;
    m.body_len = 0;
    ASSERT_EQ(sb_sink_add(s, &m), 0);
    json_t *a = sb_sink_list(s, "x");
    ASSERT_EQ(json_array_size(a), 3);
    json_t *r0 = json_array_get(a, 0), *r1 = json_array_get(a, 1), *r2 = json_array_get(a, 2);
    ASSERT(json_is_null(json_object_get(r0, "body")));
    ASSERT_EQ(json_integer_value(json_object_get(r0, "bytes")), 8);
    ASSERT(json_is_null(json_object_get(r0, "webhook-id")));
    ASSERT(json_is_null(json_object_get(r0, "webhook-signature")));
    ASSERT(json_is_null(json_object_get(r1, "body")));
    ASSERT_STR(json_string_value(json_object_get(r1, "webhook-id")), "bad \\xFF byte");
    ASSERT(json_is_null(json_object_get(r2, "body")));
    ASSERT_EQ(json_integer_value(json_object_get(r2, "bytes")), 0);
    json_decref(a);
    sb_sink_destroy(&s);
}

HD_TEST(listings_are_per_name_oldest_first) {
    sb_sink_t *s = sb_sink_new(10);
    ASSERT_EQ(add(s, "a", "1", "{}"), 0);
    ASSERT_EQ(add(s, "b", "2", "{}"), 0);
    ASSERT_EQ(add(s, "a", "3", "{}"), 0);
    ASSERT_STR(ids(s, "a"), "1,3");
    ASSERT_STR(ids(s, "b"), "2");
    ASSERT_STR(ids(s, "never"), "");
    json_t *none = sb_sink_list(s, "never");
    ASSERT(json_is_array(none) && json_array_size(none) == 0);
    json_decref(none);
    sb_sink_destroy(&s);
}

HD_TEST(the_newest_are_kept_in_all_the_oldest_dropped) {
    sb_sink_t *s = sb_sink_new(3);
    char id[16];
    for (int i = 1; i <= 3; i++) {
        snprintf(id, sizeof id, "%d", i);
        ASSERT_EQ(add(s, i == 2 ? "b" : "a", id, "{}"), 0);
    }
    ASSERT_EQ(sb_sink_count(s), 3);
    ASSERT_EQ(add(s, "a", "4", "{}"), 0); /* drops 1 */
    ASSERT_EQ(sb_sink_count(s), 3);
    ASSERT_STR(ids(s, "a"), "3,4");
    ASSERT_STR(ids(s, "b"), "2");
    ASSERT_EQ(add(s, "a", "5", "{}"), 0); /* drops 2: the bound counts every name */
    ASSERT_STR(ids(s, "b"), "");
    ASSERT_STR(ids(s, "a"), "3,4,5");
    for (int i = 6; i <= 1000; i++) {
        snprintf(id, sizeof id, "%d", i);
        ASSERT_EQ(add(s, "a", id, "{}"), 0);
    }
    ASSERT_EQ(sb_sink_count(s), 3);
    ASSERT_STR(ids(s, "a"), "998,999,1000");
    sb_sink_destroy(&s);
    sb_sink_destroy(&s); /* safe on NULL */
}

HD_TEST(the_default_bound_is_a_thousand) {
    sb_sink_t *s = sb_sink_new(SB_SINK_KEEP);
    ASSERT(sb_sink_new(0) == NULL);
    for (int i = 0; i < 1500; i++)
        ASSERT_EQ(add(s, "a", "x", "{}"), 0);
    ASSERT_EQ(sb_sink_count(s), 1000);
    json_t *a = sb_sink_list(s, "a");
    ASSERT_EQ(json_array_size(a), 1000);
    json_decref(a);
    sb_sink_destroy(&s);
}

HD_TEST_MAIN(HD_CASE(names_are_slugs), HD_CASE(a_record_keeps_headers_and_json_text),
             HD_CASE(a_body_that_is_not_utf8_json_is_null_and_missing_headers_too),
             HD_CASE(listings_are_per_name_oldest_first),
             HD_CASE(the_newest_are_kept_in_all_the_oldest_dropped),
             HD_CASE(the_default_bound_is_a_thousand))
