/*  aggregate: every event on the bus moves some figures (metrics_counter,
    metrics_histogram). Applied in the consumer's transaction, so a figure
    counts each event exactly once.

      every event        huddle_events_total{type,department}
      policy.evaluated   huddle_policy_verdicts_total{verdict}
      content.blocked    huddle_items_blocked_total{department}
      approval.recorded  huddle_decisions_total{decision="approve"}
      content.rejected   huddle_decisions_total{decision="reject"}
      decision.refused   huddle_decisions_total{decision="refused"}
      publish.succeeded  huddle_items_published_total{department,channel}
      publish.failed     huddle_items_failed_total{department,channel}
      mention.routed     huddle_mentions_routed_total{department} ("unrouted" when "")
      approval.requested -> content.approved / content.rejected:
                         huddle_approval_latency_seconds{department}, from the
                         events' occurred_at_ms (request time kept in
                         metrics_pending, migrations/005_metrics.sql). */
#ifndef MX_AGGREGATE_H
#define MX_AGGREGATE_H

#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "prom.h"

#include <stddef.h>

#define MX_MAX_BUMPS 4

typedef struct {
    const char *name;           /* static */
    char labels[MX_LABELS_LEN]; /* rendered, escaped */
} mx_bump_t;

/* The counters `ev` increments by one (pure). Returns their number
   (<= max). */
size_t mx_aggregate_plan(const hd_envelope_t *ev, mx_bump_t *out, size_t max);

/* hd_consumer_apply_fn: applies the plan and the latency bookkeeping. With
   arg an mx_batch_t (batch.h) the counters and the latency stops are
   gathered there for the batch's flush; with arg NULL everything is
   written at once. */
int mx_aggregate_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why, size_t why_len);

#endif
