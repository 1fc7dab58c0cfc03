/*  zdoor: ingest's ZeroMQ door for other systems and spokes
    (docs/protocol.md, proto huddle.v1.IngestRequest / IngestReply). A ROUTER
    with CURVE; peers are the authorized keys (hd_zap); a peer limited to a
    department may only submit for authors of that department. Every request
    is answered, after commit; an undecodable one with status 400, and kept
    as a dead letter.

    Threads: the door's loop (ing_zdoor_run) only receives, decodes and
    replies. Whatever touches the database (receiving a mention, keeping a
    dead letter) runs on the door's one worker (hd_workq, the same hand-off
    as the HTTP server's), in arrival order; a submission goes to the batch
    first. Finished work comes back to the loop through the queue's return
    FIFO, woken by an eventfd in the loop's zmq_poll set. */
#ifndef ING_ZDOOR_H
#define ING_ZDOOR_H

#include "batch.h"
#include "hd_db.h"

#include <czmq.h>

typedef struct ing_zdoor ing_zdoor_t;

/* Binds `endpoint` with the server cert `own` (borrowed) in context ctx,
   accepting the peers under authorized_dir. Submissions are recorded by
   `batch` (borrowed); db (borrowed, used only by the door's worker thread)
   serves the rest and the dead letters.
   NULL on error (logged). */
ing_zdoor_t *ing_zdoor_new(void *ctx, const char *endpoint, zcert_t *own,
                           const char *authorized_dir, hd_db_t *db, ing_batch_t *batch);
void ing_zdoor_destroy(ing_zdoor_t **self_p);

/* Serves requests until hd_stop is set. */
void ing_zdoor_run(ing_zdoor_t *self);

/* Call once after ing_batch_stop, on the thread that ran ing_zdoor_run:
   lets the worker finish, then sends every reply still due. After it the
   door serves nothing more; destroy it. */
void ing_zdoor_flush(ing_zdoor_t *self);

#endif
