/*  The crisis figures' pure deciding functions, without a database
    (services/metrics/crisis.h): which operation each event is, the state
    moves (forward only, whatever order the bus delivers them in), hold_ms
    read from detail_json, the two latencies (proposal confirmed, declared
    by spike detection, declared by a person: none, a drill: none), counts
    summed per crisis, figure and outcome, and the playbook learned from
    the first crisis event that names it. */
#include "crisis.h"
#include "hd_crisis.h"
#include "hd_test.h"
#include "histogram.h"

#define T0 1700000000000LL

static const char *A = "0b5f8f1e-4a1c-4e5e-9d4a-1f2e3d4c5b6a";
static const char *A_UPPER = "0B5F8F1E-4A1C-4E5E-9D4A-1F2E3D4C5B6A";
static const char *B = "7c1d2e3f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

static hd_envelope_t crisis_ev(Huddle__V1__CrisisChanged *b, const char *what, const char *id,
                               int64_t at) {
    Huddle__V1__CrisisChanged init = HUDDLE__V1__CRISIS_CHANGED__INIT;
    *b = init;
    b->crisis_id = (char *)id;
    b->what = (char *)what;
    b->playbook = "data-breach";
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CRISIS_CHANGED;
    ev.crisis_changed = b;
    ev.occurred_at_ms = at;
    return ev;
}

HD_TEST(crisis_events_become_operations) {
    Huddle__V1__CrisisChanged b;
    mx_crisis_op_t op;
    hd_envelope_t ev = crisis_ev(&b, "proposed", A_UPPER, T0);
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.kind, MX_CRISIS_CHANGE);
    ASSERT_STR(op.crisis_id, A); /* lower case */
    ASSERT_STR(op.playbook, "data-breach");
    ASSERT_EQ(op.to, HD_CRISIS_PROPOSED);
    ASSERT_EQ(op.by_service, 1);
    ASSERT_EQ(op.at_ms, T0);
    ev = crisis_ev(&b, "declared", A, 0); /* unset occurred_at: now */
    b.actor_id = "00000000-0000-4000-8000-000000000001";
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.to, HD_CRISIS_DECLARED);
    ASSERT_EQ(op.by_service, 0);
    ASSERT_EQ(op.at_ms, 5);
    b.drill = 1;
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.to, HD_CRISIS_DRILL);
    ev = crisis_ev(&b, "drill", A, T0); /* as hd_crisis_declare records a drill */
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.to, HD_CRISIS_DRILL);
    ev = crisis_ev(&b, "resumed", A, T0);
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.to, HD_CRISIS_RESUMED);
    ev = crisis_ev(&b, "dismissed", A, T0);
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.to, HD_CRISIS_DISMISSED);
    /* summaries and acknowledgements move no figure */
    const char *none[] = {"acknowledged", "statement", "released", "recalled", ""};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        ev = crisis_ev(&b, none[i], A, T0);
        ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 0);
    }
    ev = crisis_ev(&b, "declared", "not-a-uuid", T0);
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 0);
}

HD_TEST(held_summary_is_a_hold_time) {
    Huddle__V1__CrisisChanged b;
    mx_crisis_op_t op;
    hd_envelope_t ev = crisis_ev(&b, "held", A, T0);
    b.detail_json = "{\"hold_ms\": 42}";
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.kind, MX_CRISIS_HOLD);
    ASSERT_EQ(op.hold_ms, 42);
    b.detail_json = "";
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 0);
    ASSERT_EQ(mx_crisis_hold_ms("{\"hold_ms\": 0}"), 0);
    ASSERT_EQ(mx_crisis_hold_ms("{\"hold_ms\": 12.7}"), 12);
    ASSERT_EQ(mx_crisis_hold_ms("{\"hold_ms\": -3}"), -1);
    ASSERT_EQ(mx_crisis_hold_ms("{\"hold_ms\": \"7\"}"), -1);
    ASSERT_EQ(mx_crisis_hold_ms("{\"count\": 7}"), -1);
    ASSERT_EQ(mx_crisis_hold_ms("[1]"), -1);
    ASSERT_EQ(mx_crisis_hold_ms("{broken"), -1);
    ASSERT_EQ(mx_crisis_hold_ms(NULL), -1);
}

