/*  hd_http: a small HTTP/1.1 server on a libuv thread (see hd_http.h).

    One uv_loop_t per server, run by a thread of its own; the caller's thread
    only binds (so a bad address is an error from _new) and later wakes the
    loop with a uv_async to stop it. Each connection owns an http_parser that
    is paused at the end of every message: the bytes before the pause are
    exactly that request, so pipelined requests are handled one at a time, in
    order, and a rejected request's raw bytes can be handed to the reject hook.

    Limits: request line + headers 16 KiB (431), at most 100 headers (431),
    body max_body (413), 60 s idle, 1024 connections. After an error or a
    "Connection: close" the server answers, shuts its side down and drains
    what the client still sends for up to 2 s before closing: closing with
    unread input would make the kernel send RST and the client could lose
    the answer.

    Two behaviours the header does not spell out: status 0 in hd_http_respond
    closes the connection without answering (fault injection), and 429 / 503
    answers carry "Retry-After: 1". */
#include "hd_http.h"

#include "hd_http_internal.h"
#include "hd_log.h"

#include <http_parser.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#define HEADER_CAP (16 * 1024)
#define RAW_CAP (64 * 1024)
#define MAX_HEADERS 100
#define MAX_CONNS 1024
#define IDLE_MS (60 * 1000)
#define DRAIN_MS 2000
#define WRITE_HIGH_WATER (1024 * 1024)
#define READ_BUF 65536

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

typedef struct {
    buf_t name, value;
} header_t;

typedef struct conn conn_t;

struct hd_http_req {
    conn_t *conn;
    buf_t url;
    char *path;        /* owned copy of the url's path part */
    const char *query; /* points into url (after '?') or "" */
    header_t headers[MAX_HEADERS];
    size_t nheaders;
    int in_value; /* last header callback was a value */
    buf_t body;
    int responded;
    int deferred; /* the handler kept it: answered later through a later_t */
    int keep_alive;
    int head;
};

struct hd_http_later {
    conn_t *conn; /* NULL once the connection is gone */
};

typedef struct post {
    hd_http_post_fn *fn;
    void *arg;
    struct post *next;
} post_t;

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shutdown;
    hd_http_server_t *server;
    http_parser parser;
    hd_http_req_t req;
    buf_t raw;            /* the current message's bytes, up to RAW_CAP */
    size_t header_bytes;  /* request line + headers so far */
    int fail_status;      /* set by a callback that refuses the request */
    const char *fail_reason;
    int pending_writes;
    int pending_closes;
    int closing;     /* uv_close called */
    int finishing;   /* answer the last response, then shut down */
    int draining;    /* shut down; discarding input until EOF or timeout */
    int read_paused; /* write queue over the high-water mark */
    hd_http_later_t *later; /* a deferred request awaiting its answer */
    buf_t backlog;          /* bytes read past the deferred request */
    char peer[64];
    conn_t *prev, *next;
};

struct hd_http_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop;
    uv_async_t wake; /* runs posted callbacks */
    uv_mutex_t post_lock;
    post_t *posts, *posts_tail;
    uv_thread_t thread;
    int port;
    size_t max_body;
    hd_http_handler_fn *handler;
    void *arg;
    hd_http_reject_fn *reject;
    void *reject_arg;
    hd_http__cleanup_fn *cleanup;
    void *cleanup_arg;
    conn_t *conns;
    int nconns;
    char read_buf[READ_BUF]; /* one read is parsed completely before the next */
};

/* ---- small buffers; out of memory is fatal, as everywhere in huddle ---- */

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    if (!q) {
        hd_error("out_of_memory", "hd_http: cannot allocate %zu bytes", n);
        abort();
    }
    return q;
}

