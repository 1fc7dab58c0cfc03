/*  ring: the most recent sequenced events, in memory, so a consumer keeping
    up is served without touching PostgreSQL. It holds one contiguous run of
    seqs [lo, hi] and is bounded both in events and in bytes: the oldest are
    dropped first, and a consumer that falls behind reads from event_log. */
#ifndef HUB_RING_H
#define HUB_RING_H

#include "event.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hub_ring hub_ring_t;

/* max_events >= 1. NULL on bad arguments. Caller destroys. */
hub_ring_t *hub_ring_new(size_t max_events, size_t max_bytes);
void hub_ring_destroy(hub_ring_t **self_p);

/* Appends *ev (taken; the caller's pointer is nulled). When its seq is not
   hi + 1 the ring is emptied first: what lies between is in event_log. */
void hub_ring_push(hub_ring_t *self, hub_event_t **ev);

/* Empties the ring and records `head` as the newest seq known. */
void hub_ring_reset(hub_ring_t *self, uint64_t head);

/* The newest seq known (0 at first) and the oldest held (hi + 1 if empty). */
uint64_t hub_ring_hi(const hub_ring_t *self);
uint64_t hub_ring_lo(const hub_ring_t *self);

/* The event with this seq if held, else NULL. Borrowed until the next push. */
const hub_event_t *hub_ring_get(const hub_ring_t *self, uint64_t seq);

size_t hub_ring_count(const hub_ring_t *self);
size_t hub_ring_bytes(const hub_ring_t *self);

#endif
