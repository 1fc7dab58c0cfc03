/*  hd_http: a small HTTP/1.1 server for huddle's APIs, health and metrics.
    One libuv loop on a thread of its own; requests parsed by http-parser
    (keep-alive, pipelining, Content-Length bodies; chunked request bodies are
    accepted too). The handler runs on the server thread, one request at a
    time, and answers with hd_http_respond before it returns, or defers the
    answer (hd_http_defer) to give it later from the server thread; the
    connection reads nothing more until then, so answers stay in order.
    Bad HTTP never reaches the handler: the server answers 400 / 413 / 431
    with a JSON error and, when a reject hook is set, hands it the raw bytes
    so the caller can keep a dead letter. */
#ifndef HD_HTTP_H
#define HD_HTTP_H

#include <jansson.h>
#include <stddef.h>

typedef struct hd_http_server hd_http_server_t;
typedef struct hd_http_req hd_http_req_t;

/* Called for every complete, well-formed request. Must call one of the
   hd_http_respond* functions exactly once before returning, or hd_http_defer. */
typedef void(hd_http_handler_fn)(hd_http_req_t *req, void *arg);

/* Called when the server refuses input itself (malformed request, header or
   body too large). `raw` holds up to the first 64 KiB received; borrowed. */
typedef void(hd_http_reject_fn)(const char *peer, int status, const char *reason,
                                const char *raw, size_t raw_len, void *arg);

/* Starts a server listening on `addr` ("127.0.0.1:8080", "0.0.0.0:8080",
   "[::1]:8080"; port 0 picks a free port). Bodies over max_body bytes get 413.
   Returns NULL if it cannot listen (logged). The caller owns the server. */
hd_http_server_t *hd_http_server_new(const char *addr, size_t max_body,
                                     hd_http_handler_fn *handler, void *arg);

/* Sets the reject hook; call before requests arrive (right after _new). */
void hd_http_server_set_reject(hd_http_server_t *self, hd_http_reject_fn *fn, void *arg);

/* The port actually bound. */
int hd_http_server_port(hd_http_server_t *self);

/* Stops the loop, closes every connection, joins the thread and frees.
   Safe on NULL; nulls the caller's pointer. */
void hd_http_server_destroy(hd_http_server_t **self_p);

/* Request accessors; every returned pointer is borrowed, valid during the
   handler call. path excludes the query string; query is "" if none. */
const char *hd_http_req_method(const hd_http_req_t *req);
const char *hd_http_req_path(const hd_http_req_t *req);
const char *hd_http_req_query(const hd_http_req_t *req);
const char *hd_http_req_peer(const hd_http_req_t *req);
/* The server the request came to (borrowed), so a handler can post work to
   its own thread (hd_http_server_post) without a pointer kept elsewhere,
   which would not be set yet for a request that arrives right after _new. */
hd_http_server_t *hd_http_req_server(const hd_http_req_t *req);
/* Header value by case-insensitive name, NULL if absent. */
const char *hd_http_req_header(const hd_http_req_t *req, const char *name);
/* The body (NUL-terminated for convenience) and its length. */
const char *hd_http_req_body(const hd_http_req_t *req, size_t *len);
/* Value of one query parameter, URL-decoded, copied into buf; NULL if absent. */
const char *hd_http_req_param(const hd_http_req_t *req, const char *name, char *buf,
                              size_t buf_len);

/* ---- answering later ----
   A handler that cannot answer at once (it waits for a group commit) calls
   hd_http_defer and returns. The work finishes elsewhere, then posts a
   callback to the server thread (hd_http_server_post), which answers through
   hd_http_later_req and calls hd_http_later_done. */
typedef struct hd_http_later hd_http_later_t;

/* Inside the handler only: keeps the request open after the handler returns.
   The caller owns the handle and must give it back with hd_http_later_done.
   NULL if the request was already answered or deferred. */
hd_http_later_t *hd_http_defer(hd_http_req_t *req);

/* Server thread only: the deferred request, to read and answer with the
   hd_http_respond* functions; NULL if the connection is gone meanwhile (the
   answer then has nobody to go to). Borrowed, valid until _done. */
hd_http_req_t *hd_http_later_req(hd_http_later_t *later);

/* Server thread only: frees the handle and goes on reading the connection.
   A request left unanswered gets a 500. Safe on NULL; nulls the pointer. */
void hd_http_later_done(hd_http_later_t **later_p);

/* Runs fn(arg) on the server thread soon, in posting order; callable from
   any thread while the server exists. Callbacks still queued when the server
   is destroyed run during hd_http_server_destroy (their deferred requests'
   connections are gone by then). */
typedef void(hd_http_post_fn)(void *arg);
void hd_http_server_post(hd_http_server_t *self, hd_http_post_fn *fn, void *arg);

/* Sends the response. body is copied. status 0 closes the connection
   without answering (fault injection). 429 and 503 answers carry
   "Retry-After: 1". */
void hd_http_respond(hd_http_req_t *req, int status, const char *content_type,
                     const char *body, size_t len);

/* Sends `body` as JSON; takes ownership of the reference (json_decref). */
void hd_http_respond_json(hd_http_req_t *req, int status, json_t *body);

/* Sends {"error":{"status":N,"code":"...","field":"...","message":"..."}};
   field may be NULL. */
void hd_http_respond_error(hd_http_req_t *req, int status, const char *code,
                           const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A small blocking client (libcurl) for tools and tests. Sends `method` to
   url with the given "Name: value" headers (NULL-terminated array, may be
   NULL) and body (may be NULL); the answer's body goes into a malloc'd
   NUL-terminated string (caller frees; NULL on failure). Returns the HTTP
   status, or -1 when no answer came (the reason in err, err_len bytes, when
   given). timeout_ms 0: 10 s. */
int hd_http_request(const char *method, const char *url, const char *const *headers,
                    const char *body, int timeout_ms, char **body_out, char *err,
                    size_t err_len);

/* hd_http_request for a plain GET. */
int hd_http_get(const char *url, char **body_out, int timeout_ms);

#endif
