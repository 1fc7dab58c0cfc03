/*  hd_http_parse: the http_parser callbacks that turn a connection's bytes
    into its request (hd_http_internal.h's hd_http__settings): the url, the
    header fields and the body, each within its limit, and the strict
    HTTP/1.1 check (hd_http_guard.c) once the head is complete. A callback
    that refuses records why in the connection (fail_*) and stops the
    parser; hd_http_server.c then answers the refusal. The parser is paused
    at the end of every message, so one call never runs past a request. */
#include "hd_http_internal.h"

#include <string.h>
#include <strings.h>

#define HEADER_CAP (16 * 1024)

typedef hd_http__conn_t conn_t;
#define buf_add hd_http__buf_add

static int fail(conn_t *c, int status, const char *reason) {
    c->fail_status = status;
    c->fail_code = status == 413   ? "body_too_large"
                   : status == 431 ? "headers_too_large"
                                   : "bad_request";
    c->fail_field = status == 413 ? "body" : status == 431 ? "headers" : NULL;
    c->fail_reason = reason;
    return -1;
}

static int fail_with(conn_t *c, const hd_http__refusal_t *why) {
    c->fail_status = why->status;
    c->fail_code = why->code;
    c->fail_field = why->field;
    c->fail_reason = why->reason;
    return -1;
}

static int count_header(conn_t *c, size_t len) {
    c->header_bytes += len;
    return c->header_bytes > HEADER_CAP;
}

static int on_message_begin(http_parser *p) {
    conn_t *c = p->data;
    hd_http__req_reset(&c->req);
    c->header_bytes = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len) {
    conn_t *c = p->data;
    if (count_header(c, len))
        return fail(c, 431, "request line and headers exceed 16 KiB");
    buf_add(&c->req.url, at, len);
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
    conn_t *c = p->data;
    hd_http_req_t *r = &c->req;
    if (count_header(c, len))
        return fail(c, 431, "request line and headers exceed 16 KiB");
    if (r->in_value || r->nheaders == 0) {
        if (r->nheaders == HD_HTTP_MAX_HEADERS)
            return fail(c, 431, "more than 100 header fields");
        r->nheaders++;
        r->in_value = 0;
    }
    buf_add(&r->headers[r->nheaders - 1].name, at, len);
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
    conn_t *c = p->data;
    hd_http_req_t *r = &c->req;
    if (count_header(c, len))
        return fail(c, 431, "request line and headers exceed 16 KiB");
    if (r->nheaders == 0)
        return fail(c, 400, "header value without a name");
    r->in_value = 1;
    buf_add(&r->headers[r->nheaders - 1].value, at, len);
    return 0;
}

static int on_headers_complete(http_parser *p) {
    conn_t *c = p->data;
    hd_http_req_t *r = &c->req;
    /* Header values can be absent ("X-A:"); give each a buffer. */
    for (size_t i = 0; i < r->nheaders; i++)
        buf_add(&r->headers[i].value, "", 0);
    buf_add(&r->url, "", 0);
    hd_http__req_split_url(r);
    r->head = p->method == HTTP_HEAD;
    hd_http__refusal_t why;
    if (hd_http__strict_check(p->http_major, p->http_minor, r, &why) < 0)
        return fail_with(c, &why);
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > c->server->max_body)
        return fail(c, 413, "request body exceeds the size limit");
    const char *expect = hd_http_req_header(r, "Expect");
    c->want_continue = expect && strcasecmp(expect, "100-continue") == 0 && p->http_minor >= 1;
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
    conn_t *c = p->data;
    if (c->req.body.len + len > c->server->max_body)
        return fail(c, 413, "request body exceeds the size limit");
    buf_add(&c->req.body, at, len);
    return 0;
}

static int on_message_complete(http_parser *p) {
    /* Pause so http_parser_execute returns exactly at the message's end. */
    http_parser_pause(p, 1);
    return 0;
}

const http_parser_settings hd_http__settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};
