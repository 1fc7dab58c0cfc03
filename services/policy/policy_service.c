/*  policy_service: evaluation of submitted content as a bus consumer. */
#include "policy_service.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_prom.h"
#include "policy_batch.h"
#include "policy_decide.h"
#include "policy_proposal.h"
#include "policy_store.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SIZE 8

const char *const pol_svc_types[] = {"content.submitted", "policy.activated", "policy.proposed",
                                     "policy.review_submitted"};
const size_t pol_svc_ntypes = 4;

typedef struct {
    int64_t version;
    pol_t *pol;
    uint64_t used;
} slot_t;

struct pol_svc {
    slot_t cache[CACHE_SIZE];
    uint64_t tick;
    pol_result_t *res;
    pol_t *none; /* the empty policy: items evaluated before any version exists */
    /* The active version as last read or activated (-1: unknown): what a
       batch's version-0 items are guessed to need before it is read. */
    int64_t last_active;
    /* One batch's working memory, grown as needed and reused. */
    const char **ids;       /* channel of each event (NULL: not a submission) */
    pol_channel_t *chans;   /* their facts */
    pol_ctx_t *keys;        /* each submission's author, channel, submitter, time */
    const pol_ctx_t **keyp; /* &keys[i], NULL: not a submission */
    pol_author_t *authors;  /* their author facts, when read */
    size_t ncap;
    pol_verdict_row_t *rows; /* findings owned */
    size_t nrows, rcap;
    atomic_ullong evaluated[3]; /* by verdict */
    atomic_ullong eval_us_total;
    atomic_ullong compiles;
    atomic_ullong read_rounds;  /* hd_db_results of batch reads */
    atomic_ullong author_reads; /* author facts statements */
    atomic_llong active_version;
};

pol_svc_t *pol_svc_new(void) {
    static const char empty[] = "rules: []\n";
    char err[256];
    pol_svc_t *s = hd_calloc(1, sizeof *s);
    s->res = pol_result_new();
    s->last_active = -1;
    s->none = pol_new(empty, sizeof empty - 1, err, sizeof err);
    if (!s->none) {
        hd_error("policy_empty", "the empty policy does not compile: %s", err);
        pol_svc_destroy(&s);
    }
    return s;
}

static void forget_rows(pol_svc_t *s) {
    for (size_t i = 0; i < s->nrows; i++)
        free((char *)s->rows[i].findings);
    s->nrows = 0;
}

void pol_svc_destroy(pol_svc_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pol_svc_t *s = *self_p;
    for (int i = 0; i < CACHE_SIZE; i++)
        pol_destroy(&s->cache[i].pol);
    pol_result_destroy(&s->res);
    pol_destroy(&s->none);
    forget_rows(s);
    free(s->rows);
    free(s->ids);
    free(s->chans);
    free(s->keys);
    free(s->keyp);
    free(s->authors);
    free(s);
    *self_p = NULL;
}

/* The compiled version, or NULL when it is not cached; borrowed. */
static pol_t *cached(pol_svc_t *s, int64_t version) {
    for (int i = 0; i < CACHE_SIZE; i++)
        if (s->cache[i].pol && s->cache[i].version == version)
            return s->cache[i].pol;
    return NULL;
}

/* On a cache miss the source is read on its own, in a round trip of its
   own: rare (once per version new to this process), and the batch's other
   reads cannot wait for it since which facts they need depends on it. */
pol_t *pol_svc_engine(pol_svc_t *s, hd_db_t *db, int64_t version, int *transient, char *why,
                      size_t why_len) {
    *transient = 0;
    slot_t *victim = &s->cache[0];
    for (int i = 0; i < CACHE_SIZE; i++) {
        if (s->cache[i].pol && s->cache[i].version == version) {
            s->cache[i].used = ++s->tick;
            return s->cache[i].pol;
        }
        if (!s->cache[i].pol || s->cache[i].used < victim->used)
            victim = &s->cache[i];
    }
    char *src = NULL;
    size_t len = 0;
    int rc = pol_store_source(db, version, &src, &len);
    if (rc != 0) {
        *transient = rc < 0;
        snprintf(why, why_len, "policy version %lld %s", (long long)version,
                 rc < 0 ? "cannot be read" : "does not exist");
        return NULL;
    }
    char err[1024];
    pol_t *pol = pol_new(src, len, err, sizeof err);
    free(src);
    if (!pol) {
        snprintf(why, why_len, "policy version %lld does not compile: %s", (long long)version, err);
        return NULL;
    }
    atomic_fetch_add(&s->compiles, 1);
    pol_destroy(&victim->pol);
    victim->pol = pol;
    victim->version = version;
    victim->used = ++s->tick;
    hd_info("policy_compiled", "version %lld: %zu rules", (long long)version, pol_rule_count(pol));
    return pol;
}

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The batch's reads, as bits of what is wanted or was read. */
enum { W_CHANNELS = 1, W_ACTIVE = 2, W_CRISES = 4, W_AUTHORS = 8 };

