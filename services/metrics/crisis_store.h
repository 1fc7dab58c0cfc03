/*  crisis_store: a consumer batch's crisis operations (crisis.h) against
    metrics_crisis and metrics_crisis_count (migrations/
    018_metrics_crisis.sql): the rows of every crisis the batch's changes
    and holds name are read in one statement, the operations run in memory
    (mx_crises_run), and what they leave is written with array statements:
    one upsert for the rows changed, one for the counts added, two for the
    latencies observed (histogram.h). A batch of one is a batch. */
#ifndef MX_CRISIS_STORE_H
#define MX_CRISIS_STORE_H

#include "crisis.h"
#include "hd_db.h"

#include <stddef.h>

/* Applies the n operations (in the batch's order) inside the open
   transaction. ops borrowed. 0, or -1 on a database error (the caller
   rolls back). */
int mx_crisis_apply(hd_db_t *db, const mx_crisis_op_t *ops, size_t n);

#endif
