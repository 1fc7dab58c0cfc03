/*  policy_model: the in-memory form of a policy set, as the loader builds it
    and the engine compiles it. Internal to services/policy. */
#ifndef POL_MODEL_H
#define POL_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    POL_PK_LEXICON = 0,
    POL_PK_PATTERN,
    POL_PK_PII,
    POL_PK_DISCLOSURE,
    POL_PK_LINKS,
    POL_PK_LIMITS,
    POL_PK_AUTHOR,
    POL_PK_TIMING,
    POL_PK_CRISIS,
    POL_PK_COUNT
} pol_pkind_t;

typedef enum { POL_ACT_INFO = 0, POL_ACT_WARN, POL_ACT_REVIEW, POL_ACT_BLOCK } pol_paction_t;

typedef enum { POL_MATCH_WORD = 0, POL_MATCH_PREFIX, POL_MATCH_SUBSTRING } pol_pmatch_t;

/* PII detectors, as bits. */
enum { POL_PII_EMAIL = 0, POL_PII_PHONE, POL_PII_CARD, POL_PII_IBAN, POL_PII_SSN, POL_PII_COUNT };

typedef struct {
    char **v;
    size_t n;
} pol_strlist_t;

/* Where a rule applies: each list empty = everywhere. */
typedef struct {
    pol_strlist_t channels, departments, kinds;
} pol_pscope_t;

/* A lexicon term, a pattern, a partner or a disclosure phrase. */
typedef struct {
    char *text; /* as written */
    int match;  /* pol_pmatch_t */
    int exact;  /* case and accents must match exactly */
    int line;
} pol_pterm_t;

/* A blackout window: weekly (days + optional from/to minutes, wrapping past
   midnight when from > to) or absolute (local wall time, minutes since the
   epoch as if UTC). */
typedef struct {
    int absolute;
    unsigned days;        /* bit 0 = Sunday ... bit 6 = Saturday; 0 = every day */
    int from_min, to_min; /* -1 = whole day */
    int64_t abs_from, abs_to;
    int line;
} pol_pwindow_t;

typedef struct {
    char *id;
    char *description;
    char *message; /* for the author; default built from the rule */
    char *severity;
    char *role; /* review role; "" otherwise */
    int action; /* pol_paction_t */
    int kind;   /* pol_pkind_t */
    int line;
    pol_pscope_t scope;
    /* lexicon / pattern */
    pol_pterm_t *terms;
    size_t nterms;
    /* pii */
    unsigned detectors;                /* bits of POL_PII_* */
    pol_pscope_t allow[POL_PII_COUNT]; /* where each detector is allowed */
    int allow_set[POL_PII_COUNT];
    /* disclosure */
    int when_sponsored;
    pol_pterm_t *partners;
    size_t npartners;
    pol_strlist_t campaigns;
    pol_pterm_t *required;
    size_t nrequired;
    /* links */
    pol_strlist_t allow_domains, deny_domains; /* normalized (punycode) */
    int deny_shorteners;
    int report_links;
    /* limits */
    long max_length, max_hashtags, max_mentions; /* -1 = unset */
    /* author */
    int require_certification;
    int allow_delegation;
    /* timing */
    pol_pwindow_t *windows;
    size_t nwindows;
} pol_prule_t;

typedef struct {
    char *id;
    char *counting;  /* mastodon, x, plain, bytes; NULL = from the channel */
    long max_length; /* 0 = from the channel */
} pol_pchannel_t;

typedef struct {
    char *name;
    char *timezone; /* IANA name; default UTC */
    pol_pchannel_t *channels;
    size_t nchannels;
    pol_prule_t *rules;
    size_t nrules;
} pol_pmodel_t;

/* Parses YAML into a model. On failure returns NULL with one line per
   problem in err. The caller frees with pol_pmodel_free. */
pol_pmodel_t *pol_pmodel_parse(const char *source, size_t len, char *err, size_t err_len);
void pol_pmodel_free(pol_pmodel_t **self_p);

const char *pol_pkind_name(int kind);
const char *pol_paction_name(int action);
const char *pol_pii_name(int detector);

/* 1 if the scope admits this channel / department / kind. */
int pol_pscope_match(const pol_pscope_t *scope, const char *channel, const char *department,
                     const char *kind);

#endif
