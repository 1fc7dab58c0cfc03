/*  api: the HTTP JSON API of ingest (docs/api.md):
      POST /v1/content                  submit (Idempotency-Key honoured)
      GET  /v1/content/{id}             state, findings and whole history
      POST /v1/content/{id}/decisions   approve / reject
      POST /v1/inbound                  a mention seen on a channel
      GET  /v1/inbox                    the caller's department's inbox
      GET  /v1/queue                    items awaiting a decision the caller may make
      GET  /v1/me, GET /healthz */
#ifndef ING_API_H
#define ING_API_H

#include "batch.h"
#include "hd_db.h"
#include "hd_http.h"

typedef struct ing_api ing_api_t;

/* The API. Its handlers run on the HTTP server's workers, each of which
   owns two database connections as its worker state (ing_api_worker_new):
   one for ingest's own tables (writes, auth, dead letters) and one for the
   read side (read_side.h: as role huddle_read). inbound_token: webhook
   shared secret accepted by /v1/inbound, may be NULL. batch (borrowed)
   records submissions; it must outlive the HTTP server's use of the API,
   and be destroyed before the server (its last answers go out through the
   server). */
ing_api_t *ing_api_new(const char *inbound_token, ing_batch_t *batch);

/* hd_workq pool init / fini for the HTTP workers: arg is the database URL
   (borrowed); each worker gets its own two connections (waiting up to 30 s
   for the database); NULL when either cannot be made. */
void *ing_api_worker_new(int index, void *url);
void ing_api_worker_free(void *state, void *url);

/* The server whose workers give the deferred answers; set before requests
   arrive (right after hd_http_server_new). */
void ing_api_set_server(ing_api_t *self, hd_http_server_t *server);
void ing_api_destroy(ing_api_t **self_p);

/* hd_http handler and reject hook; arg is the ing_api_t. */
void ing_api_handle(hd_http_req_t *req, void *arg);
void ing_api_reject(const char *peer, int status, const char *reason, const char *raw,
                    size_t raw_len, void *arg);

#endif
