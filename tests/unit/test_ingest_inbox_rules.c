/*  The inbox's decisions at ingest's door (services/ingest/inbox_rules.c):
    who sees an item, the early check of an action (hd_inbox's rules and
    what the item alone refuses), who may answer, the text a reply goes out
    with, pending replies and the collision verdict; and a reply to a
    mention, which only ingest's own submission carries (decode.c). */
#include "decode.h"
#include "hd_test.h"
#include "inbox_rules.h"

#include <stdlib.h>

#define RITA "00000000-0000-4000-8000-000000000004"
#define CORA "00000000-0000-4000-8000-000000000005"
#define MAYA "00000000-0000-4000-8000-000000000002"
#define MENTION "00000000-0000-4000-8000-00000000bbbb"

static ing_person_t person(const char *id, const char *dept, const char *r1, const char *r2) {
    ing_person_t p = {0};
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.email, sizeof p.email, "%s@example.org", dept);
    snprintf(p.department, sizeof p.department, "%s", dept);
    if (r1)
        snprintf(p.roles[p.nroles++], sizeof p.roles[0], "%s", r1);
    if (r2)
        snprintf(p.roles[p.nroles++], sizeof p.roles[0], "%s", r2);
    return p;
}

static ing_inbox_item_t item(const char *dept, const char *state, const char *owner) {
    return (ing_inbox_item_t){dept, state, owner ? owner : "", owner ? "owner@example.org" : ""};
}

HD_TEST(who_sees_an_item) {
    ing_person_t rita = person(RITA, "customer-care", "responder", NULL),
                 maya = person(MAYA, "marketing", "responder", NULL),
                 gatherer = person(MAYA, "marketing", "information-gatherer", NULL),
                 legal = person(MAYA, "legal", "legal", NULL);
    ing_inbox_item_t care = item("customer-care", "new", NULL), triage = item("", "new", NULL);
    ASSERT(ing_inbox_visible(&rita, &care));
    ASSERT(!ing_inbox_visible(&maya, &care)); /* another department: as if unknown */
    ASSERT(!ing_inbox_visible(&rita, &triage));
    ASSERT(ing_inbox_visible(&gatherer, &triage));
    ASSERT(!ing_inbox_visible(&gatherer, &care));
    ASSERT(ing_inbox_visible(&legal, &care)); /* an organization-wide reader */
    ASSERT(ing_inbox_visible(&legal, &triage));
    ASSERT(ing_inbox_in_triage(&triage));
    ASSERT(!ing_inbox_in_triage(&care));
}

/* The early check's status for `who` taking `a` on `it`. */
static int check(const ing_person_t *who, const ing_inbox_item_t *it, hd_inbox_action_t a,
                 const hd_inbox_target_t *t, const char *route_to, char *why) {
    hd_actor_t actor;
    ing_inbox_actor(who, &actor);
    return ing_inbox_action_check(&actor, it, a, t, route_to, why, 300);
}

