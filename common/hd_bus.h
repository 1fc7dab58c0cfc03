/*  hd_bus: a peer's connection to the hub (docs/protocol.md). A DEALER with
    CURVE; says HELLO, heartbeats while it waits, notices a silent hub after
    a few heartbeats, reconnects with backoff and says HELLO again; answers
    the hub's "unknown peer" error by re-registering. All blocking calls
    return within their timeout and early when hd_stop is set. */
#ifndef HD_BUS_H
#define HD_BUS_H

#include "hd_envelope.h"
#include "huddle/v1/bus.pb-c.h"

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hd_bus hd_bus_t;
typedef struct hd_bus_batch hd_bus_batch_t;

/* Creates the connection (it connects lazily). `own` is the peer's secret
   cert (taken: the bus destroys it and nulls the caller's pointer);
   hub_z85 the hub's public key; service the name sent in HELLO. */
hd_bus_t *hd_bus_new(const char *endpoint, const char *hub_z85, zcert_t **own, const char *service);
void hd_bus_destroy(hd_bus_t **self_p);

/* Asks for up to `max` events with seq > after_seq of the given types (NULL /
   0 = all), waiting up to wait_ms for new ones. On 0, *batch_out holds the
   answer (possibly empty; the caller destroys it). -1 when no answer came
   (hub down, reconnecting, stopping): the caller just asks again. */
int hd_bus_fetch(hd_bus_t *self, uint64_t after_seq, uint32_t max, const char *const *types,
                 size_t ntypes, int wait_ms, hd_bus_batch_t **batch_out);

/* The hub's head seq as last heard (0 if never). */
uint64_t hd_bus_head(hd_bus_t *self);

/* Number of (re)connections made; for tests and logs. */
unsigned hd_bus_connects(hd_bus_t *self);

size_t hd_bus_batch_count(const hd_bus_batch_t *batch);
/* Event i (ascending seq), borrowed from the batch. seq is set. */
const hd_envelope_t *hd_bus_batch_event(const hd_bus_batch_t *batch, size_t i);
/* All hd_bus_batch_count events in order, borrowed from the batch. */
const hd_envelope_t *const *hd_bus_batch_events(const hd_bus_batch_t *batch);
uint64_t hd_bus_batch_head(const hd_bus_batch_t *batch);
/* Every matching event up to this seq was delivered (hub's scanned_seq). */
uint64_t hd_bus_batch_scanned(const hd_bus_batch_t *batch);
void hd_bus_batch_destroy(hd_bus_batch_t **batch_p);

#endif
