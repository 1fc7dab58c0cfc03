/*  policy_service: evaluation of submitted content as a bus consumer. */
#include "policy_service.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_outbox.h"
#include "policy_batch.h"
#include "policy_report.h"
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
    pol_batch_t *batch; /* NULL: every apply reads and writes at once */
    atomic_ullong evaluated[3]; /* by verdict */
    atomic_ullong eval_us_total;
    atomic_ullong compiles;
    atomic_llong active_version;
};

pol_svc_t *pol_svc_new(void) {
    pol_svc_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->res = pol_result_new();
    if (!s->res) {
        free(s);
        return NULL;
    }
    return s;
}

void pol_svc_destroy(pol_svc_t **self_p) {
    if (!self_p || !*self_p)
        return;
    pol_svc_t *s = *self_p;
    for (int i = 0; i < CACHE_SIZE; i++)
        pol_destroy(&s->cache[i].pol);
    pol_result_destroy(&s->res);
    pol_batch_destroy(&s->batch);
    free(s);
    *self_p = NULL;
}

pol_t *pol_svc_engine(pol_svc_t *s, hd_db_t *db, int64_t version,
                                  int *transient, char *why, size_t why_len) {
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
        snprintf(why, why_len, "policy version %lld does not compile: %s", (long long)version,
                 err);
        return NULL;
    }
    atomic_fetch_add(&s->compiles, 1);
    pol_destroy(&victim->pol);
    victim->pol = pol;
    victim->version = version;
    victim->used = ++s->tick;
    hd_info("policy_compiled", "version %lld: %zu rules", (long long)version,
            pol_rule_count(pol));
    return pol;
}

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void pol_svc_gather(pol_svc_t *s) {
    if (!s->batch)
        s->batch = pol_batch_new();
}

void pol_svc_begin(void *arg) {
    pol_svc_t *s = arg;
    pol_batch_clear(s->batch);
}

int pol_svc_flush(hd_db_t *db, void *arg) {
    pol_svc_t *s = arg;
    return pol_batch_flush(s->batch, db);
}

/* Looks up what the policy needs to know beyond the text. */
static int gather_facts(hd_db_t *db, pol_svc_t *s, pol_t *pol, pol_ctx_t *ctx,
                        char *kind, size_t kind_len, pol_crises_t *crises) {
    if (pol_batch_channel(s->batch, db, ctx->channel, kind, kind_len,
                                &ctx->channel_max_length) < 0)
        return -1;
    ctx->channel_kind = kind;
    if (pol_needs_author(pol) && pol_store_author(db, ctx, ctx->submitted_ms) < 0)
        return -1;
    if (pol_needs_crisis(pol)) {
        if (pol_store_crises(db, crises) < 0)
            return -1;
        ctx->crisis_facts = 1;
        ctx->crises = crises->items;
        ctx->ncrises = crises->n;
    }
    return 0;
}

static int emit(hd_db_t *db, const hd_envelope_t *ev, pol_svc_t *s, const char *text,
                int64_t version) {
    const Huddle__V1__ContentSubmitted *cs = ev->content_submitted;
    json_t *fj = pol_findings_json(s->res, text);
    char *fjs = fj ? json_dumps(fj, JSON_COMPACT) : NULL;
    json_decref(fj);
    if (!fjs)
        abort();
    const char *verdict = pol_verdict_name(pol_result_verdict(s->res));
    int rc = 0;
    if (s->batch)
        pol_batch_add_verdict(s->batch, cs->content_id, version, verdict, fjs);
    else
        rc = pol_store_verdict(db, cs->content_id, version, verdict, fjs);
    free(fjs);
    if (rc < 0)
        return HD_APPLY_RETRY;
    Huddle__V1__PolicyEvaluated body = HUDDLE__V1__POLICY_EVALUATED__INIT;
    pol_pb_t pb;
    if (pol_pb_fill(&pb, &body, s->res, text, version) < 0)
        abort();
    body.content_id = cs->content_id;
    hd_envelope_t out = HUDDLE__V1__ENVELOPE__INIT;
    out.body_case = HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED;
    out.policy_evaluated = &body;
    out.department = ev->department;
    out.correlation_id = ev->correlation_id && *ev->correlation_id ? ev->correlation_id
                                                                   : cs->content_id;
    out.actor = (char *)"policy";
    char idbuf[HD_ID_LEN];
    hd_envelope_stamp(&out, idbuf, "policy", ev->id, "policy.evaluated");
    rc = hd_outbox_put(db, &out);
    pol_pb_free(&pb);
    if (rc < 0)
        return HD_APPLY_RETRY;
    hd_log(HD_LOG_INFO, "evaluated", out.id, out.correlation_id, "version %lld: %s, %zu findings",
           (long long)version, verdict, pol_result_count(s->res));
    return HD_APPLY_OK;
}

