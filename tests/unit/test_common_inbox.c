/*  hd_inbox (common/hd_inbox.c): the inbox's states and actions and their
    names, which action leads where from every state, who may do what, and
    the collision rule for replies. The one home of these rules: ingest's
    early check and workflow's decision both call them. */
#include "hd_inbox.h"
#include "hd_test.h"

#define ID(n) "00000000-0000-4000-8000-00000000000" #n

static hd_actor_t person(const char *id, const char *dept, const char *role) {
    hd_actor_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", id);
    snprintf(a.department, sizeof a.department, "%s", dept);
    a.active = 1;
    if (role) {
        snprintf(a.roles[0], HD_ROLE_LEN, "%s", role);
        a.nroles = 1;
    }
    return a;
}

HD_TEST(names_parse_back) {
    for (int s = 0; s < HD_INBOX_STATE_COUNT; s++)
        ASSERT_EQ(hd_inbox_state_parse(hd_inbox_state_name((hd_inbox_state_t)s)), s);
    ASSERT_EQ(hd_inbox_state_parse("open"), HD_INBOX_NEW); /* before issue 16 */
    ASSERT_EQ(hd_inbox_state_parse("closed"), -1);
    ASSERT_EQ(hd_inbox_state_parse(NULL), -1);
    ASSERT_STR(hd_inbox_state_name(HD_INBOX_STATE_COUNT), "unknown");
    for (int a = 0; a < HD_INBOX_REPLIED; a++)
        ASSERT_EQ(hd_inbox_action_parse(hd_inbox_action_name((hd_inbox_action_t)a)), a);
    ASSERT_EQ(hd_inbox_action_parse("replied"), -1); /* workflow's, not a person's */
    ASSERT_EQ(hd_inbox_action_parse(NULL), -1);
    ASSERT_STR(hd_inbox_action_what(HD_INBOX_ASSIGN), "assigned");
    ASSERT_STR(hd_inbox_action_what(HD_INBOX_WAIT), "waiting");
    ASSERT_STR(hd_inbox_action_what(HD_INBOX_REOPEN), "reopened");
    ASSERT_STR(hd_inbox_action_what(HD_INBOX_ROUTE), "routed");
    ASSERT_STR(hd_inbox_action_what(HD_INBOX_REPLIED), "replied");
    ASSERT_STR(hd_inbox_action_name(HD_INBOX_ACTION_COUNT), "unknown");
    ASSERT(hd_inbox_state_counts(HD_INBOX_ASSIGNED));
    ASSERT(!hd_inbox_state_counts(HD_INBOX_WAITING));
    ASSERT(!hd_inbox_state_counts(HD_INBOX_NEW));
}

/* Where action a leads from state s (with an owner afterwards when
   owned), as "assigned", or "-" when it does not apply. */
static const char *next(hd_inbox_state_t s, hd_inbox_action_t a, int owned) {
    hd_inbox_state_t to;
    char why[128] = "";
    if (hd_inbox_next(s, a, owned, &to, why, sizeof why) < 0)
        return *why ? "-" : "(no reason)";
    return hd_inbox_state_name(to);
}

