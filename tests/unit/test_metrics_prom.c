/*  Histogram
    bucketing and which counters an event moves (aggregate.c), without a
    database. */
#include "aggregate.h"
#include "hd_prom.h"
#include "hd_test.h"
#include "histogram.h"

#include <math.h>

HD_TEST(histogram_buckets) {
    const double *b = mx_latency_buckets;
    size_t n = mx_latency_nbuckets;
    ASSERT_EQ(n, 10);
    ASSERT(isinf(b[n - 1]));
    ASSERT_EQ(hd_prom_bucket(b, n, 0), 0);
    ASSERT_EQ(hd_prom_bucket(b, n, 1), 0); /* le is inclusive */
    ASSERT_EQ(hd_prom_bucket(b, n, 1.001), 1);
    ASSERT_EQ(hd_prom_bucket(b, n, 60), 3);
    ASSERT_EQ(hd_prom_bucket(b, n, 61), 4);
    ASSERT_EQ(hd_prom_bucket(b, n, 86400), 8);
    ASSERT_EQ(hd_prom_bucket(b, n, 86401), 9);
    ASSERT_EQ(hd_prom_bucket(b, n, NAN), 9);
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
    ASSERT_STR(b[1].labels, "department=\"triage\"");

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

HD_TEST_MAIN(HD_CASE(histogram_buckets), HD_CASE(what_an_event_counts))
