/*  peers: the registry of peers that said HELLO, keyed by their ROUTER
    routing id (a new connection gets a new id, so a reconnected peer is
    unknown until it says HELLO again). A peer silent for three of its
    heartbeat intervals is dead and removed. */
#ifndef HUB_PEERS_H
#define HUB_PEERS_H

#include "fetch.h"

#include <stddef.h>
#include <stdint.h>

#define HUB_LIVENESS 3

typedef struct hub_peer {
    uint8_t id[HUB_ID_MAX];
    size_t id_len;
    char *name;       /* the ZAP User-Id: the key's file stem */
    char *department; /* NULL: sees every department */
    char *service, *instance;
    int hb_ms;         /* the peer's heartbeat interval */
    int64_t last_seen; /* last message from it */
    int64_t last_sent; /* last message to it */
    struct hub_peer *next;
} hub_peer_t;

typedef struct hub_peers hub_peers_t;

hub_peers_t *hub_peers_new(void);
void hub_peers_destroy(hub_peers_t **self_p);

/* Registers (or re-registers) a peer. Strings are copied; department may
   be NULL or "". hb_ms is clamped to [10, 60000]. Returns the record,
   borrowed; NULL if the id is too long. */
hub_peer_t *hub_peers_add(hub_peers_t *self, const uint8_t *id, size_t id_len, const char *name,
                          const char *department, const char *service, const char *instance,
                          int hb_ms, int64_t now);

/* Borrowed, or NULL if unknown. */
hub_peer_t *hub_peers_find(hub_peers_t *self, const uint8_t *id, size_t id_len);

/* Removes a peer; 1 if it was known. */
int hub_peers_remove(hub_peers_t *self, const uint8_t *id, size_t id_len);

/* Removes every peer silent for more than HUB_LIVENESS heartbeats, calling
   gone(peer, arg) before each is freed. Returns how many. */
size_t hub_peers_expire(hub_peers_t *self, int64_t now,
                        void (*gone)(const hub_peer_t *peer, void *arg), void *arg);

/* Iteration: first, then ->next. Borrowed. */
hub_peer_t *hub_peers_first(hub_peers_t *self);
size_t hub_peers_count(const hub_peers_t *self);

#endif
