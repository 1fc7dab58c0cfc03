/*  metrics against a real PostgreSQL: events applied as the consumer would
    (one transaction each) move the counters and the approval latency
    histogram, and the figures come out as Prometheus text, also over HTTP
    from a connection of the server thread's own. */
#include "aggregate.h"
#include "batch.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_http.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "report.h"

static hd_db_t *s_db;
static char s_url[512];

static int setup(void) {
    if (s_db)
        return 0;
    if (hd_testdb_create("test_metrics_aggregate", 0, s_url, sizeof s_url) < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    return s_db ? 0 : -1;
}

static int apply(hd_envelope_t *ev) {
    char why[256] = "";
    hd_db_begin(s_db);
    int rc = mx_aggregate_apply(s_db, ev, NULL, why, sizeof why);
    if (rc == HD_APPLY_OK)
        hd_db_commit(s_db);
    else
        hd_db_rollback(s_db);
    return rc;
}

static void env_init(hd_envelope_t *ev, char *id, Huddle__V1__Envelope__BodyCase body,
                     const char *dept, int64_t at) {
    hd_envelope_t init = HUDDLE__V1__ENVELOPE__INIT;
    *ev = init;
    hd_id_random(id);
    ev->id = id;
    ev->body_case = body;
    ev->type = (char *)hd_envelope_type_name(body);
    ev->department = (char *)dept;
    ev->occurred_at_ms = at;
}

static char *report(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = mx_report_write(s_db, f);
    fclose(f);
    if (rc < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int has(const char *text, const char *line) {
    char want[600];
    snprintf(want, sizeof want, "\n%s\n", line);
    if (strstr(text, want))
        return 1;
    fprintf(stderr, "missing line: %s\n", line);
    return 0;
}

/* One item through request -> approval 90 s later, and a second one
   rejected after 2 s. */
static int approval_story(void) {
    char id[4][HD_ID_LEN], c1[HD_ID_LEN], c2[HD_ID_LEN];
    hd_id_random(c1);
    hd_id_random(c2);
    int64_t t0 = 1700000000000LL;
    hd_envelope_t ev;
    Huddle__V1__ApprovalRequested ar = HUDDLE__V1__APPROVAL_REQUESTED__INIT;
    ar.content_id = c1;
    env_init(&ev, id[0], HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED, "marketing", t0);
    ev.approval_requested = &ar;
    int rc = apply(&ev);
    ar.content_id = c2;
    env_init(&ev, id[1], HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED, "marketing", t0);
    ev.approval_requested = &ar;
    rc |= apply(&ev);
    Huddle__V1__ContentApproved ca = HUDDLE__V1__CONTENT_APPROVED__INIT;
    ca.content_id = c1;
    env_init(&ev, id[2], HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED, "marketing", t0 + 90000);
    ev.content_approved = &ca;
    rc |= apply(&ev);
    Huddle__V1__ContentRejected cr = HUDDLE__V1__CONTENT_REJECTED__INIT;
    cr.content_id = c2;
    env_init(&ev, id[3], HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED, "marketing", t0 + 2000);
    ev.content_rejected = &cr;
    rc |= apply(&ev);
    return rc;
}

HD_TEST(approval_latency_histogram) {
    ASSERT_EQ(setup(), 0);
    ASSERT_EQ(approval_story(), HD_APPLY_OK);
    char *text = report();
    ASSERT(text != NULL);
    const char *lines[] = {
        "# TYPE huddle_approval_latency_seconds histogram",
        "huddle_approval_latency_seconds_bucket{department=\"marketing\",le=\"1\"} 0",
        "huddle_approval_latency_seconds_bucket{department=\"marketing\",le=\"5\"} 1",
        "huddle_approval_latency_seconds_bucket{department=\"marketing\",le=\"60\"} 1",
        "huddle_approval_latency_seconds_bucket{department=\"marketing\",le=\"300\"} 2",
        "huddle_approval_latency_seconds_bucket{department=\"marketing\",le=\"86400\"} 2",
        "huddle_approval_latency_seconds_bucket{department=\"marketing\",le=\"+Inf\"} 2",
        "huddle_approval_latency_seconds_sum{department=\"marketing\"} 92",
        "huddle_approval_latency_seconds_count{department=\"marketing\"} 2",
        "huddle_decisions_total{decision=\"reject\"} 1",
        "huddle_events_total{type=\"approval.requested\",department=\"marketing\"} 2",
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ok &= has(text, lines[i]);
    free(text);
    ASSERT(ok);
    /* both clocks were stopped */
    ASSERT_EQ(hd_db_count(s_db, "SELECT 1 FROM metrics_pending", 0, NULL), 0);
}

HD_TEST(counters_by_event_with_escaped_labels) {
    ASSERT_EQ(setup(), 0);
    char id[HD_ID_LEN];
    hd_envelope_t ev;
    Huddle__V1__PublishSucceeded ps = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    ps.channel = "sand\"box\\\n";
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED, "marketing", 0);
    ev.publish_succeeded = &ps;
    ASSERT_EQ(apply(&ev), HD_APPLY_OK);
    ASSERT_EQ(apply(&ev), HD_APPLY_OK);
    Huddle__V1__ContentBlocked cb = HUDDLE__V1__CONTENT_BLOCKED__INIT;
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED, "customer-care", 0);
    ev.content_blocked = &cb;
    ASSERT_EQ(apply(&ev), HD_APPLY_OK);
    Huddle__V1__PolicyEvaluated pe = HUDDLE__V1__POLICY_EVALUATED__INIT;
    pe.verdict = "review";
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "marketing", 0);
    ev.policy_evaluated = &pe;
    ASSERT_EQ(apply(&ev), HD_APPLY_OK);
    Huddle__V1__MentionRouted mr = HUDDLE__V1__MENTION_ROUTED__INIT;
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED, "", 0);
    ev.mention_routed = &mr;
    ASSERT_EQ(apply(&ev), HD_APPLY_OK);
    Huddle__V1__DecisionRefused dr = HUDDLE__V1__DECISION_REFUSED__INIT;
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_DECISION_REFUSED, "marketing", 0);
    ev.decision_refused = &dr;
    ASSERT_EQ(apply(&ev), HD_APPLY_OK);
    char *text = report();
    ASSERT(text != NULL);
    const char *lines[] = {
        "huddle_items_published_total{department=\"marketing\",channel=\"sand\\\"box\\\\\\n\"} 2",
        "huddle_items_blocked_total{department=\"customer-care\"} 1",
        "huddle_policy_verdicts_total{verdict=\"review\"} 1",
        "huddle_mentions_routed_total{department=\"unrouted\"} 1",
        "huddle_decisions_total{decision=\"refused\"} 1",
        "huddle_events_total{type=\"publish.succeeded\",department=\"marketing\"} 2",
        "# HELP huddle_items_failed_total Items that could not be delivered, by department and "
        "channel.",
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ok &= has(text, lines[i]);
    free(text);
    ASSERT(ok);
}

