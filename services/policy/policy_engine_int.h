/*  policy_engine_int: what the engine's files share (internal). */
#ifndef POL_ENGINE_INT_H
#define POL_ENGINE_INT_H

#include "policy.h"
#include "policy_count.h"
#include "policy_fold.h"
#include "policy_model.h"

#include <hs/hs.h>

/* What a Vectorscan expression id stands for. */
enum {
    P_TERM = 0, /* lexicon term: rule, item */
    P_REGEX,    /* pattern: rule, item */
    P_PII,      /* sub = detector */
    P_URL,      /* sub = 0 scheme, 1 www, 2 bare domain */
    P_PARTNER,  /* disclosure condition: rule, item */
    P_CAMPAIGN, /* disclosure condition: rule, item (hashtag of a campaign) */
    P_REQUIRE   /* disclosure phrase: rule, item */
};

typedef struct {
    uint8_t type, sub, match, exact;
    uint8_t som; /* the start comes from Vectorscan, else end - flen */
    uint32_t rule;
    uint32_t item;
    uint32_t flen;    /* folded length of a literal */
    const char *text; /* the term as written (borrowed from the model) */
} pol_ppat_t;

struct pol {
    pol_pmodel_t *m;
    hs_database_t *db;
    hs_scratch_t *scratch;
    pol_ppat_t *pats;
    size_t npats;
    int needs_author, needs_crisis;
};

typedef struct {
    uint32_t id, from, to;
} pol_praw_t;

typedef struct {
    uint32_t start, end;   /* original text */
    uint32_t fstart, fend; /* folded text */
    int sub;
} pol_phit_t;

struct pol_result {
    pol_finding_t *f;
    uint32_t *seq;  /* tie-break for a stable order */
    uint32_t *moff; /* message offset in pool, or UINT32_MAX */
    uint32_t *roff; /* rule id offset in pool, or UINT32_MAX (the rule's own) */
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
    const char *roles[32];
    size_t nroles;
    pol_verdict_t verdict;
    pol_fold_t fold;
    pol_praw_t *raw;
    size_t nraw, rawcap;
    int truncated;
    pol_phit_t *hits; /* PII (sub = detector) */
    size_t nhits, hitcap;
    pol_pspan_t *urls;
    size_t nurls, urlcap;
    uint8_t *active; /* per rule: in scope for this item */
    uint8_t *cond, *req;
    uint32_t *cond_s, *cond_e;
    size_t rulecap;
    const pol_t *pol;
};

/* Adds a finding for rule r (index ri) on original span [s, e). When the
   rule has no message of its own, fmt builds one. 0 / -1 (out of memory). */
int pol_presult_add(pol_result_t *res, const pol_prule_t *r, uint32_t ri, uint32_t s, uint32_t e,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Gives the finding added last a rule id of its own, built from fmt and
   kept in the result (a finding no rule of the policy made). 0 / -1. */
int pol_presult_rule_id(pol_result_t *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Rule kinds that look at facts rather than matches (policy_rules.c). */
int pol_prules_eval(pol_t *pol, const char *text, size_t len, const pol_ctx_t *ctx,
                    pol_result_t *res);

/* The approvals the crises in force add to the item, whatever the rules
   (pol_eval's contract; policy_rules.c). 0 / -1. */
int pol_prules_crisis_approvals(const pol_ctx_t *ctx, pol_result_t *res);

#endif
