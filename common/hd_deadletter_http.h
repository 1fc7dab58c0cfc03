/*  hd_deadletter_http: a dead letter that is an HTTP request, as text. The
    API keeps a refused request whole (request line, headers, body) so that
    it can be shown and replayed; a dead letter never keeps a credential, so
    the values of Authorization, Proxy-Authorization and Cookie are replaced
    by "[redacted]" before anything is stored. Every function here is pure
    (no I/O, no globals) and unit-tested (tests/unit/test_hd_deadletter_http.c). */
#ifndef HD_DEADLETTER_HTTP_H
#define HD_DEADLETTER_HTTP_H

#include <stddef.h>

#define HD_DEADLETTER_HTTP_MAX_HEADERS 64
#define HD_DEADLETTER_REDACTED "[redacted]"

/* A part of the raw bytes (borrowed: points into them). */
typedef struct {
    const char *p;
    size_t n;
} hd_dl_span_t;

typedef struct {
    hd_dl_span_t method, target, version; /* "POST", "/v1/content?x=1", "HTTP/1.1" */
    hd_dl_span_t names[HD_DEADLETTER_HTTP_MAX_HEADERS], values[HD_DEADLETTER_HTTP_MAX_HEADERS];
    size_t nheaders;
    hd_dl_span_t body; /* what follows the empty line (empty if none) */
    int complete;      /* 1: the head ended with an empty line */
} hd_dl_request_t;

/* Reads raw as an HTTP/1.x request: 0 when it starts with a request line
   ("METHOD SP target SP HTTP/d.d", lines ending in CRLF or LF), then as
   many well-formed "Name: value" lines as there are (at most
   HD_DEADLETTER_HTTP_MAX_HEADERS; the head stops at the first line that is
   not one), and the body after the empty line. -1 when raw does not start
   with a request line (*out is then zeroed). out's spans borrow raw. */
int hd_deadletter_http_parse(const char *raw, size_t len, hd_dl_request_t *out);

/* The value of header `name` (case-insensitive) in a parsed request, or an
   empty span {NULL, 0} when absent. */
hd_dl_span_t hd_deadletter_http_header(const hd_dl_request_t *req, const char *name);

/* A copy of raw in which every line of the head (the lines before the first
   empty line) that is an Authorization, Proxy-Authorization or Cookie
   header has its value replaced by "[redacted]"; nothing else changes
   (a body is left as it is). *out_len receives the copy's length. The
   caller frees the copy (NUL-terminated for convenience). */
char *hd_deadletter_http_redact(const char *raw, size_t len, size_t *out_len);

/* An HTTP/1.1 request as text: "METHOD target HTTP/1.1", the headers
   (headers: name, value, name, value, ..., NULL; a NULL value skips its
   pair; CR and LF in them become spaces; Authorization, Proxy-Authorization
   and Cookie values are written "[redacted]"), an empty line, then the
   body's body_len bytes exactly. The caller frees it; *out_len its length. */
char *hd_deadletter_http_build(const char *method, const char *target, const char *const *headers,
                               const char *body, size_t body_len, size_t *out_len);

#endif
