/*  hd_consumer: the consumer loop every central service runs (DESIGN.md,
    bus invariant 4). It fetches from the hub by cursor and applies each
    batch in one transaction: the service's effects, the events it emitted
    (hd_batch.h, written to the outbox in one statement) and the advanced
    cursor commit together, so effects happen exactly once whatever crashes
    and redeliveries occur.

    The contract is one callback, apply_batch, plus the timed idle. A batch
    is applied in one call without savepoints; if one of its events can
    never be applied, the batch is rolled back and applied again one event
    at a time, each a batch of one under its own savepoint, so that event
    becomes a dead letter instead of blocking the stream. There is no other
    path: a batch of one is a batch. */
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

/* Called between fetches (outside any transaction) for timed work; returns
   the longest the loop may wait for events before calling it again (ms). */
typedef int(hd_consumer_idle_fn)(hd_db_t *db, void *arg);

typedef struct {
    const char *name;         /* cursor name in consumer_cursor */
    const char *const *types; /* event types wanted; NULL = all */
    size_t ntypes;
    uint32_t batch;                    /* max events per fetch/transaction (default 256) */
    int wait_ms;                       /* long-poll wait (default 1000) */
    hd_consumer_batch_fn *apply_batch; /* emitted events are stamped with `name` */
    hd_consumer_idle_fn *idle;         /* may be NULL */
    void *arg;
} hd_consumer_cfg_t;

/* Runs until hd_stop is set. Returns 0 on orderly stop, -1 if the cursor
   cannot be read at all. Neither db nor bus is taken. */
int hd_consumer_run(hd_db_t *db, hd_bus_t *bus, const hd_consumer_cfg_t *cfg);

/* Loads (creating at 0) the stored cursor of `name`; -1 on error. */
long long hd_consumer_cursor(hd_db_t *db, const char *name);

#endif
