/*  policy_review: the rule of policy by committee, without a database:
    four-eyes (the proposer never reviews), the reviewer's role must be
    required, held and not approved yet, the proposal must be in review, a
    rejection needs a comment; who may propose; what remains to approve. */
#include "hd_test.h"
#include "policy_review.h"

#define OLIVIA "00000000-0000-4000-8000-000000000001"
#define LENA "00000000-0000-4000-8000-000000000006"
#define HANK "00000000-0000-4000-8000-000000000007"

static const char *const CHAIN[] = {"legal", "hr"};
static const char *const LEGAL[] = {"legal"};
static const char *const HR_COACH[] = {"coach", "hr"};
static const char *const ORCH[] = {"orchestrator"};

static pol_review_proposal_t proposal(const char *const *approved, size_t napproved) {
    return (pol_review_proposal_t){.proposer_id = OLIVIA,
                                   .state = POL_PROPOSAL_IN_REVIEW,
                                   .required = CHAIN,
                                   .nrequired = 2,
                                   .approved = approved,
                                   .napproved = napproved};
}

static pol_review_t review(const char *id, const char *const *roles, size_t n, const char *role,
                           const char *decision, const char *comment) {
    return (pol_review_t){.reviewer_id = id,
                          .reviewer_email = "x@example.org",
                          .roles = roles,
                          .nroles = n,
                          .role = role,
                          .decision = decision,
                          .comment = comment};
}

HD_TEST(legal_approves_as_legal) {
    pol_review_proposal_t p = proposal(NULL, 0);
    pol_review_t r = review(LENA, LEGAL, 1, NULL, "approve", NULL);
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field = "x";
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_OK);
    ASSERT_STR(role, "legal");
    ASSERT(field == NULL);
}

HD_TEST(proposer_cannot_approve) {
    static const char *const both[] = {"orchestrator", "legal"};
    pol_review_proposal_t p = proposal(NULL, 0);
    pol_review_t r = review(OLIVIA, both, 2, NULL, "approve", NULL);
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field;
    pol_review_result_t rc = pol_review_check(&p, &r, role, why, sizeof why, &field);
    ASSERT_EQ(rc, POL_REVIEW_FORBIDDEN);
    ASSERT_EQ(pol_review_status(rc), 403);
    ASSERT(strstr(why, "four-eyes") != NULL);
}

HD_TEST(role_not_required) {
    pol_review_proposal_t p = proposal(NULL, 0);
    pol_review_t r = review(HANK, HR_COACH, 2, "coach", "approve", NULL);
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field;
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_FORBIDDEN);
    ASSERT_STR(field, "role");
    ASSERT(strstr(why, "'coach' is not required") != NULL);
    /* holding no role of the chain at all */
    r = review(HANK, ORCH, 1, NULL, "approve", NULL);
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_FORBIDDEN);
    ASSERT(strstr(why, "holds none of the roles") != NULL);
}

HD_TEST(role_not_held) {
    pol_review_proposal_t p = proposal(NULL, 0);
    pol_review_t r = review(HANK, HR_COACH, 2, "legal", "approve", NULL);
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field;
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_FORBIDDEN);
    ASSERT(strstr(why, "does not hold the role 'legal'") != NULL);
}

HD_TEST(role_already_reviewed) {
    static const char *const done[] = {"legal"};
    pol_review_proposal_t p = proposal(done, 1);
    pol_review_t r = review(LENA, LEGAL, 1, "legal", "approve", NULL);
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field;
    pol_review_result_t rc = pol_review_check(&p, &r, role, why, sizeof why, &field);
    ASSERT_EQ(rc, POL_REVIEW_CONFLICT);
    ASSERT_EQ(pol_review_status(rc), 409);
    /* without a role named, nothing is left for her */
    r.role = NULL;
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_FORBIDDEN);
}

HD_TEST(not_in_review) {
    pol_review_proposal_t p = proposal(NULL, 0);
    pol_review_t r = review(LENA, LEGAL, 1, NULL, "approve", NULL);
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field;
    pol_proposal_state_t states[] = {POL_PROPOSAL_ANALYZING, POL_PROPOSAL_ACTIVATED,
                                     POL_PROPOSAL_REJECTED, POL_PROPOSAL_INVALID};
    for (size_t i = 0; i < 4; i++) {
        p.state = states[i];
        ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_CONFLICT);
        ASSERT(strstr(why, pol_proposal_state_name(states[i])) != NULL);
    }
}

HD_TEST(reject_requires_comment) {
    pol_review_proposal_t p = proposal(NULL, 0);
    pol_review_t r = review(LENA, LEGAL, 1, NULL, "reject", "");
    char role[POL_REVIEW_ROLE_LEN], why[256];
    const char *field;
    pol_review_result_t rc = pol_review_check(&p, &r, role, why, sizeof why, &field);
    ASSERT_EQ(rc, POL_REVIEW_INVALID);
    ASSERT_EQ(pol_review_status(rc), 422);
    ASSERT_STR(field, "comment");
    r.comment = "too broad";
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_OK);
    r.decision = "maybe";
    ASSERT_EQ(pol_review_check(&p, &r, role, why, sizeof why, &field), POL_REVIEW_INVALID);
    ASSERT_STR(field, "decision");
}

HD_TEST(remaining_roles) {
    static const char *const done[] = {"legal"};
    pol_review_proposal_t p = proposal(done, 1);
    const char *left[4];
    ASSERT_EQ(pol_review_remaining(&p, NULL, left, 4), 1);
    ASSERT_STR(left[0], "hr");
    ASSERT_EQ(pol_review_remaining(&p, "hr", left, 4), 0);
}

HD_TEST(who_may_propose) {
    static const char *const player[] = {"player", "coach"};
    ASSERT_EQ(pol_review_may_propose(ORCH, 1, CHAIN, 2), 1);
    ASSERT_EQ(pol_review_may_propose(LEGAL, 1, CHAIN, 2), 1);
    ASSERT_EQ(pol_review_may_propose(player, 2, CHAIN, 2), 0);
    ASSERT_EQ(pol_review_may_propose(ORCH, 1, NULL, 0), 1);
}

HD_TEST(state_names) {
    pol_proposal_state_t s;
    ASSERT_EQ(pol_proposal_state_parse("in_review", &s), 0);
    ASSERT_EQ(s, POL_PROPOSAL_IN_REVIEW);
    ASSERT_EQ(pol_proposal_state_parse("nope", &s), -1);
    ASSERT_STR(pol_proposal_state_name(POL_PROPOSAL_ACTIVATED), "activated");
}

HD_TEST_MAIN(HD_CASE(legal_approves_as_legal), HD_CASE(proposer_cannot_approve),
             HD_CASE(role_not_required), HD_CASE(role_not_held), HD_CASE(role_already_reviewed),
             HD_CASE(not_in_review), HD_CASE(reject_requires_comment), HD_CASE(remaining_roles),
             HD_CASE(who_may_propose), HD_CASE(state_names))
