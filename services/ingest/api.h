/*  api: the HTTP JSON API of ingest (docs/api.md):
      POST /v1/content                  submit (Idempotency-Key honoured)
      GET  /v1/content/{id}             state, findings and whole history
      POST /v1/content/{id}/decisions   approve / reject
      POST /v1/inbound                  a mention seen on a channel
      GET  /v1/queue                    items awaiting a decision the caller may make
      GET  /v1/me, GET /healthz
    and the routes of tokens.c, admin*.c, policy_api.c and inbox_api.h (the
    inbox, replies, inbox settings): every route is in
    a table (route.h); `huddle-ingest --routes` prints them. */
#ifndef ING_API_H
#define ING_API_H

#include "batch.h"
#include "crisis_banner.h"
#include "decode.h"
#include "hd_db.h"
#include "hd_http.h"
#include "route.h"

#include <jansson.h>

/* The API. Rate limits come from the environment (hd_config):
   HUDDLE_RATE_ADDR_PER_S / _BURST per client address and
   HUDDLE_RATE_TOKEN_PER_S / _BURST per token (0 per second: no limit).
   Its handlers run on the HTTP server's workers, each of which
   owns two database connections as its worker state (ing_api_worker_new):
   one for ingest's own tables (writes, auth, dead letters) and one for the
   read side (read_side.h: as role huddle_read). inbound_token: webhook
   shared secret accepted by /v1/inbound, may be NULL. batch (borrowed)
   records submissions; it must outlive the HTTP server's use of the API,
   and be destroyed before the server (its last answers go out through the
   server). */
ing_api_t *ing_api_new(ing_batch_t *batch);

/* hd_workq pool init / fini for the HTTP workers: arg is the database URL
   (borrowed); each worker gets its own two connections (waiting up to 30 s
   for the database); NULL when either cannot be made. */
void *ing_api_worker_new(int index, void *url);
void ing_api_worker_free(void *state, void *url);

/* The server whose workers give the deferred answers; set before requests
   arrive (right after hd_http_server_new). */
void ing_api_set_server(ing_api_t *self, hd_http_server_t *server);
void ing_api_destroy(ing_api_t **self_p);

/* The API's route tables in match order, NULL-terminated. */
extern const ing_route_t *const ing_api_tables[];

/* ---- for handlers (route.h's ing_call_t) ---- */

/* Answers a refusal {"error":{...}}, counts it and keeps what was received
   (any method) as a dead letter with the reason. field may be NULL. */
void ing_api_refuse(ing_call_t *c, int status, const char *field, const char *code, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* ing_api_refuse with more members in the error object: extra (taken,
   may be NULL), e.g. {"errors": [...]} for a refusal listing every
   problem. */
void ing_api_refuse_with(ing_call_t *c, int status, const char *field, const char *code,
                         json_t *extra, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The request's body as a JSON object (caller decrefs), or NULL after
   answering 400 (not JSON / not an object). */
json_t *ing_api_body(ing_call_t *c);

/* ?limit=N within 1..max (def when absent) into *limit; -1 after answering
   422 naming "limit" when it is not such a number. */
int ing_api_limit(ing_call_t *c, int def, int max, int *limit);

/* Records item `it` (taken; its submission filled) through the batch as
   the caller of c (the request's own bearer token: the batch
   authenticates and checks it, the dispatcher has already rate-limited
   it) and answers when it has committed, as POST /v1/content does (with
   the crisis banner); route names the request in the metrics (static).
   The answer is deferred: the handler returns at once. A mention (its
   `mention` and `who` set by the handler) is recorded the same way
   (inbound_batch.h), answered without the banner. */
void ing_api_submit(ing_call_t *c, ing_item_t *it, const char *route);

/* The crises-in-force cache of the API's answers (borrowed). */
ing_banner_t *ing_api_banner(ing_api_t *api);

/* hd_http handler and reject hook; arg is the ing_api_t. */
void ing_api_handle(hd_http_req_t *req, void *arg);
void ing_api_reject(const char *peer, int status, const char *reason, const char *raw,
                    size_t raw_len, void *arg);

#endif
