/*  tally: counter increments summed in memory over one consumer batch, so
    a batch of a thousand events costs one upsert for all its counters
    instead of two per event (every event bumps huddle_events_total, most
    bump a second counter). */
#ifndef MX_TALLY_H
#define MX_TALLY_H

#include "aggregate.h"
#include "hd_db.h"

#include <stddef.h>

typedef struct {
    mx_bump_t *bumps; /* distinct (name, labels) so far */
    long *counts;     /* how many times each */
    size_t n, cap;
} mx_tally_t;

/* Adds one increment of b's counter (pure). Copies b. Aborts on
   out-of-memory. */
void mx_tally_add(mx_tally_t *self, const mx_bump_t *b);

/* Adds n (negative for a gauge going down) to b's series, as
   mx_tally_add. */
void mx_tally_add_n(mx_tally_t *self, const mx_bump_t *b, long n);

/* Adds the tallied increments to metrics_counter in one statement inside
   the open transaction. 0 or -1 (the caller rolls back). The tally is
   kept either way. */
int mx_tally_write(const mx_tally_t *self, hd_db_t *db);

/* Frees the memory; the tally may be reused afterwards. */
void mx_tally_free(mx_tally_t *self);

#endif
