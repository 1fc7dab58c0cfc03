/*  floor: gap ranges below the highest oid moved (see floor.h). */
#include "floor.h"

#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

/* More ranges than this are merged into one: still correct (a range may
   hold oids already moved, which only costs a longer scan), and bounded. */
#define MAX_RANGES 1024

typedef struct {
    uint64_t lo, hi; /* oids lo..hi (inclusive) not seen yet */
    uint64_t tag;    /* xid of the move that first missed them */
} range_t;

struct hub_floor {
    uint64_t top; /* highest oid moved; 0: none yet */
    range_t *ranges;
    size_t n, cap;
};

hub_floor_t *hub_floor_new(void) { return hd_calloc(1, sizeof(hub_floor_t)); }

void hub_floor_destroy(hub_floor_t **self_p) {
    if (!self_p || !*self_p)
        return;
    free((*self_p)->ranges);
    free(*self_p);
    *self_p = NULL;
}

void hub_floor_reset(hub_floor_t *self) {
    self->top = 0;
    self->n = 0;
}

uint64_t hub_floor_get(const hub_floor_t *self) {
    uint64_t f = self->top ? self->top + 1 : 0;
    for (size_t i = 0; i < self->n; i++)
        if (self->ranges[i].lo < f)
            f = self->ranges[i].lo;
    return f;
}

size_t hub_floor_gaps(const hub_floor_t *self) { return self->n; }

static int taken(const uint64_t *oids, size_t n, uint64_t oid) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (oids[mid] == oid)
            return 1;
        if (oids[mid] < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static void add_range(hub_floor_t *self, uint64_t lo, uint64_t hi, uint64_t tag) {
    if (self->n == MAX_RANGES) {
        range_t all = self->ranges[0];
        for (size_t i = 1; i < self->n; i++) {
            range_t *r = &self->ranges[i];
            all.lo = r->lo < all.lo ? r->lo : all.lo;
            all.hi = r->hi > all.hi ? r->hi : all.hi;
            all.tag = r->tag > all.tag ? r->tag : all.tag;
        }
        self->ranges[0] = all;
        self->n = 1;
    }
    self->ranges = hd_grow(self->ranges, &self->cap, self->n + 1, sizeof *self->ranges);
    self->ranges[self->n++] = (range_t){lo, hi, tag};
}

/* Closes what the move filled (from either end of each range) and what it
   proved absent. `seen_upto`: every visible oid below it was returned. */
static void close_gaps(hub_floor_t *self, const uint64_t *oids, size_t n, uint64_t seen_upto,
                       uint64_t xmin) {
    size_t k = 0;
    for (size_t i = 0; i < self->n; i++) {
        range_t r = self->ranges[i];
        while (r.lo <= r.hi && taken(oids, n, r.lo))
            r.lo++;
        while (r.hi >= r.lo && taken(oids, n, r.hi))
            r.hi--;
        int empty = r.lo > r.hi;
        int proven = xmin >= r.tag && r.hi < seen_upto; /* holders ended, rows absent */
        if (!empty && !proven)
            self->ranges[k++] = r;
    }
    self->n = k;
}

void hub_floor_update(hub_floor_t *self, const uint64_t *oids, size_t n, int full, uint64_t xmin,
                      uint64_t xid) {
    uint64_t seen_upto = full && n ? oids[n - 1] : UINT64_MAX;
    close_gaps(self, oids, n, seen_upto, xmin);
    /* New gaps: numbers skipped between the old top and what came now. A
       first move (top 0) counts from oid 1: rows of transactions running at
       start may hold anything below what it sees. */
    uint64_t next = self->top + 1;
    for (size_t i = 0; i < n; i++) {
        if (oids[i] < next)
            continue; /* a late row below the top: filled above */
        if (oids[i] > next)
            add_range(self, next, oids[i] - 1, xid);
        next = oids[i] + 1;
    }
    if (next - 1 > self->top)
        self->top = next - 1;
}
