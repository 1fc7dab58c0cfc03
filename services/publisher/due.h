/*  due: how long the runners may wait before their next look. Each runner
    (jobs, recalls, notifications) asks when its next row falls due with
    its own statement, whose state literals are its partial index's
    predicate (so that the index serves the min()); the asking and the
    bounds are one rule, here. */
#ifndef PUB_DUE_H
#define PUB_DUE_H

#include "hd_db.h"

/* Runs `sql`, a statement of one bigint: the milliseconds until the next
   row is due, with $1 (cap, as text) its answer when none is. Returns
   that, bounded to 0..cap; cap on a database error (the next look
   retries). */
int pub_due_in_ms(hd_db_t *db, const char *sql, int cap);

/* The shape of such a statement for table t: the min(not_before) of its
   pending and in-flight rows. */
#define PUB_DUE_SQL(t)                                                              \
    "SELECT coalesce(ceil(extract(epoch FROM min(not_before) - clock_timestamp()) " \
    "* 1000), $1::bigint)::bigint FROM " t " WHERE state IN ('pending', 'in_flight')"

#endif
