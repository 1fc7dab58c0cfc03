/*  The publisher's pure deciding functions for its consumer, without a
    database: content.approved -> a job row or a dead reason
    (services/publisher/new_job.c), and the job state name table
    (job_state.c). */
#include "hd_test.h"
#include "job_state.h"
#include "new_job.h"

static const char *CID = "0b5f8f1e-4a1c-4e5e-9d4a-1f2e3d4c5b6a";
static const char *EID = "7c1d2e3f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";

typedef struct {
    hd_envelope_t ev;
    Huddle__V1__ContentApproved b;
} approval_t;

static const hd_envelope_t *approval(approval_t *a, const char *cid, const char *eid,
                                     const char *channel, const char *dept, const char *text) {
    Huddle__V1__ContentApproved b = HUDDLE__V1__CONTENT_APPROVED__INIT;
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    a->b = b;
    a->ev = ev;
    a->b.content_id = (char *)cid;
    a->b.channel = (char *)channel;
    a->b.text = (char *)text;
    a->b.scheduled_at_ms = 1234;
    a->ev.id = (char *)eid;
    a->ev.department = (char *)dept;
    a->ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    a->ev.content_approved = &a->b;
    return &a->ev;
}

HD_TEST(an_approval_is_a_job_row) {
    approval_t a;
    pub_new_job_t job;
    const char *why = NULL;
    const hd_envelope_t *ev = approval(&a, CID, EID, "sandbox", "marketing", "hi");
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT(why == NULL);
    ASSERT_STR(job.content_id, CID);
    ASSERT_STR(job.channel, "sandbox");
    ASSERT_STR(job.department, "marketing");
    ASSERT_STR(job.text, "hi");
    ASSERT_STR(job.event_id, EID);
    ASSERT_EQ(job.scheduled_ms, 1234);
    /* no text is an empty text */
    ev = approval(&a, CID, EID, "sandbox", "marketing", NULL);
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT_STR(job.text, "");
}

HD_TEST(a_statement_names_its_crisis) {
    approval_t a;
    pub_new_job_t job;
    const char *why = NULL;
    const hd_envelope_t *ev = approval(&a, CID, EID, "sandbox", "marketing", "We are aware");
    a.b.author_email = "avery@example.org";
    a.b.kind = "statement";
    a.b.crisis_id = (char *)EID;
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT_STR(job.author_email, "avery@example.org");
    ASSERT_STR(job.statement_of, EID);
    /* a post naming a crisis is no statement; a statement naming no
       crisis is held like any post */
    a.b.kind = "post";
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT(job.statement_of == NULL);
    a.b.kind = "statement";
    a.b.crisis_id = "not-a-uuid";
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT(job.statement_of == NULL);
    /* no author: "" */
    a.b.author_email = NULL;
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT_STR(job.author_email, "");
}

HD_TEST(a_reply_names_the_post_it_answers) {
    approval_t a;
    pub_new_job_t job;
    const char *why = NULL;
    const hd_envelope_t *ev = approval(&a, CID, EID, "sandbox", "customer-care", "@sam sorry");
    a.b.kind = "reply";
    a.b.reply_to_external_id = "109";
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT_STR(job.in_reply_to_id, "109");
    /* a post answers nothing; neither does an empty id */
    a.b.reply_to_external_id = "";
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT(job.in_reply_to_id == NULL);
    a.b.reply_to_external_id = NULL;
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    ASSERT(job.in_reply_to_id == NULL);
    /* an id that does not fit the job, or could smuggle a header: dead */
    char longest[PUB_IN_REPLY_TO_MAX + 2];
    memset(longest, '7', sizeof longest - 1);
    longest[PUB_IN_REPLY_TO_MAX] = '\0';
    a.b.reply_to_external_id = longest;
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_ROW);
    longest[PUB_IN_REPLY_TO_MAX] = '7';
    longest[PUB_IN_REPLY_TO_MAX + 1] = '\0';
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_DEAD);
    ASSERT(why && strstr(why, "reply_to_external_id"));
    a.b.reply_to_external_id = "1\r\nX-Evil: 1";
    ASSERT_EQ(pub_new_job_of(ev, &job, &why), PUB_NEW_JOB_DEAD);
}

HD_TEST(other_events_are_nothing_to_do) {
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED;
    pub_new_job_t job;
    const char *why = NULL;
    ASSERT_EQ(pub_new_job_of(&ev, &job, &why), PUB_NEW_JOB_NONE);
    ASSERT(why == NULL);
}

HD_TEST(bad_approvals_are_dead_with_a_reason) {
    approval_t a;
    pub_new_job_t job;
    const char *why = NULL;
    ASSERT_EQ(pub_new_job_of(approval(&a, "nope", EID, "sandbox", "m", ""), &job, &why),
              PUB_NEW_JOB_DEAD);
    ASSERT(why && strstr(why, "UUID"));
    why = NULL;
    ASSERT_EQ(pub_new_job_of(approval(&a, CID, "nope", "sandbox", "m", ""), &job, &why),
              PUB_NEW_JOB_DEAD);
    ASSERT(why && strstr(why, "UUID"));
    why = NULL;
    ASSERT_EQ(pub_new_job_of(approval(&a, NULL, EID, "sandbox", "m", ""), &job, &why),
              PUB_NEW_JOB_DEAD);
    why = NULL;
    ASSERT_EQ(pub_new_job_of(approval(&a, CID, EID, "", "m", ""), &job, &why), PUB_NEW_JOB_DEAD);
    ASSERT(why && strstr(why, "channel"));
    why = NULL;
    ASSERT_EQ(pub_new_job_of(approval(&a, CID, EID, "sandbox", NULL, ""), &job, &why),
              PUB_NEW_JOB_DEAD);
    ASSERT(why && strstr(why, "department"));
    /* a content.approved with no body at all */
    hd_envelope_t ev = HUDDLE__V1__ENVELOPE__INIT;
    ev.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED;
    ev.id = (char *)EID;
    why = NULL;
    ASSERT_EQ(pub_new_job_of(&ev, &job, &why), PUB_NEW_JOB_DEAD);
}

HD_TEST(job_state_names_round_trip) {
    const char *names[] = {"pending", "in_flight", "done",    "failed",
                           "held",    "returned",  "expired", "recalled"};
    ASSERT_EQ(PUB_JOB_STATE_COUNT, 8);
    for (int s = 0; s < PUB_JOB_STATE_COUNT; s++) {
        ASSERT_STR(pub_job_state_name((pub_job_state_t)s), names[s]);
        ASSERT_EQ(pub_job_state_parse(names[s]), s);
    }
    ASSERT_STR(pub_job_state_name(PUB_JOB_STATE_COUNT), "unknown");
    ASSERT_STR(pub_job_state_name((pub_job_state_t)-1), "unknown");
    ASSERT_EQ(pub_job_state_parse("unknown"), -1);
    ASSERT_EQ(pub_job_state_parse("Pending"), -1);
    ASSERT_EQ(pub_job_state_parse(""), -1);
    ASSERT_EQ(pub_job_state_parse(NULL), -1);
}

HD_TEST_MAIN(HD_CASE(an_approval_is_a_job_row), HD_CASE(a_statement_names_its_crisis),
             HD_CASE(a_reply_names_the_post_it_answers), HD_CASE(other_events_are_nothing_to_do),
             HD_CASE(bad_approvals_are_dead_with_a_reason), HD_CASE(job_state_names_round_trip))
