/*  fence: the runner's side of the crisis fence (hd_crisis.h,
    docs/crisis-hold.md).

    The runner takes the fence shared on its database session before it
    claims a batch and gives it back once every call of the batch has
    returned; a declaration takes it exclusively and commits holding it.
    The fence is a session lock: if the session ends mid-batch (the
    connection dropped, the backend was terminated, the server restarted)
    the server lets it go at once, and a declaration may commit while the
    batch's calls are still on the wire. So while the calls run the runner
    watches its connection (pub_fence_alive, every PUB_FENCE_WATCH_MS):
    once the session is seen gone, no call of the batch that has not begun
    begins (its job goes back to pending, and the next claim, under a new
    fence, holds it if a crisis covers it). What remains is in
    docs/crisis-hold.md: the calls already on the wire, and those begun
    between the end of the session and the watch seeing it. */
#ifndef PUB_FENCE_H
#define PUB_FENCE_H

#include "hd_db.h"

#define PUB_FENCE_WATCH_MS 10

/* Takes the fence shared (waits while a declaration holds it). 0, or -1
   on a database error (logged). */
int pub_fence_take(hd_db_t *db);

/* Gives it back; nothing to do when the session is gone (its locks went
   with it). */
void pub_fence_release(hd_db_t *db);

/* 0 once the session is seen gone: the connection is broken, or the
   server closed it (the socket reads end-of-file). 1 otherwise. Reads
   only what is waiting; never sends. The runner's thread only, outside
   any statement. */
int pub_fence_alive(hd_db_t *db);

#endif