HD_TEST(item_events_become_counts) {
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    mx_crisis_op_t op;
    Huddle__V1__ContentHeld ch = HUDDLE__V1__CONTENT_HELD__INIT;
    ch.crisis_id = (char *)A_UPPER;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_HELD;
    ev.content_held = &ch;
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.kind, MX_CRISIS_COUNT);
    ASSERT_STR(op.crisis_id, A);
    ASSERT_STR(op.figure, "held");
    ASSERT_STR(op.outcome, "");
    Huddle__V1__ContentReleased cr = HUDDLE__V1__CONTENT_RELEASED__INIT;
    cr.crisis_id = (char *)B;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED;
    ev.content_released = &cr;
    const char *outcomes[][2] = {{"publish", "publish"}, {"reapprove", "reapprove"},
                                 {"expire", "expire"},   {"moved", "moved"},
                                 {"exploded", "other"},  {"", "other"}};
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        cr.outcome = (char *)outcomes[i][0];
        ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
        ASSERT_STR(op.figure, "released");
        ASSERT_STR(op.outcome, outcomes[i][1]);
    }
    Huddle__V1__ContentRecalled rc = HUDDLE__V1__CONTENT_RECALLED__INIT;
    rc.crisis_id = (char *)B;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_RECALLED;
    ev.content_recalled = &rc;
    rc.deleted = 1;
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_STR(op.outcome, "deleted");
    rc.deleted = 0;
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 1);
    ASSERT_STR(op.figure, "recalled");
    ASSERT_STR(op.outcome, "failed");
    rc.crisis_id = "";
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 0);
    Huddle__V1__ContentApproved ca = HUDDLE__V1__CONTENT_APPROVED__INIT;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    ev.content_approved = &ca;
    ASSERT_EQ(mx_crisis_op_of(&ev, 5, &op), 0);
}

HD_TEST(states_only_move_forward) {
    enum {
        P = HD_CRISIS_PROPOSED,
        D = HD_CRISIS_DECLARED,
        X = HD_CRISIS_DRILL,
        R = HD_CRISIS_RESUMED,
        S = HD_CRISIS_DISMISSED
    };
    /* {from, to, expected} */
    const int moves[][3] = {
        {-1, P, P}, {-1, D, D}, {-1, X, X}, {-1, R, R}, {-1, S, S}, /* first seen */
        {P, D, D},  {P, X, X},  {P, S, S},  {P, R, R},              /* a proposal decided */
        {D, R, R},  {X, R, R},                                      /* ended */
        {D, P, D},  {R, P, R},  {S, P, S},                          /* a late proposal */
        {R, D, R},  {S, D, S},  {R, S, R},  {S, R, S},              /* final stays final */
        {D, X, D},  {X, D, X},  {D, S, D},                          /* decided stays decided */
        {D, -1, D}, {P, 99, P},                                     /* no state */
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        ASSERT_EQ(mx_crisis_next_state(moves[i][0], moves[i][1]), moves[i][2]);
}

static mx_crisis_op_t change(const char *id, int to, int by_service, int64_t at) {
    mx_crisis_op_t op = {.kind = MX_CRISIS_CHANGE,
                         .playbook = "spill",
                         .to = to,
                         .by_service = by_service,
                         .at_ms = at};
    snprintf(op.crisis_id, sizeof op.crisis_id, "%s", id);
    return op;
}

static mx_crisis_op_t counted(const char *id, const char *figure, const char *outcome) {
    mx_crisis_op_t op = {
        .kind = MX_CRISIS_COUNT, .playbook = "", .figure = figure, .outcome = outcome};
    snprintf(op.crisis_id, sizeof op.crisis_id, "%s", id);
    return op;
}

/* The series of `name` for playbook in h: its count and sum. */
static long series_of(const mx_histogram_t *h, const char *name, const char *playbook,
                      double *sum) {
    char labels[128];
    snprintf(labels, sizeof labels, "playbook=\"%s\"", playbook);
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->series[i].name, name) == 0 && strcmp(h->series[i].labels, labels) == 0) {
            *sum = h->series[i].sum;
            return h->series[i].count;
        }
    *sum = 0;
    return 0;
}

static void run(mx_crises_t *c, const mx_crisis_op_t *ops, size_t n, mx_histogram_t *h) {
    for (size_t i = 0; i < n; i++)
        if (ops[i].kind != MX_CRISIS_COUNT)
            mx_crises_add(c, ops[i].crisis_id);
    mx_crises_run(c, ops, n, h);
}

/* A proposal confirmed 90 s later observes 90 s; B, declared by spike
   detection itself, observes 0; a person's declaration without a proposal
   and a drill observe nothing; a second declaration of A observes nothing
   more. */
HD_TEST(detection_to_declaration) {
    const char *C = "11111111-2222-4333-8444-555555555555";
    const char *D = "66666666-7777-4888-8999-aaaaaaaaaaaa";
    mx_crises_t c = {0};
    mx_histogram_t h = {0};
    const mx_crisis_op_t ops[] = {
        change(A, HD_CRISIS_PROPOSED, 1, T0),         change(A, HD_CRISIS_DECLARED, 0, T0 + 90000),
        change(A, HD_CRISIS_DECLARED, 0, T0 + 95000), change(B, HD_CRISIS_DECLARED, 1, T0 + 1000),
        change(C, HD_CRISIS_DECLARED, 0, T0 + 1000),  change(D, HD_CRISIS_DRILL, 0, T0 + 1000),
    };
    run(&c, ops, sizeof ops / sizeof ops[0], &h);
    double sum;
    ASSERT_EQ(series_of(&h, MX_DETECT_NAME, "spill", &sum), 2);
    ASSERT(sum == 90.0);
    ASSERT_EQ(mx_crises_find(&c, A)->state, HD_CRISIS_DECLARED);
    ASSERT_EQ(mx_crises_find(&c, A)->proposed_at_ms, T0);
    ASSERT_EQ(mx_crises_find(&c, D)->state, HD_CRISIS_DRILL);
    ASSERT_STR(mx_crises_find(&c, C)->playbook, "spill");
    ASSERT_EQ(mx_crises_find(&c, C)->changed, 1);
    mx_histogram_free(&h);
    mx_crises_free(&c);
}