/* The consumer's batched path: increments gathered over a batch land as one
   upsert per counter, added to what is there; what a begin forgets (a batch
   rolled back, a dead letter) never counts. */
HD_TEST(gathered_batch_counts_once) {
    ASSERT_EQ(setup(), 0);
    mx_batch_t g = {0};
    char id[HD_ID_LEN], why[256];
    hd_envelope_t ev;
    Huddle__V1__ContentBlocked cb = HUDDLE__V1__CONTENT_BLOCKED__INIT;
    ASSERT_EQ(hd_db_begin(s_db), 0);
    mx_batch_begin(&g);
    for (int i = 0; i < 3; i++) {
        env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED, "gather-a", 0);
        ev.content_blocked = &cb;
        ASSERT_EQ(mx_aggregate_apply(s_db, &ev, &g, why, sizeof why), HD_APPLY_OK);
    }
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED, "gather-b", 0);
    ev.content_blocked = &cb;
    ASSERT_EQ(mx_aggregate_apply(s_db, &ev, &g, why, sizeof why), HD_APPLY_OK);
    ASSERT_EQ(g.counters.n, 4); /* two counters for each of two departments */
    ASSERT_EQ(mx_batch_flush(s_db, &g), 0);
    ASSERT_EQ(g.counters.n, 0);
    /* Gathered, then forgotten: must not count. */
    ASSERT_EQ(mx_aggregate_apply(s_db, &ev, &g, why, sizeof why), HD_APPLY_OK);
    mx_batch_begin(&g);
    ASSERT_EQ(mx_batch_flush(s_db, &g), 0);
    /* A second batch adds to the first. */
    env_init(&ev, id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED, "gather-a", 0);
    ev.content_blocked = &cb;
    ASSERT_EQ(mx_aggregate_apply(s_db, &ev, &g, why, sizeof why), HD_APPLY_OK);
    ASSERT_EQ(mx_batch_flush(s_db, &g), 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    mx_batch_free(&g);
    char *text = report();
    ASSERT(text != NULL);
    int ok = has(text, "huddle_items_blocked_total{department=\"gather-a\"} 4") &&
             has(text, "huddle_items_blocked_total{department=\"gather-b\"} 1") &&
             has(text, "huddle_events_total{type=\"content.blocked\",department=\"gather-a\"} 4");
    free(text);
    ASSERT(ok);
}

static void figures(FILE *out, void *arg) { mx_report_write(arg, out); }

HD_TEST(served_over_http) {
    ASSERT_EQ(setup(), 0);
    hd_db_t *reader = hd_db_connect(s_url, 5000);
    ASSERT(reader != NULL);
    hd_http_server_t *srv = hd_health_start("127.0.0.1:0", "metrics", figures, reader);
    if (!srv)
        hd_db_destroy(&reader);
    ASSERT(srv != NULL);
    char url[128], *body = NULL, *health = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", hd_http_server_port(srv));
    int status = hd_http_get(url, &body, 5000);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", hd_http_server_port(srv));
    int hstatus = hd_http_get(url, &health, 5000);
    hd_http_server_destroy(&srv);
    hd_db_destroy(&reader);
    int ok = status == 200 && body && strstr(body, "# TYPE huddle_events_total counter\n") &&
             strstr(body, "huddle_decisions_total{decision=\"reject\"} 1\n") && hstatus == 200 &&
             health && strstr(health, "\"ok\"");
    if (!ok)
        fprintf(stderr, "status %d / %d:\n%s\n%s\n", status, hstatus, body ? body : "",
                health ? health : "");
    free(body);
    free(health);
    ASSERT(ok);
}

HD_TEST(cleanup) { hd_db_destroy(&s_db); }

HD_TEST_MAIN(HD_CASE(approval_latency_histogram), HD_CASE(counters_by_event_with_escaped_labels),
             HD_CASE(gathered_batch_counts_once), HD_CASE(served_over_http), HD_CASE(cleanup))