HD_TEST(every_action_from_every_state) {
    const hd_inbox_state_t N = HD_INBOX_NEW, A = HD_INBOX_ASSIGNED, W = HD_INBOX_WAITING,
                           R = HD_INBOX_RESOLVED;
    /* assign, escalate: assigned, except that a waiting item keeps waiting */
    ASSERT_STR(next(N, HD_INBOX_ASSIGN, 1), "assigned");
    ASSERT_STR(next(A, HD_INBOX_ASSIGN, 1), "assigned");
    ASSERT_STR(next(W, HD_INBOX_ASSIGN, 1), "waiting");
    ASSERT_STR(next(R, HD_INBOX_ASSIGN, 1), "-");
    ASSERT_STR(next(N, HD_INBOX_ESCALATE, 1), "assigned");
    ASSERT_STR(next(W, HD_INBOX_ESCALATE, 1), "waiting");
    ASSERT_STR(next(R, HD_INBOX_ESCALATE, 1), "-");
    /* unassign: back to new, unless nobody is assigned */
    ASSERT_STR(next(N, HD_INBOX_UNASSIGN, 0), "-");
    ASSERT_STR(next(A, HD_INBOX_UNASSIGN, 0), "new");
    ASSERT_STR(next(W, HD_INBOX_UNASSIGN, 0), "new");
    ASSERT_STR(next(R, HD_INBOX_UNASSIGN, 0), "-");
    /* wait: only from assigned */
    ASSERT_STR(next(N, HD_INBOX_WAIT, 0), "-");
    ASSERT_STR(next(A, HD_INBOX_WAIT, 1), "waiting");
    ASSERT_STR(next(W, HD_INBOX_WAIT, 1), "-");
    ASSERT_STR(next(R, HD_INBOX_WAIT, 1), "-");
    /* resolve: from any open state */
    ASSERT_STR(next(N, HD_INBOX_RESOLVE, 0), "resolved");
    ASSERT_STR(next(A, HD_INBOX_RESOLVE, 1), "resolved");
    ASSERT_STR(next(W, HD_INBOX_RESOLVE, 1), "resolved");
    ASSERT_STR(next(R, HD_INBOX_RESOLVE, 1), "-");
    /* reopen: waiting or resolved, back to its owner or to the queue */
    ASSERT_STR(next(N, HD_INBOX_REOPEN, 0), "-");
    ASSERT_STR(next(A, HD_INBOX_REOPEN, 1), "-");
    ASSERT_STR(next(W, HD_INBOX_REOPEN, 1), "assigned");
    ASSERT_STR(next(W, HD_INBOX_REOPEN, 0), "new");
    ASSERT_STR(next(R, HD_INBOX_REOPEN, 1), "assigned");
    ASSERT_STR(next(R, HD_INBOX_REOPEN, 0), "new");
    /* route: back to the (new) queue; a resolved item is reopened first */
    ASSERT_STR(next(A, HD_INBOX_ROUTE, 0), "new");
    ASSERT_STR(next(W, HD_INBOX_ROUTE, 0), "new");
    ASSERT_STR(next(R, HD_INBOX_ROUTE, 0), "-");
    /* a published reply: waiting; a resolved item stays resolved */
    ASSERT_STR(next(N, HD_INBOX_REPLIED, 0), "waiting");
    ASSERT_STR(next(A, HD_INBOX_REPLIED, 1), "waiting");
    ASSERT_STR(next(W, HD_INBOX_REPLIED, 1), "waiting");
    ASSERT_STR(next(R, HD_INBOX_REPLIED, 1), "resolved");
    /* out of range */
    ASSERT_STR(next(HD_INBOX_STATE_COUNT, HD_INBOX_ASSIGN, 1), "-");
    ASSERT_STR(next(N, HD_INBOX_ACTION_COUNT, 1), "-");
    char why[128];
    hd_inbox_state_t to;
    ASSERT_EQ(hd_inbox_next(R, HD_INBOX_WAIT, 1, &to, why, sizeof why), -1);
    ASSERT(strstr(why, "reopen it first") != NULL);
}

/* hd_inbox_may's status for actor doing a on item. */
static int may(const hd_actor_t *actor, const char *dept, const char *owner, hd_inbox_action_t a,
               const hd_actor_t *target, int active, int away) {
    hd_inbox_item_ref_t item = {dept, owner};
    hd_inbox_target_t t = {target, active, away};
    char why[256];
    return hd_inbox_may(actor, &item, a, target ? &t : NULL, why, sizeof why);
}