static void buf_add(buf_t *b, const char *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static const char *buf_str(const buf_t *b) {
    return b->data ? b->data : "";
}

static void buf_free(buf_t *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- requests ---- */

static void req_reset(hd_http_req_t *r) {
    r->url.len = 0;
    if (r->url.data)
        r->url.data[0] = '\0';
    free(r->path);
    r->path = NULL;
    r->query = "";
    for (size_t i = 0; i < r->nheaders; i++) {
        buf_free(&r->headers[i].name);
        buf_free(&r->headers[i].value);
    }
    r->nheaders = 0;
    r->in_value = 0;
    r->body.len = 0;
    if (r->body.data)
        r->body.data[0] = '\0';
    r->responded = 0;
    r->deferred = 0;
    r->keep_alive = 0;
    r->head = 0;
}

static void req_free(hd_http_req_t *r) {
    req_reset(r);
    buf_free(&r->url);
    buf_free(&r->body);
}

/* Splits the request target into path and query. An absolute-form target
   ("http://host/p?q") is reduced to its path. The fragment is dropped. */
static void req_split_url(hd_http_req_t *r) {
    char *u = r->url.data ? r->url.data : (char *)"";
    char *hash = strchr(u, '#');
    if (hash)
        *hash = '\0';
    if (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0) {
        char *slash = strchr(strstr(u, "//") + 2, '/');
        u = slash ? slash : (char *)"/";
    }
    char *q = strchr(u, '?');
    size_t plen = q ? (size_t)(q - u) : strlen(u);
    r->path = xrealloc(NULL, plen + 1);
    memcpy(r->path, u, plen);
    r->path[plen] = '\0';
    r->query = q ? q + 1 : "";
}

const char *hd_http_req_method(const hd_http_req_t *req) {
    return http_method_str((enum http_method)req->conn->parser.method);
}

const char *hd_http_req_path(const hd_http_req_t *req) {
    return req->path ? req->path : "/";
}

const char *hd_http_req_query(const hd_http_req_t *req) {
    return req->query ? req->query : "";
}

const char *hd_http_req_peer(const hd_http_req_t *req) {
    return req->conn->peer;
}

hd_http_server_t *hd_http_req_server(const hd_http_req_t *req) {
    return req->conn->server;
}

const char *hd_http_req_header(const hd_http_req_t *req, const char *name) {
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(buf_str(&req->headers[i].name), name) == 0)
            return buf_str(&req->headers[i].value);
    return NULL;
}

const char *hd_http_req_body(const hd_http_req_t *req, size_t *len) {
    if (len)
        *len = req->body.len;
    return buf_str(&req->body);
}

static int hex_value(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of application/x-www-form-urlencoded text into out.
   Returns the decoded length, or -1 if it does not fit or decodes to a NUL
   byte (a C string could not carry it faithfully). A '%' not followed by
   two hex digits is kept as it is. */
static long url_decode(const char *s, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+')
            c = ' ';
        else if (c == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
                 hex_value(s[i + 2]) >= 0) {
            c = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
            i += 2;
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (long)o;
}

const char *hd_http_req_param(const hd_http_req_t *req, const char *name, char *buf,
                              size_t buf_len) {
    if (!req || !name || !buf || buf_len == 0)
        return NULL;
    const char *p = hd_http_req_query(req);
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char key[256];
        if (url_decode(p, nlen, key, sizeof key) >= 0 && strcmp(key, name) == 0) {
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = (size_t)(p + len - v);
            /* A value that does not fit is absent, never silently cut. */
            return url_decode(v, vlen, buf, buf_len) >= 0 ? buf : NULL;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

/* ---- connections ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void on_close(uv_handle_t *h) {
    conn_t *c = h->data;
    if (--c->pending_closes > 0)
        return;
    if (c->later)
        c->later->conn = NULL; /* its owner learns through hd_http_later_req */
    req_free(&c->req);
    buf_free(&c->raw);
    buf_free(&c->backlog);
    free(c);
}

static void conn_close(conn_t *c) {
    if (c->closing)
        return;
    c->closing = 1;
    hd_http_server_t *s = c->server;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    s->nconns--;
    c->pending_closes = 2;
    uv_close((uv_handle_t *)&c->tcp, on_close);
    uv_close((uv_handle_t *)&c->timer, on_close);
}

static void on_timeout(uv_timer_t *t) {
    conn_close(t->data);
}

static void on_shutdown(uv_shutdown_t *sreq, int status) {
    conn_t *c = sreq->data;
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    /* Keep reading (and discarding) so the close does not turn into a RST
       that could destroy the answer before the client reads it. */
    c->draining = 1;
    uv_timer_start(&c->timer, on_timeout, DRAIN_MS, 0);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

/* The last answer is written: shut our side down, then drain. */
static void conn_finish(conn_t *c) {
    if (c->closing || c->draining || c->pending_writes > 0)
        return;
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) < 0)
        conn_close(c);
    else
        c->draining = 1; /* until on_shutdown: anything read is discarded */
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    conn_t *c = h->data;
    buf->base = c->server->read_buf;
    buf->len = sizeof c->server->read_buf;
}

typedef struct {
    uv_write_t w;
    conn_t *conn;
    size_t len;
    char data[];
} write_req_t;

static void on_write(uv_write_t *w, int status) {
    write_req_t *wr = (write_req_t *)w;
    conn_t *c = wr->conn;
    free(wr);
    c->pending_writes--;
    if (c->closing)
        return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->finishing && c->pending_writes == 0) {
        conn_finish(c);
        return;
    }
    if (c->read_paused && !c->later && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <
                              WRITE_HIGH_WATER / 2) {
        c->read_paused = 0;
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    }
}

/* Queues bytes; the order of queued writes is the order on the wire. */
static void conn_write(conn_t *c, const char *head, size_t hlen, const char *body,
                       size_t blen) {
    if (c->closing || c->draining)
        return;
    write_req_t *wr = xrealloc(NULL, sizeof *wr + hlen + blen);
    wr->conn = c;
    wr->len = hlen + blen;
    memcpy(wr->data, head, hlen);
    if (blen)
        memcpy(wr->data + hlen, body, blen);
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)wr->len);
    if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_write) < 0) {
        free(wr);
        conn_close(c);
        return;
    }
    c->pending_writes++;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > WRITE_HIGH_WATER) {
        /* A client that pipelines without reading waits for its answers. */
        c->read_paused = 1;
        uv_read_stop((uv_stream_t *)&c->tcp);
    }
}

