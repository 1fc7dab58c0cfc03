/*  pool: the publisher's delivery workers.

    A fixed set of threads, each with its own pub_conn_t (one kept-alive
    connection per worker), that runs the calls of one batch at the same
    time: pub_pool_run hands out the batch's tasks and returns when every
    one of them has returned. Between batches the workers sleep. Workers
    never touch the database: they only call channels; the runner claims
    before and records after, on its own thread.

    SIGINT and SIGTERM are blocked in the workers, so the signal reaches
    the main thread as before; a call in progress still sees hd_stop. */
#ifndef PUB_POOL_H
#define PUB_POOL_H

#include "adapter.h"

#include <stddef.h>

typedef struct pub_pool pub_pool_t;

/* One unit of work: runs on a worker with that worker's connection
   (borrowed, for this call only). */
typedef void(pub_pool_fn)(void *task, pub_conn_t *conn);

/* Starts `threads` workers (1..PUB_POOL_MAX). Returns NULL (logged) when a
   thread or a connection cannot be made. The caller owns the pool. */
pub_pool_t *pub_pool_new(int threads);

#define PUB_POOL_MAX 256

/* Stops and joins the workers, closes their connections. Waits for no
   batch: call it only between pub_pool_run calls. Safe on NULL, nulls the
   caller's pointer. */
void pub_pool_destroy(pub_pool_t **self_p);

/* Runs fn(tasks[i], conn) for i in 0..n-1, at most `threads` at a time,
   and returns when all have returned. tasks stay the caller's. Not
   reentrant: one batch at a time, from one thread. */
void pub_pool_run(pub_pool_t *self, pub_pool_fn *fn, void *const *tasks, size_t n);

/* Checks something for the runner while a batch runs (on the runner's
   thread, never at the same time as another watch call). */
typedef void(pub_pool_watch_fn)(void *arg);

/* pub_pool_run that, while the tasks run, calls watch(arg) on the calling
   thread every every_ms (the runner's database connection is its own: a
   worker may not touch it). */
void pub_pool_run_watched(pub_pool_t *self, pub_pool_fn *fn, void *const *tasks, size_t n,
                          pub_pool_watch_fn *watch, void *arg, int every_ms);

/* The number of workers. */
int pub_pool_size(const pub_pool_t *self);

#endif