/* What a batch read: each kind at most once (see read_facts). */
typedef struct {
    size_t n;       /* events in the batch */
    int have;       /* W_* read */
    int64_t active; /* the active version, for items with version 0 */
    pol_crises_t crises;
} batch_facts_t;

/* The facts pol needs beyond those every submission needs (W_CHANNELS,
   and W_CRISES: the crises in force add approvals whatever the policy), as
   W_* bits. */
static int needs(const pol_t *pol) { return pol_needs_author(pol) ? W_AUTHORS : 0; }

/* What an item under version v (-1: not known yet) is guessed to need
   before its policy is at hand: a version not compiled yet may need
   anything, so its facts are read ahead rather than in a round trip of
   their own after it is compiled. */
static int guess_needs(pol_svc_t *s, int64_t v) {
    if (v == 0)
        return 0; /* the empty policy */
    pol_t *pol = v > 0 ? cached(s, v) : NULL;
    return pol ? needs(pol) : W_AUTHORS;
}

static int send_one(hd_db_t *db, pol_svc_t *s, size_t n, int kind) {
    switch (kind) {
    case W_CHANNELS:
        return pol_batch_send_channels(db, s->ids, n);
    case W_ACTIVE:
        return pol_store_send_active(db);
    case W_CRISES:
        return pol_store_send_crises(db);
    default:
        atomic_fetch_add(&s->author_reads, 1);
        return pol_batch_send_authors(db, s->keyp, n);
    }
}

/* Result r of kind into f or s; takes r. */
static void parse_one(pol_svc_t *s, batch_facts_t *f, int kind, PGresult *r) {
    switch (kind) {
    case W_CHANNELS:
        pol_batch_parse_channels(r, f->n, s->chans);
        break;
    case W_ACTIVE:
        f->active = s->last_active = pol_store_parse_active(r);
        break;
    case W_CRISES:
        pol_store_take_crises(r, &f->crises);
        r = NULL; /* the crises keep it */
        break;
    default:
        pol_batch_parse_authors(r, f->n, s->authors);
        break;
    }
    PQclear(r);
}

/* Sends the reads of `want` not read yet together and parses their answers
   of one round trip (hd_db_results) into f and s. Normally called once per
   batch, before its items; again only when an item's policy, known once
   compiled, needs facts the guess left out (guess_needs). 0 / -1. */
static int read_facts(hd_db_t *db, pol_svc_t *s, batch_facts_t *f, int want) {
    static const int order[] = {W_CHANNELS, W_ACTIVE, W_CRISES, W_AUTHORS};
    int kinds[4];
    size_t nk = 0;
    want &= ~f->have;
    for (size_t k = 0; k < 4; k++) {
        if (!(want & order[k]))
            continue;
        kinds[nk++] = order[k];
        if (send_one(db, s, f->n, order[k]) < 0)
            return -1; /* the connection is gone: the batch rolls back */
    }
    if (nk == 0)
        return 0;
    PGresult *res[4] = {0};
    atomic_fetch_add(&s->read_rounds, 1);
    if (hd_db_results(db, res, nk) < 0)
        return -1;
    for (size_t k = 0; k < nk; k++) {
        parse_one(s, f, kinds[k], res[k]);
        f->have |= kinds[k];
    }
    return 0;
}

/* Adds the author facts pol needs for item i and the crises in force to
   ctx (read: on_submitted made sure). */