static const char *status_text(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

/* Writes one complete response on c. keep_alive 0 finishes the connection
   after it. */
static void conn_respond(conn_t *c, int status, const char *ctype, const char *body,
                         size_t len, int keep_alive, int head) {
    if (!ctype || strpbrk(ctype, "\r\n")) {
        if (ctype)
            hd_warn("http_bad_content_type", "content type with CR/LF refused");
        ctype = "application/octet-stream";
    }
    if (status < 100 || status > 999)
        status = 500;
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: %s\r\n%s\r\n",
                     status, status_text(status), ctype, len,
                     keep_alive ? "keep-alive" : "close",
                     status == 429 || status == 503 ? "Retry-After: 1\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof hdr) {
        conn_close(c);
        return;
    }
    conn_write(c, hdr, (size_t)n, head ? NULL : body, head ? 0 : len);
    if (!keep_alive) {
        c->finishing = 1;
        uv_read_stop((uv_stream_t *)&c->tcp);
        if (c->pending_writes == 0)
            conn_finish(c);
    }
}

static json_t *error_json(int status, const char *code, const char *field,
                          const char *message) {
    json_t *m = json_string(message);
    if (!m)
        m = json_string("(message not UTF-8)");
    return json_pack("{s:{s:i,s:s,s:o,s:o}}", "error", "status", status, "code",
                     code ? code : "error", "field",
                     field ? json_string(field) : json_null(), "message", m);
}

/* Refuses the current message: reject hook first (the dead letter is kept
   before the client learns of the refusal), then the answer, then close. */
static void conn_reject(conn_t *c, int status, const char *code, const char *field,
                        const char *reason) {
    hd_http_server_t *s = c->server;
    hd_warn("http_rejected", "%s: %d %s (%zu bytes kept)", c->peer, status, reason,
            c->raw.len);
    if (s->reject)
        s->reject(c->peer, status, reason, buf_str(&c->raw), c->raw.len, s->reject_arg);
    json_t *j = error_json(status, code, field, reason);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    const char *b = body ? body : "{}";
    conn_respond(c, status, "application/json", b, strlen(b), 0, 0);
    free(body);
}

/* ---- http_parser callbacks ---- */

static int fail(conn_t *c, int status, const char *reason) {
    c->fail_status = status;
    c->fail_reason = reason;
    return -1;
}

static int count_header(conn_t *c, size_t len) {
    c->header_bytes += len;
    return c->header_bytes > HEADER_CAP;
}

static int on_message_begin(http_parser *p) {
    conn_t *c = p->data;
    req_reset(&c->req);
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
        if (r->nheaders == MAX_HEADERS)
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
    req_split_url(r);
    r->head = p->method == HTTP_HEAD;
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > c->server->max_body)
        return fail(c, 413, "request body exceeds the size limit");
    const char *expect = hd_http_req_header(r, "Expect");
    if (expect && strcasecmp(expect, "100-continue") == 0 && p->http_major == 1 &&
        p->http_minor >= 1) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        conn_write(c, cont, sizeof cont - 1, NULL, 0);
    }
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

