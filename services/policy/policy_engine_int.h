/*  policy_engine_int: what the engine's files share (internal). */
#ifndef HD_POLICY_ENGINE_INT_H
#define HD_POLICY_ENGINE_INT_H

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
    uint8_t som;   /* the start comes from Vectorscan, else end - flen */
    uint32_t rule;
    uint32_t item;
    uint32_t flen; /* folded length of a literal */
    const char *text; /* the term as written (borrowed from the model) */
} hd_ppat_t;

struct hd_policy {
    hd_pmodel_t *m;
    hs_database_t *db;
    hs_scratch_t *scratch;
    hd_ppat_t *pats;
    size_t npats;
    int needs_author, needs_crisis;
};

typedef struct {
    uint32_t id, from, to;
} hd_praw_t;

typedef struct {
    uint32_t start, end; /* original text */
    uint32_t fstart, fend; /* folded text */
    int sub;
} hd_phit_t;

struct hd_policy_result {
    hd_policy_finding_t *f;
    uint32_t *seq; /* tie-break for a stable order */
    uint32_t *moff; /* message offset in pool, or UINT32_MAX */
    size_t n, cap;
    char *pool;
    size_t pool_len, pool_cap;
    const char *roles[32];
    size_t nroles;
    hd_verdict_t verdict;
    hd_fold_t fold;
    hd_praw_t *raw;
    size_t nraw, rawcap;
    int truncated;
    hd_phit_t *hits; /* PII (sub = detector) */
    size_t nhits, hitcap;
    hd_pspan_t *urls;
    size_t nurls, urlcap;
    uint8_t *active; /* per rule: in scope for this item */
    uint8_t *cond, *req;
    uint32_t *cond_s, *cond_e;
    size_t rulecap;
    const hd_policy_t *pol;
};

/* Adds a finding for rule r (index ri) on original span [s, e). When the
   rule has no message of its own, fmt builds one. 0 / -1 (out of memory). */
int hd_presult_add(hd_policy_result_t *res, const hd_prule_t *r, uint32_t ri, uint32_t s,
                   uint32_t e, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Rule kinds that look at facts rather than matches (policy_rules.c). */
int hd_prules_eval(hd_policy_t *pol, const char *text, size_t len, const hd_policy_ctx_t *ctx,
                   hd_policy_result_t *res);

#endif
