/*  dbwork: the serve loop's database worker. The ROUTER loop never calls
    PostgreSQL itself (STYLE.md, "I/O threads do I/O"): its event_log reads
    and dead letters run on one hd_workq worker that owns its own hd_db_t,
    and their `done` callbacks come back to the loop, which polls
    hub_dbwork_fd and calls hub_dbwork_drain when it is readable (an
    eventfd written by the queue's wake function). One worker: jobs finish
    in submission order. */
#ifndef HUB_DBWORK_H
#define HUB_DBWORK_H

#include "hd_db.h"
#include "hd_workq.h"

#include <stddef.h>

typedef struct hub_dbwork hub_dbwork_t;

/* Starts the worker; it connects to db_url (borrowed, must outlive the
   worker) on its first job. NULL if the eventfd or the thread cannot be
   made (logged); the caller destroys. */
hub_dbwork_t *hub_dbwork_new(const char *db_url);

/* The owner's thread: work(arg) runs on the worker, then done(arg) on the
   owner's next hub_dbwork_drain (see hd_workq_submit). arg stays the
   caller's; done usually frees it. */
void hub_dbwork_submit(hub_dbwork_t *self, hd_workq_fn *work, hd_workq_fn *done, void *arg);

/* Inside work: the worker's connection, usable, or NULL when the database
   is unavailable (then, for a second, NULL again without trying).
   Borrowed. NULL on any other thread. */
hd_db_t *hub_dbwork_db(void);

/* A file descriptor for zmq_poll (ZMQ_POLLIN: done callbacks are waiting). */
int hub_dbwork_fd(const hub_dbwork_t *self);

/* The owner's thread: clears the fd and runs the waiting done callbacks.
   Returns how many ran. */
size_t hub_dbwork_drain(hub_dbwork_t *self);

/* Lets the worker finish its jobs, runs their done callbacks on the
   calling thread, closes the connection. Safe on NULL; nulls the
   caller's pointer. */
void hub_dbwork_destroy(hub_dbwork_t **self_p);

#endif
