/*  The publisher's crisis decisions, without a database: which crisis in
    force holds a claimed job (services/publisher/hold.c: the partition of
    a batch), what a held job becomes when its crisis resumes (moved,
    publish, reapprove, expire; on time or late), and what a recall's
    delete result means (recall.c). */
#include "hd_test.h"
#include "hold.h"
#include "recall.h"
#include "retry.h"

static const char *A = "0b5f8f1e-4a1c-4e5e-9d4a-1f2e3d4c5b6a";
static const char *B = "7c1d2e3f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

static const char *const MARKETING[] = {"marketing"};
static const char *const SUPPORT[] = {"support"};
static const char *const SANDBOX[] = {"sandbox"};

/* crisis A: every department on channel sandbox; crisis B: marketing on
   every channel. */
static pub_hold_crisis_t s_two[2];

static void two_crises(void) {
    s_two[0] = (pub_hold_crisis_t){A, {NULL, 0, SANDBOX, 1}};
    s_two[1] = (pub_hold_crisis_t){B, {MARKETING, 1, NULL, 0}};
}

HD_TEST(a_crisis_holds_what_its_scope_covers) {
    two_crises();
    pub_hold_item_t on_sandbox = {"support", "sandbox", NULL};
    pub_hold_item_t elsewhere = {"support", "linkedin", ""};
    pub_hold_item_t marketing = {"marketing", "linkedin", NULL};
    ASSERT_EQ(pub_hold_cover(s_two, 2, &on_sandbox), 0);
    ASSERT_EQ(pub_hold_cover(s_two, 2, &elsewhere), -1);
    ASSERT_EQ(pub_hold_cover(s_two, 2, &marketing), 1);
    /* no crisis, no hold */
    ASSERT_EQ(pub_hold_cover(s_two, 0, &on_sandbox), -1);
    /* an empty scope is the whole organization */
    pub_hold_crisis_t all = {A, {NULL, 0, NULL, 0}};
    ASSERT_EQ(pub_hold_cover(&all, 1, &elsewhere), 0);
    /* both lists given: both must match */
    pub_hold_crisis_t narrow = {A, {SUPPORT, 1, SANDBOX, 1}};
    ASSERT_EQ(pub_hold_cover(&narrow, 1, &on_sandbox), 0);
    ASSERT_EQ(pub_hold_cover(&narrow, 1, &elsewhere), -1);
    ASSERT_EQ(pub_hold_cover(&narrow, 1, &marketing), -1);
}

HD_TEST(the_first_declared_crisis_holds_a_job_both_cover) {
    two_crises();
    pub_hold_item_t both = {"marketing", "sandbox", NULL};
    ASSERT_EQ(pub_hold_cover(s_two, 2, &both), 0);
    pub_hold_crisis_t reversed[2] = {s_two[1], s_two[0]};
    ASSERT_EQ(pub_hold_cover(reversed, 2, &both), 0); /* now B, declared first */
    ASSERT(reversed[0].id == B);
}

HD_TEST(a_statement_passes_its_own_crisis_only) {
    two_crises();
    pub_hold_item_t own = {"support", "sandbox", A};
    ASSERT_EQ(pub_hold_cover(s_two, 2, &own), -1);
    /* the id as an event may spell it, upper case */
    pub_hold_item_t upper = {"support", "sandbox", "0B5F8F1E-4A1C-4E5E-9D4A-1F2E3D4C5B6A"};
    ASSERT_EQ(pub_hold_cover(s_two, 2, &upper), -1);
    /* a statement of A that B covers too: B holds it */
    pub_hold_item_t also_b = {"marketing", "sandbox", A};
    ASSERT_EQ(pub_hold_cover(s_two, 2, &also_b), 1);
    /* a statement of B on A's channel: A holds it */
    pub_hold_item_t of_b = {"support", "sandbox", B};
    ASSERT_EQ(pub_hold_cover(s_two, 2, &of_b), 0);
}

