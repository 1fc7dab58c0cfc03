/*  batch_sql: what one group commit does in the database (batch.h). */
#ifndef ING_BATCH_SQL_H
#define ING_BATCH_SQL_H

#include "batch.h"

/* Authenticates, checks and records items[0..n) on db, setting each
   item->who and item->res; committed items are answered 201 (new) or 200
   (the original answer to a retry). The mentions among them (authenticated
   by their door) are recorded by ing_inbound_record_batch, after the
   content. Items and db borrowed. */
void ing_batch_record(hd_db_t *db, ing_item_t **items, size_t n);

#endif
