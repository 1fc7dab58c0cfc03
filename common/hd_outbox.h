/*  hd_outbox: recording an event. The only way any service emits an event is
    to write an outbox row in the same transaction as the state change it
    belongs to; the hub's sequencer moves committed rows into event_log. */
#ifndef HD_OUTBOX_H
#define HD_OUTBOX_H

#include "hd_db.h"
#include "hd_envelope.h"

/* Inside the caller's open transaction, records `env` (stamped, with
   correlation_id and department set as wanted) in the outbox.
   Returns 0 when recorded, 1 when an event with this id was already recorded
   (a replay: nothing written), -1 on database error (caller rolls back). */
int hd_outbox_put(hd_db_t *db, const hd_envelope_t *env);

/* A queue of outbox rows for one transaction, written in one statement:
   one round trip for all of a consumer batch's events instead of one each
   (hd_batch.h holds the consumer's), and rows written last, so the
   sequencer never waits behind a long transaction's early oid. */
typedef struct hd_outbox_queue hd_outbox_queue_t;

/* An empty queue; the caller owns it. Aborts on out-of-memory. */
hd_outbox_queue_t *hd_outbox_queue_new(void);

/* Frees it (and what it holds); safe on NULL, nulls the caller's pointer. */
void hd_outbox_queue_destroy(hd_outbox_queue_t **self_p);

/* Queues env's row on q (packed at once: env need not outlive the call). */
void hd_outbox_queue_add(hd_outbox_queue_t *q, const hd_envelope_t *env);

/* How many rows q holds. */
size_t hd_outbox_queue_count(const hd_outbox_queue_t *q);

/* Writes q's rows in one statement inside the open transaction (replays
   skipped) and empties q (also on error). A command: in pipeline mode
   (hd_db_pipe_begin) it is sent without waiting. 0, or -1 on a database
   error (the caller rolls back). */
int hd_outbox_queue_write(hd_outbox_queue_t *q, hd_db_t *db);

/* Empties q without writing. */
void hd_outbox_queue_clear(hd_outbox_queue_t *q);

/* hd_outbox_put for n events in one statement (a batch commits its events
   with one round trip). Returns how many were recorded (replays are
   skipped), or -1 on database error (caller rolls back). */
int hd_outbox_put_many(hd_db_t *db, const hd_envelope_t *const *envs, size_t n);

#endif
