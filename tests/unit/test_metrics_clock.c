/*  The metrics consumer's pure deciding functions, without a database:
    which clock operation an event is (clock.c), every transition of a
    clock over a batch (start, restart, stop, second stop, stop of a clock
    never started, stop then start, start then stop), and the tally of
    counter increments (tally.c). */
#include "aggregate.h"
#include "clock.h"
#include "hd_test.h"
#include "histogram.h"
#include "tally.h"

#define T0 1700000000000LL

static const char *A = "0b5f8f1e-4a1c-4e5e-9d4a-1f2e3d4c5b6a";
static const char *A_UPPER = "0B5F8F1E-4A1C-4E5E-9D4A-1F2E3D4C5B6A";
static const char *B = "7c1d2e3f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

static mx_clock_op_t start(const char *id, const char *dept, int64_t at) {
    mx_clock_op_t op = {MX_CLOCK_START, "", dept, at};
    snprintf(op.content_id, sizeof op.content_id, "%s", id);
    return op;
}

static mx_clock_op_t stop(const char *id, int64_t at) {
    mx_clock_op_t op = {MX_CLOCK_STOP, "", "", at};
    snprintf(op.content_id, sizeof op.content_id, "%s", id);
    return op;
}

/* The observations of department dept in h: count and sum (seconds). */
static long count_of(const mx_histogram_t *h, const char *dept, double *sum) {
    char labels[128];
    snprintf(labels, sizeof labels, "department=\"%s\"", dept);
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->series[i].labels, labels) == 0) {
            *sum = h->series[i].sum;
            return h->series[i].count;
        }
    *sum = 0;
    return 0;
}

/* Runs ops over clocks for every content they name; a, b rows as read. */
static void run(mx_clocks_t *c, const mx_clock_op_t *ops, size_t n, mx_histogram_t *h) {
    for (size_t i = 0; i < n; i++)
        mx_clocks_add(c, ops[i].content_id);
    mx_clocks_run(c, ops, n, h);
}

HD_TEST(events_become_clock_operations) {
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    Huddle__V1__ApprovalRequested ar = HUDDLE__V1__APPROVAL_REQUESTED__INIT;
    Huddle__V1__ContentApproved ca = HUDDLE__V1__CONTENT_APPROVED__INIT;
    Huddle__V1__ContentRejected cr = HUDDLE__V1__CONTENT_REJECTED__INIT;
    mx_clock_op_t op;
    ar.content_id = (char *)A_UPPER;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED;
    ev.approval_requested = &ar;
    ev.department = "marketing";
    ev.occurred_at_ms = T0;
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.kind, MX_CLOCK_START);
    ASSERT_STR(op.content_id, A); /* lower case */
    ASSERT_STR(op.department, "marketing");
    ASSERT_EQ(op.at_ms, T0);
    ca.content_id = (char *)B;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    ev.content_approved = &ca;
    ev.occurred_at_ms = 0; /* unset: now */
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.kind, MX_CLOCK_STOP);
    ASSERT_STR(op.content_id, B);
    ASSERT_EQ(op.at_ms, 5);
    cr.content_id = (char *)A;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED;
    ev.content_rejected = &cr;
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 1);
    ASSERT_EQ(op.kind, MX_CLOCK_STOP);
    cr.content_id = "not-a-uuid"; /* ignored */
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 0);
    cr.content_id = NULL;
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 0);
    ev.content_rejected = NULL; /* no body: ignored */
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 0);
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED;
    ASSERT_EQ(mx_clock_op_of(&ev, 5, &op), 0);
}

/* A stop of a running clock observes once; the second stop and a stop of
   a clock never started observe nothing. */
HD_TEST(stop_observes_once) {
    mx_clocks_t c = {0};
    mx_histogram_t h = {0};
    mx_clock_read(mx_clocks_add(&c, A), "dept-a", T0);
    mx_clock_op_t ops[3] = {stop(A, T0 + 3000), stop(A, T0 + 9000), stop(B, T0 + 1000)};
    run(&c, ops, 3, &h);
    double sum;
    ASSERT_EQ(count_of(&h, "dept-a", &sum), 1);
    ASSERT(sum == 3.0);
    ASSERT_EQ(h.n, 1);
    const mx_clock_t *a = mx_clocks_find(&c, A), *b = mx_clocks_find(&c, B);
    ASSERT(a && a->was && !a->runs && !a->restarted);  /* row to delete */
    ASSERT(b && !b->was && !b->runs && !b->restarted); /* nothing to write */
    mx_histogram_free(&h);
    mx_clocks_free(&c);
}

