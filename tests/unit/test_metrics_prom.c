/*  Prometheus text rendering (services/metrics/prom.c), histogram
    bucketing and which counters an event moves (aggregate.c), without a
    database. */
#include "aggregate.h"
#include "hd_test.h"
#include "prom.h"

#include <math.h>

static char *render(void (*fn)(FILE *)) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f);
    fclose(f);
    return buf;
}

HD_TEST(label_values_are_escaped) {
    char out[256];
    ASSERT_EQ(mx_prom_escape("plain", out, sizeof out), 0);
    ASSERT_STR(out, "plain");
    ASSERT_EQ(mx_prom_escape("a\"b\\c\nd", out, sizeof out), 0);
    ASSERT_STR(out, "a\\\"b\\\\c\\nd");
    ASSERT_EQ(mx_prom_escape(NULL, out, sizeof out), 0);
    ASSERT_STR(out, "");
    ASSERT_EQ(mx_prom_escape("toolong", out, 4), -1);
    ASSERT_EQ(mx_prom_escape("\"\"", out, 4), -1);
    ASSERT_EQ(mx_prom_escape("\"", out, 3), 0);
}

HD_TEST(long_values_are_cut_at_a_character_boundary) {
    char v[MX_LABEL_VALUE_MAX + 20], out[512];
    memset(v, 'a', sizeof v);
    v[sizeof v - 1] = 0;
    /* a 2-byte character straddling the limit is dropped whole */
    v[MX_LABEL_VALUE_MAX - 1] = (char)0xc3;
    v[MX_LABEL_VALUE_MAX] = (char)0xa9;
    ASSERT_EQ(mx_prom_escape(v, out, sizeof out), 0);
    ASSERT_EQ(strlen(out), MX_LABEL_VALUE_MAX - 1);
}

HD_TEST(label_sets) {
    char out[256];
    const char *names[] = {"type", "department"}, *values[] = {"content.submitted", "mar\"k"};
    ASSERT_EQ(mx_prom_labels(out, sizeof out, names, values, 2), 0);
    ASSERT_STR(out, "type=\"content.submitted\",department=\"mar\\\"k\"");
    ASSERT_EQ(mx_prom_labels(out, sizeof out, names, values, 0), 0);
    ASSERT_STR(out, "");
    ASSERT_EQ(mx_prom_labels(out, 10, names, values, 2), -1);
}

HD_TEST(values) {
    char v[64];
    mx_prom_value(v, sizeof v, 3);
    ASSERT_STR(v, "3");
    mx_prom_value(v, sizeof v, 0.25);
    ASSERT_STR(v, "0.25");
    mx_prom_value(v, sizeof v, INFINITY);
    ASSERT_STR(v, "+Inf");
    mx_prom_value(v, sizeof v, -INFINITY);
    ASSERT_STR(v, "-Inf");
    mx_prom_value(v, sizeof v, NAN);
    ASSERT_STR(v, "NaN");
    mx_prom_value(v, sizeof v, 0.006);
    ASSERT_STR(v, "0.006");
    mx_prom_value(v, sizeof v, 0.1 + 0.2); /* not 0.3: all digits kept */
    ASSERT_STR(v, "0.30000000000000004");
    mx_prom_value(v, sizeof v, 1e20);
    ASSERT_STR(v, "1e+20");
}

HD_TEST(histogram_buckets) {
    const double *b = mx_latency_buckets;
    size_t n = mx_latency_nbuckets;
    ASSERT_EQ(n, 10);
    ASSERT(isinf(b[n - 1]));
    ASSERT_EQ(mx_prom_bucket(b, n, 0), 0);
    ASSERT_EQ(mx_prom_bucket(b, n, 1), 0); /* le is inclusive */
    ASSERT_EQ(mx_prom_bucket(b, n, 1.001), 1);
    ASSERT_EQ(mx_prom_bucket(b, n, 60), 3);
    ASSERT_EQ(mx_prom_bucket(b, n, 61), 4);
    ASSERT_EQ(mx_prom_bucket(b, n, 86400), 8);
    ASSERT_EQ(mx_prom_bucket(b, n, 86401), 9);
    ASSERT_EQ(mx_prom_bucket(b, n, NAN), 9);
}

static void write_family(FILE *f) {
    mx_prom_family(f, "huddle_events_total", "counter", "Events.");
    mx_prom_sample(f, "huddle_events_total", NULL, "type=\"a\"", 2);
    mx_prom_sample(f, "huddle_up", NULL, "", 1);
    mx_prom_bucket_line(f, "lat", "department=\"m\"", 5, 1);
    mx_prom_bucket_line(f, "lat", "", INFINITY, 4);
    mx_prom_sample(f, "lat", "_sum", "department=\"m\"", 12.5);
}

HD_TEST(rendering) {
    char *text = render(write_family);
    ASSERT_STR(text, "# HELP huddle_events_total Events.\n"
                     "# TYPE huddle_events_total counter\n"
                     "huddle_events_total{type=\"a\"} 2\n"
                     "huddle_up 1\n"
                     "lat_bucket{department=\"m\",le=\"5\"} 1\n"
                     "lat_bucket{le=\"+Inf\"} 4\n"
                     "lat_sum{department=\"m\"} 12.5\n");
    free(text);
}

HD_TEST(what_an_event_counts) {
    Huddle__V1__PublishSucceeded ps = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    ps.channel = "sandbox";
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.type = "publish.succeeded";
    ev.department = "marketing";
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
    ev.publish_succeeded = &ps;
    mx_bump_t b[MX_MAX_BUMPS];
    ASSERT_EQ(mx_aggregate_plan(&ev, b, MX_MAX_BUMPS), 2);
    ASSERT_STR(b[0].name, "huddle_events_total");
    ASSERT_STR(b[0].labels, "type=\"publish.succeeded\",department=\"marketing\"");
    ASSERT_STR(b[1].name, "huddle_items_published_total");
    ASSERT_STR(b[1].labels, "department=\"marketing\",channel=\"sandbox\"");
    /* max is respected */
    ASSERT_EQ(mx_aggregate_plan(&ev, b, 1), 1);

    Huddle__V1__MentionRouted mr = HUDDLE__V1__MENTION_ROUTED__INIT;
    ev.type = "mention.routed";
    ev.department = "";
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    ev.mention_routed = &mr;
    ASSERT_EQ(mx_aggregate_plan(&ev, b, MX_MAX_BUMPS), 2);
    ASSERT_STR(b[1].labels, "department=\"unrouted\"");

    Huddle__V1__PolicyEvaluated pe = HUDDLE__V1__POLICY_EVALUATED__INIT;
    pe.verdict = "block";
    ev.type = "policy.evaluated";
    ev.department = NULL;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED;
    ev.policy_evaluated = &pe;
    ASSERT_EQ(mx_aggregate_plan(&ev, b, MX_MAX_BUMPS), 2);
    ASSERT_STR(b[0].labels, "type=\"policy.evaluated\",department=\"\"");
    ASSERT_STR(b[1].name, "huddle_policy_verdicts_total");
    ASSERT_STR(b[1].labels, "verdict=\"block\"");
}

HD_TEST_MAIN(HD_CASE(label_values_are_escaped),
             HD_CASE(long_values_are_cut_at_a_character_boundary), HD_CASE(label_sets),
             HD_CASE(values), HD_CASE(histogram_buckets), HD_CASE(rendering),
             HD_CASE(what_an_event_counts))
