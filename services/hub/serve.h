/*  serve: the hub's ROUTER and everything that answers on it: the ZAP
    handler, the peer registry, the ring of recent events fed by the
    sequencer, and parked FETCH requests. One thread, one zmq_poll loop,
    which never calls PostgreSQL: its database work goes to one worker
    thread (dbwork.h) and comes back to the loop. */
#ifndef HUB_SERVE_H
#define HUB_SERVE_H

#include "stats.h"

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *bind;           /* ROUTER endpoint */
    const char *authorized_dir; /* KEYS_DIR/authorized */
    zcert_t *cert;              /* the hub's secret cert, borrowed */
    const char *db_url;         /* the worker's: event_log reads and dead letters */
    int hb_ms;
    size_t ring_events, ring_bytes;
    uint32_t max_fetch;
    void *ctx;            /* zmq context shared with the sequencer */
    const char *seq_pipe; /* inproc endpoint bound here for the sequencer */
    hub_stats_t *stats;
} hub_server_cfg_t;

typedef struct hub_server hub_server_t;

/* Binds everything. Strings in cfg must outlive the server. NULL on error
   (logged). */
hub_server_t *hub_server_new(const hub_server_cfg_t *cfg);

/* Frees everything, including batches still queued by a stopped
   sequencer. Stop the sequencer first. */
void hub_server_destroy(hub_server_t **self_p);

/* Waits up to max_wait_ms for work and does it: handshakes, commands,
   sequenced events, heartbeats, expiries. */
void hub_server_poll(hub_server_t *self, int max_wait_ms);

#endif
