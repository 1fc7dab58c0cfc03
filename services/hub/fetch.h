/*  fetch: who may see what, and the long-poll waiters. A FETCH that finds
    nothing new is parked here until a matching event is sequenced or its
    wait runs out; a peer has at most one parked FETCH (a newer one replaces
    it: hd_bus keeps one request in flight and discards stale answers). */
#ifndef HUB_FETCH_H
#define HUB_FETCH_H

#include "ring.h"

#include <stddef.h>
#include <stdint.h>

#define HUB_ID_MAX 256 /* ZeroMQ routing ids are at most 255 bytes */

/* Which events a request may receive: one of `types` (none = all), and of
   `department` or organization-wide ("") when department is set. */
typedef struct {
    char **types;
    size_t ntypes;
    char *department; /* NULL: any department */
} hub_filter_t;

/* Fills f with copies of the arguments. 0, or -1 if they break the limits
   (at most 64 types of at most 128 bytes each). */
int hub_filter_init(hub_filter_t *f, char *const *types, size_t ntypes, const char *department);
void hub_filter_clear(hub_filter_t *f);
int hub_filter_match(const hub_filter_t *f, const char *type, const char *department);

/* Puts into out (room for max) the ring's events in (after, head] that pass
   f, ascending, stopping after max events or once max_bytes of payload are
   taken. The events are borrowed from the ring until its next push. Needs
   after + 1 >= hub_ring_lo(ring) (older events are in event_log). Returns
   how many; *scanned is the seq up to which every match is in out. */
size_t hub_fetch_ring(const hub_ring_t *ring, uint64_t after, uint64_t head, uint32_t max,
                      size_t max_bytes, const hub_filter_t *f, const hub_event_t **out,
                      uint64_t *scanned);

typedef struct hub_waiter {
    uint8_t peer[HUB_ID_MAX];
    size_t peer_len;
    uint64_t request_id;
    uint64_t after_seq; /* raised when nothing matched up to a head */
    uint32_t max;
    hub_filter_t filter; /* owned */
    int64_t deadline;
    struct hub_waiter *next;
} hub_waiter_t;

/* A waiter with a copy of the peer id; the filter is moved in (f is
   cleared). Caller parks or destroys it. */
hub_waiter_t *hub_waiter_new(const uint8_t *peer, size_t peer_len, uint64_t request_id,
                             uint64_t after_seq, uint32_t max, hub_filter_t *f, int64_t deadline);
void hub_waiter_destroy(hub_waiter_t **self_p);

typedef struct hub_waiters hub_waiters_t;

hub_waiters_t *hub_waiters_new(void);
void hub_waiters_destroy(hub_waiters_t **self_p);

/* Parks *w (taken). A waiter of the same peer is destroyed. */
void hub_waiters_park(hub_waiters_t *self, hub_waiter_t **w);

/* Unlinks and returns (as a list through ->next) the waiters whose
   deadline is <= now. */
hub_waiter_t *hub_waiters_expired(hub_waiters_t *self, int64_t now);

/* Unlinks and returns the waiters that have a matching event in
   (after_seq, head]: found in the ring, or possibly in event_log when the
   ring no longer reaches back to after_seq + 1 (the caller looks). A waiter
   with nothing matching in the ring up to head gets after_seq = head. */
hub_waiter_t *hub_waiters_ready(hub_waiters_t *self, const hub_ring_t *ring, uint64_t head);

/* Destroys the waiters of a peer; returns how many. */
size_t hub_waiters_drop_peer(hub_waiters_t *self, const uint8_t *peer, size_t peer_len);

size_t hub_waiters_count(const hub_waiters_t *self);
/* Earliest deadline, or INT64_MAX when none is parked. */
int64_t hub_waiters_next_deadline(const hub_waiters_t *self);

#endif
