/*  policy_model: the in-memory form of a policy set, as the loader builds it
    and the engine compiles it. Internal to services/policy. */
#ifndef HD_POLICY_MODEL_H
#define HD_POLICY_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HD_PK_LEXICON = 0,
    HD_PK_PATTERN,
    HD_PK_PII,
    HD_PK_DISCLOSURE,
    HD_PK_LINKS,
    HD_PK_LIMITS,
    HD_PK_AUTHOR,
    HD_PK_TIMING,
    HD_PK_CRISIS,
    HD_PK_COUNT
} hd_pkind_t;

typedef enum { HD_ACT_INFO = 0, HD_ACT_WARN, HD_ACT_REVIEW, HD_ACT_BLOCK } hd_paction_t;

typedef enum { HD_MATCH_WORD = 0, HD_MATCH_PREFIX, HD_MATCH_SUBSTRING } hd_pmatch_t;

/* PII detectors, as bits. */
enum {
    HD_PII_EMAIL = 0,
    HD_PII_PHONE,
    HD_PII_CARD,
    HD_PII_IBAN,
    HD_PII_SSN,
    HD_PII_COUNT
};

typedef struct {
    char **v;
    size_t n;
} hd_strlist_t;

/* Where a rule applies: each list empty = everywhere. */
typedef struct {
    hd_strlist_t channels, departments, kinds;
} hd_pscope_t;

/* A lexicon term, a pattern, a partner or a disclosure phrase. */
typedef struct {
    char *text;   /* as written */
    int match;    /* hd_pmatch_t */
    int exact;    /* case and accents must match exactly */
    int line;
} hd_pterm_t;

/* A blackout window: weekly (days + optional from/to minutes, wrapping past
   midnight when from > to) or absolute (local wall time, minutes since the
   epoch as if UTC). */
typedef struct {
    int absolute;
    unsigned days;      /* bit 0 = Sunday ... bit 6 = Saturday; 0 = every day */
    int from_min, to_min; /* -1 = whole day */
    int64_t abs_from, abs_to;
    int line;
} hd_pwindow_t;

typedef struct {
    char *id;
    char *description;
    char *message;      /* for the author; default built from the rule */
    char *severity;
    char *role;         /* review role; "" otherwise */
    int action;         /* hd_paction_t */
    int kind;           /* hd_pkind_t */
    int line;
    hd_pscope_t scope;
    /* lexicon / pattern */
    hd_pterm_t *terms;
    size_t nterms;
    /* pii */
    unsigned detectors;            /* bits of HD_PII_* */
    hd_pscope_t allow[HD_PII_COUNT]; /* where each detector is allowed */
    int allow_set[HD_PII_COUNT];
    /* disclosure */
    int when_sponsored;
    hd_pterm_t *partners;
    size_t npartners;
    hd_strlist_t campaigns;
    hd_pterm_t *required;
    size_t nrequired;
    /* links */
    hd_strlist_t allow_domains, deny_domains; /* normalized (punycode) */
    int deny_shorteners;
    int report_links;
    /* limits */
    long max_length, max_hashtags, max_mentions; /* -1 = unset */
    /* author */
    int require_certification;
    int allow_delegation;
    /* timing */
    hd_pwindow_t *windows;
    size_t nwindows;
} hd_prule_t;

typedef struct {
    char *id;
    char *counting;  /* mastodon, x, plain, bytes; NULL = from the channel */
    long max_length; /* 0 = from the channel */
} hd_pchannel_t;

typedef struct {
    char *name;
    char *timezone;  /* IANA name; default UTC */
    hd_pchannel_t *channels;
    size_t nchannels;
    hd_prule_t *rules;
    size_t nrules;
} hd_pmodel_t;

/* Parses YAML into a model. On failure returns NULL with one line per
   problem in err. The caller frees with hd_pmodel_free. */
hd_pmodel_t *hd_pmodel_parse(const char *source, size_t len, char *err, size_t err_len);
void hd_pmodel_free(hd_pmodel_t **self_p);

const char *hd_pkind_name(int kind);
const char *hd_paction_name(int action);
const char *hd_pii_name(int detector);

/* 1 if the scope admits this channel / department / kind. */
int hd_pscope_match(const hd_pscope_t *scope, const char *channel, const char *department,
                    const char *kind);

#endif