HD_TEST(who_may_work_an_item) {
    hd_actor_t rita = person(ID(1), "customer-care", "responder");
    hd_actor_t rob = person(ID(2), "customer-care", "responder");
    hd_actor_t cora = person(ID(3), "customer-care", "coach");
    hd_actor_t gil = person(ID(4), "hub", "information-gatherer");
    hd_actor_t olivia = person(ID(5), "hub", "orchestrator");
    hd_actor_t maya = person(ID(6), "marketing", "responder");
    hd_actor_t pat = person(ID(7), "customer-care", "player");
    const char *care = "customer-care";
    /* the department's responders and coaches; gatherers lead any queue */
    ASSERT_EQ(may(&rita, care, "", HD_INBOX_ASSIGN, NULL, 0, 0), 0);
    ASSERT_EQ(may(&maya, care, "", HD_INBOX_ASSIGN, NULL, 0, 0), 403);
    ASSERT_EQ(may(&pat, care, "", HD_INBOX_ASSIGN, NULL, 0, 0), 403);
    ASSERT_EQ(may(&olivia, care, ID(1), HD_INBOX_ROUTE, NULL, 0, 0), 0);
    /* assigning others, unassigning others and routing: a coach's */
    ASSERT_EQ(may(&rita, care, "", HD_INBOX_ASSIGN, &rob, 1, 0), 403);
    ASSERT_EQ(may(&cora, care, "", HD_INBOX_ASSIGN, &rob, 1, 0), 0);
    ASSERT_EQ(may(&rita, care, ID(2), HD_INBOX_UNASSIGN, NULL, 0, 0), 403);
    ASSERT_EQ(may(&rita, care, ID(1), HD_INBOX_UNASSIGN, NULL, 0, 0), 0);
    ASSERT_EQ(may(&cora, care, ID(2), HD_INBOX_UNASSIGN, NULL, 0, 0), 0);
    ASSERT_EQ(may(&rita, care, "", HD_INBOX_ROUTE, NULL, 0, 0), 403);
    ASSERT_EQ(may(&cora, care, "", HD_INBOX_ROUTE, NULL, 0, 0), 0);
    ASSERT_EQ(may(&gil, care, "", HD_INBOX_ROUTE, NULL, 0, 0), 0);
    /* wait, resolve, reopen: the owner's or a coach's */
    ASSERT_EQ(may(&rob, care, ID(1), HD_INBOX_RESOLVE, NULL, 0, 0), 403);
    ASSERT_EQ(may(&rita, care, ID(1), HD_INBOX_RESOLVE, NULL, 0, 0), 0);
    ASSERT_EQ(may(&cora, care, ID(1), HD_INBOX_WAIT, NULL, 0, 0), 0);
    ASSERT_EQ(may(&rob, care, "", HD_INBOX_RESOLVE, NULL, 0, 0), 0); /* nobody's */
    ASSERT_EQ(may(&rob, care, ID(1), HD_INBOX_ESCALATE, NULL, 0, 0), 0);
    /* triage: the information gatherers' */
    ASSERT_EQ(may(&gil, "", "", HD_INBOX_ASSIGN, NULL, 0, 0), 0);
    ASSERT_EQ(may(&cora, "", "", HD_INBOX_ASSIGN, NULL, 0, 0), 403);
    ASSERT_EQ(may(&gil, "", "", HD_INBOX_ASSIGN, &rita, 1, 0), 422); /* no gatherer */
    /* an assign's target: active, of the item's queue, not away */
    ASSERT_EQ(may(&cora, care, "", HD_INBOX_ASSIGN, &rob, 0, 0), 422);
    ASSERT_EQ(may(&cora, care, "", HD_INBOX_ASSIGN, &rob, 1, 1), 422);
    ASSERT_EQ(may(&cora, care, "", HD_INBOX_ASSIGN, &maya, 1, 0), 422);
    ASSERT_EQ(may(&cora, care, "", HD_INBOX_ASSIGN, &pat, 1, 0), 422);
    ASSERT_EQ(may(&olivia, care, "", HD_INBOX_ASSIGN, &maya, 1, 0), 422);
    char why[256];
    hd_inbox_item_ref_t item = {care, ""};
    hd_inbox_target_t t = {&rob, 1, 1};
    ASSERT_EQ(hd_inbox_may(&cora, &item, HD_INBOX_ASSIGN, &t, why, sizeof why), 422);
    ASSERT_STR(why, "that person is away");
    ASSERT(hd_inbox_holds(&cora, "coach"));
    ASSERT(!hd_inbox_holds(&cora, "responder"));
    ASSERT(!hd_inbox_holds(NULL, "coach"));
}

HD_TEST(a_reply_collides_with_a_pending_reply_or_another_owner) {
    const char *by = NULL;
    int64_t since = 0;
    hd_inbox_reply_state_t st = {"", "", 0, "", "", 0};
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(1), 0, &by, &since), HD_REPLY_OK);
    st.assignee_id = ID(2);
    st.assignee_email = "rob@example.org";
    st.assigned_at_ms = 500;
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(1), 0, &by, &since), HD_REPLY_OWNED);
    ASSERT_STR(by, "rob@example.org");
    ASSERT_EQ(since, 500);
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(2), 0, &by, &since), HD_REPLY_OK); /* the owner */
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(1), 1, &by, &since), HD_REPLY_OK); /* explicitly */
    st.pending_content_id = "cccccccc-0000-4000-8000-000000000001";
    st.pending_by = "rob@example.org";
    st.pending_since_ms = 700;
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(2), 0, &by, &since), HD_REPLY_PENDING);
    ASSERT_EQ(since, 700);
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(2), 1, &by, &since), HD_REPLY_OK_SUPERSEDING);
    ASSERT_EQ(hd_inbox_reply_check(&st, ID(1), 1, &by, &since), HD_REPLY_OK_SUPERSEDING);
}

HD_TEST_MAIN(HD_CASE(names_parse_back), HD_CASE(every_action_from_every_state),
             HD_CASE(who_may_work_an_item),
             HD_CASE(a_reply_collides_with_a_pending_reply_or_another_owner))
