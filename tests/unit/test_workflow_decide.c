/*  workflow's state machine (services/workflow/decide.c) with values only:
    no database, no sockets. Every transition of every consumed event, with
    the items and facts a batch would have read. */
#include "calendar.h"
#include "decide.h"
#include "hd_id.h"
#include "hd_test.h"

#define AUTHOR "00000000-0000-4000-8000-00000000000a"
#define COACH "00000000-0000-4000-8000-00000000000b"
#define LEGAL "00000000-0000-4000-8000-00000000000c"
#define ITEM "11111111-1111-4111-8111-111111111111"
#define SECOND "11111111-1111-4111-8111-111111111112"
#define THIRD "11111111-1111-4111-8111-111111111113"
#define FOURTH "11111111-1111-4111-8111-111111111114"
#define FIFTH "11111111-1111-4111-8111-111111111115"
#define MENTION "44444444-4444-4444-8444-444444444444"

static wf_items_t s_items;
static wf_inbox_t s_inbox;
static wf_facts_t s_facts;
static hd_actor_t s_actors[2];
static wf_step_row_t s_steps[2];
static wf_review_row_t s_reviews[1];

/* marketing: a coach of its own; newsroom: auto; legal is a booth role. */
static void reset(void) {
    wf_items_clear(&s_items);
    memset(&s_facts, 0, sizeof s_facts);
    s_facts.fallback_role = "orchestrator";
    memset(s_steps, 0, sizeof s_steps);
    s_steps[0].any_department = 1;
    snprintf(s_steps[0].role, HD_ROLE_LEN, "coach");
    s_steps[0].same_department = 1;
    snprintf(s_steps[1].department, HD_DEPT_LEN, "newsroom");
    snprintf(s_steps[1].role, HD_ROLE_LEN, WF_ROLE_AUTO);
    s_facts.steps = s_steps;
    s_facts.nsteps = 2;
    snprintf(s_reviews[0].role, HD_ROLE_LEN, "legal");
    s_facts.reviews = s_reviews;
    s_facts.nreviews = 1;
    memset(s_actors, 0, sizeof s_actors);
    snprintf(s_actors[0].id, HD_ID_LEN, COACH);
    snprintf(s_actors[0].department, HD_DEPT_LEN, "marketing");
    s_actors[0].active = 1;
    snprintf(s_actors[0].roles[0], HD_ROLE_LEN, "coach");
    s_actors[0].nroles = 1;
    snprintf(s_actors[1].id, HD_ID_LEN, LEGAL);
    snprintf(s_actors[1].department, HD_DEPT_LEN, "legal");
    s_actors[1].active = 1;
    snprintf(s_actors[1].roles[0], HD_ROLE_LEN, "legal");
    s_actors[1].nroles = 1;
    s_facts.actors = s_actors;
    s_facts.nactors = 2;
}

static hd_envelope_t envelope(Huddle__V1__Envelope__BodyCase body, const char *dept) {
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    e.id = "22222222-2222-4222-8222-222222222222";
    e.body_case = body;
    e.type = (char *)hd_envelope_type_name(body);
    e.department = (char *)dept;
    e.occurred_at_ms = 1000;
    return e;
}

