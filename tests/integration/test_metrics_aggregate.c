/*  metrics against a real PostgreSQL: events applied as the consumer does
    (mx_aggregate_apply_batch, one call per batch in one transaction; a
    batch of one is a batch) move the counters, the approval latency
    histogram and the crisis figures, and the figures come out as
    Prometheus text, also over HTTP from a connection of the server
    thread's own. */
#include "aggregate.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_http.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "report.h"

#include <ctype.h>

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

/* The consumer's batch entry point on evs inside the caller's open
   transaction. Metrics emits nothing: an emitted event gives -99. */
static int run(const hd_envelope_t *const *evs, size_t n) {
    hd_batch_out_t *out = hd_batch_out_new("metrics");
    int rc = mx_aggregate_apply_batch(s_db, evs, n, out, NULL);
    if (hd_batch_emitted(out) != 0)
        rc = -99;
    hd_batch_out_destroy(&out);
    return rc;
}

/* evs as one batch in a transaction of its own, committed when applied. */
static int apply_all(const hd_envelope_t *const *evs, size_t n) {
    hd_db_begin(s_db);
    int rc = run(evs, n);
    if (rc == HD_APPLY_OK && hd_db_commit(s_db) < 0)
        rc = HD_APPLY_RETRY;
    if (rc != HD_APPLY_OK)
        hd_db_rollback(s_db);
    return rc;
}

