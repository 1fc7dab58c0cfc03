/*  floor: the lowest outbox oid the sequencer's next move must look at.

    The outbox is a queue: every sequenced event leaves a dead index entry,
    and entries deleted while any write transaction older than the delete is
    still running cannot be skipped cheaply: a scan from the lowest oid
    visits their heap tuples again on every move (6 ms a move at 700
    items/s, the hub's largest cost in the database). A scan that starts at
    the floor never touches them.

    Below the highest oid moved so far, an oid not yet seen is a gap: a row
    whose transaction is still running (it will commit late, and must still
    be moved), or a number its transaction took and never committed. A gap
    is closed when its row is moved, or when it is proven never to come:
    every outbox insert assigns its transaction id before it takes an oid
    (hd_outbox.c), and a gap lies below an oid that had committed before
    the move began, so whoever holds it got its xid before the move's own
    transaction got one (X). Once a later snapshot's xmin is X or more, that
    transaction has ended (a running xid below X would hold xmin down: X
    itself has completed, so the snapshot's xmax is above it), and if the
    move under that snapshot did not find the row, the row does not exist.
    (A snapshot's xmax would not do: it is one past the latest completed
    xid, and a transaction still running may have a higher one.) No clock is involved, so
    a transaction that stalls for minutes before its commit is still moved,
    in its commit order. The floor is the lowest open gap, or one past the
    highest oid moved. */
#ifndef HUB_FLOOR_H
#define HUB_FLOOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct hub_floor hub_floor_t;

/* A tracker that knows nothing yet (floor 0: look at everything). Aborts on
   out-of-memory. */
hub_floor_t *hub_floor_new(void);

/* Frees it; safe on NULL, nulls the caller's pointer. */
void hub_floor_destroy(hub_floor_t **self_p);

/* Forgets everything (a new connection, a new leader): floor 0 again. */
void hub_floor_reset(hub_floor_t *self);

/* The oid the next move starts at. */
uint64_t hub_floor_get(const hub_floor_t *self);

/* What one move saw: the oids it took (ascending, n of them, all >= the
   floor it used, or any oid for a move from 0), whether it stopped at its
   limit (then nothing is known above oids[n - 1]), its snapshot's xmin, and
   its own transaction's xid (assigned by its delete; unused when n is 0). */
void hub_floor_update(hub_floor_t *self, const uint64_t *oids, size_t n, int full, uint64_t xmin,
                      uint64_t xid);

/* Open gap ranges (for stats and tests). */
size_t hub_floor_gaps(const hub_floor_t *self);

#endif