static void submit(const char *dept, wf_step_t *st) {
    Huddle__V1__ContentSubmitted b = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    b.content_id = ITEM;
    b.author_id = AUTHOR;
    b.author_email = "a@example.org";
    b.channel = "sandbox";
    b.text = "hello";
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, dept);
    e.content_submitted = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static void verdict(const char *v, char **roles, size_t n, wf_step_t *st) {
    Huddle__V1__PolicyEvaluated b = HUDDLE__V1__POLICY_EVALUATED__INIT;
    b.content_id = ITEM;
    b.verdict = (char *)v;
    b.roles = roles;
    b.n_roles = n;
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED, "marketing");
    e.policy_evaluated = &b;
    e.occurred_at_ms = 2000;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static void decision(const char *actor, const char *what, const char *role, wf_step_t *st) {
    Huddle__V1__DecisionRecorded b = HUDDLE__V1__DECISION_RECORDED__INIT;
    b.content_id = ITEM;
    b.actor_id = (char *)actor;
    b.decision = (char *)what;
    b.role = (char *)role;
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_DECISION_RECORDED, "marketing");
    e.decision_recorded = &b;
    e.occurred_at_ms = 3000;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static void outcome(int ok, int permanent, wf_step_t *st) {
    Huddle__V1__PublishSucceeded s = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    Huddle__V1__PublishFailed f = HUDDLE__V1__PUBLISH_FAILED__INIT;
    s.content_id = f.content_id = ITEM;
    f.permanent = permanent;
    hd_envelope_t e = envelope(ok ? HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED
                                  : HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED,
                               "marketing");
    if (ok) /* a oneof: the bodies share their storage */
        e.publish_succeeded = &s;
    else
        e.publish_failed = &f;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

static hd_item_state_t state(void) { return wf_items_find(&s_items, ITEM)->a.state; }

HD_TEST(submitted_makes_an_evaluating_item_once) {
    reset();
    wf_step_t st;
    submit("marketing", &st);
    ASSERT(!st.dead);
    ASSERT_EQ(st.nout, 0);
    ASSERT_EQ(s_items.n, 1);
    ASSERT_EQ(state(), HD_ITEM_EVALUATING);
    ASSERT(s_items.items[0].changed);
    ASSERT_EQ(s_items.items[0].submitted_ms, 1000);
    ASSERT_STR(s_items.items[0].text, "hello");
    submit("marketing", &st); /* a replay */
    ASSERT_EQ(s_items.n, 1);
    ASSERT_STR(st.log, "item_exists");
}

HD_TEST(a_pass_asks_the_chain_and_the_verdicts_roles) {
    reset();
    wf_step_t st;
    submit("marketing", &st);
    char *roles[] = {"legal"};
    verdict("review", roles, 1, &st);
    ASSERT(!st.dead);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_APPROVAL_REQUESTED);
    wf_item_t *it = wf_items_find(&s_items, ITEM);
    ASSERT_EQ(it->a.state, HD_ITEM_AWAITING_APPROVAL);
    ASSERT_EQ(it->a.nroles, 2);
    ASSERT_STR(it->a.roles[0].name, "coach");
    ASSERT(it->a.roles[0].same_department);
    ASSERT_STR(it->a.roles[1].name, "legal");
    ASSERT(!it->a.roles[1].same_department);
    ASSERT_EQ(it->requested_ms, 2000);
    verdict("pass", NULL, 0, &st); /* a second verdict changes nothing */
    ASSERT_EQ(st.nout, 0);
    ASSERT_STR(st.log, "verdict_ignored");
}

HD_TEST(a_block_blocks) {
    reset();
    wf_step_t st;
    submit("marketing", &st);
    verdict("block", NULL, 0, &st);
    ASSERT_EQ(st.out[0], WF_OUT_BLOCKED);
    ASSERT_EQ(state(), HD_ITEM_BLOCKED);
    ASSERT_EQ(wf_items_find(&s_items, ITEM)->decided_ms, 2000);
}

HD_TEST(auto_approves_a_pass_only) {
    reset();
    wf_step_t st;
    submit("newsroom", &st);
    verdict("pass", NULL, 0, &st);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_APPROVED);
    ASSERT_EQ(state(), HD_ITEM_APPROVED);
    ASSERT_EQ(wf_items_find(&s_items, ITEM)->a.nroles, 0);
    reset();
    submit("newsroom", &st);
    char *roles[] = {"legal"};
    verdict("review", roles, 1, &st);
    ASSERT_EQ(state(), HD_ITEM_AWAITING_APPROVAL);
    ASSERT_EQ(wf_items_find(&s_items, ITEM)->a.nroles, 1);
}

HD_TEST(no_chain_at_all_needs_the_fallback_role) {
    reset();
    s_facts.nsteps = 0;
    wf_step_t st;
    submit("marketing", &st);
    verdict("pass", NULL, 0, &st);
    wf_item_t *it = wf_items_find(&s_items, ITEM);
    ASSERT_EQ(it->a.nroles, 1);
    ASSERT_STR(it->a.roles[0].name, "orchestrator");
}

HD_TEST(approvals_until_no_role_is_left) {
    reset();
    wf_step_t st;
    submit("marketing", &st);
    char *roles[] = {"legal"};
    verdict("review", roles, 1, &st);
    decision(AUTHOR, "approve", "coach", &st);
    ASSERT_EQ(st.out[0], WF_OUT_REFUSED); /* unknown person */
    decision(COACH, "approve", "", &st);  /* role picked: coach */
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_APPROVAL_RECORDED);
    ASSERT(st.approval);
    ASSERT_STR(st.role, "coach");
    ASSERT_EQ(state(), HD_ITEM_AWAITING_APPROVAL);
    decision(COACH, "approve", "coach", &st);
    ASSERT_EQ(st.out[0], WF_OUT_REFUSED);
    ASSERT(strstr(st.why, "already approved") != NULL);
    decision(LEGAL, "approve", "legal", &st);
    ASSERT_EQ(st.nout, 2);
    ASSERT_EQ(st.out[0], WF_OUT_APPROVAL_RECORDED);
    ASSERT_EQ(st.out[1], WF_OUT_APPROVED);
    ASSERT_EQ(state(), HD_ITEM_APPROVED);
    ASSERT_EQ(wf_items_find(&s_items, ITEM)->decided_ms, 3000);
}

