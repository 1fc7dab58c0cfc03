/*  Who may decide on an item (common/hd_approval.c), without a
    database: four-eyes, roles, departments, approvals already made. */
#include "hd_approval.h"
#include "hd_test.h"

#define AUTHOR "00000000-0000-4000-8000-00000000000a"
#define COACH "00000000-0000-4000-8000-00000000000b"
#define LEGAL "00000000-0000-4000-8000-00000000000c"

static hd_approval_item_t item_for(const char *state) {
    hd_approval_item_t it;
    memset(&it, 0, sizeof it);
    snprintf(it.content_id, sizeof it.content_id, "11111111-1111-4111-8111-111111111111");
    snprintf(it.author_id, sizeof it.author_id, AUTHOR);
    snprintf(it.department, sizeof it.department, "marketing");
    it.state = (hd_item_state_t)hd_item_state_parse(state);
    snprintf(it.roles[0].name, HD_ROLE_LEN, "coach");
    it.roles[0].same_department = 1;
    snprintf(it.roles[1].name, HD_ROLE_LEN, "legal");
    it.roles[1].same_department = 0;
    it.nroles = 2;
    return it;
}

static hd_actor_t actor(const char *id, const char *dept, const char *role1, const char *role2) {
    hd_actor_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.id, sizeof a.id, "%s", id);
    snprintf(a.department, sizeof a.department, "%s", dept);
    a.active = 1;
    if (role1)
        snprintf(a.roles[a.nroles++], HD_ROLE_LEN, "%s", role1);
    if (role2)
        snprintf(a.roles[a.nroles++], HD_ROLE_LEN, "%s", role2);
    return a;
}

HD_TEST(coach_of_the_department_may_approve) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t coach = actor(COACH, "marketing", "coach", NULL);
    char why[256] = "x";
    ASSERT_EQ(hd_approval_may_decide(&it, &coach, "coach", why, sizeof why), 1);
    ASSERT_STR(why, "");
}

HD_TEST(four_eyes_refuses_the_author) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t author = actor(AUTHOR, "marketing", "coach", NULL);
    char why[256];
    ASSERT_EQ(hd_approval_may_decide(&it, &author, "coach", why, sizeof why), 0);
    ASSERT(strstr(why, "four-eyes") != NULL);
}

HD_TEST(wrong_role_is_refused) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t player = actor(COACH, "marketing", "player", NULL);
    char why[256];
    ASSERT_EQ(hd_approval_may_decide(&it, &player, "coach", why, sizeof why), 0);
    ASSERT(strstr(why, "does not hold role 'coach'") != NULL);
    /* holding a role the item does not need is no better */
    hd_actor_t orch = actor(COACH, "marketing", "orchestrator", NULL);
    ASSERT_EQ(hd_approval_may_decide(&it, &orch, "orchestrator", why, sizeof why), 0);
    ASSERT(strstr(why, "not required") != NULL);
}

HD_TEST(wrong_department_is_refused_for_a_same_department_role) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t other = actor(COACH, "customer-care", "coach", NULL);
    char why[256];
    ASSERT_EQ(hd_approval_may_decide(&it, &other, "coach", why, sizeof why), 0);
    ASSERT(strstr(why, "department 'marketing'") != NULL);
}

HD_TEST(legal_from_another_department_may_approve_when_needed) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t lena = actor(LEGAL, "legal", "legal", NULL);
    char why[256];
    ASSERT_EQ(hd_approval_may_decide(&it, &lena, "legal", why, sizeof why), 1);
    /* without a legal finding legal is not asked */
    it.nroles = 1;
    ASSERT_EQ(hd_approval_may_decide(&it, &lena, "legal", why, sizeof why), 0);
    ASSERT(strstr(why, "not required") != NULL);
}

HD_TEST(a_role_already_approved_is_refused) {
    hd_approval_item_t it = item_for("awaiting_approval");
    it.roles[0].approved = 1;
    hd_actor_t coach = actor(COACH, "marketing", "coach", NULL);
    char why[256];
    ASSERT_EQ(hd_approval_may_decide(&it, &coach, "coach", why, sizeof why), 0);
    ASSERT(strstr(why, "already approved") != NULL);
    const char *left[HD_MAX_ROLES];
    ASSERT_EQ(hd_approval_remaining(&it, left, HD_MAX_ROLES), 1);
    ASSERT_STR(left[0], "legal");
}

HD_TEST(a_rejected_or_blocked_item_takes_no_decision) {
    hd_actor_t coach = actor(COACH, "marketing", "coach", NULL);
    const char *states[] = {"rejected", "blocked", "approved", "evaluating", "published"};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        hd_approval_item_t it = item_for(states[i]);
        char why[256];
        ASSERT_EQ(hd_approval_may_decide(&it, &coach, "coach", why, sizeof why), 0);
        ASSERT(strstr(why, "not awaiting approval") != NULL);
    }
}

