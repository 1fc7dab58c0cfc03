/*  stats: the hub's figures, shared between the hub loop, the sequencer
    thread and the HTTP thread that serves /metrics (atomics: no locks). */
#ifndef HUB_STATS_H
#define HUB_STATS_H

#include <stdatomic.h>

typedef struct {
    atomic_ullong head;         /* newest seq the hub serves */
    atomic_ullong sequenced;    /* events this process moved into event_log */
    atomic_ullong peers;        /* registered peers */
    atomic_ullong parked;       /* parked FETCH requests */
    atomic_ullong zap_accepted; /* CURVE handshakes accepted */
    atomic_ullong zap_refused;  /* and refused */
    atomic_ullong served;       /* events sent in EVENTS replies */
    atomic_ullong errors;       /* ERROR replies sent */
    atomic_ullong ring_events;  /* events held in memory */
    atomic_int leader;          /* 1 while this hub holds the sequencer lock */
} hub_stats_t;

#endif
