/*  batch: what the metrics consumer gathers over one batch for its flush:
    counter increments (gather.h) and approval latency stops (latency.h).
    It is mx_aggregate_apply's arg and the hd_consumer begin / flush pair. */
#ifndef MX_BATCH_H
#define MX_BATCH_H

#include "gather.h"
#include "hd_db.h"
#include "latency.h"

typedef struct {
    mx_gather_t counters;
    mx_latency_t latency;
} mx_batch_t;

/* hd_consumer_begin_fn: forgets everything gathered and not flushed
   (arg: mx_batch_t). */
void mx_batch_begin(void *arg);

/* hd_consumer_flush_fn: writes what was gathered inside the open
   transaction, then forgets it. 0 or -1 (roll back). */
int mx_batch_flush(hd_db_t *db, void *arg);

/* Frees the memory; the batch may be reused afterwards. */
void mx_batch_free(mx_batch_t *self);

#endif
