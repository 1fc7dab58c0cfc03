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

    Bad HTTP never reaches the handler: the server answers with a JSON error
    ({"error":{"status","code","field","message"}}) and closes, after the
    reject hook, when set, has had the raw bytes (on a worker) so the caller
    can keep a dead letter. Strict HTTP/1.1:
      - a version other than HTTP/1.0 and HTTP/1.1            -> 505
      - HTTP/1.1 without Host, or Host more than once         -> 400 (Host)
      - Transfer-Encoding other than exactly "chunked" (any
        other coding, a list, or the header twice)            -> 501
      - Transfer-Encoding with Content-Length (smuggling)     -> 400
      - Transfer-Encoding on an HTTP/1.0 request (RFC 9112)   -> 400
      - Content-Length more than once                         -> 400
      - not HTTP at all                                       -> 400

    HTTPS instead of HTTP with hd_http_server_set_tls (hd_tls.h).

    Limits (hd_http_limits_t; the variables are read by
    hd_http_limits_from_config, zero fields take the defaults):
      request line + headers    16 KiB, 100 fields      -> 431
      body                      max_body of _new        -> 413
      request_timeout_ms        HUDDLE_HTTP_REQUEST_TIMEOUT_MS, 10000: from
                                a request's first byte, its line, headers
                                and body must all have arrived; later bytes
                                do not move the deadline -> 408, dead letter
                                of the partial bytes, close
      idle_timeout_ms           HUDDLE_HTTP_IDLE_TIMEOUT_MS, 60000: between
                                requests of a keep-alive connection -> closed
                                quietly (nothing was asked)
      max_conns                 HUDDLE_HTTP_MAX_CONNS, 1024 open connections
                                -> the next gets 503 + Retry-After, closed
      max_conns_per_addr        HUDDLE_HTTP_MAX_CONNS_PER_ADDR, 64 from one
                                IP address (any port) -> 429 + Retry-After
      write_buffer              HUDDLE_HTTP_WRITE_BUFFER, 262144 bytes of
                                answers queued for one connection: past it
                                the server stops reading that connection
      write_timeout_ms          HUDDLE_HTTP_WRITE_TIMEOUT_MS, 30000: a
                                connection no longer read that has not read
                                its answers down to half of write_buffer
                                within this (a client that never reads) is
                                reset and its buffers freed
    Refused connections do not reach the reject hook (a flood must not
    become a flood of dead letters); they are counted (hd_http_server_stats)
    and logged at most once a second with the count since the last line. */
#ifndef HD_HTTP_SERVER_H
#define HD_HTTP_SERVER_H

#include "hd_http_req.h"
#include "hd_tls.h"
#include "hd_workq.h"

#include <stddef.h>
#include <stdint.h>

/* Called on a worker for every complete, well-formed request. Must call
   one of the hd_http_respond* functions (or hd_http_defer) before
   returning; otherwise the server answers 500. Handlers of different
   connections run at once when the pool has several workers. */
typedef void(hd_http_handler_fn)(hd_http_req_t *req, void *arg);

/* Called on a worker when the server refuses input itself (malformed
   request, header or body too large, not strict HTTP/1.1, connection cut
   mid-request, request timed out), before the refusal is answered. `raw`
   holds up to the first 64 KiB received; borrowed. hd_http_worker_state()
   gives the worker's state. Not called for connections refused by the
   caps (they are only counted). */
typedef void(hd_http_reject_fn)(const char *peer, int status, const char *reason, const char *raw,
                                size_t raw_len, void *arg);

/* Starts a server listening on `addr` ("127.0.0.1:8080", "0.0.0.0:8080",
   "[::1]:8080"; port 0 picks a free port), with the worker pool `pool`
   (NULL: one worker without state; pool->arg borrowed, it must outlive the
   server). Bodies over max_body bytes get 413. Returns NULL if it cannot
   listen or start its workers (logged). The caller owns the server. */
hd_http_server_t *hd_http_server_new(const char *addr, size_t max_body, const hd_workq_pool_t *pool,
                                     hd_http_handler_fn *handler, void *arg);

/* The server's limits (see the head comment); a field left 0 takes its
   default. */
typedef struct {
    long request_timeout_ms; /* HUDDLE_HTTP_REQUEST_TIMEOUT_MS, 10000 */
    long idle_timeout_ms;    /* HUDDLE_HTTP_IDLE_TIMEOUT_MS, 60000 */
    long max_conns;          /* HUDDLE_HTTP_MAX_CONNS, 1024 */
    long max_conns_per_addr; /* HUDDLE_HTTP_MAX_CONNS_PER_ADDR, 64 */
    long write_buffer;       /* HUDDLE_HTTP_WRITE_BUFFER, 262144 bytes (queued answers' memory) */
    long write_timeout_ms;   /* HUDDLE_HTTP_WRITE_TIMEOUT_MS, 30000 */
} hd_http_limits_t;

/* Fills *out from the HUDDLE_HTTP_* variables (hd_config: declare them
   with HD_CONFIG_COMMON_HTTP so --help lists them); a variable unset, not a
   number or not positive leaves its default. */
void hd_http_limits_from_config(hd_http_limits_t *out);

/* Sets the limits (copied); call before requests arrive (right after
   _new): connections accepted before keep the defaults. */
void hd_http_server_set_limits(hd_http_server_t *self, const hd_http_limits_t *limits);

/* What the server refused and closed, since it started. Read with
   hd_http_server_stats from any thread (each counter is atomic; the set is
   not one snapshot). */
typedef struct {
    uint64_t connections_open;              /* admitted and not yet closed */
    uint64_t connections_accepted_total;    /* admitted */
    uint64_t connections_refused_total;     /* the sum of the next two */
    uint64_t connections_refused_max_conns; /* over max_conns: 503 */
    uint64_t connections_refused_per_addr;  /* over max_conns_per_addr: 429 */
    uint64_t requests_timed_out_total;      /* request_timeout_ms passed: 408 */
    uint64_t idle_closed_total;             /* idle_timeout_ms passed */
    uint64_t slow_readers_closed_total;     /* write_timeout_ms passed */
    /* Requests the server itself refused, by status (a handler's own
       refusals are not counted here). */
    uint64_t requests_refused_400, requests_refused_408, requests_refused_413, requests_refused_431,
        requests_refused_501, requests_refused_505;
} hd_http_stats_t;

/* Copies the counters into *out; any thread, while the server exists. */
void hd_http_server_stats(hd_http_server_t *self, hd_http_stats_t *out);

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
