/*  aggregate: every event on the bus moves some figures (metrics_counter,
    metrics_histogram). A consumer batch is planned in memory with pure
    functions (mx_aggregate_plan for the counters, summed over the batch
    in a tally; mx_clock_op_of for the approval clock) and written in the
    consumer's transaction with array statements: one upsert for all the
    counters, and latency.h's read and writes for the clocks. So a figure
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
      org.*              huddle_org_changes_total{object,action,department}
      policy.proposal_updated  huddle_policy_proposals_total{event}
      notification.recorded  huddle_crisis_notifications_total{endpoint,outcome,drill}
      approval.requested -> content.approved / content.rejected:
                         huddle_approval_latency_seconds{department}, from the
                         events' occurred_at_ms (request time kept in
                         metrics_pending, migrations/005_metrics.sql).
      crisis.*, content.held / released / recalled: the crisis figures
                         (crisis.h, kept by crisis_store.h).
      mention.routed, inbox.*: the inbox figures (inbox.h). */
#ifndef MX_AGGREGATE_H
#define MX_AGGREGATE_H

#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_prom.h"

#include <stddef.h>

#define MX_MAX_BUMPS 4

typedef struct {
    const char *name;                /* static */
    char labels[HD_PROM_LABELS_LEN]; /* rendered, escaped */
} mx_bump_t;

/* The counters `ev` increments by one (pure). Returns their number
   (<= max). */
size_t mx_aggregate_plan(const hd_envelope_t *ev, mx_bump_t *out, size_t max);

/* hd_consumer_batch_fn: plans every event of the batch and writes the
   counters, the approval clocks, the crisis and the inbox figures as said above. HD_APPLY_OK, or
   HD_APPLY_RETRY on a database error. No event is ever dead: one that
   names no valid content moves its counters only. Emits nothing; arg is
   unused. */
int mx_aggregate_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                             hd_batch_out_t *out, void *arg);

#endif
