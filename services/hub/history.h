/*  history: reading sequenced events back from event_log, for consumers
    behind the ring and for a standby hub following the leader. event_log
    rows are written only by the one sequencer, a batch per transaction in
    seq order, so reading it by seq (unlike tailing the outbox) never skips. */
#ifndef HUB_HISTORY_H
#define HUB_HISTORY_H

#include "event.h"
#include "fetch.h"
#include "hd_db.h"

#include <stdint.h>

/* Reads up to max events with after < seq <= upto that pass f (NULL: all),
   ascending. On n >= 0 *out is a malloc'd array of n events (each and the
   array the caller's to free; NULL when n is 0). -1 on database error. */
int hub_history_read(hd_db_t *db, uint64_t after, uint64_t upto, uint32_t max,
                     const hub_filter_t *f, hub_event_t ***out);

/* The highest seq in event_log (0 when empty), or -1 on error. */
long long hub_history_head(hd_db_t *db);

/* Decodes a binary-format int8 column. */
uint64_t hub_history_int8(const char *v);

/* Events from a binary result with columns seq, type, department, payload.
   Returns a malloc'd array of PQntuples(r) events (NULL when none). */
hub_event_t **hub_history_rows(PGresult *r);

void hub_history_free(hub_event_t **evs, int n);

#endif
