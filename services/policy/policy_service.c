/*  policy_service: evaluation of submitted content as a bus consumer. */
#include "policy_service.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "policy_batch.h"
#include "policy_decide.h"
#include "policy_store.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CACHE_SIZE 8

const char *const pol_svc_types[] = {"content.submitted", "policy.activated"};
const size_t pol_svc_ntypes = 2;

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
    /* One batch's working memory, grown as needed and reused. */
    const char **ids;     /* channel of each event (NULL: not a submission) */
    pol_channel_t *chans; /* their facts */
    size_t ncap;
    pol_verdict_row_t *rows; /* findings owned */
    size_t nrows, rcap;
    atomic_ullong evaluated[3]; /* by verdict */
    atomic_ullong eval_us_total;
    atomic_ullong compiles;
    atomic_llong active_version;
};

pol_svc_t *pol_svc_new(void) {
    static const char empty[] = "rules: []\n";
    char err[256];
    pol_svc_t *s = hd_calloc(1, sizeof *s);
    s->res = pol_result_new();
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
    free(s);
    *self_p = NULL;
}

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

/* What a batch reads at most once, when an item first needs it. */
typedef struct {
    int64_t active; /* the active version, for items with version 0 */
    int active_read;
    pol_crises_t crises;
    int crises_read;
} batch_facts_t;

static int active_version(hd_db_t *db, batch_facts_t *f, int64_t *version) {
    if (!f->active_read && pol_store_active(db, &f->active) < 0)
        return -1;
    f->active_read = 1;
    *version = f->active;
    return 0;
}

/* Adds the author and crisis facts pol needs to ctx. 0 / -1. */
static int add_facts(hd_db_t *db, pol_t *pol, batch_facts_t *f, pol_ctx_t *ctx) {
    if (pol_needs_author(pol) && pol_store_author(db, ctx, ctx->submitted_ms) < 0)
        return -1;
    if (pol_needs_crisis(pol)) {
        if (!f->crises_read && pol_store_crises(db, &f->crises) < 0)
            return -1;
        f->crises_read = 1;
        ctx->crisis_facts = 1;
        ctx->crises = f->crises.items;
        ctx->ncrises = f->crises.n;
    }
    return 0;
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
    if (version == 0 && active_version(db, f, &version) < 0)
        return HD_APPLY_RETRY;
    pol_t *pol = s->none; /* no policy at all yet: nothing to find */
    if (version > 0) {
        int transient;
        char why[512];
        pol = pol_svc_engine(s, db, version, &transient, why, sizeof why);
        if (!pol)
            return transient ? HD_APPLY_RETRY : hd_batch_dead(out, i, "%s", why);
    }
    pol_ctx_t ctx;
    pol_decide_ctx(ev, ch, &ctx);
    if (add_facts(db, pol, f, &ctx) < 0)
        return HD_APPLY_RETRY;
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

/* Checks every submission and reads the channel facts of all of them in
   one statement into s->chans. HD_APPLY_OK, _RETRY or _DEAD. */
static int read_channels(hd_db_t *db, pol_svc_t *s, const hd_envelope_t *const *evs, size_t n,
                         hd_batch_out_t *out) {
    if (n > s->ncap) {
        size_t cap = s->ncap;
        s->ids = hd_grow(s->ids, &cap, n, sizeof *s->ids);
        s->chans = hd_grow(s->chans, &s->ncap, n, sizeof *s->chans);
    }
    for (size_t i = 0; i < n; i++) {
        char why[256];
        if (is_submitted(evs[i]) && pol_decide_check(evs[i], why, sizeof why) < 0)
            return hd_batch_dead(out, i, "%s", why);
        const char *channel = is_submitted(evs[i]) ? evs[i]->content_submitted->channel : NULL;
        s->ids[i] = is_submitted(evs[i]) ? (channel ? channel : "") : NULL;
    }
    return pol_batch_read_channels(db, s->ids, n, s->chans) < 0 ? HD_APPLY_RETRY : HD_APPLY_OK;
}

int pol_svc_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                        void *arg) {
    pol_svc_t *s = arg;
    forget_rows(s);
    int rc = read_channels(db, s, evs, n, out);
    batch_facts_t f = {0};
    for (size_t i = 0; rc == HD_APPLY_OK && i < n; i++) {
        if (is_submitted(evs[i]))
            rc = on_submitted(db, s, evs[i], i, &s->chans[i], &f, out);
        else if (evs[i]->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED &&
                 evs[i]->policy_activated)
            rc = on_activated(db, s, evs[i]);
    }
    if (rc == HD_APPLY_OK && pol_batch_write_verdicts(db, s->rows, s->nrows) < 0)
        rc = HD_APPLY_RETRY;
    pol_crises_free(&f.crises);
    forget_rows(s);
    return rc;
}

void pol_svc_metrics(FILE *out, void *arg) {
    pol_svc_t *s = arg;
    fprintf(out, "# TYPE huddle_policy_evaluations_total counter\n");
    for (int v = 0; v < 3; v++)
        fprintf(out, "huddle_policy_evaluations_total{verdict=\"%s\"} %llu\n",
                pol_verdict_name((pol_verdict_t)v), atomic_load(&s->evaluated[v]));
    fprintf(out,
            "# TYPE huddle_policy_eval_seconds_total counter\n"
            "huddle_policy_eval_seconds_total %.6f\n",
            (double)atomic_load(&s->eval_us_total) / 1e6);
    fprintf(out, "# TYPE huddle_policy_compiles_total counter\nhuddle_policy_compiles_total %llu\n",
            atomic_load(&s->compiles));
    fprintf(out, "# TYPE huddle_policy_active_version gauge\nhuddle_policy_active_version %lld\n",
            atomic_load(&s->active_version));
}
