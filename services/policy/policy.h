/*  policy: huddle's policy engine (docs/policy.md).
    A policy set is a YAML document of rules. pol_new parses and
    validates it (errors name the rule id and the YAML line) and compiles
    every text rule of the set (lexicon terms, patterns, PII detectors, link
    extraction, partner and disclosure phrases) into ONE Vectorscan database.
    pol_eval folds the text (case kept, accents and look-alike
    punctuation folded, with a byte offset map), scans it once, and turns
    the matches into findings whose byte spans refer to the original text.

    The engine itself touches no database and no network: facts about the
    author, crises and the channel are passed in pol_ctx_t by the
    caller (the policy service looks them up; the CLI passes what it knows).
    One pol_t may be shared by threads only if each evaluates with its
    own pol_result_t AND its own scratch: this version keeps one scratch
    per policy, so evaluate from one thread at a time. */
#ifndef POL_H
#define POL_H

#include "hd_crisis.h"

#include <stddef.h>
#include <stdint.h>

typedef struct pol pol_t;
typedef struct pol_result pol_result_t;

/* Largest text evaluated (bytes); longer input gets one blocking finding. */
#define POL_MAX_TEXT (1u << 20)
/* Largest policy source accepted (bytes). */
#define POL_MAX_SOURCE (4u << 20)

typedef enum { POL_VERDICT_PASS = 0, POL_VERDICT_REVIEW = 1, POL_VERDICT_BLOCK = 2 } pol_verdict_t;

/* A crisis in force (view crisis_in_force), as the caller read it. Every
   string and list is borrowed. */
typedef struct {
    const char *id;                    /* its uuid */
    const char *name;                  /* shown to people */
    const char *playbook;              /* its playbook ("" for one declared without) */
    hd_crisis_scope_t scope;           /* what it covers: hd_crisis_covers */
    const char *const *approval_roles; /* roles every item in scope needs */
    size_t napproval_roles;
} pol_crisis_t;

/* What the engine knows about an item besides its text. Every string is
   borrowed for the duration of the call; NULL or "" means unknown. */
typedef struct {
    const char *channel;      /* channel id: sandbox, x-main, ... */
    const char *channel_kind; /* counting rules: mastodon, x, plain, bytes */
    long channel_max_length;  /* from the channel table; 0 = unknown */
    const char *department;
    const char *kind;      /* post, reply, share, statement */
    const char *crisis_id; /* kind statement: the crisis whose holding statement it is */
    const char *author_id;
    const char *author_email;
    const char *submitter_email; /* who submitted, when not the author */
    int64_t submitted_ms;        /* when it arrived (0: now) */
    int64_t scheduled_ms;        /* when it goes out (0: as soon as approved) */
    int64_t now_ms;              /* evaluation clock (0: real time) */
    int sponsored;               /* item marked as sponsored */
    const char *campaign;        /* campaign the item belongs to */
    /* author facts; ignored unless author_facts is set (rule kind author) */
    int author_facts;
    int author_known; /* a person with this id/email exists */
    int author_active;
    int author_certified;    /* holds a certification for the channel... */
    int64_t cert_expires_ms; /* ...valid until (0 = no expiry) */
    int delegated;           /* submitter holds a delegation from author */
    /* crisis facts: the crises in force, for rule kind crisis and for the
       approvals every item in scope of one needs (pol_eval); ignored
       unless crisis_facts is set (an offline check knows none) */
    int crisis_facts;
    const pol_crisis_t *crises;
    size_t ncrises;
} pol_ctx_t;

/* One finding (proto huddle.v1.Finding). Strings are borrowed from the
   policy or the result; start/end is the byte span [start, end) in the
   evaluated text (0/0 when the finding concerns the whole item). */
typedef struct {
    const char *rule_id;
    const char *kind;     /* lexicon, pattern, pii, disclosure, links, limits,
                             author, timing, crisis */
    const char *severity; /* low, medium, high, critical */
    const char *action;   /* block, review, warn, info */
    const char *role;     /* role to involve when action is review, else "" */
    const char *message;  /* for the author */
    uint32_t start, end;
    uint32_t rule_index; /* position of the rule in the policy */
} pol_finding_t;

/* Parses, validates and compiles a policy source. On failure returns NULL
   and writes into err (err_len bytes) one line per problem, each
   "line N: rule ID: what is wrong" (or "line N: what" outside a rule).
   The caller owns the policy. */
pol_t *pol_new(const char *source, size_t len, char *err, size_t err_len);

/* Frees a policy; safe on NULL and twice, nulls the caller's pointer. */
void pol_destroy(pol_t **self_p);

/* Name given in the file (borrowed; "" if none), number of rules, and
   whether the policy has rules needing author / crisis facts. */
const char *pol_name(const pol_t *self);
size_t pol_rule_count(const pol_t *self);
int pol_needs_author(const pol_t *self);
int pol_needs_crisis(const pol_t *self);
/* Counting rules the policy sets for a channel id (borrowed), or NULL. */
const char *pol_channel_counting(const pol_t *self, const char *channel);

/* A reusable result: evaluate many texts with one result to avoid
   allocation. Aborts on out-of-memory. */
pol_result_t *pol_result_new(void);
void pol_result_destroy(pol_result_t **self_p);

/* Evaluates text (len bytes, any bytes: invalid UTF-8 is tolerated) under
   the policy into res, replacing what res held. Whatever the policy's
   rules, an item that a crisis of ctx->crises applies to (in its scope,
   and not its own holding statement) gets one finding per role of the
   crisis's approval_roles: kind crisis, action review, that role,
   severity high, rule id "crisis:<playbook>". Returns 0, or -1 when the
   scan itself failed (out of memory, broken database): res then holds no
   findings. Same policy + same text + same ctx => same findings, in the
   same order (by start, end, rule order). res borrows from self and from
   ctx->crises until the next eval or until either is gone. */
int pol_eval(pol_t *self, const char *text, size_t len, const pol_ctx_t *ctx, pol_result_t *res);

pol_verdict_t pol_result_verdict(const pol_result_t *res);
size_t pol_result_count(const pol_result_t *res);
/* Finding i (borrowed), NULL if out of range. */
const pol_finding_t *pol_result_finding(const pol_result_t *res, size_t i);
/* Distinct roles to involve (sorted), borrowed. */
size_t pol_result_nroles(const pol_result_t *res);
const char *pol_result_role(const pol_result_t *res, size_t i);

/* "pass", "review", "block". */
const char *pol_verdict_name(pol_verdict_t v);

#endif