static const http_parser_settings s_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- dispatch ---- */

static void raw_add(conn_t *c, const char *p, size_t n) {
    size_t room = RAW_CAP - c->raw.len;
    buf_add(&c->raw, p, n < room ? n : room);
}

static void dispatch(conn_t *c) {
    hd_http_req_t *r = &c->req;
    hd_http_server_t *s = c->server;
    r->conn = c;
    r->responded = 0;
    r->keep_alive = http_should_keep_alive(&c->parser) && !c->parser.upgrade;
    buf_add(&r->body, "", 0);
    s->handler(r, s->arg);
    if (!r->responded && !r->deferred) {
        hd_error("http_no_response", "%s %s: handler returned without answering",
                 hd_http_req_method(r), hd_http_req_path(r));
        hd_http_respond_error(r, 500, "no_response", NULL, "the server did not answer");
    }
    c->raw.len = 0;
}

static void parse_error(conn_t *c, enum http_errno err) {
    int status = c->fail_status;
    const char *reason = c->fail_reason;
    if (!status) {
        status = err == HPE_HEADER_OVERFLOW ? 431 : 400;
        reason = err == HPE_HEADER_OVERFLOW ? "request line and headers too large"
                                            : http_errno_description(err);
    }
    const char *code = status == 413   ? "body_too_large"
                       : status == 431 ? "headers_too_large"
                                       : "bad_request";
    const char *field = status == 413 ? "body" : status == 431 ? "headers" : NULL;
    conn_reject(c, status, code, field, reason);
}

static void conn_feed(conn_t *c, const char *data, size_t len) {
    size_t off = 0;
    while (off < len && !c->closing && !c->finishing) {
        size_t n = http_parser_execute(&c->parser, &s_settings, data + off, len - off);
        enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
        if (err == HPE_PAUSED) {
            raw_add(c, data + off, n);
            off += n;
            dispatch(c);
            http_parser_pause(&c->parser, 0);
            if (c->later) {
                /* Answers go out in order: read nothing more until it is done. */
                buf_add(&c->backlog, data + off, len - off);
                uv_read_stop((uv_stream_t *)&c->tcp);
                return;
            }
            continue;
        }
        if (err != HPE_OK) {
            raw_add(c, data + off, len - off);
            parse_error(c, err);
            return;
        }
        raw_add(c, data + off, n);
        off += n;
        if (n == 0)
            break;
    }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    conn_t *c = stream->data;
    if (c->closing)
        return;
    if (nread < 0) {
        /* A request cut off by the peer is still input that was received. */
        if (!c->draining && !c->finishing && c->server->reject &&
            strspn(buf_str(&c->raw), "\r\n") < c->raw.len) {
            hd_warn("http_truncated", "%s: connection closed mid-request", c->peer);
            c->server->reject(c->peer, 400, "connection closed mid-request",
                              buf_str(&c->raw), c->raw.len, c->server->reject_arg);
        }
        conn_close(c);
        return;
    }
    if (nread == 0 || c->draining)
        return;
    uv_timer_start(&c->timer, on_timeout, IDLE_MS, 0);
    conn_feed(c, buf->base, (size_t)nread);
}

static void peer_name(uv_tcp_t *tcp, char *out, size_t len) {
    struct sockaddr_storage ss;
    int n = sizeof ss;
    char ip[INET6_ADDRSTRLEN] = "?";
    snprintf(out, len, "unknown");
    if (uv_tcp_getpeername(tcp, (struct sockaddr *)&ss, &n) < 0)
        return;
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        uv_ip6_name(a, ip, sizeof ip);
        snprintf(out, len, "[%s]:%d", ip, ntohs(a->sin6_port));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        uv_ip4_name(a, ip, sizeof ip);
        snprintf(out, len, "%s:%d", ip, ntohs(a->sin_port));
    }
}