HD_TEST(action_checks) {
    char why[300];
    ing_person_t rita = person(RITA, "customer-care", "responder", NULL),
                 cora = person(CORA, "customer-care", "coach", NULL),
                 maya = person(MAYA, "marketing", "responder", NULL),
                 orch = person(MAYA, "hub", "orchestrator", NULL);
    ing_inbox_item_t fresh = item("customer-care", "new", NULL),
                     ritas = item("customer-care", "assigned", RITA),
                     coras = item("customer-care", "assigned", CORA),
                     done = item("customer-care", "resolved", RITA), triage = item("", "new", NULL);
    ASSERT_EQ(check(&rita, &fresh, HD_INBOX_ASSIGN, NULL, NULL, why), 0); /* to herself */
    ASSERT_EQ(check(&maya, &fresh, HD_INBOX_ASSIGN, NULL, NULL, why), 403);
    ASSERT_EQ(check(&rita, &ritas, HD_INBOX_ASSIGN, NULL, NULL, why), 409);
    ASSERT(strstr(why, "already assigned to owner@example.org"));
    ASSERT_EQ(check(&rita, &fresh, HD_INBOX_UNASSIGN, NULL, NULL, why), 409);
    ASSERT(strstr(why, "nobody is assigned"));
    ASSERT_EQ(check(&rita, &coras, HD_INBOX_RESOLVE, NULL, NULL, why), 403); /* someone else's */
    ASSERT_EQ(check(&cora, &ritas, HD_INBOX_RESOLVE, NULL, NULL, why), 0);   /* a coach may */
    ASSERT_EQ(check(&rita, &ritas, HD_INBOX_WAIT, NULL, NULL, why), 0);
    ASSERT_EQ(check(&rita, &fresh, HD_INBOX_WAIT, NULL, NULL, why), 409);
    ASSERT_EQ(check(&rita, &done, HD_INBOX_RESOLVE, NULL, NULL, why), 409);
    ASSERT(strstr(why, "reopen it first"));
    ASSERT_EQ(check(&rita, &done, HD_INBOX_REOPEN, NULL, NULL, why), 0);
    ASSERT_EQ(check(&orch, &triage, HD_INBOX_ESCALATE, NULL, NULL, why), 409); /* no coach */
    ASSERT_EQ(check(&rita, &fresh, HD_INBOX_ROUTE, NULL, "marketing", why), 403);
    ASSERT_EQ(check(&cora, &fresh, HD_INBOX_ROUTE, NULL, "customer-care", why), 422);
    ASSERT_EQ(check(&cora, &fresh, HD_INBOX_ROUTE, NULL, "marketing", why), 0);
    ASSERT_EQ(check(&orch, &triage, HD_INBOX_ROUTE, NULL, "customer-care", why), 0);
    /* an assign to another person: a coach's, and the target must work the item */
    hd_actor_t mt, rt;
    ing_inbox_actor(&maya, &mt);
    ing_inbox_actor(&rita, &rt);
    hd_inbox_target_t to_maya = {&mt, 1, 0}, to_rita = {&rt, 1, 0}, away = {&rt, 1, 1};
    ASSERT_EQ(check(&rita, &fresh, HD_INBOX_ASSIGN, &to_rita, NULL, why), 0); /* herself */
    ASSERT_EQ(check(&cora, &fresh, HD_INBOX_ASSIGN, &to_rita, NULL, why), 0);
    ASSERT_EQ(check(&cora, &fresh, HD_INBOX_ASSIGN, &to_maya, NULL, why), 422);
    ASSERT_EQ(check(&cora, &fresh, HD_INBOX_ASSIGN, &away, NULL, why), 422);
    ASSERT(strstr(why, "away"));
    ASSERT_EQ(check(&cora, &ritas, HD_INBOX_ASSIGN, &to_rita, NULL, why), 409);
    ing_inbox_item_t odd = item("customer-care", "limbo", NULL);
    ASSERT_EQ(check(&cora, &odd, HD_INBOX_RESOLVE, NULL, NULL, why), 409);
}

HD_TEST(who_may_reply) {
    char why[300];
    ing_person_t rita = person(RITA, "customer-care", "responder", NULL),
                 player = person(RITA, "customer-care", "player", NULL),
                 maya = person(MAYA, "marketing", "responder", NULL),
                 gatherer = person(MAYA, "marketing", "information-gatherer", NULL),
                 orch = person(MAYA, "hub", "orchestrator", NULL);
    ing_inbox_item_t care = item("customer-care", "new", NULL), triage = item("", "new", NULL);
    ASSERT_EQ(ing_inbox_may_reply(&rita, &care, why, sizeof why), 0);
    ASSERT_EQ(ing_inbox_may_reply(&player, &care, why, sizeof why), 403);
    ASSERT_EQ(ing_inbox_may_reply(&maya, &care, why, sizeof why), 403);
    ASSERT(strstr(why, "customer-care"));
    ASSERT_EQ(ing_inbox_may_reply(&rita, &triage, why, sizeof why), 403);
    ASSERT_EQ(ing_inbox_may_reply(&gatherer, &triage, why, sizeof why), 0);
    ASSERT_EQ(ing_inbox_may_reply(&orch, &care, why, sizeof why), 0);
}

HD_TEST(reply_text) {
    const char *sig = "\n\n— {name} ({first_name}), {department} {unknown}";
    char *t = ing_inbox_reply_text("@sam", "Sorry about that!", sig, "Rita Reyes", "Customer Care");
    ASSERT_STR(t, "@sam Sorry about that!\n\n— Rita Reyes (Rita), Customer Care {unknown}");
    free(t);
    t = ing_inbox_reply_text("sam@social.example", "hi", "", "Rita", "Care");
    ASSERT_STR(t, "@sam@social.example hi");
    free(t);
    t = ing_inbox_reply_text("@SAM", "@sam, it is on its way", "", "Rita", "Care");
    ASSERT_STR(t, "@sam, it is on its way"); /* already addressed: not twice */
    free(t);
    t = ing_inbox_reply_text("@sam", "@samuel is another person", "", "Rita", "Care");
    ASSERT_STR(t, "@sam @samuel is another person");
    free(t);
    t = ing_inbox_reply_text("", "x", "{first_name}", "", "");
    ASSERT_STR(t, "x");
    free(t);
}

