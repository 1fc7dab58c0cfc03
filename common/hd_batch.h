/*  hd_batch: what one consumer batch produces besides its own table writes.

    A service's apply_batch (hd_consumer.h) decides what its events do and
    hands two things back here: the events it emits, and, when one of its
    events can never be applied, which one and why. The consumer loop writes
    the emitted events to the outbox in one statement after apply_batch
    returns, inside the same transaction (DESIGN.md, bus invariants 1 and 4),
    and dead-letters the poison event by applying the events again one at a
    time (a batch of one is a batch).

    Emitted events get ids derived from their cause and a label, so a replay
    of the batch emits the same ids and the outbox's unique index keeps one
    copy (invariant 5). */
#ifndef HD_BATCH_H
#define HD_BATCH_H

#include "hd_db.h"
#include "hd_envelope.h"

#include <stddef.h>

enum {
    HD_APPLY_OK = 0,     /* applied (or nothing to do) */
    HD_APPLY_RETRY = -1, /* transient (database): roll back the batch, retry */
    HD_APPLY_DEAD = -2   /* some event can never apply: hd_batch_dead says which */
};

typedef struct hd_batch_out hd_batch_out_t;

/* An empty collector for events emitted by `source` (the service name
   stamped on every event, e.g. "workflow"). The caller owns it. Aborts on
   out-of-memory. `source` is borrowed and must outlive it. */
hd_batch_out_t *hd_batch_out_new(const char *source);

/* Frees it and what it holds; safe on NULL, nulls the caller's pointer. */
void hd_batch_out_destroy(hd_batch_out_t **self_p);

/* Forgets every emitted event and the dead mark (a new attempt). */
void hd_batch_out_clear(hd_batch_out_t *self);

/* Emits `env` (body set) as caused by `cause`: department as given,
   correlation_id copied from the cause unless env already carries one, id
   derived from the cause's id and `label`. env is packed at once: it and
   everything it points to need only live for the call (env's header
   fields are left as they were). */
void hd_batch_emit(hd_batch_out_t *self, const hd_envelope_t *cause, hd_envelope_t *env,
                   const char *department, const char *label);

/* How many events were emitted so far. */
size_t hd_batch_emitted(const hd_batch_out_t *self);

/* Marks event `index` of the batch as never applicable, with the reason
   for the dead letter (printf format). Returns HD_APPLY_DEAD, so a handler
   can `return hd_batch_dead(out, i, "...")`. The first mark wins. */
int hd_batch_dead(hd_batch_out_t *self, size_t index, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The dead mark: 1 with *index and *why (borrowed) set, 0 when none. */
int hd_batch_dead_mark(const hd_batch_out_t *self, size_t *index, const char **why);

/* Writes the emitted events to the outbox in one statement inside the open
   transaction (replays skipped) and forgets them. 0, or -1 on a database
   error (the caller rolls back). */
int hd_batch_out_write(hd_batch_out_t *self, hd_db_t *db);

#endif