static void on_connection(uv_stream_t *listener, int status) {
    hd_http_server_t *s = listener->data;
    if (status < 0) {
        hd_warn("http_accept_failed", "%s", uv_strerror(status));
        return;
    }
    conn_t *c = xrealloc(NULL, sizeof *c);
    memset(c, 0, sizeof *c);
    c->server = s;
    uv_tcp_init(&s->loop, &c->tcp);
    uv_timer_init(&s->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    if (s->nconns > MAX_CONNS) {
        hd_warn("http_too_many_connections", "over %d connections, refusing one",
                MAX_CONNS);
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(&c->tcp, c->peer, sizeof c->peer);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->req.conn = c;
    c->req.query = "";
    uv_timer_start(&c->timer, on_timeout, IDLE_MS, 0);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

/* ---- responding ---- */

void hd_http_respond(hd_http_req_t *req, int status, const char *content_type,
                     const char *body, size_t len) {
    if (!req)
        return;
    if (req->responded) {
        hd_error("http_double_response", "%s %s: second answer dropped",
                 hd_http_req_method(req), hd_http_req_path(req));
        return;
    }
    req->responded = 1;
    conn_t *c = req->conn;
    if (status == 0) {
        conn_close(c);
        return;
    }
    conn_respond(c, status, content_type, body ? body : "", body ? len : 0,
                 req->keep_alive, req->head);
}

void hd_http_respond_json(hd_http_req_t *req, int status, json_t *body) {
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!text) {
        hd_http_respond_error(req, 500, "internal", NULL, "could not encode the answer");
        return;
    }
    hd_http_respond(req, status, "application/json", text, strlen(text));
    free(text);
}

void hd_http_respond_error(hd_http_req_t *req, int status, const char *code,
                           const char *field, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *j = error_json(status, code, field, msg);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    const char *b = text ? text : "{}";
    hd_http_respond(req, status, "application/json", b, strlen(b));
    free(text);
}

/* ---- answering later ---- */

hd_http_later_t *hd_http_defer(hd_http_req_t *req) {
    conn_t *c = req->conn;
    if (req->responded || req->deferred || c->later)
        return NULL;
    hd_http_later_t *l = xrealloc(NULL, sizeof *l);
    l->conn = c;
    req->deferred = 1;
    c->later = l;
    return l;
}

hd_http_req_t *hd_http_later_req(hd_http_later_t *later) {
    return later && later->conn && !later->conn->closing ? &later->conn->req : NULL;
}

/* Goes on with the connection: the bytes read past the deferred request
   first, then the socket. */
static void conn_resume(conn_t *c) {
    buf_t b = c->backlog;
    memset(&c->backlog, 0, sizeof c->backlog);
    c->raw.len = 0;
    if (b.len)
        conn_feed(c, b.data, b.len);
    buf_free(&b);
    if (!c->later && !c->closing && !c->finishing && !c->draining && !c->read_paused &&
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

void hd_http_later_done(hd_http_later_t **later_p) {
    if (!later_p || !*later_p)
        return;
    hd_http_later_t *l = *later_p;
    *later_p = NULL;
    conn_t *c = l->conn;
    free(l);
    if (!c)
        return;
    c->later = NULL;
    if (c->closing)
        return;
    if (!c->req.responded) {
        hd_error("http_no_response", "%s %s: deferred request finished without an answer",
                 hd_http_req_method(&c->req), hd_http_req_path(&c->req));
        c->req.deferred = 0;
        hd_http_respond_error(&c->req, 500, "no_response", NULL, "the server did not answer");
    }
    conn_resume(c);
}

/* Runs every posted callback, in posting order. */
static void run_posts(hd_http_server_t *s) {
    uv_mutex_lock(&s->post_lock);
    post_t *p = s->posts;
    s->posts = s->posts_tail = NULL;
    uv_mutex_unlock(&s->post_lock);
    while (p) {
        post_t *next = p->next;
        p->fn(p->arg);
        free(p);
        p = next;
    }
}

static void on_wake(uv_async_t *a) {
    run_posts(a->data);
}

void hd_http_server_post(hd_http_server_t *self, hd_http_post_fn *fn, void *arg) {
    post_t *p = xrealloc(NULL, sizeof *p);
    p->fn = fn;
    p->arg = arg;
    p->next = NULL;
    uv_mutex_lock(&self->post_lock);
    if (self->posts_tail)
        self->posts_tail->next = p;
    else
        self->posts = p;
    self->posts_tail = p;
    uv_mutex_unlock(&self->post_lock);
    uv_async_send(&self->wake);
}

/* ---- the server ---- */

/* "host:port", "[v6]:port", ":port" or "*:port" (all IPv4 interfaces). */
static int parse_addr(const char *addr, struct sockaddr_storage *ss) {
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_s;
    int v6 = addr[0] == '[';
    if (v6) {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof host)
            return -1;
        memcpy(host, addr + 1, (size_t)(close - addr - 1));
        host[close - addr - 1] = '\0';
        port_s = close + 2;
    } else {
        const char *colon = strrchr(addr, ':');
        if (!colon || (size_t)(colon - addr) >= sizeof host)
            return -1;
        memcpy(host, addr, (size_t)(colon - addr));
        host[colon - addr] = '\0';
        if (strchr(host, ':'))
            return -1; /* IPv6 needs brackets */
        port_s = colon + 1;
    }
    char *end;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || port < 0 || port > 65535)
        return -1;
    if (!v6 && (!*host || strcmp(host, "*") == 0))
        strcpy(host, "0.0.0.0");
    else if (!v6 && strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (v6)
        return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) < 0 ? -1 : 0;
    return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) < 0 ? -1 : 0;
}

static void on_stop(uv_async_t *a) {
    hd_http_server_t *s = a->data;
    run_posts(s); /* answers already on their way go out before the doors close */
    while (s->conns)
        conn_close(s->conns);
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_close((uv_handle_t *)&s->stop, NULL);
    uv_close((uv_handle_t *)&s->wake, NULL);
}

static void run(void *arg) {
    hd_http_server_t *s = arg;
    uv_run(&s->loop, UV_RUN_DEFAULT);
}

static int bind_listen(hd_http_server_t *s, const char *addr) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    if (parse_addr(addr, &ss) < 0) {
        hd_error("http_bad_address", "'%s' is not host:port or [ipv6]:port", addr);
        return -1;
    }
    int rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (rc < 0) {
        hd_error("http_listen_failed", "cannot listen on %s: %s", addr, uv_strerror(rc));
        return -1;
    }
    struct sockaddr_storage bound;
    int n = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &n);
    s->port = bound.ss_family == AF_INET6
                  ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                  : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

