/*  deadletters: the API's side of the dead-letter store (docs/deadletters.md):
    a refused request kept whole (request line, headers, body; credentials
    redacted) so it can be shown and replayed, and the routes that list,
    show, replay and count dead letters (permission 'deadletters'). */
#ifndef ING_DEADLETTERS_H
#define ING_DEADLETTERS_H

#include "hd_db.h"
#include "hd_http.h"
#include "route.h"

#include <stddef.h>

/* The routes: GET /v1/admin/deadletters, .../stats, .../{id},
   POST .../{id}/replay. */
extern const ing_route_t ing_deadletter_routes[];

/* Keeps req, refused with `reason` (field and correlation_id may be NULL),
   as a dead letter of source "ingest.http": the request as HTTP text
   (hd_deadletter_http_build: the request line, the headers huddle reads
   with Authorization redacted, the body exactly). Uses db (ensured here);
   0 / -1 (logged). */
int ing_deadletter_keep(hd_db_t *db, hd_http_req_t *req, const char *reason, const char *field,
                        const char *correlation_id);

/* ---- pure (unit-tested) ---- */

/* The URL of `target` on this API itself, from its listen address
   (HUDDLE_API_ADDR: "host:port"; a wildcard host is 127.0.0.1) and the
   port actually bound; https when tls. Written into out. */
void ing_deadletter_loopback_url(const char *addr, int port, int tls, const char *target, char *out,
                                 size_t n);

#endif