static void add_facts(pol_svc_t *s, pol_t *pol, batch_facts_t *f, size_t i, pol_ctx_t *ctx) {
    if (pol_needs_author(pol))
        pol_author_apply(&s->authors[i], ctx);
    ctx->crisis_facts = 1;
    ctx->crises = f->crises.items;
    ctx->ncrises = f->crises.n;
}

/* Keeps d's verdict for the batch's INSERT, taking its findings. */
static void keep_verdict(pol_svc_t *s, pol_decision_t *d) {
    s->rows = hd_grow(s->rows, &s->rcap, s->nrows + 1, sizeof *s->rows);
    s->rows[s->nrows++] = (pol_verdict_row_t){.content_id = d->content_id,
                                              .version = d->version,
                                              .verdict = d->verdict,
                                              .findings = d->findings};
    d->findings = NULL;
}

/* Event i, a checked content.submitted on a channel with facts ch:
   decided, its verdict kept and its policy.evaluated emitted. */
static int on_submitted(hd_db_t *db, pol_svc_t *s, const hd_envelope_t *ev, size_t i,
                        const pol_channel_t *ch, batch_facts_t *f, hd_batch_out_t *out) {
    int64_t version = ev->content_submitted->policy_version;
    if (version == 0) {
        if (read_facts(db, s, f, W_ACTIVE) < 0) /* read ahead: nothing to do */
            return HD_APPLY_RETRY;
        version = f->active;
    }
    pol_t *pol = s->none; /* no policy at all yet: nothing to find */
    if (version > 0) {
        int transient;
        char why[512];
        pol = pol_svc_engine(s, db, version, &transient, why, sizeof why);
        if (!pol)
            return transient ? HD_APPLY_RETRY : hd_batch_dead(out, i, "%s", why);
    }
    if (read_facts(db, s, f, needs(pol)) < 0) /* read ahead unless the guess missed */
        return HD_APPLY_RETRY;
    pol_ctx_t ctx;
    pol_decide_ctx(ev, ch, &ctx);
    add_facts(s, pol, f, i, &ctx);
    int64_t t0 = mono_us();
    pol_decision_t d;
    if (pol_decide(pol, version, ev, &ctx, s->res, &d) < 0)
        return HD_APPLY_RETRY;
    atomic_fetch_add(&s->eval_us_total, (unsigned long long)(mono_us() - t0));
    atomic_fetch_add(&s->evaluated[pol_result_verdict(s->res)], 1);
    hd_batch_emit(out, ev, &d.env, ev->department, "policy.evaluated");
    hd_log(HD_LOG_INFO, "evaluated", ev->id, d.env.correlation_id,
           "content %s, version %lld: %s, %zu findings", d.content_id, (long long)version,
           d.verdict, pol_result_count(s->res));
    keep_verdict(s, &d);
    pol_decision_free(&d);
    return HD_APPLY_OK;
}

/* policy.activated: compile the new version ahead of its items. */
static int on_activated(hd_db_t *db, pol_svc_t *s, const hd_envelope_t *ev) {
    int64_t v = ev->policy_activated->version;
    int transient;
    char msg[512];
    atomic_store(&s->active_version, v);
    s->last_active = v;
    if (v > 0 && !pol_svc_engine(s, db, v, &transient, msg, sizeof msg)) {
        if (transient)
            return HD_APPLY_RETRY;
        hd_warn("policy_unusable", "%s", msg);
    }
    hd_log(HD_LOG_INFO, "policy_activated", ev->id, ev->correlation_id, "version %lld by %s",
           (long long)v, ev->policy_activated->activated_by);
    return HD_APPLY_OK;
}

static int is_submitted(const hd_envelope_t *ev) {
    return ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED;
}

/* s's per-event arrays for n events. */
static void reserve(pol_svc_t *s, size_t n) {
    if (n <= s->ncap)
        return;
    size_t cap = s->ncap;
    s->ids = hd_grow(s->ids, &cap, n, sizeof *s->ids);
    cap = s->ncap;
    s->keys = hd_grow(s->keys, &cap, n, sizeof *s->keys);
    cap = s->ncap;
    s->keyp = hd_grow(s->keyp, &cap, n, sizeof *s->keyp);
    cap = s->ncap;
    s->authors = hd_grow(s->authors, &cap, n, sizeof *s->authors);
    s->chans = hd_grow(s->chans, &s->ncap, n, sizeof *s->chans);
}

