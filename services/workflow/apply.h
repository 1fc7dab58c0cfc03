/*  apply: workflow as a bus consumer (hd_consumer.h's apply_batch).

    One batch, in three steps: read what its events need (read.h), decide
    each event in order with the pure state machine (decide.h), emitting
    its events and gathering its rows, then write the batch's rows
    (write.h). The file that decides is decide.c; the file that reads is
    read.c; the file that writes is write.c; inbox work (mentions, inbox
    requests, replies published) is decided in work.c. Mentions also feed
    spike detection and the crises' reroute (watch.h): scanned before their
    decision, counted after it, detected at the batch's end. */
#ifndef WF_APPLY_H
#define WF_APPLY_H

#include "calendar.h"
#include "facts.h"
#include "hd_batch.h"
#include "hd_db.h"
#include "inbox.h"
#include "item.h"
#include "watch.h"
#include "write.h"

#include <stddef.h>

/* The event types workflow consumes (for hd_consumer_cfg_t.types). */
extern const char *const wf_types[];
extern const size_t wf_ntypes;

/* What workflow keeps between batches: memory reused from one to the next,
   and its settings. Zero it, then set facts.fallback_role. */
typedef struct {
    wf_items_t items;
    wf_facts_t facts;
    wf_writes_t writes;
    wf_watch_t watch;
    wf_inbox_t inbox;
    wf_calendars_t *calendars; /* created at the first batch */
} wf_ctx_t;

/* hd_consumer_batch_fn (arg: wf_ctx_t). HD_APPLY_OK, HD_APPLY_RETRY on a
   database error, HD_APPLY_DEAD with the index of an event that can never
   apply. */
int wf_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                   void *arg);

/* Frees what the context holds; it may be reused afterwards. */
void wf_ctx_free(wf_ctx_t *ctx);

#endif
