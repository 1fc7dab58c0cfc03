/*  hd_deadletter: input that could not be accepted is kept, never dropped
    (DESIGN.md, bus invariant 6). */
#ifndef HD_DEADLETTER_H
#define HD_DEADLETTER_H

#include "hd_db.h"

#include <stddef.h>

/* Records raw input with the reason it was refused. Runs in the caller's
   transaction if one is open, else on its own. correlation_id, peer and field
   may be NULL. 0 / -1 (logged either way). */
int hd_deadletter_put(hd_db_t *db, const char *source, const char *peer, const char *reason,
                      const char *field, const void *raw, size_t raw_len,
                      const char *correlation_id);

#endif
