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

/* hd_outbox_put for n events in one statement (a batch commits its events
   with one round trip). Returns how many were recorded (replays are
   skipped), or -1 on database error (caller rolls back). */
int hd_outbox_put_many(hd_db_t *db, const hd_envelope_t *const *envs, size_t n);

#endif