HD_TEST(a_claimed_batch_is_partitioned) {
    two_crises();
    pub_hold_item_t items[] = {
        {"support", "sandbox", NULL},   /* A */
        {"support", "linkedin", NULL},  /* called */
        {"marketing", "linkedin", ""},  /* B */
        {"support", "sandbox", A},      /* A's statement: called */
        {"marketing", "linkedin", A},   /* B */
        {"engineering", "mastodon", B}, /* called */
    };
    int held_by[6];
    ASSERT_EQ(pub_hold_partition(s_two, 2, items, 6, held_by), 3);
    const int want[6] = {0, -1, 1, -1, 1, -1};
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(held_by[i], want[i]);
    ASSERT_EQ(pub_hold_partition(s_two, 0, items, 6, held_by), 0);
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(held_by[i], -1);
}

#define NOW 1000000000000LL

HD_TEST(resume_publishes_on_time_items_at_their_slot) {
    pub_hold_item_t item = {"support", "sandbox", NULL};
    pub_release_t r =
        pub_hold_release(NULL, 0, &item, HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, NOW + 60000, NOW);
    ASSERT_EQ(r.moved_to, -1);
    ASSERT_EQ(r.outcome, HD_RESUME_PUBLISH);
    ASSERT_EQ(r.state, PUB_JOB_PENDING);
    ASSERT_EQ(r.not_before_ms, NOW + 60000); /* its slot, not now */
    /* no slot: never late, published now */
    r = pub_hold_release(NULL, 0, &item, HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, 0, NOW);
    ASSERT_EQ(r.outcome, HD_RESUME_PUBLISH);
    ASSERT_EQ(r.not_before_ms, NOW);
}

HD_TEST(resume_applies_the_late_rule_once_the_slot_passed) {
    pub_hold_item_t item = {"support", "sandbox", NULL};
    pub_release_t r =
        pub_hold_release(NULL, 0, &item, HD_RESUME_PUBLISH, HD_RESUME_REAPPROVE, NOW - 1, NOW);
    ASSERT_EQ(r.outcome, HD_RESUME_REAPPROVE);
    ASSERT_EQ(r.state, PUB_JOB_RETURNED);
    r = pub_hold_release(NULL, 0, &item, HD_RESUME_PUBLISH, HD_RESUME_EXPIRE, NOW - 1, NOW);
    ASSERT_EQ(r.outcome, HD_RESUME_EXPIRE);
    ASSERT_EQ(r.state, PUB_JOB_EXPIRED);
    /* late and publish: now, the slot being gone */
    r = pub_hold_release(NULL, 0, &item, HD_RESUME_EXPIRE, HD_RESUME_PUBLISH, NOW - 5000, NOW);
    ASSERT_EQ(r.outcome, HD_RESUME_PUBLISH);
    ASSERT_EQ(r.state, PUB_JOB_PENDING);
    ASSERT_EQ(r.not_before_ms, NOW);
    /* the slot exactly now has not passed */
    r = pub_hold_release(NULL, 0, &item, HD_RESUME_EXPIRE, HD_RESUME_PUBLISH, NOW, NOW);
    ASSERT_EQ(r.outcome, HD_RESUME_EXPIRE);
    /* on-time rules other than publish */
    r = pub_hold_release(NULL, 0, &item, HD_RESUME_REAPPROVE, HD_RESUME_PUBLISH, NOW + 1, NOW);
    ASSERT_EQ(r.state, PUB_JOB_RETURNED);
}

HD_TEST(resume_moves_a_job_another_crisis_covers) {
    two_crises();
    pub_hold_item_t item = {"marketing", "linkedin", NULL};
    pub_release_t r =
        pub_hold_release(&s_two[1], 1, &item, HD_RESUME_PUBLISH, HD_RESUME_PUBLISH, 0, NOW);
    ASSERT_EQ(r.moved_to, 0);
    ASSERT_EQ(r.state, PUB_JOB_HELD);
    /* the other does not cover it: the exit rule decides */
    r = pub_hold_release(&s_two[0], 1, &item, HD_RESUME_EXPIRE, HD_RESUME_EXPIRE, 0, NOW);
    ASSERT_EQ(r.moved_to, -1);
    ASSERT_EQ(r.state, PUB_JOB_EXPIRED);
    /* the other's own statement is not held by it */
    pub_hold_item_t statement = {"marketing", "linkedin", B};
    r = pub_hold_release(&s_two[1], 1, &statement, HD_RESUME_PUBLISH, HD_RESUME_PUBLISH, 0, NOW);
    ASSERT_EQ(r.moved_to, -1);
    ASSERT_EQ(r.state, PUB_JOB_PENDING);
}

