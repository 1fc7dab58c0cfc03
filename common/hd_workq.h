/*  hd_workq: THE way huddle's threads hand work to each other.

    An I/O loop thread (the libuv loop of an hd_http server, the zmq_poll
    loop of ingest's door) never blocks: whatever may block (a database
    call, an fsync, a handler) goes to a pool of worker threads through
    hd_workq_submit, and comes back to the loop as a `done` callback that
    the loop runs when it calls hd_workq_drain. Jobs wait in a FIFO under a
    mutex and condition variable; finished jobs wait in a second FIFO under
    the same mutex, and the queue calls the owner's wake function (which
    does uv_async_send, or writes an eventfd the zmq loop polls) when that
    FIFO stops being empty. A thread that is not a worker but has a result
    for the loop (a group-commit writer) submits a job with no work: only
    its done runs, on the loop.

    Each worker may own state made for it by the pool's init callback (its
    own database connection, say), reachable from the work it runs through
    hd_workq_state(). */
#ifndef HD_WORKQ_H
#define HD_WORKQ_H

#include <stddef.h>

typedef struct hd_workq hd_workq_t;

/* Makes worker `index`'s state; runs on the thread calling hd_workq_new,
   before any worker starts. NULL fails hd_workq_new. */
typedef void *(hd_workq_init_fn)(int index, void *arg);
/* Frees a state made by init; runs in hd_workq_destroy after the workers
   have stopped. */
typedef void(hd_workq_fini_fn)(void *state, void *arg);

typedef struct {
    int workers;            /* threads; below 1 means 1 */
    hd_workq_init_fn *init; /* NULL: every worker's state is NULL */
    hd_workq_fini_fn *fini; /* may be NULL */
    void *arg;              /* given to init and fini, borrowed */
} hd_workq_pool_t;

typedef void(hd_workq_fn)(void *arg);
/* Called by any thread when finished jobs are waiting for hd_workq_drain. */
typedef void(hd_workq_wake_fn)(void *arg);

/* Starts the pool (NULL: one worker, no state). wake (may be NULL: the
   owner polls) is called with wake_arg. NULL if a state or a thread cannot
   be made (logged); the caller owns the queue. */
hd_workq_t *hd_workq_new(const hd_workq_pool_t *pool, hd_workq_wake_fn *wake, void *wake_arg);

/* Any thread: runs work(arg) on a worker (NULL: none), then queues
   done(arg) (NULL: none) for the owner's next hd_workq_drain. Jobs are
   taken in submission order; with one worker they also finish in it. After
   hd_workq_destroy has begun, work runs at once on the calling thread. */
void hd_workq_submit(hd_workq_t *self, hd_workq_fn *work, hd_workq_fn *done, void *arg);

/* The owner's thread: runs every queued done callback, in the order the
   jobs finished. Returns how many ran. */
size_t hd_workq_drain(hd_workq_t *self);

/* Inside work running on a worker: that worker's state. NULL on any other
   thread. Borrowed. */
void *hd_workq_state(void);

/* Lets the workers finish every queued job, joins them, runs the done
   callbacks still queued on the calling thread (which becomes the owner),
   then frees the states. Safe on NULL. The caller's pointer is nulled at
   the end, not the start: until then, jobs still running and the done
   callbacks drained here may submit through it. */
void hd_workq_destroy(hd_workq_t **self_p);

#endif
