/*  aggregate: events -> counters and the approval latency histogram. */
#include "aggregate.h"

#include "gather.h"

#include "hd_id.h"
#include "hd_log.h"

#include <inttypes.h>
#include <math.h>
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

/* Adds one observation to a cumulative histogram: every bucket row exists
   (so a scrape shows zeros), those with le >= v grow by one. */
static int observe(hd_db_t *db, const char *name, const char *labels, double v) {
    char bounds[256] = "{", val[64];
    for (size_t i = 0; i < mx_latency_nbuckets; i++) {
        size_t used = strlen(bounds);
        if (isinf(mx_latency_buckets[i]))
            snprintf(bounds + used, sizeof bounds - used, "%sInfinity", i ? "," : "");
        else
            snprintf(bounds + used, sizeof bounds - used, "%s%.17g", i ? "," : "",
                     mx_latency_buckets[i]);
    }
    strncat(bounds, "}", sizeof bounds - strlen(bounds) - 1);
    snprintf(val, sizeof val, "%.17g", v);
    const char *p[4] = {name, labels, bounds, val};
    if (hd_db_cmd(db,
                  "INSERT INTO metrics_histogram (name, labels, le, count) "
                  "SELECT $1, $2, b, CASE WHEN $4::float8 <= b THEN 1 ELSE 0 END "
                  "FROM unnest($3::float8[]) AS b "
                  "ON CONFLICT (name, labels, le) DO UPDATE "
                  "SET count = metrics_histogram.count + EXCLUDED.count",
                  4, p) < 0)
        return -1;
    const char *q[3] = {name, labels, val};
    return hd_db_cmd(db,
                     "INSERT INTO metrics_histogram_sum (name, labels, sum, count) "
                     "VALUES ($1, $2, $3::float8, 1) ON CONFLICT (name, labels) DO UPDATE "
                     "SET sum = metrics_histogram_sum.sum + EXCLUDED.sum, "
                     "    count = metrics_histogram_sum.count + 1",
                     3, q);
}

static int64_t when(const hd_envelope_t *ev) {
    return ev->occurred_at_ms > 0 ? ev->occurred_at_ms : hd_now_ms();
}

/* approval.requested starts the clock; a later request (a revision)
   restarts it. */
static int latency_start(hd_db_t *db, const hd_envelope_t *ev) {
    const char *cid = str(ev->approval_requested->content_id);
    if (!hd_id_valid(cid))
        return 0;
    char at[32];
    snprintf(at, sizeof at, "%" PRId64, when(ev));
    const char *p[3] = {cid, str(ev->department), at};
    return hd_db_cmd(db,
                     "INSERT INTO metrics_pending (content_id, department, requested_at_ms) "
                     "VALUES ($1, $2, $3) ON CONFLICT (content_id) DO UPDATE "
                     "SET department = EXCLUDED.department, "
                     "    requested_at_ms = EXCLUDED.requested_at_ms",
                     3, p);
}

/* A final decision stops the clock and records the latency. */
static int latency_stop(hd_db_t *db, const hd_envelope_t *ev, const char *content_id) {
    if (!hd_id_valid(content_id))
        return 0;
    const char *p[1] = {content_id};
    PGresult *r = hd_db_exec(db,
                             "DELETE FROM metrics_pending WHERE content_id = $1 "
                             "RETURNING department, requested_at_ms",
                             1, p);
    if (!r)
        return -1;
    int rc = 0;
    if (PQntuples(r) == 1) {
        double secs = (double)(when(ev) - strtoll(PQgetvalue(r, 0, 1), NULL, 10)) / 1000.0;
        const char *name = "department", *dept = PQgetvalue(r, 0, 0);
        char labels[MX_LABELS_LEN];
        mx_prom_labels(labels, sizeof labels, &name, &dept, 1);
        rc = observe(db, "huddle_approval_latency_seconds", labels, secs < 0 ? 0 : secs);
    }
    PQclear(r);
    return rc;
}

int mx_aggregate_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why, size_t why_len) {
    mx_bump_t bumps[MX_MAX_BUMPS];
    size_t n = mx_aggregate_plan(ev, bumps, MX_MAX_BUMPS);
    mx_gather_t *gather = arg;
    for (size_t i = 0; i < n; i++) {
        if (gather)
            mx_gather_add(gather, &bumps[i]);
        else if (bump(db, &bumps[i]) < 0)
            return HD_APPLY_RETRY;
    }
    int rc = 0;
    if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_APPROVAL_REQUESTED)
        rc = latency_start(db, ev);
    else if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_APPROVED)
        rc = latency_stop(db, ev, str(ev->content_approved->content_id));
    else if (ev->body_case == HUDDLE__V1__ENVELOPE__BODY_CONTENT_REJECTED)
        rc = latency_stop(db, ev, str(ev->content_rejected->content_id));
    if (rc < 0)
        return HD_APPLY_RETRY;
    hd_log(HD_LOG_DEBUG, "counted", ev->id, ev->correlation_id, "%s: %zu counters", ev->type, n);
    return HD_APPLY_OK;
}
