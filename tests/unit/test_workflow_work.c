/*  Inbox work (services/workflow/work.c) with values only, through
    wf_decide as a batch drives it: mentions auto-assigned with the counts
    kept as the batch assigns, triage, the author's conversation reopened,
    people's requests allowed or refused, escalation, routing, and a
    published reply stopping the clock. The settings are the built-in
    defaults (auto-assignment on, cap 20); settings from the database are
    exercised by tests/integration/test_workflow_inbox.c. */
#include "calendar.h"
#include "decide.h"
#include "hd_mem.h"
#include "hd_test.h"

#define RITA "00000000-0000-4000-8000-000000000001"
#define ROB "00000000-0000-4000-8000-000000000002"
#define CORA "00000000-0000-4000-8000-000000000003"
#define GIL "00000000-0000-4000-8000-000000000004"
#define MAYA "00000000-0000-4000-8000-000000000005"
#define OLD "aaaaaaaa-0000-4000-8000-000000000001"
#define EV "22222222-2222-4222-8222-222222222222"
#define DAY (24 * 3600 * 1000LL)
#define T0 (100 * DAY)

static wf_items_t s_items;
static wf_inbox_t s_inbox;
static wf_facts_t s_facts;
static wf_calendars_t *s_cals;
static const char *s_words[] = {"refund"};
static wf_rule_t s_rule = {"support", NULL, "customer-care", s_words, 1};
static int s_mentions;

static void person(const char *id, const char *email, const char *dept, const char *role,
                   int assigned) {
    s_inbox.people =
        hd_grow(s_inbox.people, &s_inbox.cappeople, s_inbox.npeople + 1, sizeof *s_inbox.people);
    wf_person_t *p = &s_inbox.people[s_inbox.npeople++];
    memset(p, 0, sizeof *p);
    snprintf(p->a.id, HD_ID_LEN, "%s", id);
    snprintf(p->a.department, HD_DEPT_LEN, "%s", dept);
    p->a.active = 1;
    snprintf(p->a.roles[0], HD_ROLE_LEN, "%s", role);
    p->a.nroles = 1;
    snprintf(p->email, sizeof p->email, "%s", email);
    p->assigned = assigned;
}

/* Care: rita (2 assigned), rob (1), coach cora; gil gathers; maya is
   marketing's responder. */
static void reset(void) {
    wf_items_clear(&s_items);
    wf_inbox_clear(&s_inbox);
    memset(&s_facts, 0, sizeof s_facts);
    if (!s_cals)
        s_cals = wf_calendars_new();
    s_facts.calendars = s_cals;
    s_facts.rules = &s_rule;
    s_facts.nrules = 1;
    person(RITA, "rita@example.org", "customer-care", "responder", 2);
    person(ROB, "rob@example.org", "customer-care", "responder", 1);
    person(CORA, "cora@example.org", "customer-care", "coach", 0);
    person(GIL, "gil@example.org", "hub", "information-gatherer", 0);
    person(MAYA, "maya@example.org", "marketing", "responder", 0);
}

static wf_person_t *who(const char *id) { return wf_inbox_person(&s_inbox, id); }

/* A mention by author at `at`; its id is returned (static storage). */
static const char *mention(const char *author, const char *text, int64_t at, wf_step_t *st) {
    static char ids[16][HD_ID_LEN];
    char *id = ids[s_mentions++ % 16];
    snprintf(id, HD_ID_LEN, "bbbbbbbb-0000-4000-8000-%012d", s_mentions);
    Huddle__V1__MentionReceived b = HUDDLE__V1__MENTION_RECEIVED__INIT;
    b.mention_id = id;
    b.channel = "sandbox";
    b.author_handle = (char *)author;
    b.text = (char *)text;
    b.external_id = "109";
    b.feed = "care-mentions";
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    e.id = EV;
    e.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    e.mention_received = &b;
    e.occurred_at_ms = at;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
    return id;
}

