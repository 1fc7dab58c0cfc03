/*  notify: outgoing webhook notifications (docs/webhooks.md). STUB: helper
    "notify" owns it. */
#ifndef PUB_NOTIFY_H
#define PUB_NOTIFY_H

#include "hd_batch.h"
#include "hd_db.h"

typedef struct pub_notify {
    int unused;
} pub_notify_t;

/* hd_consumer_batch_fn: the batch's crisis.* and content.released events
   become notifications. arg: the pub_notify_t. */
int pub_notify_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg);

/* Delivers due notifications; returns the wait before the next call (ms). */
int pub_notify_idle(hd_db_t *db, pub_notify_t *self);

#endif
