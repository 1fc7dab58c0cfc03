/*  machine: the approval state machine of workflow (DESIGN.md, `workflow`).

    One apply function per consumed event, each run by hd_consumer inside
    the batch transaction: it changes workflow_item / workflow_approval /
    inbox_item and records the events that change produces in the outbox,
    with ids derived from the cause so that a replay records nothing twice.

      content.submitted  -> item 'evaluating'
      policy.evaluated   -> block: 'blocked' + content.blocked
                            pass with an 'auto' chain: 'approved' + content.approved
                            else: 'awaiting_approval' + approval.requested
      decision.recorded  -> decision.refused, or content.rejected ('rejected'),
                            or approval.recorded (+ content.approved, 'approved')
      publish.succeeded  -> 'published';  publish.failed (permanent) -> 'failed'
      mention.received   -> inbox_item + mention.routed (routing.h)

    Items whose chain yields no role at all are never approved by nobody:
    they need the fallback role (HUDDLE_WORKFLOW_FALLBACK_ROLE). */
#ifndef WF_MACHINE_H
#define WF_MACHINE_H

#include "chain.h"
#include "hd_consumer.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "pending.h"
#include "prefetch.h"

#include <stddef.h>

typedef struct {
    const char *fallback_role; /* borrowed; "orchestrator" when NULL */
    wf_chain_memo_t chains;    /* cleared per batch (wf_chain_memo_clear) */
    wf_pending_t *pending;     /* borrowed; NULL: every write at once */
    wf_prefetch_t *prefetch;   /* borrowed; NULL: every item read when needed */
} wf_ctx_t;

/* The event types workflow consumes (for hd_consumer_cfg_t.types). */
extern const char *const wf_types[];
extern const size_t wf_ntypes;

/* hd_consumer_begin_fn: a new batch (arg: wf_ctx_t): chains are read again
   and held-back writes forgotten. */
void wf_batch_begin(void *arg);

/* hd_consumer_prepare_fn: reads ahead the items of the batch's verdicts
   (arg: wf_ctx_t; nothing without a prefetch). */
int wf_batch_prepare(hd_db_t *db, void *arg, const hd_envelope_t *const *evs, size_t n);

/* hd_consumer_flush_fn: writes what the batch held back (arg: wf_ctx_t). */
int wf_batch_flush(hd_db_t *db, void *arg);

/* hd_consumer_apply_fn: dispatches `ev` to its handler. arg is a wf_ctx_t
   (may be NULL). HD_APPLY_OK, HD_APPLY_RETRY on a database error,
   HD_APPLY_DEAD with `why` for an event that can never apply. */
int wf_apply(hd_db_t *db, const hd_envelope_t *ev, void *arg, char *why, size_t why_len);

/* Records `env` (body set) as caused by `cause`: department as given,
   correlation_id copied from the cause, id derived from the cause's id and
   `label`. 0 recorded or already recorded (replay), -1 database error. */
int wf_emit(hd_db_t *db, const hd_envelope_t *cause, hd_envelope_t *env, const char *department,
            const char *label);

/* The mention.received handler (inbox.c). Same contract as wf_apply. */
int wf_inbox_apply(hd_db_t *db, const hd_envelope_t *ev, char *why, size_t why_len);

#endif
