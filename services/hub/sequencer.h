/*  sequencer: the only writer of event_log (DESIGN.md, bus invariant 2).
    A thread with its own PostgreSQL connection. While it holds the
    sequencer advisory lock it moves every committed outbox row into
    event_log with the next gap-free seq; a second hub that cannot get the
    lock follows event_log instead, ready to take over. Either way each batch
    of newly sequenced events is handed to the hub loop over an inproc PAIR
    socket, as a pointer to a hub_seqbatch_t the receiver then owns. */
#ifndef HUB_SEQUENCER_H
#define HUB_SEQUENCER_H

#include "event.h"
#include "stats.h"

#include <stddef.h>
#include <stdint.h>

#define HUB_SEQ_LOCK_KEY 0x6875646c /* pg advisory lock id: "hudl" */

/* The hub's sessions only ever want ordered index scans: everything it
   reads is by index, in key order, up to a limit (outbox by oid, event_log
   by seq). Statistics lag both tables' churn, and the prepared statements'
   generic plans believed them: a move planned for "a tiny outbox" scanned
   every dead page of it per batch (634 pages for 120 rows), and a history
   read planned for "939 rows in range" bitmap-scanned 73,801 rows to sort
   out the first 1,000 (64 ms a reply). Without sequential and bitmap scans
   the plan is an index walk that stops at the limit, whatever the
   estimate. */
#define HUB_DB_OPTIONS "-c enable_seqscan=off -c enable_bitmapscan=off"

/* n == 0: only news of the head (after a (re)connect or taking the lock). */
typedef struct {
    uint64_t head;
    size_t n;
    hub_event_t **events; /* ascending, contiguous seq ending at head */
} hub_seqbatch_t;

void hub_seqbatch_destroy(hub_seqbatch_t **self_p);

typedef struct {
    const char *db_url;
    int batch;   /* rows per transaction */
    int poll_ms; /* longest sleep between looks at the outbox */
    void *zmq_ctx;
    const char *pipe; /* inproc endpoint the hub loop has bound (PAIR) */
    hub_stats_t *stats;
} hub_sequencer_cfg_t;

typedef struct hub_sequencer hub_sequencer_t;

/* Starts the thread. Strings in cfg are copied. NULL on failure. */
hub_sequencer_t *hub_sequencer_start(const hub_sequencer_cfg_t *cfg);

/* Asks the thread to stop and joins it (within about poll_ms). */
void hub_sequencer_stop(hub_sequencer_t **self_p);

#endif