HD_TEST(an_inactive_person_or_no_role_is_refused) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t coach = actor(COACH, "marketing", "coach", NULL);
    char why[256];
    ASSERT_EQ(hd_approval_may_decide(&it, &coach, "", why, sizeof why), 0);
    ASSERT_EQ(hd_approval_may_decide(&it, &coach, NULL, NULL, 0), 0);
    coach.active = 0;
    ASSERT_EQ(hd_approval_may_decide(&it, &coach, "coach", why, sizeof why), 0);
    ASSERT(strstr(why, "not active") != NULL);
}

HD_TEST(pick_role_prefers_a_role_the_actor_may_use) {
    hd_approval_item_t it = item_for("awaiting_approval");
    char role[HD_ROLE_LEN];
    /* a coach of another department who is also legal decides as legal */
    hd_actor_t both = actor(LEGAL, "legal", "coach", "legal");
    ASSERT_EQ(hd_approval_pick_role(&it, &both, role, sizeof role), 0);
    ASSERT_STR(role, "legal");
    /* after legal approved, the only role left is the one she may not use:
       it is still picked, so that the refusal names the reason */
    it.roles[1].approved = 1;
    ASSERT_EQ(hd_approval_pick_role(&it, &both, role, sizeof role), 0);
    ASSERT_STR(role, "coach");
    hd_actor_t player = actor(COACH, "marketing", "player", NULL);
    ASSERT_EQ(hd_approval_pick_role(&it, &player, role, sizeof role), -1);
}

HD_TEST(a_tiny_reason_buffer_is_still_terminated) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t author = actor(AUTHOR, "marketing", "coach", NULL);
    char why[8];
    memset(why, 'x', sizeof why);
    ASSERT_EQ(hd_approval_may_decide(&it, &author, "coach", why, sizeof why), 0);
    ASSERT_EQ(strlen(why), 7);
}

/* The state table names each state once and parses back what it names. */
HD_TEST(item_states_round_trip_through_their_names) {
    for (int i = 0; i < HD_ITEM_STATE_COUNT; i++) {
        const char *name = hd_item_state_name((hd_item_state_t)i);
        ASSERT(strcmp(name, "unknown") != 0);
        ASSERT_EQ(hd_item_state_parse(name), i);
    }
    ASSERT_EQ(hd_item_state_parse("submitted"), -1);
    ASSERT_EQ(hd_item_state_parse(NULL), -1);
    ASSERT_STR(hd_item_state_name(HD_ITEM_STATE_COUNT), "unknown");
    ASSERT(hd_item_state_final(HD_ITEM_PUBLISHED));
    ASSERT(!hd_item_state_final(HD_ITEM_APPROVED));
}

/* Role names that could break the server-side role lists are refused. */
HD_TEST(role_names_from_the_network_are_checked) {
    ASSERT(hd_approval_role_ok("legal"));
    ASSERT(!hd_approval_role_ok(""));
    ASSERT(!hd_approval_role_ok(NULL));
    ASSERT(!hd_approval_role_ok("le\ngal"));
    ASSERT(!hd_approval_role_ok("a,b"));
    ASSERT(!hd_approval_role_ok("{x}"));
    char long_name[HD_ROLE_LEN + 1];
    memset(long_name, 'r', HD_ROLE_LEN);
    long_name[HD_ROLE_LEN] = 0;
    ASSERT(!hd_approval_role_ok(long_name));
}

HD_TEST(involved_is_author_department_or_a_required_role) {
    hd_approval_item_t it = item_for("awaiting_approval");
    hd_actor_t author = actor(AUTHOR, "marketing", "player", NULL);
    hd_actor_t colleague = actor(COACH, "marketing", "player", NULL);
    hd_actor_t lawyer = actor(LEGAL, "legal", "legal", NULL);
    hd_actor_t stranger = actor(LEGAL, "care", "player", "coach"); /* coach: of care */
    hd_actor_t hr = actor(LEGAL, "hr", "hr", NULL);
    ASSERT(hd_approval_involved(&it, &author));
    ASSERT(hd_approval_involved(&it, &colleague));
    ASSERT(hd_approval_involved(&it, &lawyer));
    /* a coach of another department holds a role the item names: involved
       (may_decide then says why not), but a player of care is not */
    ASSERT(hd_approval_involved(&it, &stranger));
    ASSERT(!hd_approval_involved(&it, &hr));
    hd_actor_t player = actor(LEGAL, "care", "player", NULL);
    ASSERT(!hd_approval_involved(&it, &player));
}

HD_TEST_MAIN(HD_CASE(item_states_round_trip_through_their_names),
             HD_CASE(involved_is_author_department_or_a_required_role),
             HD_CASE(role_names_from_the_network_are_checked),
             HD_CASE(coach_of_the_department_may_approve), HD_CASE(four_eyes_refuses_the_author),
             HD_CASE(wrong_role_is_refused),
             HD_CASE(wrong_department_is_refused_for_a_same_department_role),
             HD_CASE(legal_from_another_department_may_approve_when_needed),
             HD_CASE(a_role_already_approved_is_refused),
             HD_CASE(a_rejected_or_blocked_item_takes_no_decision),
             HD_CASE(an_inactive_person_or_no_role_is_refused),
             HD_CASE(pick_role_prefers_a_role_the_actor_may_use),
             HD_CASE(a_tiny_reason_buffer_is_still_terminated))