static int on_submitted(hd_db_t *db, const hd_envelope_t *ev, pol_svc_t *s, char *why,
                        size_t why_len) {
    const Huddle__V1__ContentSubmitted *cs = ev->content_submitted;
    if (!cs || !cs->content_id || !hd_id_valid(cs->content_id)) {
        snprintf(why, why_len, "content.submitted without a valid content_id");
        return HD_APPLY_DEAD;
    }
    int64_t version = cs->policy_version;
    if (version < 0) {
        snprintf(why, why_len, "policy_version %lld is negative", (long long)version);
        return HD_APPLY_DEAD;
    }
    if (version == 0 && pol_store_active(db, &version) < 0)
        return HD_APPLY_RETRY;
    pol_t *pol = NULL;
    if (version > 0) {
        int transient;
        pol = pol_svc_engine(s, db, version, &transient, why, why_len);
        if (!pol)
            return transient ? HD_APPLY_RETRY : HD_APPLY_DEAD;
    }
    pol_ctx_t ctx = {.channel = cs->channel, .department = ev->department,
                           .kind = cs->kind && *cs->kind ? cs->kind : "post",
                           .author_id = cs->author_id, .author_email = cs->author_email,
                           .submitted_ms = ev->occurred_at_ms,
                           .scheduled_ms = cs->scheduled_at_ms};
    /* Facts are judged as of submission, so a replay reaches the same verdict. */
    ctx.now_ms = ev->occurred_at_ms ? ev->occurred_at_ms : 0;
    if (ev->actor && strchr(ev->actor, '@'))
        ctx.submitter_email = ev->actor;
    const char *text = cs->text ? cs->text : "";
    int64_t t0 = mono_us();
    if (pol) {
        char kind[POL_KIND_LEN];
        pol_crises_t crises = {0};
        int rc = gather_facts(db, s, pol, &ctx, kind, sizeof kind, &crises);
        if (rc == 0)
            rc = pol_eval(pol, text, strlen(text), &ctx, s->res);
        pol_crises_free(&crises);
        if (rc < 0)
            return HD_APPLY_RETRY;
    } else {
        /* No policy at all yet: nothing to find. */
        static const char empty[] = "rules: []\n";
        char err[256];
        pol_t *none = pol_new(empty, sizeof empty - 1, err, sizeof err);
        if (!none || pol_eval(none, text, strlen(text), &ctx, s->res) < 0) {
            pol_destroy(&none);
            return HD_APPLY_RETRY;
        }
        pol_destroy(&none);
    }
    atomic_fetch_add(&s->eval_us_total, (unsigned long long)(mono_us() - t0));
    atomic_fetch_add(&s->evaluated[pol_result_verdict(s->res)], 1);
    return emit(db, ev, s, text, version);
}

int pol_svc_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why,
                        size_t why_len) {
    pol_svc_t *s = arg;
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED)
        return on_submitted(db, ev, s, why, why_len);
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_POLICY_ACTIVATED && ev->policy_activated) {
        int64_t v = ev->policy_activated->version;
        int transient;
        char msg[512];
        atomic_store(&s->active_version, v);
        if (v > 0 && !pol_svc_engine(s, db, v, &transient, msg, sizeof msg)) {
            if (transient)
                return HD_APPLY_RETRY;
            hd_warn("policy_unusable", "%s", msg);
        }
        hd_log(HD_LOG_INFO, "policy_activated", ev->id, NULL, "version %lld by %s",
               (long long)v, ev->policy_activated->activated_by);
        return HD_APPLY_OK;
    }
    return HD_APPLY_OK;
}

void pol_svc_metrics(FILE *out, void *arg) {
    pol_svc_t *s = arg;
    fprintf(out, "# TYPE huddle_policy_evaluations_total counter\n");
    for (int v = 0; v < 3; v++)
        fprintf(out, "huddle_policy_evaluations_total{verdict=\"%s\"} %llu\n",
                pol_verdict_name((pol_verdict_t)v), atomic_load(&s->evaluated[v]));
    fprintf(out, "# TYPE huddle_policy_eval_seconds_total counter\n"
                 "huddle_policy_eval_seconds_total %.6f\n",
            (double)atomic_load(&s->eval_us_total) / 1e6);
    fprintf(out, "# TYPE huddle_policy_compiles_total counter\nhuddle_policy_compiles_total %llu\n",
            atomic_load(&s->compiles));
    fprintf(out, "# TYPE huddle_policy_active_version gauge\nhuddle_policy_active_version %lld\n",
            atomic_load(&s->active_version));
}