static void request(const char *mention_id, const char *action, const char *actor,
                    const char *assignee, const char *department, wf_step_t *st) {
    Huddle__V1__InboxRequested b = HUDDLE__V1__INBOX_REQUESTED__INIT;
    b.request_id = "r-1";
    b.mention_id = (char *)mention_id;
    b.action = (char *)action;
    b.actor_id = (char *)actor;
    b.actor_email = "actor@example.org";
    b.assignee_id = (char *)assignee;
    b.department = (char *)department;
    b.reason = "because";
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    e.id = EV;
    e.body_case = HUDDLE__V1__ENVELOPE__BODY_INBOX_REQUESTED;
    e.inbox_requested = &b;
    e.department = "customer-care";
    e.occurred_at_ms = T0 + 5000;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

/* Asserts the step's change k: what, state, assignee. */
#define ASSERT_CHANGE(st, k, what_, state_, assignee_)                  \
    do {                                                                \
        ASSERT((st).nchanges > (k));                                    \
        ASSERT_STR((st).changes[k].what, what_);                        \
        ASSERT_STR(hd_inbox_state_name((st).changes[k].state), state_); \
        ASSERT_STR((st).changes[k].assignee_id, assignee_);             \
    } while (0)

HD_TEST(mentions_are_auto_assigned_as_the_batch_counts) {
    reset();
    wf_step_t st;
    const char *a = mention("@fan", "a refund please", T0, &st);
    ASSERT_EQ(st.nout, 1);
    ASSERT_CHANGE(st, 0, "assigned", "assigned", ROB);
    ASSERT_EQ(st.changes[0].from, HD_INBOX_NEW);
    ASSERT_STR(st.changes[0].assignee_email, "rob@example.org");
    ASSERT_STR(st.changes[0].actor_id, "");
    ASSERT_STR(st.changes[0].feed, "care-mentions");
    ASSERT_EQ(who(ROB)->assigned, 2);
    wf_inbox_item_t *it = wf_inbox_find(&s_inbox, a);
    ASSERT_EQ(it->state, HD_INBOX_ASSIGNED);
    ASSERT_EQ(it->assigned_ms, T0);
    ASSERT_EQ(it->version, 1); /* a new item is written once */
    /* rob and rita both have 2 now: rita was never assigned in this batch */
    mention("@other", "refund again", T0 + 1, &st);
    ASSERT_CHANGE(st, 0, "assigned", "assigned", RITA);
    mention("@third", "refund, third", T0 + 2, &st);
    ASSERT_CHANGE(st, 0, "assigned", "assigned", ROB);
    ASSERT_EQ(who(ROB)->assigned, 3);
    ASSERT_EQ(who(RITA)->assigned, 3);
    /* nobody eligible: the item stays new, no change */
    who(ROB)->away = who(RITA)->away = 1;
    const char *b = mention("@fourth", "refund", T0 + 3, &st);
    ASSERT_EQ(st.nchanges, 0);
    ASSERT_EQ(wf_inbox_find(&s_inbox, b)->state, HD_INBOX_NEW);
}

HD_TEST(triage_goes_to_the_information_gatherers) {
    reset();
    wf_step_t st;
    const char *a = mention("@fan", "hello there", T0, &st);
    wf_inbox_item_t *it = wf_inbox_find(&s_inbox, a);
    ASSERT(it->triage);
    ASSERT_STR(it->department, "");
    ASSERT_STR(st.department, "");
    ASSERT_CHANGE(st, 0, "assigned", "assigned", GIL);
    ASSERT_STR(st.changes[0].department, "");
}

/* A stored item of the author's, in state s, routed at `routed`. */
static wf_inbox_item_t *stored(const char *id, const char *author, hd_inbox_state_t s,
                               const char *assignee, int64_t routed) {
    wf_inbox_item_t *it = wf_inbox_add(&s_inbox, id);
    snprintf(it->department, HD_DEPT_LEN, "customer-care");
    snprintf(it->channel, HD_DEPT_LEN, "sandbox");
    wf_inbox_set(&it->author_handle, author);
    it->state = s;
    snprintf(it->assignee_id, HD_ID_LEN, "%s", assignee);
    it->received_ms = it->routed_ms = routed;
    it->version = 4;
    it->stored = 1;
    return it;
}

HD_TEST(the_author_writing_again_reopens_their_newest_item) {
    reset();
    stored(OLD, "@fan", HD_INBOX_WAITING, RITA, T0 - DAY);
    stored("aaaaaaaa-0000-4000-8000-000000000002", "@fan", HD_INBOX_RESOLVED, ROB, T0 - 2 * DAY);
    wf_step_t st;
    const char *a = mention("@fan", "still no refund", T0, &st);
    ASSERT_EQ(st.nchanges, 2);
    ASSERT_CHANGE(st, 0, "reopened", "assigned", RITA);
    ASSERT_STR(st.changes[0].mention_id, OLD);
    ASSERT_EQ(st.changes[0].from, HD_INBOX_WAITING);
    ASSERT(strstr(st.changes[0].reason, a) != NULL);
    ASSERT_CHANGE(st, 1, "assigned", "assigned", RITA); /* though rob has fewer */
    wf_inbox_item_t *old = wf_inbox_find(&s_inbox, OLD);
    ASSERT_EQ(old->version, 5);
    ASSERT(old->changed);
    ASSERT_STR(wf_inbox_find(&s_inbox, a)->conversation_of, OLD);
    ASSERT_EQ(who(RITA)->assigned, 4);
    /* the same author again in the batch: the newest is open, nothing reopens */
    mention("@fan", "hello? refund?", T0 + 1, &st);
    ASSERT_EQ(st.nchanges, 1);
    ASSERT_CHANGE(st, 0, "assigned", "assigned", ROB);
}

HD_TEST(a_conversation_needs_an_eligible_owner_and_a_recent_item) {
    reset();
    stored(OLD, "@fan", HD_INBOX_RESOLVED, "", T0 - DAY);
    wf_step_t st;
    const char *a = mention("@fan", "refund", T0, &st);
    ASSERT_CHANGE(st, 0, "reopened", "new", "");
    ASSERT_CHANGE(st, 1, "assigned", "assigned", ROB); /* as usual */
    ASSERT_STR(wf_inbox_find(&s_inbox, a)->conversation_of, OLD);
    reset();
    stored(OLD, "@fan", HD_INBOX_WAITING, RITA, T0 - DAY);
    who(RITA)->away = 1;
    mention("@fan", "refund", T0, &st);
    ASSERT_CHANGE(st, 0, "reopened", "assigned", RITA);
    ASSERT_CHANGE(st, 1, "assigned", "assigned", ROB);
    reset();
    stored(OLD, "@fan", HD_INBOX_WAITING, RITA, T0 - 8 * DAY); /* too old */
    mention("@fan", "refund", T0, &st);
    ASSERT_EQ(st.nchanges, 1);
    ASSERT_CHANGE(st, 0, "assigned", "assigned", ROB);
    reset();
    stored(OLD, "@fan", HD_INBOX_WAITING, RITA, T0 - DAY); /* in care; this goes to triage */
    mention("@fan", "hello", T0, &st);
    ASSERT_EQ(st.nchanges, 1);
    ASSERT_CHANGE(st, 0, "assigned", "assigned", GIL);
}

HD_TEST(requests_are_decided_with_the_shared_rules) {
    reset();
    wf_step_t st;
    const char *a = mention("@fan", "refund", T0, &st); /* rob's */
    request(a, "assign", RITA, ROB, "", &st);           /* a responder assigns another */
    ASSERT_CHANGE(st, 0, "refused", "assigned", ROB);
    ASSERT(strstr(st.changes[0].reason, "coach") != NULL);
    ASSERT_STR(st.changes[0].request_id, "r-1");
    request(a, "assign", CORA, RITA, "", &st); /* the coach may */
    ASSERT_CHANGE(st, 0, "assigned", "assigned", RITA);
    ASSERT_STR(st.changes[0].actor_email, "actor@example.org");
    ASSERT_STR(st.changes[0].reason, "because");
    ASSERT_EQ(who(ROB)->assigned, 1);
    ASSERT_EQ(who(RITA)->assigned, 3);
    request(a, "wait", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "waiting", "waiting", RITA);
    request(a, "wait", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "refused", "waiting", RITA);
    request(a, "resolve", ROB, "", "", &st); /* someone else's */
    ASSERT_CHANGE(st, 0, "refused", "waiting", RITA);
    request(a, "resolve", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "resolved", "resolved", RITA);
    request(a, "assign", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "refused", "resolved", RITA);
    ASSERT(strstr(st.changes[0].reason, "reopen it first") != NULL);
    request(a, "reopen", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "reopened", "assigned", RITA);
    request(a, "unassign", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "unassigned", "new", "");
    ASSERT_EQ(who(RITA)->assigned, 2);
    request(a, "assign", ROB, "", "", &st); /* to oneself */
    ASSERT_CHANGE(st, 0, "assigned", "assigned", ROB);
    request(a, "assign", CORA, MAYA, "", &st); /* not of the department */
    ASSERT_CHANGE(st, 0, "refused", "assigned", ROB);
    request(a, "fly", RITA, "", "", &st);
    ASSERT_CHANGE(st, 0, "refused", "assigned", ROB);
    request(a, "assign", "00000000-0000-4000-8000-0000000000ff", "", "", &st);
    ASSERT(strstr(st.changes[0].reason, "no person") != NULL);
    request(OLD, "resolve", RITA, "", "", &st);
    ASSERT_STR(st.changes[0].what, "refused");
    ASSERT_EQ(st.changes[0].known, 0);
    ASSERT_STR(st.changes[0].department, "customer-care"); /* the request's */
    request("nope", "resolve", RITA, "", "", &st);
    ASSERT(st.dead);
}

HD_TEST(escalation_goes_to_the_coach_and_routing_reassigns) {
    reset();
    wf_step_t st;
    const char *a = mention("@fan", "refund", T0, &st); /* rob's */
    request(a, "escalate", ROB, "", "", &st);
    ASSERT_CHANGE(st, 0, "escalated", "assigned", CORA);
    ASSERT(wf_inbox_find(&s_inbox, a)->escalated);
    request(a, "route", ROB, "", "marketing", &st); /* only a coach routes */
    ASSERT_CHANGE(st, 0, "refused", "assigned", CORA);
    request(a, "route", CORA, "", "customer-care", &st);
    ASSERT_STR(st.changes[0].reason, "the item is in customer-care already");
    request(a, "route", CORA, "", "marketing", &st);
    ASSERT_EQ(st.nchanges, 2);
    ASSERT_CHANGE(st, 0, "routed", "new", "");
    ASSERT_STR(st.changes[0].from_department, "customer-care");
    ASSERT_STR(st.changes[0].department, "marketing");
    ASSERT_CHANGE(st, 1, "assigned", "assigned", MAYA);
    ASSERT_STR(st.department, "marketing");
    wf_inbox_item_t *it = wf_inbox_find(&s_inbox, a);
    ASSERT(!it->escalated);
    ASSERT(it->sla_due_ms > T0);
    ASSERT_EQ(who(CORA)->assigned, 0);
    /* triage has no coach */
    const char *t = mention("@fan2", "hi", T0, &st);
    request(t, "escalate", GIL, "", "", &st);
    ASSERT_CHANGE(st, 0, "refused", "assigned", GIL);
    ASSERT(strstr(st.changes[0].reason, "route it") != NULL);
    /* nor a department whose coach is away */
    const char *c = mention("@fan3", "refund", T0, &st);
    who(CORA)->away = 1;
    request(c, "escalate", ROB, "", "", &st);
    ASSERT_STR(st.changes[0].what, "refused");
}

HD_TEST(a_replayed_request_is_not_decided_again) {
    reset();
    wf_step_t st;
    const char *a = mention("@fan", "refund", T0, &st);
    char applied[1][HD_ID_LEN] = {EV};
    s_facts.applied = applied;
    s_facts.napplied = 1;
    request(a, "resolve", ROB, "", "", &st);
    ASSERT_EQ(st.nchanges, 0);
    ASSERT_STR(st.log, "request_replayed");
    s_facts.applied = NULL;
    s_facts.napplied = 0;
}

static void published(const char *content_id, const char *mention_id, int64_t at, wf_step_t *st) {
    wf_item_t *it = wf_items_find(&s_items, content_id);
    if (!it) {
        it = wf_items_add(&s_items, content_id);
        snprintf(it->kind, sizeof it->kind, WF_KIND_REPLY);
        snprintf(it->reply_to_mention_id, HD_ID_LEN, "%s", mention_id);
        snprintf(it->author_email, sizeof it->author_email, "rob@example.org");
        snprintf(it->a.author_id, HD_ID_LEN, ROB);
        snprintf(it->a.department, HD_DEPT_LEN, "customer-care");
        it->stored = 1;
    }
    it->a.state = HD_ITEM_APPROVED;
    Huddle__V1__PublishSucceeded b = HUDDLE__V1__PUBLISH_SUCCEEDED__INIT;
    b.content_id = (char *)content_id;
    hd_envelope_t e = HUDDLE__V1__ENVELOPE__INIT;
    e.id = EV;
    e.body_case = HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED;
    e.publish_succeeded = &b;
    e.occurred_at_ms = at;
    wf_decide(&s_items, &s_inbox, &s_facts, &e, st);
}

HD_TEST(the_first_published_reply_stops_the_clock) {
    reset();
    wf_step_t st;
    const char *a = mention("@fan", "refund", T0, &st);
    published("cccccccc-0000-4000-8000-000000000001", a, T0 + 90000, &st);
    ASSERT_EQ(wf_items_find(&s_items, "cccccccc-0000-4000-8000-000000000001")->a.state,
              HD_ITEM_PUBLISHED);
    ASSERT_CHANGE(st, 0, "replied", "waiting", ROB);
    ASSERT_EQ(st.changes[0].first, 1);
    ASSERT_EQ(st.changes[0].wall_ms, 90000);
    ASSERT(st.changes[0].response_ms >= 0 && st.changes[0].response_ms <= 90000);
    ASSERT_STR(st.changes[0].reply_content_id, "cccccccc-0000-4000-8000-000000000001");
    ASSERT_STR(st.changes[0].actor_email, "rob@example.org");
    wf_inbox_item_t *it = wf_inbox_find(&s_inbox, a);
    ASSERT_EQ(it->first_response_at_ms, T0 + 90000);
    ASSERT_STR(it->replied_by, "rob@example.org");
    ASSERT_EQ(who(ROB)->assigned, 1); /* waiting does not count */
    /* a second reply: replied, not first; the clock keeps the first */
    published("cccccccc-0000-4000-8000-000000000002", a, T0 + 200000, &st);
    ASSERT_CHANGE(st, 0, "replied", "waiting", ROB);
    ASSERT_EQ(st.changes[0].first, 0);
    ASSERT_EQ(st.changes[0].wall_ms, 0);
    ASSERT_STR(it->reply_content_id, "cccccccc-0000-4000-8000-000000000001");
    /* a reply to a mention the inbox does not know: published, no change */
    published("cccccccc-0000-4000-8000-000000000003", OLD, T0, &st);
    ASSERT_EQ(st.nchanges, 0);
    ASSERT_STR(st.log, "item_published");
}

static void teardown(void) {
    wf_items_free(&s_items);
    wf_inbox_free(&s_inbox);
    wf_calendars_destroy(&s_cals);
}

HD_TEST(cleanup) { teardown(); }

HD_TEST_MAIN(HD_CASE(mentions_are_auto_assigned_as_the_batch_counts),
             HD_CASE(triage_goes_to_the_information_gatherers),
             HD_CASE(the_author_writing_again_reopens_their_newest_item),
             HD_CASE(a_conversation_needs_an_eligible_owner_and_a_recent_item),
             HD_CASE(requests_are_decided_with_the_shared_rules),
             HD_CASE(escalation_goes_to_the_coach_and_routing_reassigns),
             HD_CASE(a_replayed_request_is_not_decided_again),
             HD_CASE(the_first_published_reply_stops_the_clock), HD_CASE(cleanup))
