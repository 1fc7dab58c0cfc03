/*  hd_service: the wiring every central consumer service shares: its
    database connection, its CURVE identity, its hub connection and its
    health/metrics endpoint. A service's main.c then says only what is its
    own: its state, its event types and its apply function. */
#ifndef HD_SERVICE_H
#define HD_SERVICE_H

#include "hd_bus.h"
#include "hd_db.h"
#include "hd_health.h"
#include "hd_http.h"

typedef struct {
    hd_db_t *db;            /* the consumer's connection */
    hd_bus_t *bus;          /* to the hub */
    hd_http_server_t *http; /* /healthz and /metrics */
} hd_service_t;

/* Starts NAME's pieces from the configuration: HUDDLE_DATABASE_URL,
   HUDDLE_KEYS_DIR (NAME.key_secret and hub.key), HUDDLE_HUB_ENDPOINT, and the
   health endpoint on the address held by the variable `http_var`, whose
   /metrics adds what `metrics` writes (NULL: the basics only; arg borrowed,
   it must outlive hd_service_stop). 0, or -1 with everything released and
   the reason logged. */
int hd_service_start(hd_service_t *svc, const char *name, const char *http_var,
                     hd_health_fn *metrics, void *arg);

/* Releases what hd_service_start made, the endpoint first (its callback may
   use the caller's state). Safe on a zeroed or stopped service. */
void hd_service_stop(hd_service_t *svc);

#endif
