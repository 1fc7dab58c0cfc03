/*  latency: the clock of huddle_approval_latency_seconds{department}.
    approval.requested starts it (a row in metrics_pending, written at
    once); content.approved / content.rejected stop it. Stops are gathered
    over a consumer batch and applied at its flush in one DELETE, their
    latencies added in two upserts (histogram.h): three statements a batch
    instead of one to three per decision.

    The figures come out exactly as if every event were applied on its own:
    a stop gathered ahead of a start of the same content (rejected, revised,
    asked again in one batch) is applied before that start is written, so
    it deletes the request it stops and not the new one. */
#ifndef MX_LATENCY_H
#define MX_LATENCY_H

#include "hd_db.h"
#include "hd_id.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char (*ids)[HD_ID_LEN]; /* contents stopped, lower case, distinct */
    int64_t *at_ms;         /* when each was stopped */
    size_t n, cap;
} mx_latency_t;

/* Starts (or restarts: a revision asks again) the clock of content_id at
   at_ms for department, written at once; with self, after applying the
   gathered stops if one of them is content_id's. An invalid id is ignored.
   self may be NULL; nothing is taken. 0, or -1 (roll back). */
int mx_latency_start(mx_latency_t *self, hd_db_t *db, const char *content_id,
                     const char *department, int64_t at_ms);

/* Stops the clock of content_id at at_ms and observes the time since its
   start, if it was started: with self NULL at once, otherwise gathered for
   mx_latency_flush. Only the first stop of a start counts. An invalid id
   is ignored. Nothing is taken. 0, or -1 (roll back). */
int mx_latency_stop(mx_latency_t *self, hd_db_t *db, const char *content_id, int64_t at_ms);

/* Forgets every gathered stop (a new attempt at a batch, a dead letter). */
void mx_latency_begin(mx_latency_t *self);

/* Applies the gathered stops inside the open transaction, then forgets
   them. 0, or -1 (they are kept; the caller rolls back and begins again). */
int mx_latency_flush(mx_latency_t *self, hd_db_t *db);

/* Frees the memory; self may be reused afterwards. */
void mx_latency_free(mx_latency_t *self);

#endif
