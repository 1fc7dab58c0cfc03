/*  inbox: the inbox figures (docs/metrics.md, "Inbox"; docs/sla.md),
    decided per event in memory (pure). The counters and the gauge ride
    the batch's tally (one upsert into metrics_counter); the first-response
    time is observed into the batch's histogram. So each event moves them
    exactly once, in the consumer's transaction.

      mention.routed      huddle_mentions_total{channel,feed,department}
                          huddle_inbox_items{department,state="new"} +1
      inbox.<what>        huddle_inbox_items: -1 at (the department it
                          was in, from_state), +1 at (department, state),
                          when either differs (inbox.refused moves nothing)
      inbox.sla_warning   huddle_inbox_sla_warnings_total{department}
      inbox.sla_breached  huddle_inbox_sla_breaches_total{department}
      inbox.replied       huddle_inbox_replies_total{department}; the first
                          (first set) observes response_ms / 1000 in
                          huddle_inbox_first_response_seconds{department}

    The department label is the envelope's, "triage" for "" (a mention no
    rule took); the department an item was in before inbox.routed is the
    event's from_department. The feed label is the mention's feed, "" for
    one pushed to huddle. States are hd_inbox.h's names; an event naming a
    state that does not parse moves no gauge. Workflow emits every event of
    an item, in order, so the gauge follows each item through its states. */
#ifndef MX_INBOX_H
#define MX_INBOX_H

#include "aggregate.h"
#include "hd_envelope.h"
#include "histogram.h"

#include <stddef.h>

#define MX_INBOX_ITEMS "huddle_inbox_items"
#define MX_FIRST_RESPONSE "huddle_inbox_first_response_seconds"
#define MX_INBOX_MAX_MOVES 3

/* First-response time in business seconds: 30 s .. a day, +Inf. */
extern const mx_buckets_t mx_first_response_set;

/* A counter or gauge series moved by n. */
typedef struct {
    mx_bump_t series;
    long n;
} mx_inbox_move_t;

/* One event's operation on the inbox figures. */
typedef struct {
    mx_inbox_move_t moves[MX_INBOX_MAX_MOVES];
    size_t nmoves;
    int observe;                     /* a first response: seconds under labels */
    char labels[HD_PROM_LABELS_LEN]; /* rendered: department */
    double seconds;
} mx_inbox_op_t;

/* The operation of ev into *op: 1 when ev moves an inbox figure, else 0.
   ev borrowed. */
int mx_inbox_op_of(const hd_envelope_t *ev, mx_inbox_op_t *op);

#endif
