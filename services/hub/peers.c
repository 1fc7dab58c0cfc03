/*  peers: a linked list of registered peers (see peers.h); a hub has tens
    of peers, not thousands, so a list is the clearest fit. */
#include "peers.h"
#include "hd_mem.h"

#include <stdlib.h>
#include <string.h>

struct hub_peers {
    hub_peer_t *head;
    size_t count;
};

hub_peers_t *hub_peers_new(void) {
    hub_peers_t *self = hd_calloc(1, sizeof *self);
    return self;
}

static void peer_free(hub_peer_t *p) {
    free(p->name);
    free(p->department);
    free(p->service);
    free(p->instance);
    free(p);
}

void hub_peers_destroy(hub_peers_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_peer_t *p = (*self_p)->head;
    while (p) {
        hub_peer_t *next = p->next;
        peer_free(p);
        p = next;
    }
    free(*self_p);
    *self_p = NULL;
}

hub_peer_t *hub_peers_find(hub_peers_t *self, const uint8_t *id, size_t id_len) {
    for (hub_peer_t *p = self->head; p; p = p->next)
        if (p->id_len == id_len && memcmp(p->id, id, id_len) == 0)
            return p;
    return NULL;
}

hub_peer_t *hub_peers_add(hub_peers_t *self, const uint8_t *id, size_t id_len, const char *name,
                          const char *department, const char *service, const char *instance,
                          int hb_ms, int64_t now) {
    if (id_len > HUB_ID_MAX)
        return NULL;
    hub_peers_remove(self, id, id_len);
    hub_peer_t *p = hd_calloc(1, sizeof *p);
    memcpy(p->id, id, id_len);
    p->id_len = id_len;
    p->name = hd_strdup(name ? name : "");
    p->department = department && *department ? hd_strdup(department) : NULL;
    p->service = hd_strdup(service ? service : "");
    p->instance = hd_strdup(instance ? instance : "");
    p->hb_ms = hb_ms < 10 ? 10 : hb_ms > 60000 ? 60000 : hb_ms;
    p->last_seen = p->last_sent = now;
    p->next = self->head;
    self->head = p;
    self->count++;
    return p;
}

int hub_peers_remove(hub_peers_t *self, const uint8_t *id, size_t id_len) {
    for (hub_peer_t **pp = &self->head; *pp; pp = &(*pp)->next) {
        hub_peer_t *p = *pp;
        if (p->id_len == id_len && memcmp(p->id, id, id_len) == 0) {
            *pp = p->next;
            peer_free(p);
            self->count--;
            return 1;
        }
    }
    return 0;
}

size_t hub_peers_expire(hub_peers_t *self, int64_t now,
                        void (*gone)(const hub_peer_t *peer, void *arg), void *arg) {
    size_t n = 0;
    hub_peer_t **pp = &self->head;
    while (*pp) {
        hub_peer_t *p = *pp;
        if (now - p->last_seen > (int64_t)HUB_LIVENESS * p->hb_ms) {
            *pp = p->next;
            if (gone)
                gone(p, arg);
            peer_free(p);
            self->count--;
            n++;
        } else {
            pp = &p->next;
        }
    }
    return n;
}

hub_peer_t *hub_peers_first(hub_peers_t *self) { return self->head; }
size_t hub_peers_count(const hub_peers_t *self) { return self->count; }