/* Stopped, then asked again in one batch: the old clock is observed under
   its own department, the new one runs (a row to write). */
HD_TEST(stop_then_start_keeps_the_new_clock) {
    mx_clocks_t c = {0};
    mx_histogram_t h = {0};
    mx_clock_read(mx_clocks_add(&c, A), "old", T0);
    mx_clock_op_t ops[2] = {stop(A, T0 + 10000), start(A, "new", T0 + 60000)};
    run(&c, ops, 2, &h);
    double sum;
    ASSERT_EQ(count_of(&h, "old", &sum), 1);
    ASSERT(sum == 10.0);
    ASSERT_EQ(count_of(&h, "new", &sum), 0);
    const mx_clock_t *a = mx_clocks_find(&c, A);
    ASSERT(a->was && a->runs && a->restarted);
    ASSERT_STR(a->department, "new");
    ASSERT_EQ(a->requested_at_ms, T0 + 60000);
    mx_histogram_free(&h);
    mx_clocks_free(&c);
}

/* Started and stopped in one batch, twice with a revision between: every
   stop finds its start, and nothing is left to write. */
HD_TEST(start_then_stop_in_one_batch) {
    mx_clocks_t c = {0};
    mx_histogram_t h = {0};
    mx_clock_op_t ops[4] = {start(A, "q", T0), stop(A, T0 + 1000), start(A, "q", T0 + 2000),
                            stop(A, T0 + 7000)};
    run(&c, ops, 4, &h);
    double sum;
    ASSERT_EQ(count_of(&h, "q", &sum), 2);
    ASSERT(sum == 6.0);
    const mx_clock_t *a = mx_clocks_find(&c, A);
    ASSERT(!a->was && !a->runs); /* no row before, none after */
    mx_histogram_free(&h);
    mx_clocks_free(&c);
}

/* A restart of a running clock moves its start; a start alone is a row to
   write; an untouched row read stays as it is; a stop before its start
   (skewed clocks) observes 0. */
HD_TEST(restart_start_and_skew) {
    mx_clocks_t c = {0};
    mx_histogram_t h = {0};
    mx_clock_read(mx_clocks_add(&c, A), "a", T0);
    mx_clock_op_t ops[3] = {start(A, "a2", T0 + 5000), stop(A, T0 + 4000), start(B, "b", T0)};
    run(&c, ops, 3, &h);
    double sum;
    ASSERT_EQ(count_of(&h, "a2", &sum), 1);
    ASSERT(sum == 0.0);
    ASSERT_EQ(count_of(&h, "a", &sum), 0);
    const mx_clock_t *b = mx_clocks_find(&c, B);
    ASSERT(!b->was && b->runs && b->restarted);
    mx_clocks_t d = {0};
    mx_clock_read(mx_clocks_add(&d, A), "a", T0);
    mx_clocks_run(&d, NULL, 0, &h);
    ASSERT(d.v[0].was && d.v[0].runs && !d.v[0].restarted); /* nothing to write */
    ASSERT(mx_clocks_add(&d, A) == &d.v[0]);                /* one clock per content */
    mx_histogram_free(&h);
    mx_clocks_free(&c);
    mx_clocks_free(&d);
}

/* Increments of one counter are summed; distinct label sets stay apart. */
HD_TEST(tally_sums_per_counter) {
    mx_tally_t t = {0};
    mx_bump_t x = {"huddle_items_blocked_total", "department=\"a\""};
    mx_bump_t y = {"huddle_items_blocked_total", "department=\"b\""};
    mx_bump_t z = {"huddle_events_total", "department=\"a\""};
    for (int i = 0; i < 3; i++)
        mx_tally_add(&t, &x);
    mx_tally_add(&t, &y);
    mx_tally_add(&t, &z);
    for (int i = 0; i < 200; i++) /* growth */
        mx_tally_add(&t, &y);
    ASSERT_EQ(t.n, 3);
    ASSERT_EQ(t.counts[0], 3);
    ASSERT_EQ(t.counts[1], 201);
    ASSERT_EQ(t.counts[2], 1);
    mx_tally_free(&t);
    ASSERT_EQ(t.n, 0);
}

HD_TEST_MAIN(HD_CASE(events_become_clock_operations), HD_CASE(stop_observes_once),
             HD_CASE(stop_then_start_keeps_the_new_clock), HD_CASE(start_then_stop_in_one_batch),
             HD_CASE(restart_start_and_skew), HD_CASE(tally_sums_per_counter))
