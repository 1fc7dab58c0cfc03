/*  fetch: filters and parked FETCH requests (see fetch.h). The list is a
    plain linked list: it holds at most one waiter per connected peer. */
#include "fetch.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 64
#define MAX_TYPE_LEN 128

struct hub_waiters {
    hub_waiter_t *head;
    size_t count;
};

int hub_filter_init(hub_filter_t *f, char *const *types, size_t ntypes, const char *department) {
    memset(f, 0, sizeof *f);
    if (ntypes > MAX_TYPES)
        return -1;
    for (size_t i = 0; i < ntypes; i++)
        if (!types[i] || strlen(types[i]) > MAX_TYPE_LEN)
            return -1;
    if (ntypes) {
        f->types = hd_calloc(ntypes, sizeof *f->types);
        for (size_t i = 0; i < ntypes; i++)
            f->types[i] = hd_strdup(types[i]);
        f->ntypes = ntypes;
    }
    f->department = department && *department ? hd_strdup(department) : NULL;
    return 0;
}

void hub_filter_clear(hub_filter_t *f) {
    for (size_t i = 0; i < f->ntypes; i++)
        free(f->types[i]);
    free(f->types);
    free(f->department);
    memset(f, 0, sizeof *f);
}

int hub_filter_match(const hub_filter_t *f, const char *type, const char *department) {
    if (f->department && department[0] && strcmp(f->department, department) != 0)
        return 0;
    if (!f->ntypes)
        return 1;
    for (size_t i = 0; i < f->ntypes; i++) {
        const char *t = f->types[i];
        size_t n = strlen(t);
        /* "org.*" names a family: every type that begins with "org." */
        if (n >= 2 && t[n - 1] == '*' && t[n - 2] == '.' ? strncmp(t, type, n - 1) == 0
                                                         : strcmp(t, type) == 0)
            return 1;
    }
    return 0;
}

size_t hub_fetch_ring(const hub_ring_t *ring, uint64_t after, uint64_t head, uint32_t max,
                      size_t max_bytes, const hub_filter_t *f, const hub_event_t **out,
                      uint64_t *scanned) {
    size_t n = 0, bytes = 0;
    uint64_t s;
    for (s = after + 1; s <= head && n < max && bytes < max_bytes; s++) {
        const hub_event_t *ev = hub_ring_get(ring, s);
        if (ev && hub_filter_match(f, ev->type, ev->department)) {
            out[n++] = ev;
            bytes += ev->len;
        }
    }
    *scanned = s - 1;
    return n;
}

hub_waiter_t *hub_waiter_new(const uint8_t *peer, size_t peer_len, uint64_t request_id,
                             uint64_t after_seq, uint32_t max, hub_filter_t *f, int64_t deadline) {
    if (peer_len > HUB_ID_MAX)
        return NULL;
    hub_waiter_t *w = hd_calloc(1, sizeof *w);
    memcpy(w->peer, peer, peer_len);
    w->peer_len = peer_len;
    w->request_id = request_id;
    w->after_seq = after_seq;
    w->max = max;
    w->filter = *f;
    memset(f, 0, sizeof *f);
    w->deadline = deadline;
    return w;
}

void hub_waiter_destroy(hub_waiter_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_filter_clear(&(*self_p)->filter);
    free(*self_p);
    *self_p = NULL;
}

hub_waiters_t *hub_waiters_new(void) {
    hub_waiters_t *self = hd_calloc(1, sizeof *self);
    return self;
}

void hub_waiters_destroy(hub_waiters_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_waiter_t *w = (*self_p)->head;
    while (w) {
        hub_waiter_t *next = w->next;
        hub_waiter_destroy(&w);
        w = next;
    }
    free(*self_p);
    *self_p = NULL;
}

static int same_peer(const hub_waiter_t *w, const uint8_t *peer, size_t len) {
    return w->peer_len == len && memcmp(w->peer, peer, len) == 0;
}

/* Unlinks every waiter for which pick() is true and returns them. */
static hub_waiter_t *unlink_if(hub_waiters_t *self, int (*pick)(hub_waiter_t *, void *),
                               void *arg) {
    hub_waiter_t *out = NULL, **tail = &out, **pp = &self->head;
    while (*pp) {
        hub_waiter_t *w = *pp;
        if (pick(w, arg)) {
            *pp = w->next;
            w->next = NULL;
            *tail = w;
            tail = &w->next;
            self->count--;
        } else {
            pp = &w->next;
        }
    }
    return out;
}

typedef struct {
    const uint8_t *peer;
    size_t len;
} peer_ref_t;

static int pick_peer(hub_waiter_t *w, void *arg) {
    peer_ref_t *p = arg;
    return same_peer(w, p->peer, p->len);
}

size_t hub_waiters_drop_peer(hub_waiters_t *self, const uint8_t *peer, size_t peer_len) {
    peer_ref_t ref = {peer, peer_len};
    hub_waiter_t *w = unlink_if(self, pick_peer, &ref);
    size_t n = 0;
    while (w) {
        hub_waiter_t *next = w->next;
        hub_waiter_destroy(&w);
        w = next;
        n++;
    }
    return n;
}

void hub_waiters_park(hub_waiters_t *self, hub_waiter_t **w_p) {
    hub_waiter_t *w = *w_p;
    *w_p = NULL;
    hub_waiters_drop_peer(self, w->peer, w->peer_len);
    w->next = self->head;
    self->head = w;
    self->count++;
}

static int pick_expired(hub_waiter_t *w, void *arg) { return w->deadline <= *(int64_t *)arg; }

hub_waiter_t *hub_waiters_expired(hub_waiters_t *self, int64_t now) {
    return unlink_if(self, pick_expired, &now);
}

typedef struct {
    const hub_ring_t *ring;
    uint64_t head;
} ready_ctx_t;

static int pick_ready(hub_waiter_t *w, void *arg) {
    ready_ctx_t *c = arg;
    if (w->after_seq >= c->head)
        return 0;
    if (w->after_seq + 1 < hub_ring_lo(c->ring))
        return 1; /* older events are only in event_log: the caller reads it */
    for (uint64_t s = w->after_seq + 1; s <= c->head; s++) {
        const hub_event_t *ev = hub_ring_get(c->ring, s);
        if (ev && hub_filter_match(&w->filter, ev->type, ev->department))
            return 1;
    }
    w->after_seq = c->head;
    return 0;
}

hub_waiter_t *hub_waiters_ready(hub_waiters_t *self, const hub_ring_t *ring, uint64_t head) {
    ready_ctx_t c = {ring, head};
    return unlink_if(self, pick_ready, &c);
}

size_t hub_waiters_count(const hub_waiters_t *self) { return self->count; }

int64_t hub_waiters_next_deadline(const hub_waiters_t *self) {
    int64_t d = INT64_MAX;
    for (const hub_waiter_t *w = self->head; w; w = w->next)
        if (w->deadline < d)
            d = w->deadline;
    return d;
}