HD_TEST(the_reason_names_the_rule_and_the_slot) {
    char buf[200];
    ASSERT_STR(pub_hold_reason(buf, sizeof buf, "Breach", HD_RESUME_REAPPROVE, NOW - 1, NOW),
               "crisis \"Breach\" resumed; its slot passed during the hold, so the playbook's rule "
               "is reapprove");
    ASSERT(strstr(pub_hold_reason(buf, sizeof buf, "B", HD_RESUME_PUBLISH, 0, NOW), "no slot"));
    ASSERT(strstr(pub_hold_reason(buf, sizeof buf, "B", HD_RESUME_EXPIRE, NOW + 1, NOW),
                  "still ahead, so the playbook's rule is expire"));
}

HD_TEST(a_delete_result_decides_the_recall_job) {
    pub_recall_t job = {.attempts = 1};
    pub_result_t res = {.outcome = PUB_DONE, .retry_after_ms = -1};
    pub_recall_rec_t rec;
    pub_recall_plan(&job, &res, 3, 0.5, &rec);
    ASSERT_EQ(rec.state, PUB_RECALL_DELETED);
    /* transient: back off as deliveries do */
    res = (pub_result_t){.outcome = PUB_RETRY, .retry_after_ms = -1, .error = "HTTP 503"};
    pub_recall_plan(&job, &res, 3, 0.5, &rec);
    ASSERT_EQ(rec.state, PUB_RECALL_PENDING);
    ASSERT_EQ(rec.delay_ms, pub_retry_backoff_ms(1, -1, 0.5));
    ASSERT_STR(rec.error, "HTTP 503");
    res.retry_after_ms = 30000; /* the channel's Retry-After wins */
    pub_recall_plan(&job, &res, 3, 0.5, &rec);
    ASSERT_EQ(rec.delay_ms, 30000);
    /* out of attempts: failed for good */
    job.attempts = 3;
    pub_recall_plan(&job, &res, 3, 0.5, &rec);
    ASSERT_EQ(rec.state, PUB_RECALL_FAILED);
    ASSERT(strstr(rec.error, "gave up after 3 attempts: HTTP 503"));
    /* permanent at once */
    job.attempts = 1;
    res = (pub_result_t){.outcome = PUB_FAIL, .retry_after_ms = -1, .error = "HTTP 403"};
    pub_recall_plan(&job, &res, 3, 0.5, &rec);
    ASSERT_EQ(rec.state, PUB_RECALL_FAILED);
    /* stopping mid-call: left in flight for its lease */
    res = (pub_result_t){.outcome = PUB_ABORTED, .retry_after_ms = -1};
    pub_recall_plan(&job, &res, 3, 0.5, &rec);
    ASSERT_EQ(rec.state, PUB_RECALL_IN_FLIGHT);
}

HD_TEST(recall_state_names) {
    const char *names[] = {"pending", "in_flight", "deleted", "failed"};
    ASSERT_EQ(PUB_RECALL_STATE_COUNT, 4);
    for (int s = 0; s < PUB_RECALL_STATE_COUNT; s++)
        ASSERT_STR(pub_recall_state_name((pub_recall_state_t)s), names[s]);
    ASSERT_STR(pub_recall_state_name(PUB_RECALL_STATE_COUNT), "unknown");
}

HD_TEST_MAIN(HD_CASE(a_crisis_holds_what_its_scope_covers),
             HD_CASE(the_first_declared_crisis_holds_a_job_both_cover),
             HD_CASE(a_statement_passes_its_own_crisis_only),
             HD_CASE(a_claimed_batch_is_partitioned),
             HD_CASE(resume_publishes_on_time_items_at_their_slot),
             HD_CASE(resume_applies_the_late_rule_once_the_slot_passed),
             HD_CASE(resume_moves_a_job_another_crisis_covers),
             HD_CASE(the_reason_names_the_rule_and_the_slot),
             HD_CASE(a_delete_result_decides_the_recall_job), HD_CASE(recall_state_names))
