/*  hd_health: the health and metrics endpoint every huddle process serves.
    GET /healthz answers 200 {"status":"ok","service":"..."}; GET /metrics
    answers Prometheus text (written with hd_prom.h, docs/metrics.md): the
    families every process has (huddle_up, huddle_process_start_time_seconds,
    huddle_dead_letters_written_total), then whatever the service's own
    callback writes.
    Anything else is a 404 (unknown path) or 405 (known path, wrong method)
    JSON error. HEAD is accepted wherever GET is. */
#ifndef HD_HEALTH_H
#define HD_HEALTH_H

#include "hd_http.h"

#include <stdio.h>

/* Appends Prometheus text exposition to `out`, with the hd_prom.h
   writers only (every family with HELP and TYPE, never one of the
   families above). Runs on the health server's one worker thread (never its I/O
   loop), one request at a time: it may block, and a database connection
   given as arg is used by that thread alone. Read figures shared with the
   service's other threads with atomics or under the service's own lock. */
typedef void(hd_health_fn)(FILE *out, void *arg);

/* Starts a server on `addr` ("127.0.0.1:7701", port 0 picks one) serving
   the health routes. `service` is copied; extra (may be NULL) is called with
   `arg` for each GET /metrics, on the server's single worker. Returns NULL if it cannot listen (logged).
   The caller owns the server: hd_http_server_destroy(&server). */
hd_http_server_t *hd_health_start(const char *addr, const char *service, hd_health_fn *extra,
                                  void *arg);

/* For a service that already runs its own hd_http server: answers req if
   its path is /healthz or /metrics and returns 1; returns 0 (nothing sent)
   for any other path. */
int hd_health_route(hd_http_req_t *req, const char *service, hd_health_fn *extra, void *arg);

/* Writes the families every process exposes (huddle_up and the others
   above) for `service`. For a process that serves /metrics on a route of
   its own (ingest); hd_health_route does it for the rest. */
void hd_health_write_common(FILE *out, const char *service);

/* Writes the HTTP server's own figures (hd_http_server_stats: connections
   open, accepted and refused by limit, timeouts, slow readers closed, TLS
   failures, requests it refused by status) for `server` (NULL: nothing).
   hd_health_route does it for its own server; ingest for its API's. */
void hd_health_write_http(FILE *out, hd_http_server_t *server);

/* Counts one dead letter written by this process from `source` (the
   source column of dead_letter: "ingest.http", "hub", a consumer's name);
   shown as huddle_dead_letters_written_total{source}. Any thread;
   hd_deadletter_put calls it for every row it stores. */
void hd_health_dead_letter_written(const char *source);

#endif
