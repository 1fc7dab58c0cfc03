/*  hd_http_server: a small HTTP/1.1 server for huddle's APIs, health and
    metrics. Requests parsed by http-parser (keep-alive, pipelining,
    Content-Length bodies; chunked request bodies are accepted too).

    Threads. One libuv loop on a thread of its own only accepts, reads,
    parses and writes; it never runs a handler. Every handler, every reject
    hook and every hd_http_server_post callback runs on the server's pool of
    worker threads, which is an hd_workq (hd_workq.h, the one hand-off
    mechanism of huddle): the loop submits a request as a job (a mutex/cond
    FIFO the workers take from), and the finished job comes back to the loop
    through the queue's return FIFO, woken by a uv_async, where the recorded
    answer is written. Each worker may own state made by the pool's init (a
    database connection), reached with hd_http_req_worker_state.

    Order. A connection has one request out at a time: it reads nothing more
    until that request is handed back (the handler returned without
    deferring, or hd_http_later_done), so pipelined answers go out in
    request order, while other connections' requests run on other workers.

    Bad HTTP never reaches the handler: the server answers 400 / 413 / 431
    with a JSON error after the reject hook, when set, has had the raw bytes
    (on a worker) so the caller can keep a dead letter.

    HTTPS instead of HTTP with hd_http_server_set_tls (hd_tls.h).

    Limits: request line + headers 16 KiB (431), at most 100 headers (431),
    body max_body (413), 60 s idle, 1024 connections. */
#ifndef HD_HTTP_SERVER_H
#define HD_HTTP_SERVER_H

#include "hd_http_req.h"
#include "hd_tls.h"
#include "hd_workq.h"

#include <stddef.h>

/* Called on a worker for every complete, well-formed request. Must call
   one of the hd_http_respond* functions (or hd_http_defer) before
   returning; otherwise the server answers 500. Handlers of different
   connections run at once when the pool has several workers. */
typedef void(hd_http_handler_fn)(hd_http_req_t *req, void *arg);

/* Called on a worker when the server refuses input itself (malformed
   request, header or body too large, connection cut mid-request), before
   the refusal is answered. `raw` holds up to the first 64 KiB received;
   borrowed. hd_http_worker_state() gives the worker's state. */
typedef void(hd_http_reject_fn)(const char *peer, int status, const char *reason, const char *raw,
                                size_t raw_len, void *arg);

/* Starts a server listening on `addr` ("127.0.0.1:8080", "0.0.0.0:8080",
   "[::1]:8080"; port 0 picks a free port), with the worker pool `pool`
   (NULL: one worker without state; pool->arg borrowed, it must outlive the
   server). Bodies over max_body bytes get 413. Returns NULL if it cannot
   listen or start its workers (logged). The caller owns the server. */
hd_http_server_t *hd_http_server_new(const char *addr, size_t max_body, const hd_workq_pool_t *pool,
                                     hd_http_handler_fn *handler, void *arg);

/* Sets the reject hook; call before requests arrive (right after _new). */
void hd_http_server_set_reject(hd_http_server_t *self, hd_http_reject_fn *fn, void *arg);

/* Serves HTTPS only, with `tls` (borrowed: it must outlive the server);
   call before requests arrive (right after _new). Each connection then
   starts with a TLS handshake; one that fails (or any later TLS error)
   closes the connection without an HTTP answer and without the reject
   hook, and is counted (hd_http_server_tls_failures). Every answer carries
   "Strict-Transport-Security: max-age=31536000". */
void hd_http_server_set_tls(hd_http_server_t *self, hd_tls_ctx_t *tls);

/* Connections closed for a TLS error so far; any thread. */
unsigned long hd_http_server_tls_failures(hd_http_server_t *self);

/* The port actually bound. */
int hd_http_server_port(hd_http_server_t *self);

/* Runs fn(arg) on one of the server's workers soon (taken in posting
   order; with one worker also run in it, one at a time with the handlers);
   callable from any thread while the server exists. Callbacks still queued
   when the server is destroyed run during hd_http_server_destroy (their
   deferred requests' connections are gone by then). */
typedef void(hd_http_post_fn)(void *arg);
void hd_http_server_post(hd_http_server_t *self, hd_http_post_fn *fn, void *arg);

/* Stops the loop, closes every connection, lets the workers finish what is
   queued, joins every thread, frees the workers' states and the server.
   Safe on NULL; nulls the caller's pointer. */
void hd_http_server_destroy(hd_http_server_t **self_p);

#endif
