/*  workflow's state machine for what crises do to items (decide.c), with
    values only: a holding statement approved at once by its playbook (or
    blocked), and content.released sending a held item back to approval,
    expiring it, or leaving it to the publisher. */
#include "decide.h"
#include "hd_id.h"
#include "hd_test.h"

#define AUTHOR "00000000-0000-4000-8000-00000000000a"
#define COACH "00000000-0000-4000-8000-00000000000b"
#define ITEM "11111111-1111-4111-8111-111111111111"
#define CRISIS "cccccccc-cccc-4ccc-8ccc-cccccccccccc"

static wf_items_t s_items;
static wf_inbox_t s_inbox;
static wf_facts_t s_facts;
static hd_actor_t s_coach;
static wf_step_row_t s_steps[2];

/* Every department needs a coach of its own; newsroom passes by itself. */
static void reset(void) {
    wf_items_clear(&s_items);
    memset(&s_facts, 0, sizeof s_facts);
    s_facts.fallback_role = "orchestrator";
    memset(s_steps, 0, sizeof s_steps);
    s_steps[0].any_department = 1;
    s_steps[0].same_department = 1;
    snprintf(s_steps[0].role, HD_ROLE_LEN, "coach");
    snprintf(s_steps[1].department, HD_DEPT_LEN, "newsroom");
    snprintf(s_steps[1].role, HD_ROLE_LEN, WF_ROLE_AUTO);
    s_facts.steps = s_steps;
    s_facts.nsteps = 2;
    memset(&s_coach, 0, sizeof s_coach);
    snprintf(s_coach.id, HD_ID_LEN, COACH);
    snprintf(s_coach.department, HD_DEPT_LEN, "marketing");
    s_coach.active = 1;
    snprintf(s_coach.roles[0], HD_ROLE_LEN, "coach");
    s_coach.nroles = 1;
    s_facts.actors = &s_coach;
    s_facts.nactors = 1;
}

static hd_envelope_t envelope(Huddle__V1__Envelope__BodyCase body, const char *dept, int64_t at) {
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    e.id = "22222222-2222-4222-8222-222222222222";
    e.body_case = body;
    e.type = (char *)hd_envelope_type_name(body);
    e.department = (char *)dept;
    e.occurred_at_ms = at;
    return e;
}

static void submit(const char *dept, const char *kind, const char *crisis_id, wf_step_t *st) {
    Huddle__V1__ContentSubmitted b = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    b.content_id = ITEM;
    b.author_id = AUTHOR;
    b.author_email = "a@example.org";
    b.channel = "sandbox";
    b.text = "We are aware of reports.";
    b.kind = (char *)kind;
    b.crisis_id = (char *)crisis_id;
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, dept, 1000);
    e.content_submitted = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static void verdict(const char *v, char **roles, size_t n, wf_step_t *st) {
    Huddle__V1__PolicyEvaluated b = HUDDLE__V1__POLICY_EVALUATED__INIT;
    b.content_id = ITEM;
    b.verdict = (char *)v;
    b.roles = roles;
    b.n_roles = n;
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "marketing", 2000);
    e.policy_evaluated = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static void approve(wf_step_t *st) {
    Huddle__V1__DecisionRecorded b = HUDDLE__V1__DECISION_RECORDED__INIT;
    b.content_id = ITEM;
    b.actor_id = COACH;
    b.decision = "approve";
    b.role = "coach";
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED, "marketing", 3000);
    e.decision_recorded = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static void release(const char *outcome, wf_step_t *st) {
    Huddle__V1__ContentReleased b = HUDDLE__V1__CONTENT_RELEASED__INIT;
    b.content_id = ITEM;
    b.crisis_id = CRISIS;
    b.outcome = (char *)outcome;
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED, "marketing", 4000);
    e.content_released = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static wf_item_t *item(void) { return wf_items_find(&s_items, ITEM); }

/* A marketing post approved by its coach, as the publisher held it. */
static void approved_post(void) {
    wf_step_t st;
    submit("marketing", "post", "", &st);
    verdict("pass", NULL, 0, &st);
    approve(&st);
}

HD_TEST(a_statement_keeps_its_kind_and_crisis) {
    reset();
    wf_step_t st;
    submit("marketing", "statement", CRISIS, &st);
    ASSERT(!st.dead);
    ASSERT_STR(item()->kind, "statement");
    ASSERT_STR(item()->crisis_id, CRISIS);
    reset();
    submit("marketing", "", "", &st); /* no kind: a post */
    ASSERT(!st.dead);
    ASSERT_STR(item()->kind, "post");
    ASSERT_STR(item()->crisis_id, "");
}

HD_TEST(a_statement_needs_a_valid_crisis) {
    reset();
    wf_step_t st;
    submit("marketing", "statement", "", &st);
    ASSERT(st.dead);
    ASSERT(strstr(st.why, "crisis_id") != NULL);
    submit("marketing", "post", "not-a-uuid", &st);
    ASSERT(st.dead);
    submit("marketing", "a-kind-far-too-long-to-be-any-kind-at-all", "", &st);
    ASSERT(st.dead);
    ASSERT_EQ(s_items.n, 0);
}

HD_TEST(a_statement_is_approved_at_once_by_its_playbook) {
    reset();
    wf_step_t st;
    submit("marketing", "statement", CRISIS, &st);
    char *roles[] = {"legal"}; /* what policy asked for is not waited for */
    verdict("review", roles, 1, &st);
    ASSERT(!st.dead);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_APPROVED);
    ASSERT(st.approval);
    ASSERT_STR(st.role, WF_ROLE_PLAYBOOK);
    ASSERT_STR(st.actor_id, AUTHOR);
    ASSERT_STR(st.log, "statement_approved");
    ASSERT_EQ(item()->a.state, HD_ITEM_APPROVED);
    ASSERT_EQ(item()->a.nroles, 1);
    ASSERT_STR(item()->a.roles[0].name, WF_ROLE_PLAYBOOK);
    ASSERT(item()->a.roles[0].approved);
    ASSERT_EQ(item()->decided_ms, 2000);
}

