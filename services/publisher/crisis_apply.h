/*  crisis_apply: what the publisher does when a crisis changes
    (hd_crisis.h, docs/playbooks.md). STUB: helper "publisher-hold" owns it. */
#ifndef PUB_CRISIS_APPLY_H
#define PUB_CRISIS_APPLY_H

#include "hd_batch.h"
#include "hd_db.h"

/* hd_consumer_batch_fn for the crisis.* events of a batch (others are
   ignored). arg: the pub_jobs_t. */
int pub_crisis_apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n,
                           hd_batch_out_t *out, void *arg);

#endif
