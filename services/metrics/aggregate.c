/*  aggregate: events -> counters and the approval latency histogram. */
#include "aggregate.h"

#include "batch.h"

#include "hd_id.h"
#include "hd_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const char *s) { return s ? s : ""; }

static size_t add(mx_bump_t *out, size_t k, size_t max, const char *name, const char *const *names,
                  const char *const *values, size_t count) {
    if (k >= max)
        return k;
    out[k].name = name;
    if (mx_prom_labels(out[k].labels, sizeof out[k].labels, names, values, count) < 0)
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
                    *dept ? dept : "unrouted");
    default:
        return k;
    }
}

static int bump(hd_db_t *db, const mx_bump_t *b) {
    const char *p[2] = {b->name, b->labels};
    return hd_db_cmd(db,
                     "INSERT INTO metrics_counter (name, labels, value) VALUES ($1, $2, 1) "
                     "ON CONFLICT (name, labels) DO UPDATE "
                     "SET value = metrics_counter.value + 1",
                     2, p);
}

static int64_t when(const hd_envelope_t *ev) {
    return ev->occurred_at_ms > 0 ? ev->occurred_at_ms : hd_now_ms();
}

/* approval.requested starts the clock (a later request, a revision,
   restarts it); a final decision stops it. */
static int latency(hd_db_t *db, const hd_envelope_t *ev, mx_latency_t *lat) {
    switch (ev->body_case) {
    case HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED:
        return mx_latency_start(lat, db, str(ev->approval_requested->content_id),
                                str(ev->department), when(ev));
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED:
        return mx_latency_stop(lat, db, str(ev->content_approved->content_id), when(ev));
    case HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED:
        return mx_latency_stop(lat, db, str(ev->content_rejected->content_id), when(ev));
    default:
        return 0;
    }
}

int mx_aggregate_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why, size_t why_len) {
    mx_bump_t bumps[MX_MAX_BUMPS];
    size_t n = mx_aggregate_plan(ev, bumps, MX_MAX_BUMPS);
    mx_batch_t *batch = arg;
    for (size_t i = 0; i < n; i++) {
        if (batch)
            mx_gather_add(&batch->counters, &bumps[i]);
        else if (bump(db, &bumps[i]) < 0)
            return HD_APPLY_RETRY;
    }
    if (latency(db, ev, batch ? &batch->latency : NULL) < 0)
        return HD_APPLY_RETRY;
    hd_log(HD_LOG_DEBUG, "counted", ev->id, ev->correlation_id, "%s: %zu counters", ev->type, n);
    return HD_APPLY_OK;
}
