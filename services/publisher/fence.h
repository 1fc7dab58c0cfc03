/*  fence: the runner's side of the crisis fence (hd_crisis.h,
    docs/crisis-hold.md).

    The runner takes the fence shared on its database session before it
    claims a batch and gives it back once every call of the batch has
    returned; a declaration takes it exclusively and commits holding it.
    While the calls run the runner watches, every PUB_FENCE_WATCH_MS, two
    things on its own connection:
      - whether a declaration waits for the fence (pub_fence_wanted): then
        no call of the batch that has not begun begins, so the declaration
        waits for the calls already on the wire only (at most one
        HUDDLE_PUBLISH_TIMEOUT_MS), not for the rest of a long batch;
      - whether its session is gone (pub_fence_alive): the fence is a
        session lock, and if the session ends mid-batch (the connection
        dropped, the backend was terminated, the server restarted) the
        server lets it go at once, and a declaration may commit while the
        batch's calls are on the wire. Once the session is seen gone no
        call that has not begun begins either.
    A job whose call was not begun goes back to pending, and the next
    claim, under the fence again, holds it if a crisis covers it. What
    remains is in docs/crisis-hold.md: the calls already on the wire when
    the session ended, and those begun between its end and the watch
    seeing it. */
#ifndef PUB_FENCE_H
#define PUB_FENCE_H

#include "hd_db.h"

#define PUB_FENCE_WATCH_MS 10

/* Takes the fence shared (waits while a declaration holds it). 0, or -1
   on a database error (logged). */
int pub_fence_take(hd_db_t *db);

/* Gives it back; nothing to do when the session is gone (its locks went
   with it). Always called after a batch: a session that keeps its shared
   hold would keep every declaration waiting. */
void pub_fence_release(hd_db_t *db);

/* 1 when a declaration waits to take the fence exclusively (pg_locks),
   0 when none does, -1 on a database error. The runner's thread only,
   between its own statements. */
int pub_fence_wanted(hd_db_t *db);

/* 0 once the session is seen gone: the connection is broken, or the
   server closed it (the socket reads end-of-file). 1 otherwise. Reads
   only what is waiting; never sends. The runner's thread only, outside
   any statement. */
int pub_fence_alive(hd_db_t *db);

#endif
