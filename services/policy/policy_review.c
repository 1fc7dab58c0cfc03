/*  policy_review: the rule of policy by committee (see the header). */
#include "policy_review.h"

#include <stdio.h>
#include <string.h>

static const char *const s_states[] = {"analyzing", "in_review", "activated", "rejected",
                                       "invalid"};

const char *pol_proposal_state_name(pol_proposal_state_t s) {
    return (unsigned)s < sizeof s_states / sizeof *s_states ? s_states[s] : "unknown";
}

int pol_proposal_state_parse(const char *s, pol_proposal_state_t *out) {
    for (size_t i = 0; s && i < sizeof s_states / sizeof *s_states; i++)
        if (!strcmp(s, s_states[i])) {
            *out = (pol_proposal_state_t)i;
            return 0;
        }
    return -1;
}

static int listed(const char *const *list, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (list[i] && !strcmp(list[i], s))
            return 1;
    return 0;
}

/* The roles still to approve, as "legal, hr" into buf. */
static void pending(const pol_review_proposal_t *p, char *buf, size_t n) {
    buf[0] = 0;
    for (size_t i = 0; i < p->nrequired; i++)
        if (!listed(p->approved, p->napproved, p->required[i]))
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? ", " : "",
                     p->required[i]);
}

static pol_review_result_t refuse(pol_review_result_t r, const char **field, const char *f) {
    *field = f;
    return r;
}

/* The form of the review: decision, comment, role. */
static pol_review_result_t check_form(const pol_review_t *r, char *why, size_t n,
                                      const char **field) {
    if (!r->decision || (strcmp(r->decision, "approve") && strcmp(r->decision, "reject"))) {
        snprintf(why, n, "decision must be 'approve' or 'reject'");
        return refuse(POL_REVIEW_INVALID, field, "decision");
    }
    if (!strcmp(r->decision, "reject") && (!r->comment || !*r->comment)) {
        snprintf(why, n, "a rejection needs a comment saying why");
        return refuse(POL_REVIEW_INVALID, field, "comment");
    }
    if (r->comment && strlen(r->comment) > POL_REVIEW_COMMENT_MAX) {
        snprintf(why, n, "comment is longer than %d bytes", POL_REVIEW_COMMENT_MAX);
        return refuse(POL_REVIEW_INVALID, field, "comment");
    }
    if (r->role && (!*r->role || strlen(r->role) >= POL_REVIEW_ROLE_LEN)) {
        snprintf(why, n, "role must be 1..%d bytes", POL_REVIEW_ROLE_LEN - 1);
        return refuse(POL_REVIEW_INVALID, field, "role");
    }
    return POL_REVIEW_OK;
}

/* The role the review counts for when none is named: the first required
   role the reviewer holds that has not approved; NULL when none. */
static const char *pick(const pol_review_proposal_t *p, const pol_review_t *r) {
    for (size_t i = 0; i < p->nrequired; i++)
        if (listed(r->roles, r->nroles, p->required[i]) &&
            !listed(p->approved, p->napproved, p->required[i]))
            return p->required[i];
    return NULL;
}

pol_review_result_t pol_review_check(const pol_review_proposal_t *p, const pol_review_t *r,
                                     char *role, char *why, size_t why_len, const char **field) {
    const char *who = r->reviewer_email && *r->reviewer_email ? r->reviewer_email : "the reviewer";
    char left[512];
    pending(p, left, sizeof left);
    pol_review_result_t rc = check_form(r, why, why_len, field);
    if (rc != POL_REVIEW_OK)
        return rc;
    if (p->state != POL_PROPOSAL_IN_REVIEW) {
        snprintf(why, why_len, "the proposal is %s, not in review",
                 pol_proposal_state_name(p->state));
        return refuse(POL_REVIEW_CONFLICT, field, "id");
    }
    if (p->proposer_id && r->reviewer_id && !strcmp(p->proposer_id, r->reviewer_id)) {
        snprintf(why, why_len, "four-eyes: %s proposed this change and may not review it", who);
        return refuse(POL_REVIEW_FORBIDDEN, field, "id");
    }
    const char *as = r->role ? r->role : pick(p, r);
    if (!as) {
        snprintf(why, why_len, "%s holds none of the roles still to review this proposal (%s)", who,
                 left[0] ? left : "none");
        return refuse(POL_REVIEW_FORBIDDEN, field, "role");
    }
    if (!listed(p->required, p->nrequired, as)) {
        snprintf(why, why_len, "role '%s' is not required to review this proposal (required: %s)",
                 as, left[0] ? left : "none left");
        return refuse(POL_REVIEW_FORBIDDEN, field, "role");
    }
    if (!listed(r->roles, r->nroles, as)) {
        snprintf(why, why_len, "%s does not hold the role '%s'", who, as);
        return refuse(POL_REVIEW_FORBIDDEN, field, "role");
    }
    if (listed(p->approved, p->napproved, as)) {
        snprintf(why, why_len, "role '%s' has already approved this proposal", as);
        return refuse(POL_REVIEW_CONFLICT, field, "role");
    }
    snprintf(role, POL_REVIEW_ROLE_LEN, "%s", as);
    *field = NULL;
    return POL_REVIEW_OK;
}

int pol_review_status(pol_review_result_t r) {
    switch (r) {
    case POL_REVIEW_OK:
        return 200;
    case POL_REVIEW_INVALID:
        return 422;
    case POL_REVIEW_FORBIDDEN:
        return 403;
    default:
        return 409;
    }
}

size_t pol_review_remaining(const pol_review_proposal_t *p, const char *role,
                            const char **remaining, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < p->nrequired; i++) {
        const char *q = p->required[i];
        if (listed(p->approved, p->napproved, q) || (role && !strcmp(role, q)))
            continue;
        if (n < max)
            remaining[n] = q;
        n++;
    }
    return n;
}

int pol_review_may_propose(const char *const *roles, size_t nroles, const char *const *chain,
                           size_t nchain) {
    for (size_t i = 0; i < nroles; i++)
        if (!strcmp(roles[i], "orchestrator") || listed(chain, nchain, roles[i]))
            return 1;
    return 0;
}