/* ev as a batch of one. */
static int apply(hd_envelope_t *ev) {
    const hd_envelope_t *one[1] = {ev};
    return apply_all(one, 1);
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
        "huddle_mentions_routed_total{department=\"triage\"} 1",
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

/* Increments over a batch land as one upsert for all its counters, added
   to what is there; a batch rolled back (a retry, a dead letter) never
   counts. */
HD_TEST(batch_counts_once) {
    ASSERT_EQ(setup(), 0);
    char id[4][HD_ID_LEN];
    hd_envelope_t ev[4];
    const hd_envelope_t *evs[4];
    Huddle__V1__ContentBlocked cb = HUDDLE__V1__CONTENT_BLOCKED__INIT;
    for (int i = 0; i < 4; i++) {
        env_init(&ev[i], id[i], HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED,
                 i < 3 ? "gather-a" : "gather-b", 0);
        ev[i].content_blocked = &cb;
        evs[i] = &ev[i];
    }
    ASSERT_EQ(apply_all(evs, 4), HD_APPLY_OK);
    /* Applied, then rolled back: must not count. */
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(run(&evs[3], 1), HD_APPLY_OK);
    hd_db_rollback(s_db);
    /* A second batch adds to the first. */
    ASSERT_EQ(apply_all(evs, 1), HD_APPLY_OK);
    char *text = report();
    ASSERT(text != NULL);
    int ok = has(text, "huddle_items_blocked_total{department=\"gather-a\"} 4") &&
             has(text, "huddle_items_blocked_total{department=\"gather-b\"} 1") &&
             has(text, "huddle_events_total{type=\"content.blocked\",department=\"gather-a\"} 4");
    free(text);
    ASSERT(ok);
}

/* ---------- approval latency over consumer batches ---------- */

#define T0 1700000000000LL

/* One decision event and the storage its body points into. */
typedef struct {
    hd_envelope_t ev;
    char id[HD_ID_LEN];
    Huddle__V1__ApprovalRequested ar;
    Huddle__V1__ContentApproved ca;
    Huddle__V1__ContentRejected cr;
} decision_t;

static hd_envelope_t *requested(decision_t *d, char *content, const char *dept, int64_t at) {
    Huddle__V1__ApprovalRequested ar = HUDDLE__V1__APPROVAL_REQUESTED__INIT;
    d->ar = ar;
    d->ar.content_id = content;
    env_init(&d->ev, d->id, HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED, dept, at);
    d->ev.approval_requested = &d->ar;
    return &d->ev;
}

static hd_envelope_t *approved(decision_t *d, char *content, const char *dept, int64_t at) {
    Huddle__V1__ContentApproved ca = HUDDLE__V1__CONTENT_APPROVED__INIT;
    d->ca = ca;
    d->ca.content_id = content;
    env_init(&d->ev, d->id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED, dept, at);
    d->ev.content_approved = &d->ca;
    return &d->ev;
}

static hd_envelope_t *rejected(decision_t *d, char *content, const char *dept, int64_t at) {
    Huddle__V1__ContentRejected cr = HUDDLE__V1__CONTENT_REJECTED__INIT;
    d->cr = cr;
    d->cr.content_id = content;
    env_init(&d->ev, d->id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED, dept, at);
    d->ev.content_rejected = &d->cr;
    return &d->ev;
}

/* requested_at_ms of content's pending row, or -1 when there is none. */
static long long pending_at(const char *content) {
    const char *p[1] = {content};
    PGresult *r =
        hd_db_exec(s_db, "SELECT requested_at_ms FROM metrics_pending WHERE content_id = $1", 1, p);
    long long at = r && PQntuples(r) == 1 ? atoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return at;
}

/* 1 when the report holds every line (each one named when missing). */
static int shows(const char *const *lines, size_t n) {
    char *text = report();
    if (!text)
        return 0;
    int ok = 1;
    for (size_t i = 0; i < n; i++)
        ok &= has(text, lines[i]);
    free(text);
    return ok;
}

/* 1 when the report has no latency series for department dept. */
static int no_latency(const char *dept) {
    char *text = report(), want[200];
    snprintf(want, sizeof want, "huddle_approval_latency_seconds_count{department=\"%s\"}", dept);
    int ok = text && !strstr(text, want);
    free(text);
    return ok;
}

/* Stops in one batch each count once with their own stop time and their
   own request's department: a second stop of the same item and a stop of
   an item never requested count nothing, and an id in upper case is the
   same item. */
HD_TEST(batched_stops_observed_once_each) {
    ASSERT_EQ(setup(), 0);
    char c[4][HD_ID_LEN], upper3[HD_ID_LEN];
    for (int i = 0; i < 4; i++)
        hd_id_random(c[i]);
    for (int i = 0; i < HD_ID_LEN; i++)
        upper3[i] = (char)toupper((unsigned char)c[2][i]);
    decision_t d[5];
    ASSERT_EQ(apply(requested(&d[0], c[0], "batch-a", T0)), HD_APPLY_OK);
    ASSERT_EQ(apply(requested(&d[0], c[1], "batch-a", T0)), HD_APPLY_OK);
    ASSERT_EQ(apply(requested(&d[0], c[2], "batch-b", T0)), HD_APPLY_OK);
    const hd_envelope_t *evs[5] = {
        approved(&d[0], c[0], "batch-a", T0 + 3000), rejected(&d[1], c[1], "batch-a", T0 + 120000),
        approved(&d[2], upper3, "batch-b", T0 + 2000),
        approved(&d[3], c[0], "batch-a", T0 + 500000), approved(&d[4], c[3], "batch-a", T0 + 1000)};
    ASSERT_EQ(apply_all(evs, 5), HD_APPLY_OK);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pending_at(c[i]), -1);
    const char *lines[] = {
        "huddle_approval_latency_seconds_bucket{department=\"batch-a\",le=\"1\"} 0",
        "huddle_approval_latency_seconds_bucket{department=\"batch-a\",le=\"5\"} 1",
        "huddle_approval_latency_seconds_bucket{department=\"batch-a\",le=\"60\"} 1",
        "huddle_approval_latency_seconds_bucket{department=\"batch-a\",le=\"300\"} 2",
        "huddle_approval_latency_seconds_bucket{department=\"batch-a\",le=\"+Inf\"} 2",
        "huddle_approval_latency_seconds_sum{department=\"batch-a\"} 123",
        "huddle_approval_latency_seconds_count{department=\"batch-a\"} 2",
        "huddle_approval_latency_seconds_bucket{department=\"batch-b\",le=\"1\"} 0",
        "huddle_approval_latency_seconds_bucket{department=\"batch-b\",le=\"5\"} 1",
        "huddle_approval_latency_seconds_sum{department=\"batch-b\"} 2",
        "huddle_approval_latency_seconds_count{department=\"batch-b\"} 1",
    };
    ASSERT(shows(lines, sizeof lines / sizeof lines[0]));
}

/* Rejected, revised and asked again in one batch: the stop stops the old
   clock and the new one keeps running for the next batch's approval. */