/* Checks every submission and sets out what the batch reads: each
   submission's channel (s->ids) and author (s->keyp), and in *want the
   reads it needs, as far as they can be told before any is answered: the
   channels and the crises in force always (one cheap statement in the
   same round trip; policy consumes no crisis event, so reading the view
   in the batch's transaction is what makes a declaration count from the
   next batch on), the active version and author facts when needed.
   HD_APPLY_OK or _DEAD. */
static int prepare(pol_svc_t *s, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                   int *want) {
    static const pol_channel_t unread = {{0}, 0}; /* the keys use no channel fact */
    reserve(s, n);
    *want = W_CHANNELS;
    for (size_t i = 0; i < n; i++) {
        s->ids[i] = NULL;
        s->keyp[i] = NULL;
        if (!is_submitted(evs[i]))
            continue;
        char why[256];
        if (pol_decide_check(evs[i], why, sizeof why) < 0)
            return hd_batch_dead(out, i, "%s", why);
        const char *channel = evs[i]->content_submitted->channel;
        s->ids[i] = channel ? channel : "";
        pol_decide_ctx(evs[i], &unread, &s->keys[i]);
        s->keyp[i] = &s->keys[i];
        *want |= W_CRISES;
        int64_t v = evs[i]->content_submitted->policy_version;
        if (v == 0) {
            *want |= W_ACTIVE;
            v = s->last_active;
        }
        *want |= guess_needs(s, v);
    }
    return HD_APPLY_OK;
}

/* Reads: one round trip for the channels, the active version, the crises
   and the author facts the batch needs (read_facts), plus a version's
   source when it is not compiled yet (pol_svc_engine); writes: the
   verdicts as one command, which rides with the outbox, the cursor and
   the COMMIT. */
int pol_svc_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                        void *arg) {
    pol_svc_t *s = arg;
    forget_rows(s);
    int want = 0;
    int rc = prepare(s, evs, n, out, &want);
    batch_facts_t f = {.n = n};
    if (rc == HD_APPLY_OK && read_facts(db, s, &f, want) < 0)
        rc = HD_APPLY_RETRY;
    for (size_t i = 0; rc == HD_APPLY_OK && i < n; i++) {
        if (is_submitted(evs[i]))
            rc = on_submitted(db, s, evs[i], i, &s->chans[i], &f, out);
        else if (evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED &&
                 evs[i]->policy_activated)
            rc = on_activated(db, s, evs[i]);
    }
    if (rc == HD_APPLY_OK)
        rc = pol_proposal_apply(db, evs, n, out); /* proposals and reviews: policy_proposal.h */
    if (rc == HD_APPLY_OK && pol_batch_write_verdicts(db, s->rows, s->nrows) < 0)
        rc = HD_APPLY_RETRY;
    pol_crises_free(&f.crises);
    forget_rows(s);
    return rc;
}

void pol_svc_metrics(FILE *out, void *arg) {
    pol_svc_t *s = arg;
    hd_prom_family(out, "huddle_policy_evaluations_total", "counter",
                   "Items evaluated since start, by verdict.");
    for (int v = 0; v < 3; v++) {
        char labels[64];
        const char *name = "verdict", *value = pol_verdict_name((pol_verdict_t)v);
        if (hd_prom_labels(labels, sizeof labels, &name, &value, 1) == 0)
            hd_prom_sample(out, "huddle_policy_evaluations_total", NULL, labels,
                           (double)atomic_load(&s->evaluated[v]));
    }
    hd_prom_counter(out, "huddle_policy_eval_seconds_total",
                    "Time spent evaluating items since start, in seconds.",
                    (double)atomic_load(&s->eval_us_total) / 1e6);
    hd_prom_counter(out, "huddle_policy_compiles_total", "Policies compiled since start.",
                    (double)atomic_load(&s->compiles));
    hd_prom_counter(out, "huddle_policy_read_rounds_total",
                    "Database read rounds for the facts of batches since start.",
                    (double)atomic_load(&s->read_rounds));
    hd_prom_counter(out, "huddle_policy_author_reads_total",
                    "Author histories read for batches since start.",
                    (double)atomic_load(&s->author_reads));
    hd_prom_gauge(out, "huddle_policy_active_version", "Version of the active policy (0: none).",
                  (double)atomic_load(&s->active_version));
}
