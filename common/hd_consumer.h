/*  hd_consumer: the consumer loop every central service runs (DESIGN.md,
    bus invariant 4). It fetches from the hub by cursor and applies each
    batch in one transaction: the effects, their outbox rows and the advanced
    cursor commit together, so effects happen exactly once whatever crashes
    and redeliveries occur. A batch is applied at first without savepoints
    (two round trips per event saved); if one of its events can never be
    applied, the batch is rolled back and applied again with a savepoint per
    event, so that event becomes a dead letter instead of blocking the
    stream. The events a batch emits (hd_outbox_put in apply) are queued and
    written in one statement at its end (hd_outbox_defer). */
#ifndef HD_CONSUMER_H
#define HD_CONSUMER_H

#include "hd_batch.h"
#include "hd_bus.h"
#include "hd_db.h"

#include <stddef.h>

/* Applies a batch of n events (ascending seq, borrowed for the call) inside
   the open transaction: reads what the batch needs, decides in memory,
   writes its own tables, and hands the events it emits to `out` (the loop
   writes them to the outbox after this returns). HD_APPLY_OK;
   HD_APPLY_RETRY on a transient failure (everything is rolled back and the
   batch fetched again); HD_APPLY_DEAD after hd_batch_dead(out, i, ...)
   when event i can never apply: the loop rolls back and applies the events
   again one at a time (each a batch of one), so that event alone becomes a
   dead letter. n is at least 1. */
typedef int(hd_consumer_batch_fn)(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                                  hd_batch_out_t *out, void *arg);

/* Applies one event inside the open transaction on db. Write `why` on DEAD. */
typedef int(hd_consumer_apply_fn)(hd_db_t *db, const hd_envelope_t *ev, void *arg,
                                  char *why, size_t why_len);

/* Optional batching of effects: `begin` forgets whatever apply calls have
   gathered in memory and not flushed; `flush` writes it inside the open
   transaction (0, or -1 to roll back and retry). The loop calls begin before
   each attempt at a batch and flush after the events whose effects it writes
   (after the whole batch, or after each event when a batch is applied event
   by event), always before the cursor moves. */
typedef void(hd_consumer_begin_fn)(void *arg);
typedef int(hd_consumer_flush_fn)(hd_db_t *db, void *arg);

/* Optional read-ahead: called inside the batch's transaction after each
   begin, before any apply, with the batch's n events (borrowed for the
   call). A service reads in one statement what its events will need,
   instead of one read per event. 0, or -1 to roll back and retry. */
typedef int(hd_consumer_prepare_fn)(hd_db_t *db, void *arg, const hd_envelope_t *const *evs,
                                    size_t n);

/* Called between fetches (outside any transaction) for timed work; returns
   the longest the loop may wait for events before calling it again (ms). */
typedef int(hd_consumer_idle_fn)(hd_db_t *db, void *arg);

typedef struct {
    const char *name;          /* cursor name in consumer_cursor */
    const char *const *types;  /* event types wanted; NULL = all */
    size_t ntypes;
    uint32_t batch;            /* max events per fetch/transaction (default 256) */
    int wait_ms;               /* long-poll wait (default 1000) */
    hd_consumer_batch_fn *apply_batch; /* the contract (source: name) */
    hd_consumer_apply_fn *apply;       /* being replaced by apply_batch */
    hd_consumer_idle_fn *idle; /* may be NULL */
    hd_consumer_begin_fn *begin; /* may be NULL */
    hd_consumer_flush_fn *flush; /* may be NULL */
    hd_consumer_prepare_fn *prepare; /* may be NULL */
    void *arg;
} hd_consumer_cfg_t;

/* Runs until hd_stop is set. Returns 0 on orderly stop, -1 if the cursor
   cannot be read at all. Neither db nor bus is taken. */
int hd_consumer_run(hd_db_t *db, hd_bus_t *bus, const hd_consumer_cfg_t *cfg);

/* Loads (creating at 0) the stored cursor of `name`; -1 on error. */
long long hd_consumer_cursor(hd_db_t *db, const char *name);

#endif
