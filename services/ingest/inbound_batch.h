/*  inbound_batch: the group commit's mentions (batch.h). Mentions pushed
    through POST /v1/inbound arrive faster than a commit each can take when
    a crisis makes them explode; the batch records every mention it took in
    one transaction with ing_inbound_record_many (one rule for what a
    mention is, whichever door it came by), and commits once. */
#ifndef ING_INBOUND_BATCH_H
#define ING_INBOUND_BATCH_H

#include "batch.h"

/* Records the mentions items[0..n) (each item's `mention` set, `who` its
   integration) on db in one transaction, setting item->res: 201 new, 200
   already received, 422 invalid or unknown channel, 503. When the
   transaction fails before COMMIT, each mention is recorded again alone,
   so one bad mention never costs the others theirs; when COMMIT fails the
   outcome is unknown and every mention is answered 503 (posting it again
   is safe: its id comes from its channel and external id). Items and db
   borrowed. */
void ing_inbound_record_batch(hd_db_t *db, ing_item_t **items, size_t n);

#endif
