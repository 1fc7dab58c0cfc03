/*  hd_http_req: one HTTP request as its handler sees it: accessors, the
    answer, and deferring the answer. A handler runs on one of the server's
    worker threads (hd_http_server.h); everything here may be called there.
    An answer given with hd_http_respond* is recorded in the request and
    written by the server's loop thread once the request is handed back (the
    handler returned, or the deferred request was given back with
    hd_http_later_done), so answers leave each connection in request order. */
#ifndef HD_HTTP_REQ_H
#define HD_HTTP_REQ_H

#include <jansson.h>
#include <stddef.h>

typedef struct hd_http_server hd_http_server_t;
typedef struct hd_http_req hd_http_req_t;

/* Request accessors; every returned pointer is borrowed, valid while the
   request is the caller's (during the handler call, or until
   hd_http_later_done). path excludes the query string; query is "" if
   none. */
const char *hd_http_req_method(const hd_http_req_t *req);
const char *hd_http_req_path(const hd_http_req_t *req);
const char *hd_http_req_query(const hd_http_req_t *req);
const char *hd_http_req_peer(const hd_http_req_t *req);
/* The server the request came to (borrowed), so a handler can post work to
   its workers (hd_http_server_post) without a pointer kept elsewhere. */
hd_http_server_t *hd_http_req_server(const hd_http_req_t *req);
/* The state the pool's init made for the worker thread calling this (its
   own database connection, say); NULL off a worker or without init.
   Borrowed: the server frees it in hd_http_server_destroy. */
void *hd_http_req_worker_state(const hd_http_req_t *req);
/* The same for code that has no request (the reject hook). */
void *hd_http_worker_state(void);
/* Header value by case-insensitive name, NULL if absent. */
const char *hd_http_req_header(const hd_http_req_t *req, const char *name);
/* The body (NUL-terminated for convenience) and its length. */
const char *hd_http_req_body(const hd_http_req_t *req, size_t *len);
/* Value of one query parameter, URL-decoded, copied into buf; NULL if absent. */
const char *hd_http_req_param(const hd_http_req_t *req, const char *name, char *buf,
                              size_t buf_len);

/* NULL when the path and every query parameter (percent-decoded) are
   UTF-8 without a NUL and each parameter fits 4 KiB; else what is not:
   "path" or "query". A handler that passes such text on to SQL would have
   the database refuse the whole statement: refuse it first. */
const char *hd_http_req_text_bad(const hd_http_req_t *req);

/* ---- answering ----
   Records the answer (body copied). Only the first answer counts; a second
   is logged and dropped. status 0 closes the connection without answering
   (fault injection). 429 and 503 answers carry "Retry-After: 1" unless a
   Retry-After header was added (hd_http_respond_header). */
void hd_http_respond(hd_http_req_t *req, int status, const char *content_type, const char *body,
                     size_t len);

/* Inside the handler, on its thread: the status of the answer given so
   far, 0 if none yet, -1 once deferred (hd_http_defer: the answer is given
   elsewhere, later). For counting answers (ingest's metrics). */
int hd_http_req_status(const hd_http_req_t *req);

/* Adds a header to the answer about to be given (before hd_http_respond*):
   "WWW-Authenticate", "Allow", "ETag", "Location". A name that is not a
   token, a value holding a control character other than HTAB (CR and LF
   included), or a pair past 512 bytes is dropped (logged). */
void hd_http_respond_header(hd_http_req_t *req, const char *name, const char *value);

/* Answers `body` as JSON; takes ownership of the reference (json_decref). */
void hd_http_respond_json(hd_http_req_t *req, int status, json_t *body);

/* Answers {"error":{"status":N,"code":"...","field":"...","message":"..."}};
   field may be NULL. */
void hd_http_respond_error(hd_http_req_t *req, int status, const char *code, const char *field,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ---- answering later ----
   A handler that cannot answer at once (it waits for a group commit) calls
   hd_http_defer and returns. The work finishes elsewhere, then posts a
   callback to the server's workers (hd_http_server_post), which answers
   through hd_http_later_req and gives the request back with
   hd_http_later_done. The connection reads nothing more until then. */
typedef struct hd_http_later hd_http_later_t;

/* Inside the handler only: keeps the request open after the handler returns.
   The caller owns the handle and must give it back with hd_http_later_done
   before the server is destroyed. NULL if the request was already answered
   or deferred. */
hd_http_later_t *hd_http_defer(hd_http_req_t *req);

/* Any thread, until _done: the deferred request, to read and answer with
   the hd_http_respond* functions; NULL if the connection is gone meanwhile
   (the answer then has nobody to go to). Borrowed, valid until _done. */
hd_http_req_t *hd_http_later_req(hd_http_later_t *later);

/* Any thread: frees the handle and hands the request back to the loop
   thread, which writes its answer (a 500 if none was given) and goes on
   reading the connection. Safe on NULL; nulls the caller's pointer. */
void hd_http_later_done(hd_http_later_t **later_p);

#endif