/* Undoes a half-made server: closes whatever handles were opened. */
static hd_http_server_t *server_abandon(hd_http_server_t *s, int handles) {
    uv_close((uv_handle_t *)&s->listener, NULL);
    if (handles > 0)
        uv_close((uv_handle_t *)&s->stop, NULL);
    if (handles > 1)
        uv_close((uv_handle_t *)&s->wake, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    uv_loop_close(&s->loop);
    uv_mutex_destroy(&s->post_lock);
    free(s);
    return NULL;
}

hd_http_server_t *hd_http_server_new(const char *addr, size_t max_body,
                                     hd_http_handler_fn *handler, void *arg) {
    if (!addr || !handler)
        return NULL;
    /* A peer that hangs up mid-write must be an error code, not a death. */
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    hd_http_server_t *s = calloc(1, sizeof *s);
    if (!s || uv_loop_init(&s->loop) < 0) {
        free(s);
        return NULL;
    }
    if (uv_mutex_init(&s->post_lock) < 0)
        abort();
    s->max_body = max_body;
    s->handler = handler;
    s->arg = arg;
    uv_tcp_init(&s->loop, &s->listener);
    s->listener.data = s;
    if (bind_listen(s, addr) < 0 || uv_async_init(&s->loop, &s->stop, on_stop) < 0)
        return server_abandon(s, 0);
    s->stop.data = s;
    if (uv_async_init(&s->loop, &s->wake, on_wake) < 0)
        return server_abandon(s, 1);
    s->wake.data = s;
    if (uv_thread_create(&s->thread, run, s) < 0)
        return server_abandon(s, 2);
    return s;
}

void hd_http_server_set_reject(hd_http_server_t *self, hd_http_reject_fn *fn, void *arg) {
    if (!self)
        return;
    self->reject = fn;
    self->reject_arg = arg;
}

void hd_http__server_set_cleanup(hd_http_server_t *self, hd_http__cleanup_fn *fn,
                                 void *arg) {
    if (!self)
        return;
    self->cleanup = fn;
    self->cleanup_arg = arg;
}

int hd_http_server_port(hd_http_server_t *self) {
    return self ? self->port : -1;
}

void hd_http_server_destroy(hd_http_server_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hd_http_server_t *s = *self_p;
    *self_p = NULL;
    uv_async_send(&s->stop);
    uv_thread_join(&s->thread);
    if (uv_loop_close(&s->loop) == UV_EBUSY) {
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
    }
    run_posts(s); /* posted after the stop: their connections are gone */
    if (s->cleanup)
        s->cleanup(s->cleanup_arg);
    uv_mutex_destroy(&s->post_lock);
    free(s);
}
