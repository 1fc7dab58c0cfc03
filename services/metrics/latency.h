/*  latency: a consumer batch's approval clocks (clock.h) against
    metrics_pending (migrations/005_metrics.sql): the pending rows of every
    content the batch's operations name are read in one statement, the
    operations run in memory (mx_clocks_run), and what they leave is
    written in array statements: one DELETE for the clocks stopped, one
    upsert for those (re)started, two upserts for the latencies observed
    (histogram.h). A batch of one is a batch. */
#ifndef MX_LATENCY_H
#define MX_LATENCY_H

#include "clock.h"
#include "hd_db.h"

#include <stddef.h>

/* Applies the n operations (in the batch's order) inside the open
   transaction. ops borrowed. 0, or -1 on a database error (the caller
   rolls back). */
int mx_latency_apply(hd_db_t *db, const mx_clock_op_t *ops, size_t n);

#endif
