/*  ring: a circular array of event pointers, contiguous in seq, so the
    event with seq s sits at (start + s - lo) % cap and lookup is O(1). */
#include "ring.h"
#include "hd_mem.h"

#include <stdlib.h>

struct hub_ring {
    hub_event_t **slot;
    size_t cap, max_bytes;
    size_t start, count, bytes;
    uint64_t hi; /* newest seq known; lo = hi - count + 1 */
};

hub_ring_t *hub_ring_new(size_t max_events, size_t max_bytes) {
    if (max_events < 1 || max_bytes < 1)
        return NULL;
    hub_ring_t *self = hd_calloc(1, sizeof *self);
    self->slot = hd_calloc(max_events, sizeof *self->slot);
    self->cap = max_events;
    self->max_bytes = max_bytes;
    return self;
}

static void drop_oldest(hub_ring_t *self) {
    hub_event_t *ev = self->slot[self->start];
    self->bytes -= hub_event_footprint(ev);
    hub_event_destroy(&ev);
    self->slot[self->start] = NULL;
    self->start = (self->start + 1) % self->cap;
    self->count--;
}

void hub_ring_reset(hub_ring_t *self, uint64_t head) {
    while (self->count)
        drop_oldest(self);
    self->start = 0;
    self->hi = head;
}

void hub_ring_destroy(hub_ring_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_ring_t *self = *self_p;
    hub_ring_reset(self, 0);
    free(self->slot);
    free(self);
    *self_p = NULL;
}

void hub_ring_push(hub_ring_t *self, hub_event_t **ev_p) {
    hub_event_t *ev = *ev_p;
    *ev_p = NULL;
    if (ev->seq == 0) { /* seqs start at 1: nothing valid to keep */
        hub_event_destroy(&ev);
        return;
    }
    if (ev->seq != self->hi + 1)
        hub_ring_reset(self, ev->seq - 1);
    size_t size = hub_event_footprint(ev);
    while (self->count && (self->count == self->cap || self->bytes + size > self->max_bytes))
        drop_oldest(self);
    self->slot[(self->start + self->count) % self->cap] = ev;
    self->count++;
    self->bytes += size;
    self->hi = ev->seq;
}

uint64_t hub_ring_hi(const hub_ring_t *self) { return self->hi; }
uint64_t hub_ring_lo(const hub_ring_t *self) { return self->hi - self->count + 1; }

const hub_event_t *hub_ring_get(const hub_ring_t *self, uint64_t seq) {
    uint64_t lo = hub_ring_lo(self);
    if (!self->count || seq < lo || seq > self->hi)
        return NULL;
    return self->slot[(self->start + (size_t)(seq - lo)) % self->cap];
}

size_t hub_ring_count(const hub_ring_t *self) { return self->count; }
size_t hub_ring_bytes(const hub_ring_t *self) { return self->bytes; }