HD_TEST(stop_then_start_keeps_the_new_request) {
    ASSERT_EQ(setup(), 0);
    char x[HD_ID_LEN];
    hd_id_random(x);
    decision_t d[2];
    ASSERT_EQ(apply(requested(&d[0], x, "revise", T0)), HD_APPLY_OK);
    const hd_envelope_t *evs[2] = {rejected(&d[0], x, "revise", T0 + 10000),
                                   requested(&d[1], x, "revise", T0 + 60000)};
    ASSERT_EQ(apply_all(evs, 2), HD_APPLY_OK);
    ASSERT_EQ(pending_at(x), T0 + 60000);
    const char *first[] = {"huddle_approval_latency_seconds_sum{department=\"revise\"} 10",
                           "huddle_approval_latency_seconds_count{department=\"revise\"} 1"};
    ASSERT(shows(first, 2));
    ASSERT_EQ(apply(approved(&d[0], x, "revise", T0 + 65000)), HD_APPLY_OK);
    ASSERT_EQ(pending_at(x), -1);
    const char *second[] = {"huddle_approval_latency_seconds_sum{department=\"revise\"} 15",
                            "huddle_approval_latency_seconds_count{department=\"revise\"} 2"};
    ASSERT(shows(second, 2));
}

/* Requested and decided within one batch (twice for z, with a revision in
   between): every stop finds its request. */
HD_TEST(start_then_stop_in_one_batch) {
    ASSERT_EQ(setup(), 0);
    char y[HD_ID_LEN], z[HD_ID_LEN];
    hd_id_random(y);
    hd_id_random(z);
    decision_t d[6];
    const hd_envelope_t *evs[6] = {
        requested(&d[0], y, "quick", T0),        approved(&d[1], y, "quick", T0 + 4000),
        requested(&d[2], z, "quick", T0),        rejected(&d[3], z, "quick", T0 + 1000),
        requested(&d[4], z, "quick", T0 + 2000), approved(&d[5], z, "quick", T0 + 7000)};
    ASSERT_EQ(apply_all(evs, 6), HD_APPLY_OK);
    ASSERT_EQ(pending_at(y), -1);
    ASSERT_EQ(pending_at(z), -1);
    const char *lines[] = {
        "huddle_approval_latency_seconds_bucket{department=\"quick\",le=\"1\"} 1",
        "huddle_approval_latency_seconds_bucket{department=\"quick\",le=\"5\"} 3",
        "huddle_approval_latency_seconds_sum{department=\"quick\"} 10",
        "huddle_approval_latency_seconds_count{department=\"quick\"} 3",
    };
    ASSERT(shows(lines, sizeof lines / sizeof lines[0]));
}

/* Attempts rolled back (the cursor could not move, the commit failed)
   leave nothing behind: the retry that commits observes once and counts
   once. */
HD_TEST(rolled_back_attempt_then_retry_observes_once) {
    ASSERT_EQ(setup(), 0);
    char w[HD_ID_LEN];
    hd_id_random(w);
    decision_t d;
    ASSERT_EQ(apply(requested(&d, w, "retry", T0)), HD_APPLY_OK);
    const hd_envelope_t *one[1] = {approved(&d, w, "retry", T0 + 30000)};
    for (int attempt = 0; attempt < 3; attempt++) {
        ASSERT_EQ(hd_db_begin(s_db), 0);
        ASSERT_EQ(run(one, 1), HD_APPLY_OK);
        if (attempt < 2)
            hd_db_rollback(s_db);
        else
            ASSERT_EQ(hd_db_commit(s_db), 0);
    }
    ASSERT_EQ(pending_at(w), -1);
    const char *lines[] = {
        "huddle_approval_latency_seconds_sum{department=\"retry\"} 30",
        "huddle_approval_latency_seconds_count{department=\"retry\"} 1",
        "huddle_events_total{type=\"content.approved\",department=\"retry\"} 1",
    };
    ASSERT(shows(lines, sizeof lines / sizeof lines[0]));
}

static int sql(const char *cmd) { return hd_db_cmd(s_db, cmd, 0, NULL); }

/* The consumer's sequence for a batch [stop w, stop v] whose second event
   is a dead letter: the whole batch is applied and rolled back; then each
   event is applied as a batch of one under a savepoint, w released, v
   rolled back to its savepoint. v's clock keeps running. */