HD_TEST(a_blocked_statement_is_blocked) {
    reset();
    wf_step_t st;
    submit("marketing", "statement", CRISIS, &st);
    verdict("block", NULL, 0, &st);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_BLOCKED);
    ASSERT(!st.approval);
    ASSERT_EQ(item()->a.state, HD_ITEM_BLOCKED);
}

HD_TEST(reapprove_sends_it_back_to_every_role) {
    reset();
    approved_post();
    ASSERT_EQ(item()->a.state, HD_ITEM_APPROVED);
    ASSERT(item()->a.roles[0].approved);
    wf_step_t st;
    release("reapprove", &st);
    ASSERT(!st.dead);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_APPROVAL_REQUESTED);
    ASSERT(st.clear_approvals);
    ASSERT(!st.approval);
    ASSERT_STR(st.department, "marketing");
    ASSERT_EQ(item()->a.state, HD_ITEM_AWAITING_APPROVAL);
    ASSERT_EQ(item()->a.nroles, 1);
    ASSERT_STR(item()->a.roles[0].name, "coach");
    ASSERT(item()->a.roles[0].same_department);
    ASSERT(!item()->a.roles[0].approved);
    ASSERT_EQ(item()->requested_ms, 4000);
    ASSERT_EQ(item()->decided_ms, 0);
    ASSERT(item()->changed & WF_CHANGED_ALL);
    approve(&st); /* the coach decides again */
    ASSERT_EQ(st.nout, 2);
    ASSERT_EQ(st.out[1], WF_OUT_APPROVED);
    ASSERT_EQ(item()->a.state, HD_ITEM_APPROVED);
}

HD_TEST(reapprove_without_a_role_left_needs_the_fallback) {
    reset();
    wf_step_t st;
    submit("newsroom", "post", "", &st);
    verdict("pass", NULL, 0, &st); /* auto-approved: no role */
    ASSERT_EQ(item()->a.state, HD_ITEM_APPROVED);
    release("reapprove", &st);
    ASSERT_EQ(item()->a.state, HD_ITEM_AWAITING_APPROVAL);
    ASSERT_EQ(item()->a.nroles, 1);
    ASSERT_STR(item()->a.roles[0].name, "orchestrator");
    reset(); /* a statement held by another crisis: a person decides now */
    submit("marketing", "statement", CRISIS, &st);
    verdict("pass", NULL, 0, &st);
    release("reapprove", &st);
    ASSERT_EQ(item()->a.state, HD_ITEM_AWAITING_APPROVAL);
    ASSERT_EQ(item()->a.nroles, 1);
    ASSERT_STR(item()->a.roles[0].name, "orchestrator");
}

HD_TEST(expire_is_final_and_publish_leaves_it) {
    reset();
    approved_post();
    wf_step_t st;
    release("publish", &st);
    ASSERT(!st.dead);
    ASSERT_EQ(st.nout, 0);
    ASSERT_EQ(item()->a.state, HD_ITEM_APPROVED);
    ASSERT_STR(st.log, "item_released");
    release("expire", &st);
    ASSERT_EQ(st.nout, 0);
    ASSERT(!st.clear_approvals);
    ASSERT_EQ(item()->a.state, HD_ITEM_EXPIRED);
    ASSERT(hd_item_state_final(HD_ITEM_EXPIRED));
    ASSERT_EQ(item()->decided_ms, 3000); /* the approval's time stays */
    release("reapprove", &st);           /* expired: nothing moves it */
    ASSERT_STR(st.log, "release_ignored");
    ASSERT_EQ(item()->a.state, HD_ITEM_EXPIRED);
}

HD_TEST(releases_of_items_not_held_are_ignored_or_dead) {
    reset();
    wf_step_t st;
    release("reapprove", &st); /* no item */
    ASSERT(!st.dead);
    ASSERT_STR(st.log, "release_ignored");
    submit("marketing", "post", "", &st);
    verdict("pass", NULL, 0, &st);
    release("expire", &st); /* awaiting approval: not held */
    ASSERT_STR(st.log, "release_ignored");
    ASSERT_EQ(item()->a.state, HD_ITEM_AWAITING_APPROVAL);
    release("later", &st);
    ASSERT(st.dead);
    ASSERT(strstr(st.why, "unknown outcome") != NULL);
    Huddle__V1__ContentReleased b = HUDDLE__V1__CONTENT_RELEASED__INIT;
    b.content_id = "nope";
    b.outcome = "expire";
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_CONTENT_RELEASED, "marketing", 4000);
    e.content_released = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, &st);
    ASSERT(st.dead);
    ASSERT_STR(wf_decide_content_id(&e), "nope");
    wf_items_free(&s_items);
}

HD_TEST_MAIN(HD_CASE(a_statement_keeps_its_kind_and_crisis),
             HD_CASE(a_statement_needs_a_valid_crisis),
             HD_CASE(a_statement_is_approved_at_once_by_its_playbook),
             HD_CASE(a_blocked_statement_is_blocked),
             HD_CASE(reapprove_sends_it_back_to_every_role),
             HD_CASE(reapprove_without_a_role_left_needs_the_fallback),
             HD_CASE(expire_is_final_and_publish_leaves_it),
             HD_CASE(releases_of_items_not_held_are_ignored_or_dead))