HD_TEST(a_rejection_is_final) {
    reset();
    wf_step_t st;
    submit("marketing", &st);
    verdict("pass", NULL, 0, &st);
    decision(COACH, "reject", "coach", &st);
    ASSERT_EQ(st.out[0], WF_OUT_REJECTED);
    ASSERT_EQ(state(), HD_ITEM_REJECTED);
    decision(LEGAL, "approve", "legal", &st);
    ASSERT_EQ(st.out[0], WF_OUT_REFUSED);
    decision(COACH, "maybe", "coach", &st);
    ASSERT_EQ(st.out[0], WF_OUT_REFUSED);
    ASSERT(strstr(st.why, "approve or reject") != NULL);
}

HD_TEST(refusals_for_missing_items_and_replays) {
    reset();
    wf_step_t st;
    decision(COACH, "approve", "coach", &st);
    ASSERT_EQ(st.out[0], WF_OUT_REFUSED);
    ASSERT(strstr(st.why, "no workflow item") != NULL);
    char applied[1][37] = {"22222222-2222-4222-8222-222222222222"};
    s_facts.applied = applied;
    s_facts.napplied = 1;
    decision(COACH, "approve", "coach", &st);
    ASSERT_EQ(st.nout, 0);
    ASSERT_STR(st.log, "decision_replayed");
    s_facts.applied = NULL;
    s_facts.napplied = 0;
}

HD_TEST(publish_outcomes_end_approved_items) {
    reset();
    wf_step_t st;
    outcome(1, 0, &st); /* no item: ignored */
    ASSERT_STR(st.log, "publish_result_ignored");
    submit("newsroom", &st);
    outcome(1, 0, &st); /* not approved yet: ignored */
    ASSERT_EQ(state(), HD_ITEM_EVALUATING);
    verdict("pass", NULL, 0, &st);
    outcome(0, 0, &st); /* transient: nothing */
    ASSERT_EQ(state(), HD_ITEM_APPROVED);
    ASSERT_STR(st.log, "publish_retrying");
    outcome(0, 1, &st);
    ASSERT_EQ(state(), HD_ITEM_FAILED);
    outcome(1, 0, &st); /* a success after a failure wins */
    ASSERT_EQ(state(), HD_ITEM_PUBLISHED);
    outcome(0, 1, &st); /* a failure after success changes nothing */
    ASSERT_EQ(state(), HD_ITEM_PUBLISHED);
}

HD_TEST(mentions_are_routed_or_go_to_triage) {
    reset();
    wf_calendars_t *cals = wf_calendars_new();
    s_facts.calendars = cals;
    const char *words[] = {"refund"};
    wf_rule_t rule = {.id = "support",
                      .channel = NULL,
                      .department = "customer-care",
                      .keywords = words,
                      .nkeywords = 1};
    s_facts.rules = &rule;
    s_facts.nrules = 1;
    Huddle__V1__MentionReceived b = HUDDLE__V1__MENTION_RECEIVED__INIT;
    b.mention_id = ITEM;
    b.channel = "sandbox";
    b.text = "a refund please";
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED, "");
    e.mention_received = &b;
    wf_step_t st;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, &st);
    ASSERT_EQ(st.out[0], WF_OUT_ROUTED);
    ASSERT_STR(st.inbox->department, "customer-care");
    ASSERT_STR(st.inbox->rule_id, "support");
    ASSERT_EQ(st.inbox->triage, 0);
    ASSERT_STR(st.department, "customer-care");
    ASSERT_EQ(st.inbox->received_ms, 1000);
    ASSERT(st.inbox->sla_due_ms > st.inbox->sla_warn_ms);
    ASSERT(st.inbox->sla_warn_ms > 1000);
    /* the same mention again: in the inbox already, nothing */
    wf_decide(&s_items, &s_inbox, &s_facts, &e, &st);
    ASSERT_EQ(st.nout, 0);
    ASSERT_STR(st.log, "mention_replayed");
    b.mention_id = "33333333-3333-4333-8333-333333333333";
    b.text = "lovely day";
    wf_decide(&s_items, &s_inbox, &s_facts, &e, &st);
    ASSERT_STR(st.inbox->rule_id, "");
    ASSERT_STR(st.inbox->department, "");
    ASSERT_EQ(st.inbox->triage, 1);
    ASSERT_STR(st.department, "");
    ASSERT_STR(st.log, "mention_triage");
    s_facts.rules = NULL;
    s_facts.nrules = 0;
    wf_inbox_free(&s_inbox);
    wf_calendars_destroy(&cals);
}

