/*  The crisis routes' decisions (services/ingest/crisis_rules.c): which
    state allows which action, who may act, a narrower scope inside the
    playbook's, the holding statement's channel; and the statement kind,
    which only ingest's own submission with a crisis may carry (decode.c). */
#include "crisis_rules.h"
#include "decode.h"
#include "hd_test.h"

static ing_person_t person(const char *r1, const char *r2) {
    ing_person_t p = {0};
    if (r1)
        snprintf(p.roles[p.nroles++], sizeof p.roles[0], "%s", r1);
    if (r2)
        snprintf(p.roles[p.nroles++], sizeof p.roles[0], "%s", r2);
    return p;
}

HD_TEST(states_allow) {
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_CONFIRM, HD_CRISIS_PROPOSED));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_CONFIRM, HD_CRISIS_DECLARED));
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_DISMISS, HD_CRISIS_PROPOSED));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_DISMISS, HD_CRISIS_DRILL));
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_RESUME, HD_CRISIS_DECLARED));
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_RESUME, HD_CRISIS_DRILL));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_RESUME, HD_CRISIS_RESUMED));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_RESUME, HD_CRISIS_PROPOSED));
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_ACK, HD_CRISIS_PROPOSED));
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_ACK, HD_CRISIS_DRILL));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_ACK, HD_CRISIS_DISMISSED));
    ASSERT(ing_crisis_action_allowed(ING_CRISIS_STATEMENT, HD_CRISIS_DECLARED));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_STATEMENT, HD_CRISIS_DRILL));
    /* out of range: nothing allowed, names stay printable */
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_ACTION_COUNT, HD_CRISIS_DECLARED));
    ASSERT(!ing_crisis_action_allowed(ING_CRISIS_RESUME, HD_CRISIS_STATE_COUNT));
    ASSERT_STR(ing_crisis_action_name(ING_CRISIS_RESUME), "resume");
    ASSERT_STR(ing_crisis_action_name(ING_CRISIS_ACTION_COUNT), "unknown");
    ASSERT_STR(ing_crisis_action_states(ING_CRISIS_RESUME), "declared or drill");
}

HD_TEST(who_may) {
    const char *team[] = {"crisis", "legal"};
    ing_person_t player = person("player", NULL), legal = person("coach", "legal"),
                 orch = person("orchestrator", NULL);
    ASSERT(!ing_crisis_may(&player, team, 2));
    ASSERT(ing_crisis_may(&legal, team, 2));
    ASSERT(ing_crisis_may(&orch, team, 2));
    ASSERT(ing_crisis_may(&orch, NULL, 0)); /* an empty team: the orchestrator alone */
    ASSERT(!ing_crisis_may(&legal, NULL, 0));
    const char *held[4];
    ASSERT_EQ(ing_crisis_roles_held(&legal, team, 2, held, 4), 1);
    ASSERT_STR(held[0], "legal");
    ing_person_t both = person("orchestrator", "crisis");
    ASSERT_EQ(ing_crisis_roles_held(&both, team, 2, held, 4), 2);
    ASSERT_EQ(ing_crisis_roles_held(&both, team, 2, held, 1), 1); /* bounded by max */
}

HD_TEST(join) {
    const char *l[] = {"crisis", "legal"};
    char buf[64];
    ASSERT_STR(ing_crisis_join(l, 2, buf, sizeof buf), "crisis, legal");
    ASSERT_STR(ing_crisis_join(l, 0, buf, sizeof buf), "");
    char small[8];
    ASSERT_STR(ing_crisis_join(l, 2, small, sizeof small), "crisis,"); /* cut, terminated */
}

HD_TEST(scope_inside) {
    const char *pb[] = {"marketing", "hub"}, *in[] = {"hub"}, *out[] = {"hub", "hr"};
    ASSERT(ing_crisis_outside(in, 1, pb, 2) == NULL);
    ASSERT_STR(ing_crisis_outside(out, 2, pb, 2), "hr");
    ASSERT(ing_crisis_outside(out, 2, NULL, 0) == NULL); /* the playbook covers everything */
    ASSERT(ing_crisis_outside(NULL, 0, pb, 2) == NULL);  /* nothing asked: its own scope */
}

HD_TEST(statement_channel) {
    const char *crisis[] = {"x-main", "sandbox"}, *acc[] = {"sandbox"}, *two[] = {"a", "b"};
    ASSERT_STR(ing_crisis_statement_channel("mine", crisis, 2, acc, 1), "mine");
    ASSERT_STR(ing_crisis_statement_channel(NULL, crisis, 2, acc, 1), "sandbox");
    ASSERT(ing_crisis_statement_channel(NULL, crisis, 2, two, 2) == NULL); /* no account on them */
    ASSERT_STR(ing_crisis_statement_channel(NULL, NULL, 0, acc, 1), "sandbox");
    ASSERT(ing_crisis_statement_channel(NULL, NULL, 0, two, 2) == NULL); /* which one? */
    ASSERT(ing_crisis_statement_channel(NULL, NULL, 0, NULL, 0) == NULL);
}

HD_TEST(statement_kind) {
    ing_refusal_t why;
    ing_submission_t in = {.channel = "sandbox", .text = "We are aware.", .kind = "statement"};
    ASSERT_EQ(ing_check_submission(&in, 0, &why), -1); /* a client's kind is never statement */
    ASSERT_STR(why.field, "kind");
    in.crisis_id = "4d3c2b1a-0000-4000-8000-000000000001";
    ASSERT_EQ(ing_check_submission(&in, 0, &why), 0);
    in.kind = "post"; /* a crisis goes with a statement only */
    ASSERT_EQ(ing_check_submission(&in, 0, &why), -1);
    in.kind = "statement";
    in.crisis_id = "not-a-uuid";
    ASSERT_EQ(ing_check_submission(&in, 0, &why), -1);
    in.kind = NULL;
    in.crisis_id = "4d3c2b1a-0000-4000-8000-000000000001";
    ASSERT_EQ(ing_check_submission(&in, 0, &why), -1);
    ing_submission_t out;
    const char body[] = "{\"channel\":\"sandbox\",\"text\":\"x\",\"kind\":\"statement\"}";
    ASSERT_EQ(ing_decode_submission(body, sizeof body - 1, NULL, 0, &out, &why), -1);
    ASSERT_STR(why.field, "kind");
    const char crisis[] = "{\"channel\":\"sandbox\",\"text\":\"x\",\"crisis_id\":\"a\"}";
    ASSERT_EQ(ing_decode_submission(crisis, sizeof crisis - 1, NULL, 0, &out, &why), -1);
    ASSERT_STR(why.field, "crisis_id"); /* not a member of the API's body */
}

HD_TEST_MAIN(HD_CASE(states_allow), HD_CASE(who_may), HD_CASE(join), HD_CASE(scope_inside),
             HD_CASE(statement_channel), HD_CASE(statement_kind))