HD_TEST(pending_replies) {
    ASSERT(ing_inbox_reply_pending("submitted"));
    ASSERT(ing_inbox_reply_pending("evaluating"));
    ASSERT(ing_inbox_reply_pending("awaiting_approval"));
    ASSERT(ing_inbox_reply_pending("approved"));
    ASSERT(ing_inbox_reply_pending("held"));
    ASSERT(!ing_inbox_reply_pending("published"));
    ASSERT(!ing_inbox_reply_pending("rejected"));
    ASSERT(!ing_inbox_reply_pending("blocked"));
    ASSERT(!ing_inbox_reply_pending("failed"));
    ASSERT(!ing_inbox_reply_pending("expired"));
    ASSERT(!ing_inbox_reply_pending("recalled"));
    ASSERT(!ing_inbox_reply_pending("nonsense"));
    ASSERT(ing_inbox_reply_approved("approved"));
    ASSERT(ing_inbox_reply_approved("held"));
    ASSERT(!ing_inbox_reply_approved("awaiting_approval"));
}

HD_TEST(reply_collisions) {
    ing_reply_verdict_t v;
    hd_inbox_reply_state_t none = {"", "", 0, "", "", 0};
    ing_inbox_reply_judge(&none, "", MENTION, RITA, 0, &v);
    ASSERT_EQ(v.status, 0);
    ASSERT_STR(v.supersedes, "");
    hd_inbox_reply_state_t pending = {"", "", 0, "c1", "cora@example.org", 1767225600000LL};
    ing_inbox_reply_judge(&pending, "awaiting_approval", MENTION, RITA, 0, &v);
    ASSERT_EQ(v.status, 409);
    ASSERT_STR(v.code, "reply_pending");
    ASSERT_STR(v.by, "cora@example.org");
    ASSERT_EQ(v.since_ms, 1767225600000LL);
    ASSERT(strstr(v.why, "2026-01-01T00:00:00.000Z"));
    ing_inbox_reply_judge(&pending, "awaiting_approval", MENTION, RITA, 1, &v);
    ASSERT_EQ(v.status, 0);
    ASSERT_STR(v.supersedes, "c1");
    ing_inbox_reply_judge(&pending, "approved", MENTION, RITA, 1, &v);
    ASSERT_EQ(v.status, 409);
    ASSERT_STR(v.code, "reply_approved");
    hd_inbox_reply_state_t owned = {CORA, "cora@example.org", 42, "", "", 0};
    ing_inbox_reply_judge(&owned, "", MENTION, RITA, 0, &v);
    ASSERT_EQ(v.status, 409);
    ASSERT_STR(v.code, "assigned_elsewhere");
    ASSERT_EQ(v.since_ms, 42);
    ing_inbox_reply_judge(&owned, "", MENTION, CORA, 0, &v); /* the owner answers */
    ASSERT_EQ(v.status, 0);
    ing_inbox_reply_judge(&owned, "", MENTION, RITA, 1, &v); /* explicitly */
    ASSERT_EQ(v.status, 0);
}

HD_TEST(a_reply_to_a_mention_is_of_kind_reply) {
    ing_refusal_t why;
    ing_submission_t in = {
        .channel = "sandbox", .text = "hi", .kind = "reply", .reply_to_mention_id = MENTION};
    ASSERT_EQ(ing_check_submission(&in, 0, &why), 0);
    in.kind = "post";
    ASSERT_EQ(ing_check_submission(&in, 0, &why), -1);
    ASSERT_STR(why.field, "kind");
    in.kind = "reply";
    in.reply_to_mention_id = "not-a-uuid";
    ASSERT_EQ(ing_check_submission(&in, 0, &why), -1);
}

HD_TEST_MAIN(HD_CASE(who_sees_an_item), HD_CASE(action_checks), HD_CASE(who_may_reply),
             HD_CASE(reply_text), HD_CASE(pending_replies), HD_CASE(reply_collisions),
             HD_CASE(a_reply_to_a_mention_is_of_kind_reply))