/* A row read from the store goes on from there: the proposal's time
   read, a confirmation in this batch observes from it; an unchanged row
   is not written again; hold times land under the event's playbook, or
   the row's when the event names none. */
HD_TEST(rows_as_read_and_hold_times) {
    mx_crises_t c = {0};
    mx_histogram_t h = {0};
    mx_crisis_read(mx_crises_add(&c, A), "spill", "proposed", T0);
    mx_crisis_read(mx_crises_add(&c, B), "spill", "declared", 0);
    mx_crisis_op_t hold = {.kind = MX_CRISIS_HOLD, .playbook = "", .hold_ms = 250};
    snprintf(hold.crisis_id, sizeof hold.crisis_id, "%s", B);
    mx_crisis_op_t hold2 = hold;
    hold2.playbook = "other-book";
    hold2.hold_ms = 4000;
    const mx_crisis_op_t ops[] = {change(A, HD_CRISIS_DECLARED, 0, T0 + 30000), hold, hold2};
    mx_crises_run(&c, ops, 3, &h);
    double sum;
    ASSERT_EQ(series_of(&h, MX_DETECT_NAME, "spill", &sum), 1);
    ASSERT(sum == 30.0);
    ASSERT_EQ(series_of(&h, MX_HOLD_NAME, "spill", &sum), 1);
    ASSERT(sum == 0.25);
    ASSERT_EQ(series_of(&h, MX_HOLD_NAME, "other-book", &sum), 1);
    ASSERT(sum == 4.0);
    ASSERT_EQ(mx_crises_find(&c, A)->changed, 1);
    ASSERT_EQ(mx_crises_find(&c, B)->changed, 0);
    /* the hold buckets: 0.25 s is in le=0.25 and not in le=0.1 */
    for (size_t i = 0; i < h.n; i++)
        if (strcmp(h.series[i].name, MX_HOLD_NAME) == 0 && strstr(h.series[i].labels, "spill")) {
            ASSERT(h.series[i].buckets == &mx_hold_set);
            ASSERT_EQ(h.series[i].le[4], 0); /* 0.1 */
            ASSERT_EQ(h.series[i].le[5], 1); /* 0.25 */
            ASSERT_EQ(h.series[i].le[mx_hold_set.n - 1], 1);
        }
    mx_histogram_free(&h);
    mx_crises_free(&c);
}

/* Counts are summed per (crisis, figure, outcome) and need no row; a
   playbook is learned once and not replaced by a later event's. */
HD_TEST(counts_and_playbook) {
    mx_crises_t c = {0};
    mx_histogram_t h = {0};
    mx_crisis_op_t first = change(B, HD_CRISIS_DECLARED, 0, T0);
    mx_crisis_op_t renamed = change(B, HD_CRISIS_RESUMED, 0, T0 + 1);
    renamed.playbook = "renamed";
    const mx_crisis_op_t ops[] = {
        counted(A, "held", ""),
        counted(A, "held", ""),
        counted(A, "released", "expire"),
        counted(A, "held", ""),
        counted(B, "held", ""),
        first,
        renamed,
        counted(A, "released", "publish"),
        counted(A, "released", "expire"),
    };
    run(&c, ops, sizeof ops / sizeof ops[0], &h);
    ASSERT_EQ(c.n, 1); /* only B has a crisis event */
    ASSERT_STR(mx_crises_find(&c, B)->playbook, "spill");
    ASSERT_EQ(mx_crises_find(&c, B)->state, HD_CRISIS_RESUMED);
    ASSERT_EQ(c.ncounts, 4);
    long held_a = 0, expire_a = 0, publish_a = 0, held_b = 0;
    for (size_t i = 0; i < c.ncounts; i++) {
        const mx_crisis_count_t *k = &c.counts[i];
        int a = strcmp(k->crisis_id, A) == 0;
        if (a && strcmp(k->figure, "held") == 0)
            held_a = k->n;
        else if (a && strcmp(k->outcome, "expire") == 0)
            expire_a = k->n;
        else if (a && strcmp(k->outcome, "publish") == 0)
            publish_a = k->n;
        else if (strcmp(k->figure, "held") == 0)
            held_b = k->n;
    }
    ASSERT_EQ(held_a, 3);
    ASSERT_EQ(expire_a, 2);
    ASSERT_EQ(publish_a, 1);
    ASSERT_EQ(held_b, 1);
    ASSERT_EQ(h.n, 0);
    mx_histogram_free(&h);
    mx_crises_free(&c);
}

HD_TEST_MAIN(HD_CASE(crisis_events_become_operations), HD_CASE(held_summary_is_a_hold_time),
             HD_CASE(item_events_become_counts), HD_CASE(states_only_move_forward),
             HD_CASE(detection_to_declaration), HD_CASE(rows_as_read_and_hold_times),
             HD_CASE(counts_and_playbook))