static void reply(const char *id, const char *supersedes, wf_step_t *st) {
    Huddle__V1__ContentSubmitted b = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    b.content_id = (char *)id;
    b.author_id = AUTHOR;
    b.author_email = "a@example.org";
    b.channel = "sandbox";
    b.text = "@fan sorry, we are on it";
    b.kind = WF_KIND_REPLY;
    b.reply_to_mention_id = MENTION;
    b.reply_to_external_id = "109";
    b.supersedes = (char *)supersedes;
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED, "customer-care");
    e.content_submitted = &b;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

/* A reply keeps what it answers; superseding withdraws the pending reply
   only before its approval is complete, and only of the same mention. */
HD_TEST(a_reply_supersedes_a_pending_one_not_yet_approved) {
    reset();
    wf_step_t st;
    reply(ITEM, NULL, &st);
    wf_item_t *first = wf_items_find(&s_items, ITEM);
    ASSERT_STR(first->reply_to_mention_id, MENTION);
    ASSERT_STR(first->reply_to_external_id, "109");
    ASSERT_STR(first->kind, "reply");
    reply(SECOND, ITEM, &st);
    ASSERT_EQ(st.nout, 1);
    ASSERT_EQ(st.out[0], WF_OUT_SUPERSEDED);
    ASSERT(st.other == wf_items_find(&s_items, ITEM));
    ASSERT_EQ(state(), HD_ITEM_REJECTED);
    ASSERT_STR(st.log, "reply_superseded");
    /* the second, once approved, is not withdrawn by a third */
    wf_items_find(&s_items, SECOND)->a.state = HD_ITEM_APPROVED;
    reply(THIRD, SECOND, &st);
    ASSERT_EQ(st.nout, 0);
    ASSERT_STR(st.log, "supersede_ignored");
    ASSERT_EQ(wf_items_find(&s_items, SECOND)->a.state, HD_ITEM_APPROVED);
    /* nor is a reply to another mention */
    wf_items_find(&s_items, SECOND)->a.state = HD_ITEM_EVALUATING;
    snprintf(wf_items_find(&s_items, SECOND)->reply_to_mention_id, HD_ID_LEN, "%s", ITEM);
    reply(FOURTH, SECOND, &st);
    ASSERT_EQ(st.nout, 0);
    ASSERT_EQ(wf_items_find(&s_items, SECOND)->a.state, HD_ITEM_EVALUATING);
    /* malformed reply fields are dead */
    reply(FIFTH, "not-a-uuid", &st);
    ASSERT(st.dead);
}

/* A reply's pass goes through the chain when no setting lets it skip. */
HD_TEST(a_reply_without_a_skip_setting_needs_the_chain) {
    reset();
    wf_calendars_t *cals = wf_calendars_new();
    s_facts.calendars = cals;
    wf_step_t st;
    reply(ITEM, NULL, &st);
    verdict("pass", NULL, 0, &st);
    ASSERT_EQ(state(), HD_ITEM_AWAITING_APPROVAL);
    ASSERT_EQ(st.approval, 0);
    wf_calendars_destroy(&cals);
}

HD_TEST(malformed_events_are_dead) {
    reset();
    wf_step_t st;
    verdict("pass", NULL, 0, &st);
    ASSERT(st.dead);
    ASSERT(strstr(st.why, "before its content.submitted") != NULL);
    submit("", &st);
    ASSERT(st.dead);
    submit("marketing", &st);
    verdict("maybe", NULL, 0, &st);
    ASSERT(st.dead);
    char *bad[] = {"le,gal"};
    verdict("review", bad, 1, &st);
    ASSERT(st.dead);
    ASSERT_EQ(state(), HD_ITEM_EVALUATING);
    Huddle__V1__MentionReceived m = HUDDLE__V1__MENTION_RECEIVED__INIT;
    m.mention_id = "nope";
    hd_envelope_t e = envelope(HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED, "");
    e.mention_received = &m;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, &st);
    ASSERT(st.dead);
    hd_envelope_t none = envelope(HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED, "x");
    wf_decide(&s_items, &s_inbox, &s_facts, &none, &st);
    ASSERT(st.dead);
    wf_items_free(&s_items);
}

HD_TEST_MAIN(HD_CASE(submitted_makes_an_evaluating_item_once),
             HD_CASE(a_pass_asks_the_chain_and_the_verdicts_roles), HD_CASE(a_block_blocks),
             HD_CASE(auto_approves_a_pass_only), HD_CASE(no_chain_at_all_needs_the_fallback_role),
             HD_CASE(approvals_until_no_role_is_left), HD_CASE(a_rejection_is_final),
             HD_CASE(refusals_for_missing_items_and_replays),
             HD_CASE(publish_outcomes_end_approved_items),
             HD_CASE(mentions_are_routed_or_go_to_triage),
             HD_CASE(a_reply_supersedes_a_pending_one_not_yet_approved),
             HD_CASE(a_reply_without_a_skip_setting_needs_the_chain),
             HD_CASE(malformed_events_are_dead))