HD_TEST(dead_lettered_stop_not_written) {
    ASSERT_EQ(setup(), 0);
    char w[HD_ID_LEN], v[HD_ID_LEN];
    hd_id_random(w);
    hd_id_random(v);
    decision_t d[2];
    ASSERT_EQ(apply(requested(&d[0], w, "dead-w", T0)), HD_APPLY_OK);
    ASSERT_EQ(apply(requested(&d[0], v, "dead-v", T0)), HD_APPLY_OK);
    const hd_envelope_t *evs[2] = {approved(&d[0], w, "dead-w", T0 + 20000),
                                   approved(&d[1], v, "dead-v", T0 + 20000)};
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(run(evs, 2), HD_APPLY_OK);
    hd_db_rollback(s_db);
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(sql("SAVEPOINT hd_ev"), 0);
    ASSERT_EQ(run(&evs[0], 1), HD_APPLY_OK);
    ASSERT_EQ(sql("RELEASE SAVEPOINT hd_ev"), 0);
    ASSERT_EQ(sql("SAVEPOINT hd_ev"), 0);
    ASSERT_EQ(run(&evs[1], 1), HD_APPLY_OK);
    ASSERT_EQ(sql("ROLLBACK TO SAVEPOINT hd_ev"), 0);
    ASSERT_EQ(sql("RELEASE SAVEPOINT hd_ev"), 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_EQ(pending_at(w), -1);
    ASSERT_EQ(pending_at(v), T0);
    const char *lines[] = {"huddle_approval_latency_seconds_sum{department=\"dead-w\"} 20",
                           "huddle_approval_latency_seconds_count{department=\"dead-w\"} 1"};
    ASSERT(shows(lines, 2));
    ASSERT(no_latency("dead-v"));
}

/* ---------- the crisis figures ---------- */

/* One crisis-related event and the storage its body points into. */
typedef struct {
    hd_envelope_t ev;
    char id[HD_ID_LEN], type[HD_TYPE_LEN];
    Huddle__V1__CrisisChanged cc;
    Huddle__V1__ContentHeld ch;
    Huddle__V1__ContentReleased cr;
    Huddle__V1__ContentRecalled rc;
    Huddle__V1__NotificationRecorded nr;
} crisis_ev_t;

/* crisis.<what> of crisis id (playbook pb) by a person (or by spike
   detection when person is 0), detail_json detail (NULL: none). */
static hd_envelope_t *changed(crisis_ev_t *e, const char *id, const char *pb, const char *what,
                              int person, int drill, const char *detail, int64_t at) {
    Huddle__V1__CrisisChanged cc = HUDDLE__V1__CRISIS_CHANGED__INIT;
    e->cc = cc;
    e->cc.crisis_id = (char *)id;
    e->cc.what = (char *)what;
    e->cc.playbook = (char *)pb;
    e->cc.actor_id = person ? "00000000-0000-4000-8000-000000000001" : "";
    e->cc.drill = drill;
    e->cc.detail_json = (char *)(detail ? detail : "");
    env_init(&e->ev, e->id, HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED, "", at);
    e->ev.crisis_changed = &e->cc;
    e->ev.type = (char *)hd_envelope_crisis_type(&e->cc, e->type, sizeof e->type);
    return &e->ev;
}

static hd_envelope_t *held(crisis_ev_t *e, const char *crisis) {
    Huddle__V1__ContentHeld ch = HUDDLE__V1__CONTENT_HELD__INIT;
    e->ch = ch;
    e->ch.crisis_id = (char *)crisis;
    env_init(&e->ev, e->id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_HELD, "customer-care", T0);
    e->ev.content_held = &e->ch;
    return &e->ev;
}

static hd_envelope_t *released(crisis_ev_t *e, const char *crisis, const char *outcome) {
    Huddle__V1__ContentReleased cr = HUDDLE__V1__CONTENT_RELEASED__INIT;
    e->cr = cr;
    e->cr.crisis_id = (char *)crisis;
    e->cr.outcome = (char *)outcome;
    env_init(&e->ev, e->id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED, "customer-care", T0);
    e->ev.content_released = &e->cr;
    return &e->ev;
}

static hd_envelope_t *recalled(crisis_ev_t *e, const char *crisis, int deleted) {
    Huddle__V1__ContentRecalled rc = HUDDLE__V1__CONTENT_RECALLED__INIT;
    e->rc = rc;
    e->rc.crisis_id = (char *)crisis;
    e->rc.deleted = deleted;
    env_init(&e->ev, e->id, HUDDLE__V1__ENVELOPE__BODY_CONTENT_RECALLED, "customer-care", T0);
    e->ev.content_recalled = &e->rc;
    return &e->ev;
}

static hd_envelope_t *notified(crisis_ev_t *e, const char *crisis, int delivered, int drill) {
    Huddle__V1__NotificationRecorded nr = HUDDLE__V1__NOTIFICATION_RECORDED__INIT;
    e->nr = nr;
    e->nr.crisis_id = (char *)crisis;
    e->nr.endpoint = "crisis-team";
    e->nr.delivered = delivered;
    e->nr.drill = drill;
    env_init(&e->ev, e->id, HUDDLE__V1__ENVELOPE__BODY_NOTIFICATION_RECORDED, "", T0);
    e->ev.notification_recorded = &e->nr;
    return &e->ev;
}

/* 1 when the report has no line starting with prefix. */
static int lacks(const char *prefix) {
    char *text = report(), want[300];
    snprintf(want, sizeof want, "\n%s", prefix);
    int ok = text && !strstr(text, want);
    if (!ok)
        fprintf(stderr, "unexpected line: %s\n", prefix);
    free(text);
    return ok;
}

/* A data breach: items held before the bus delivers the declaration
   (another producer's outbox) are not shown until it arrives, then under
   its playbook; the hold's time from crisis.held; the resume releases
   them by outcome; a recall deletes two and fails one. */
HD_TEST(crisis_hold_release_recall) {
    ASSERT_EQ(setup(), 0);
    char x[HD_ID_LEN];
    hd_id_random(x);
    crisis_ev_t e[8];
    const hd_envelope_t *early[3] = {held(&e[0], x), held(&e[1], x), held(&e[2], x)};
    ASSERT_EQ(apply_all(early, 3), HD_APPLY_OK);
    ASSERT(lacks("huddle_crisis_held_items{playbook=\"data-breach\"}"));
    ASSERT(lacks("huddle_crises{playbook=\"data-breach\""));
    const hd_envelope_t *declared[2] = {
        changed(&e[0], x, "data-breach", "declared", 1, 0, NULL, T0),
        changed(&e[1], x, "data-breach", "held", 0, 0, "{\"hold_ms\": 120}", T0 + 200)};
    ASSERT_EQ(apply_all(declared, 2), HD_APPLY_OK);
    const char *holding[] = {
        "huddle_crises{playbook=\"data-breach\",state=\"declared\"} 1",
        "huddle_crisis_held_items{playbook=\"data-breach\"} 3",
        "huddle_crisis_items_held_total{playbook=\"data-breach\"} 3",
        "huddle_crisis_hold_seconds_bucket{playbook=\"data-breach\",le=\"0.1\"} 0",
        "huddle_crisis_hold_seconds_bucket{playbook=\"data-breach\",le=\"0.25\"} 1",
        "huddle_crisis_hold_seconds_bucket{playbook=\"data-breach\",le=\"+Inf\"} 1",
        "huddle_crisis_hold_seconds_sum{playbook=\"data-breach\"} 0.12",
        "huddle_crisis_hold_seconds_count{playbook=\"data-breach\"} 1",
        "huddle_events_total{type=\"crisis.declared\",department=\"\"} 1",
        "# TYPE huddle_crises gauge",
    };
    ASSERT(shows(holding, sizeof holding / sizeof holding[0]));
    /* a person's declaration was never detected */
    ASSERT(lacks("huddle_crisis_detect_to_declare_seconds_count{playbook=\"data-breach\"}"));
    const hd_envelope_t *resumed[7] = {
        released(&e[0], x, "publish"),
        released(&e[1], x, "publish"),
        released(&e[2], x, "expire"),
        changed(&e[3], x, "data-breach", "resumed", 1, 0, NULL, T0 + 60000),
        recalled(&e[4], x, 1),
        recalled(&e[5], x, 1),
        recalled(&e[6], x, 0)};
    ASSERT_EQ(apply_all(resumed, 7), HD_APPLY_OK);
    const char *after[] = {
        "huddle_crises{playbook=\"data-breach\",state=\"resumed\"} 1",
        "huddle_crisis_held_items{playbook=\"data-breach\"} 0",
        "huddle_crisis_items_held_total{playbook=\"data-breach\"} 3",
        "huddle_crisis_items_released_total{playbook=\"data-breach\",outcome=\"expire\"} 1",
        "huddle_crisis_items_released_total{playbook=\"data-breach\",outcome=\"publish\"} 2",
        "huddle_crisis_recalls_total{playbook=\"data-breach\",outcome=\"deleted\"} 2",
        "huddle_crisis_recalls_total{playbook=\"data-breach\",outcome=\"failed\"} 1",
    };
    ASSERT(shows(after, sizeof after / sizeof after[0]));
    ASSERT(lacks("huddle_crises{playbook=\"data-breach\",state=\"declared\"}"));
}

/* Spike detection proposes, a person confirms two minutes later (in
   another batch); a second proposal is dismissed; a drill is a drill and
   observes nothing; its notifications are counted apart. A resume rolled
   back (a retry) leaves the crisis declared. */
HD_TEST(crisis_detected_confirmed_drilled) {
    ASSERT_EQ(setup(), 0);
    char p[HD_ID_LEN], q[HD_ID_LEN], d[HD_ID_LEN];
    hd_id_random(p);
    hd_id_random(q);
    hd_id_random(d);
    crisis_ev_t e[4];
    ASSERT_EQ(apply(changed(&e[0], p, "product-recall", "proposed", 0, 0, "{\"count\": 80}", T0)),
              HD_APPLY_OK);
    ASSERT_EQ(apply(changed(&e[0], q, "product-recall", "proposed", 0, 0, NULL, T0)), HD_APPLY_OK);
    const char *proposed[] = {"huddle_crises{playbook=\"product-recall\",state=\"proposed\"} 2"};
    ASSERT(shows(proposed, 1));
    const hd_envelope_t *decided[4] = {
        changed(&e[0], p, "product-recall", "declared", 1, 0, NULL, T0 + 120000),
        changed(&e[1], q, "product-recall", "dismissed", 1, 0, NULL, T0 + 5000),
        changed(&e[2], d, "product-recall", "declared", 1, 1, NULL, T0 + 7000),
        notified(&e[3], d, 1, 1)};
    ASSERT_EQ(apply_all(decided, 4), HD_APPLY_OK);
    const hd_envelope_t *notes[3] = {notified(&e[0], p, 1, 0), notified(&e[1], p, 1, 0),
                                     notified(&e[2], p, 0, 0)};
    ASSERT_EQ(apply_all(notes, 3), HD_APPLY_OK);
    ASSERT_EQ(hd_db_begin(s_db), 0);
    const hd_envelope_t *undone[1] = {
        changed(&e[0], p, "product-recall", "resumed", 1, 0, NULL, T0 + 300000)};
    ASSERT_EQ(run(undone, 1), HD_APPLY_OK);
    hd_db_rollback(s_db);
    const char *lines[] = {
        "huddle_crises{playbook=\"product-recall\",state=\"declared\"} 1",
        "huddle_crises{playbook=\"product-recall\",state=\"dismissed\"} 1",
        "huddle_crises{playbook=\"product-recall\",state=\"drill\"} 1",
        "huddle_crisis_detect_to_declare_seconds_bucket{playbook=\"product-recall\",le=\"60\"} 0",
        "huddle_crisis_detect_to_declare_seconds_bucket{playbook=\"product-recall\",le=\"300\"} 1",
        "huddle_crisis_detect_to_declare_seconds_sum{playbook=\"product-recall\"} 120",
        "huddle_crisis_detect_to_declare_seconds_count{playbook=\"product-recall\"} 1",
        "huddle_crisis_notifications_total{endpoint=\"crisis-team\",outcome=\"delivered\","
        "drill=\"false\"} 2",
        "huddle_crisis_notifications_total{endpoint=\"crisis-team\",outcome=\"failed\","
        "drill=\"false\"} 1",
        "huddle_crisis_notifications_total{endpoint=\"crisis-team\",outcome=\"delivered\","
        "drill=\"true\"} 1",
    };
    ASSERT(shows(lines, sizeof lines / sizeof lines[0]));
    ASSERT(lacks("huddle_crises{playbook=\"product-recall\",state=\"proposed\"}"));
    ASSERT(lacks("huddle_crises{playbook=\"product-recall\",state=\"resumed\"}"));
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

/* served_over_http expects the reject count of approval_latency_histogram
   alone, so the latency batch cases, which reject more, run after it. */
HD_TEST_MAIN(HD_CASE(approval_latency_histogram), HD_CASE(counters_by_event_with_escaped_labels),
             HD_CASE(batch_counts_once), HD_CASE(served_over_http),
             HD_CASE(batched_stops_observed_once_each),
             HD_CASE(stop_then_start_keeps_the_new_request), HD_CASE(start_then_stop_in_one_batch),
             HD_CASE(rolled_back_attempt_then_retry_observes_once),
             HD_CASE(dead_lettered_stop_not_written), HD_CASE(crisis_hold_release_recall),
             HD_CASE(crisis_detected_confirmed_drilled), HD_CASE(cleanup))
