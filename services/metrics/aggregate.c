/*  aggregate: events -> counters and the approval latency histogram. */
#include "aggregate.h"

#include "clock.h"
#include "crisis_store.h"
#include "inbox.h"
#include "latency.h"
#include "tally.h"

#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const char *s) { return s ? s : ""; }

static size_t add(mx_bump_t *out, size_t k, size_t max, const char *name, const char *const *names,
                  const char *const *values, size_t count) {
    if (k >= max)
        return k;
    out[k].name = name;
    if (hd_prom_labels(out[k].labels, sizeof out[k].labels, names, values, count) < 0)
        return k; /* cannot happen with capped values; never count garbage */
    return k + 1;
}

static size_t add1(mx_bump_t *out, size_t k, size_t max, const char *name, const char *label,
                   const char *value) {
    return add(out, k, max, name, &label, &value, 1);
}

size_t mx_aggregate_plan(const hd_envelope_t *ev, mx_bump_t *out, size_t max) {
    const char *dept = str(ev->department);
    const char *names[2] = {"type", "department"}, *values[2] = {str(ev->type), dept};
    size_t k = add(out, 0, max, "huddle_events_total", names, values, 2);
    const char *pn[2] = {"department", "channel"};
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_POLICY_EVALUATED:
        return add1(out, k, max, "huddle_policy_verdicts_total", "verdict",
                    str(ev->policy_evaluated->verdict));
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_BLOCKED:
        return add1(out, k, max, "huddle_items_blocked_total", "department", dept);
    case HUDDLE__V1__ENVELOPE__BODY_APPROVAL_RECORDED:
        return add1(out, k, max, "huddle_decisions_total", "decision", "approve");
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED:
        return add1(out, k, max, "huddle_decisions_total", "decision", "reject");
    case HUDDLE__V1__ENVELOPE__BODY_DECISION_REFUSED:
        return add1(out, k, max, "huddle_decisions_total", "decision", "refused");
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_SUCCEEDED: {
        const char *pv[2] = {dept, str(ev->publish_succeeded->channel)};
        return add(out, k, max, "huddle_items_published_total", pn, pv, 2);
    }
    case HUDDLE__V1__ENVELOPE__BODY_PUBLISH_FAILED: {
        const char *pv[2] = {dept, str(ev->publish_failed->channel)};
        return add(out, k, max, "huddle_items_failed_total", pn, pv, 2);
    }
    case HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED:
        return add1(out, k, max, "huddle_mentions_routed_total", "department",
                    *dept ? dept : "triage");
    case HUDDLE__V1__ENVELOPE__BODY_ORG_CHANGED: {
        const char *on[3] = {"object", "action", "department"};
        const char *ov[3] = {str(ev->org_changed->object), str(ev->org_changed->action), dept};
        return add(out, k, max, "huddle_org_changes_total", on, ov, 3);
    }
    case HUDDLE__V1__ENVELOPE__BODY_POLICY_PROPOSAL_UPDATED:
        return add1(out, k, max, "huddle_policy_proposals_total", "event",
                    str(ev->policy_proposal_updated->event));
    case HUDDLE__V1__ENVELOPE__BODY_NOTIFICATION_RECORDED: {
        const Huddle__V1__NotificationRecorded *nr = ev->notification_recorded;
        if (!nr)
            return k;
        const char *nn[3] = {"endpoint", "outcome", "drill"};
        const char *nv[3] = {str(nr->endpoint), nr->delivered ? "delivered" : "failed",
                             nr->drill ? "true" : "false"};
        return add(out, k, max, "huddle_crisis_notifications_total", nn, nv, 3);
    }
    default:
        return k;
    }
}

/* A batch's plan: its counter increments (and the inbox gauge's moves),
   summed, its clock and crisis operations in order (each array holds
   n), and its first-response observations. */
typedef struct {
    mx_tally_t tally;
    mx_clock_op_t *ops;
    size_t nops;
    mx_crisis_op_t *crisis;
    size_t ncrisis;
    mx_histogram_t first_response;
} plan_t;

static void plan_inbox(const hd_envelope_t *ev, plan_t *p) {
    mx_inbox_op_t op;
    if (!mx_inbox_op_of(ev, &op))
        return;
    for (size_t m = 0; m < op.nmoves; m++)
        mx_tally_add_n(&p->tally, &op.moves[m].series, op.moves[m].n);
    if (op.observe)
        mx_histogram_observe_in(&p->first_response, MX_FIRST_RESPONSE, &mx_first_response_set,
                                op.labels, op.seconds);
}

static void plan_batch(const hd_envelope_t *const *evs, size_t n, plan_t *p) {
    int64_t now = hd_now_ms();
    for (size_t i = 0; i < n; i++) {
        mx_bump_t bumps[MX_MAX_BUMPS];
        size_t k = mx_aggregate_plan(evs[i], bumps, MX_MAX_BUMPS);
        for (size_t b = 0; b < k; b++)
            mx_tally_add(&p->tally, &bumps[b]);
        p->nops += (size_t)mx_clock_op_of(evs[i], now, &p->ops[p->nops]);
        p->ncrisis += (size_t)mx_crisis_op_of(evs[i], now, &p->crisis[p->ncrisis]);
        plan_inbox(evs[i], p);
        hd_log(HD_LOG_DEBUG, "counted", evs[i]->id, evs[i]->correlation_id, "%s: %zu counters",
               evs[i]->type, k);
    }
}

int mx_aggregate_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                             hd_batch_out_t *out, void *arg) {
    (void)out;
    (void)arg;
    plan_t p = {.ops = hd_calloc(n, sizeof *p.ops), .crisis = hd_calloc(n, sizeof *p.crisis)};
    plan_batch(evs, n, &p);
    int rc = mx_tally_write(&p.tally, db) < 0 || mx_latency_apply(db, p.ops, p.nops) < 0 ||
                     mx_crisis_apply(db, p.crisis, p.ncrisis) < 0 ||
                     mx_histogram_flush(&p.first_response, db) < 0
                 ? HD_APPLY_RETRY
                 : HD_APPLY_OK;
    mx_histogram_free(&p.first_response);
    free(p.ops);
    free(p.crisis);
    mx_tally_free(&p.tally);
    return rc;
}
