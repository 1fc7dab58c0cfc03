/*  zdoor: ingest's ZeroMQ door for other systems and spokes
    (docs/protocol.md, proto huddle.v1.IngestRequest / IngestReply). A ROUTER
    with CURVE; peers are the authorized keys (hd_zap); a peer limited to a
    department may only submit for authors of that department. Every request
    is answered, after commit; an undecodable one with status 400, and kept
    as a dead letter. */
#ifndef ING_ZDOOR_H
#define ING_ZDOOR_H

#include "batch.h"
#include "hd_db.h"

#include <czmq.h>

typedef struct ing_zdoor ing_zdoor_t;

/* Binds `endpoint` with the server cert `own` (borrowed) in context ctx,
   accepting the peers under authorized_dir. Submissions are recorded by
   `batch` (borrowed); db (borrowed) serves the rest and the dead letters.
   NULL on error (logged). */
ing_zdoor_t *ing_zdoor_new(void *ctx, const char *endpoint, zcert_t *own,
                           const char *authorized_dir, hd_db_t *db, ing_batch_t *batch);
void ing_zdoor_destroy(ing_zdoor_t **self_p);

/* Serves requests until hd_stop is set. */
void ing_zdoor_run(ing_zdoor_t *self);

/* Sends the replies of every submission the batch has finished. Called by
   the run loop; call once more after ing_batch_stop so the last ones go out. */
void ing_zdoor_flush(ing_zdoor_t *self);

#endif
