/*  metrics: ingest's figures and its GET /metrics (docs/metrics.md).

    The API, the group commit and the rate limiter count what they do
    through the calls below (lock-free, any thread: hd_prom_vec_t and
    hd_prom_hist_t tables of fixed size, so no label set can grow without
    bound); GET /metrics, a public route of the API like /healthz, writes
    them with hd_prom.h next to the families every process has
    (hd_health_write_common) and the dead-letter store's eviction counts
    read from the database at scrape time. */
#ifndef ING_METRICS_H
#define ING_METRICS_H

#include "route.h"

#include <stddef.h>

/* GET /metrics (scope none, no token). */
extern const ing_route_t ing_metrics_routes[];

/* The handler of GET /metrics: the dispatcher runs it without a token,
   like healthz. */
void ing_metrics_serve(ing_call_t *c);

/* One answered request: route is the matched route's pattern
   ("/v1/content/{id}", never the raw path), NULL when no route matched;
   method as received; status as answered. */
void ing_metrics_request(const char *route, const char *method, int status);

/* One refusal answered with status and its error code ("invalid",
   "unauthenticated"...; the code of the JSON error). */
void ing_metrics_refusal(int status, const char *code);

/* One request refused by a rate limit; kind "address" or "token". */
void ing_metrics_rate_limited(const char *kind);

/* One group commit: items recorded in it and the seconds it took (from
   taking the items to the last outcome known). */
void ing_metrics_batch(size_t items, double seconds);

/* One item's outcome in a group commit, from its answer's status:
   accepted (201), duplicate (200), refused (4xx), failed (5xx). */
void ing_metrics_item(int status);

/* The name ing_metrics_item counts status under (pure). */
const char *ing_metrics_outcome(int status);

#endif
