/*  policy_review: who may propose a policy change and whether a review of a
    proposal counts: the one rule of policy by committee, a pure function
    that ingest applies early (to answer 403 / 409 at once) and the policy
    service applies again when the review reaches it (its answer is the one
    that counts). The chain of required roles is data (policy_review_step,
    copied into each proposal when it is made); an empty chain means an
    orchestrator's review alone.

    Four-eyes: the proposer never reviews their own proposal. A reviewer
    reviews as one of the proposal's required roles that they hold and that
    has not approved yet; the proposal must be in review; a rejection says
    why. The proposal activates when every required role has approved. */
#ifndef POL_REVIEW_H
#define POL_REVIEW_H

#include <stddef.h>

/* A proposal's states (policy_proposal_state.state; "analyzing" while the
   policy service has not seen it yet: no state row). */
typedef enum {
    POL_PROPOSAL_ANALYZING = 0,
    POL_PROPOSAL_IN_REVIEW,
    POL_PROPOSAL_ACTIVATED,
    POL_PROPOSAL_REJECTED,
    POL_PROPOSAL_INVALID,
} pol_proposal_state_t;

/* "analyzing", "in_review", "activated", "rejected", "invalid". */
const char *pol_proposal_state_name(pol_proposal_state_t s);

/* The state named s into *out: 0, or -1 when s names none. */
int pol_proposal_state_parse(const char *s, pol_proposal_state_t *out);

/* The longest role name, with its NUL. */
#define POL_REVIEW_ROLE_LEN 64

/* What the rule needs about a proposal. Strings borrowed. */
typedef struct {
    const char *proposer_id;
    pol_proposal_state_t state;
    const char *const *required; /* required roles, in chain order */
    size_t nrequired;
    const char *const *approved; /* required roles that approved already */
    size_t napproved;
} pol_review_proposal_t;

/* A review as submitted. role NULL or "": the first required role, in
   chain order, that the reviewer holds and that has not approved yet. */
typedef struct {
    const char *reviewer_id;
    const char *reviewer_email; /* for the reasons */
    const char *const *roles;   /* the roles the reviewer holds */
    size_t nroles;
    const char *role;
    const char *decision; /* "approve" or "reject" */
    const char *comment;  /* required to reject */
} pol_review_t;

typedef enum {
    POL_REVIEW_OK = 0,
    POL_REVIEW_INVALID,   /* 422: decision, comment or role malformed (field in *field) */
    POL_REVIEW_FORBIDDEN, /* 403: the proposer, or a role not held / not required */
    POL_REVIEW_CONFLICT,  /* 409: not in review, or the role approved already */
} pol_review_result_t;

/* The longest comment accepted (bytes). */
#define POL_REVIEW_COMMENT_MAX 2000

/* May review r count on proposal p? On POL_REVIEW_OK the role it counts
   for is copied into role (POL_REVIEW_ROLE_LEN bytes); otherwise why
   receives a sentence saying what is wrong and *field the field it is
   about ("decision", "comment", "role", "id"; borrowed, static). Pure. */
pol_review_result_t pol_review_check(const pol_review_proposal_t *p, const pol_review_t *r,
                                     char *role, char *why, size_t why_len, const char **field);

/* The HTTP status of a result: 200, 422, 403 or 409. */
int pol_review_status(pol_review_result_t r);

/* How many required roles have not approved yet, counting `role` (may be
   NULL) as approved too; their names go to remaining[] (borrowed from p's
   required, at most max). Pure. */
size_t pol_review_remaining(const pol_review_proposal_t *p, const char *role,
                            const char **remaining, size_t max);

/* May a person holding roles[0..nroles) propose a policy change, the chain
   being chain[0..nchain)? An orchestrator may, and so may anyone who holds
   a role of the chain. 1 yes, 0 no. Pure. */
int pol_review_may_propose(const char *const *roles, size_t nroles, const char *const *chain,
                           size_t nchain);

#endif
