/*  gather: counter increments summed in memory over one consumer batch, so
    a batch of a thousand events costs one upsert per distinct counter
    instead of two per event (every event bumps huddle_events_total, most
    bump a second counter). The consumer loop decides when to forget and
    when to flush (hd_consumer_cfg_t.begin / .flush). */
#ifndef MX_GATHER_H
#define MX_GATHER_H

#include "aggregate.h"
#include "hd_db.h"

#include <stddef.h>

typedef struct {
    mx_bump_t *bumps; /* distinct (name, labels) so far */
    long *counts;     /* how many times each */
    size_t n, cap;
} mx_gather_t;

/* Adds one increment of b's counter. Copies b. Aborts on out-of-memory. */
void mx_gather_add(mx_gather_t *self, const mx_bump_t *b);

/* hd_consumer_begin_fn: forgets every increment not flushed (arg: mx_gather_t). */
void mx_gather_begin(void *arg);

/* hd_consumer_flush_fn: adds the gathered increments to metrics_counter in
   one statement inside the open transaction, then forgets them. 0 or -1. */
int mx_gather_flush(hd_db_t *db, void *arg);

/* Frees the memory; the gather may be reused afterwards. */
void mx_gather_free(mx_gather_t *self);

#endif
