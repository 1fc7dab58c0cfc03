/*  hd_http_server: the loop thread's side of huddle's HTTP server (see
    hd_http_server.h): listening, connections, parsing, and handing each
    request to the workers and its answer back.

    One uv_loop_t per server, run by a thread of its own; the caller's thread
    only binds (so a bad address is an error from _new) and later wakes the
    loop with a uv_async to stop it. Each connection owns an http_parser that
    is paused at the end of every message: the bytes before the pause are
    exactly that request, so pipelined requests are handled one at a time, in
    order, and a rejected request's raw bytes can be handed to the reject hook.

    A request goes to the workers (hd_workq_submit) with the connection
    marked busy: reading stops and the bytes already read past it wait in the
    backlog. It comes back once per hand-back due (the handler's return, and
    hd_http_later_done when it deferred); at the last one the loop writes the
    recorded answer and feeds the backlog. A busy connection that closes
    keeps its memory until that last hand-back.

    After an error or a "Connection: close" the server answers, shuts its
    side down and drains what the client still sends for up to 2 s before
    closing: closing with unread input would make the kernel send RST and
    the client could lose the answer. */
#include "hd_http_server.h"

#include "hd_http_internal.h"
#include "hd_log.h"
#include "hd_mem.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADER_CAP (16 * 1024)
#define RAW_CAP (64 * 1024)
#define MAX_CONNS 1024
#define IDLE_MS (60 * 1000)
#define DRAIN_MS 2000
#define WRITE_HIGH_WATER (1024 * 1024)

typedef hd_http__conn_t conn_t;
typedef hd_http__buf_t buf_t;
#define buf_add hd_http__buf_add
#define buf_str hd_http__buf_str
#define buf_free hd_http__buf_free

/* ---- connections ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void conn_free(conn_t *c) {
    hd_http__req_free(&c->req);
    buf_free(&c->raw);
    buf_free(&c->backlog);
    free(c);
}

static void on_close(uv_handle_t *h) {
    conn_t *c = h->data;
    if (--c->pending_closes > 0)
        return;
    c->closed = 1;
    if (!c->busy) /* else the last hand-back frees it */
        conn_free(c);
}

static void conn_close(conn_t *c) {
    if (c->closing)
        return;
    c->closing = 1;
    atomic_store(&c->gone, 1);
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

static void on_timeout(uv_timer_t *t) { conn_close(t->data); }

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
    if (c->read_paused && !c->busy &&
        uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < WRITE_HIGH_WATER / 2) {
        c->read_paused = 0;
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    }
}

/* Queues bytes; the order of queued writes is the order on the wire. */
static void conn_write(conn_t *c, const char *head, size_t hlen, const char *body, size_t blen) {
    if (c->closing || c->draining)
        return;
    write_req_t *wr = hd_calloc(1, sizeof *wr + hlen + blen);
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
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

/* Writes one complete response on c. keep_alive 0 finishes the connection
   after it. */
static void conn_respond(conn_t *c, int status, const char *ctype, const char *extra,
                         const char *body, size_t len, int keep_alive, int head) {
    if (!ctype || strpbrk(ctype, "\r\n")) {
        if (ctype)
            hd_warn("http_bad_content_type", "content type with CR/LF refused");
        ctype = "application/octet-stream";
    }
    if (status < 100 || status > 999)
        status = 500;
    char hdr[1536];
    int n =
        snprintf(hdr, sizeof hdr,
                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                 "Connection: %s\r\n%s%s\r\n",
                 status, status_text(status), ctype, len, keep_alive ? "keep-alive" : "close",
                 (status == 429 || status == 503) && !(extra && strcasestr(extra, "Retry-After:"))
                     ? "Retry-After: 1\r\n"
                     : "",
                 extra ? extra : "");
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

/* ---- refusals: the reject hook on a worker, then the answer ---- */

typedef struct {
    hd_http_server_t *server;
    conn_t *conn; /* NULL: the connection is gone already (cut mid-request) */
    int status;
    const char *code, *field, *reason; /* static strings */
    char peer[64];
    size_t len;
    char raw[];
} reject_job_t;

static void reject_work(void *arg) {
    reject_job_t *j = arg;
    hd_http_server_t *s = j->server;
    if (s->reject)
        s->reject(j->peer, j->status, j->reason, j->raw, j->len, s->reject_arg);
}

/* Loop thread: the dead letter is kept; now the client learns of it. */
static void reject_done(void *arg) {
    reject_job_t *j = arg;
    conn_t *c = j->conn;
    if (c) {
        c->busy = 0;
        if (c->closed)
            conn_free(c);
        else if (!c->closing) {
            json_t *e = hd_http__error_json(j->status, j->code, j->field, j->reason);
            char *body = e ? json_dumps(e, JSON_COMPACT) : NULL;
            json_decref(e);
            const char *b = body ? body : "{}";
            conn_respond(c, j->status, "application/json", NULL, b, strlen(b), 0, 0);
            free(body);
        }
    }
    free(j);
}

/* Refuses the current message: reject hook first (the dead letter is kept
   before the client learns of the refusal), then the answer, then close.
   conn NULL: only the hook, for a connection already closing. */
static void conn_reject(conn_t *c, int status, const char *code, const char *field,
                        const char *reason) {
    hd_warn("http_rejected", "%s: %d %s (%zu bytes kept)", c->peer, status, reason, c->raw.len);
    reject_job_t *j = hd_calloc(1, sizeof *j + c->raw.len + 1);
    j->server = c->server;
    j->conn = c->closing ? NULL : c;
    j->status = status;
    j->code = code;
    j->field = field;
    j->reason = reason;
    snprintf(j->peer, sizeof j->peer, "%s", c->peer);
    j->len = c->raw.len;
    if (c->raw.len)
        memcpy(j->raw, c->raw.data, c->raw.len);
    if (j->conn) {
        c->busy = 1; /* nothing more is parsed: the answer closes */
        uv_read_stop((uv_stream_t *)&c->tcp);
    }
    hd_workq_submit(c->server->workq, reject_work, reject_done, j);
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

/* ---- dispatch: each request to the workers, its answer back ---- */

static void raw_add(conn_t *c, const char *p, size_t n) {
    size_t room = RAW_CAP - c->raw.len;
    buf_add(&c->raw, p, n < room ? n : room);
}

/* Worker: the handler, with the 500 of last resort. */
static void handler_work(void *arg) {
    conn_t *c = arg;
    hd_http_req_t *r = &c->req;
    hd_http_server_t *s = c->server;
    s->handler(r, s->arg);
    if (!r->responded && !r->deferred) {
        hd_error("http_no_response", "%s %s: handler returned without answering",
                 hd_http_req_method(r), hd_http_req_path(r));
        hd_http_respond_error(r, 500, "no_response", NULL, "the server did not answer");
    }
}

/* Hands the parsed request to the workers; the connection reads nothing
   more until it is back. */
static void dispatch(conn_t *c) {
    hd_http_req_t *r = &c->req;
    r->conn = c;
    r->method = http_method_str((enum http_method)c->parser.method);
    r->responded = 0;
    r->keep_alive = http_should_keep_alive(&c->parser) && !c->parser.upgrade;
    buf_add(&r->body, "", 0);
    c->raw.len = 0;
    c->busy = 1;
    c->handbacks = 1;
    uv_read_stop((uv_stream_t *)&c->tcp);
    hd_workq_submit(c->server->workq, handler_work, hd_http__conn_handback, c);
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

/* Parses until a request goes out, the connection refuses or closes, or
   the data is used up. Returns how many bytes were used. */
static size_t conn_parse(conn_t *c, const char *data, size_t len) {
    size_t off = 0;
    while (off < len && !c->closing && !c->finishing && !c->busy) {
        size_t n = http_parser_execute(&c->parser, &s_settings, data + off, len - off);
        enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
        raw_add(c, data + off, err == HPE_OK || err == HPE_PAUSED ? n : len - off);
        if (err == HPE_PAUSED) {
            http_parser_pause(&c->parser, 0);
            dispatch(c);
            return off + n;
        }
        if (err != HPE_OK) {
            parse_error(c, err);
            return len;
        }
        off += n;
        if (n == 0)
            break;
    }
    return off;
}

/* Goes on with the connection: the bytes read past the request first, then
   the socket. */
static void conn_resume(conn_t *c) {
    buf_t *b = &c->backlog;
    while (!c->busy && !c->closing && !c->finishing && c->backlog_off < b->len) {
        size_t n = conn_parse(c, b->data + c->backlog_off, b->len - c->backlog_off);
        c->backlog_off += n;
        if (n == 0)
            break;
    }
    if (c->backlog_off >= b->len) {
        b->len = 0;
        c->backlog_off = 0;
    }
    if (!c->busy && !c->closing && !c->finishing && !c->draining && !c->read_paused &&
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

void hd_http__conn_handback(void *arg) {
    conn_t *c = arg;
    if (--c->handbacks > 0)
        return;
    hd_http_req_t *r = &c->req;
    c->busy = 0;
    if (c->closed) {
        conn_free(c);
        return;
    }
    if (c->closing)
        return; /* on_close frees it */
    if (!r->responded) {
        hd_error("http_no_response", "%s %s: deferred request finished without an answer",
                 hd_http_req_method(r), hd_http_req_path(r));
        hd_http_respond_error(r, 500, "no_response", NULL, "the server did not answer");
    }
    if (r->resp_status == 0) {
        conn_close(c);
        return;
    }
    conn_respond(c, r->resp_status, r->resp_ctype, buf_str(&r->resp_headers),
                 buf_str(&r->resp_body), r->resp_body.len, r->keep_alive, r->head);
    conn_resume(c);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
    conn_t *c = stream->data;
    if (c->closing)
        return;
    if (nread < 0) {
        /* A request cut off by the peer is still input that was received. */
        int cut = !c->draining && !c->finishing && strspn(buf_str(&c->raw), "\r\n") < c->raw.len;
        conn_close(c);
        if (cut)
            conn_reject(c, 400, "bad_request", NULL, "connection closed mid-request");
        return;
    }
    if (nread == 0 || c->draining)
        return;
    uv_timer_start(&c->timer, on_timeout, IDLE_MS, 0);
    size_t used = conn_parse(c, buf->base, (size_t)nread);
    if (used < (size_t)nread && c->busy)
        buf_add(&c->backlog, buf->base + used, (size_t)nread - used);
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
    conn_t *c = hd_calloc(1, sizeof *c);
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
        hd_warn("http_too_many_connections", "over %d connections, refusing one", MAX_CONNS);
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

/* ---- the server ---- */

void hd_http_server_post(hd_http_server_t *self, hd_http_post_fn *fn, void *arg) {
    hd_workq_submit(self->workq, fn, NULL, arg);
}

/* Any thread: work came back for the loop. */
static void wake_loop(void *arg) {
    hd_http_server_t *s = arg;
    uv_mutex_lock(&s->wake_lock);
    if (s->wake_open)
        uv_async_send(&s->wake);
    uv_mutex_unlock(&s->wake_lock);
}

static void on_wake(uv_async_t *a) {
    hd_http_server_t *s = a->data;
    hd_workq_drain(s->workq);
}

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
    hd_workq_drain(s->workq); /* answers already back go out before the doors close */
    while (s->conns)
        conn_close(s->conns);
    uv_mutex_lock(&s->wake_lock);
    s->wake_open = 0; /* what comes back later is drained by the destroy */
    uv_mutex_unlock(&s->wake_lock);
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
    s->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                          : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

/* Undoes a half-made server: closes whatever handles were opened. */
/* Undoes a half-made server: closes whatever handles were opened. */
static hd_http_server_t *server_abandon(hd_http_server_t *s, int handles) {
    uv_close((uv_handle_t *)&s->listener, NULL);
    if (handles > 0)
        uv_close((uv_handle_t *)&s->stop, NULL);
    if (handles > 1)
        uv_close((uv_handle_t *)&s->wake, NULL);
    uv_run(&s->loop, UV_RUN_DEFAULT);
    uv_loop_close(&s->loop);
    hd_workq_destroy(&s->workq);
    uv_mutex_destroy(&s->wake_lock);
    free(s);
    return NULL;
}

hd_http_server_t *hd_http_server_new(const char *addr, size_t max_body, const hd_workq_pool_t *pool,
                                     hd_http_handler_fn *handler, void *arg) {
    if (!addr || !handler)
        return NULL;
    /* A peer that hangs up mid-write must be an error code, not a death. */
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    hd_http_server_t *s = hd_calloc(1, sizeof *s);
    if (uv_loop_init(&s->loop) < 0) {
        free(s);
        return NULL;
    }
    if (uv_mutex_init(&s->wake_lock) < 0)
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
    s->wake_open = 1;
    if (!(s->workq = hd_workq_new(pool, wake_loop, s)) || uv_thread_create(&s->thread, run, s) < 0)
        return server_abandon(s, 2);
    return s;
}

void hd_http_server_set_reject(hd_http_server_t *self, hd_http_reject_fn *fn, void *arg) {
    if (!self)
        return;
    self->reject = fn;
    self->reject_arg = arg;
}

void hd_http__server_set_cleanup(hd_http_server_t *self, hd_http__cleanup_fn *fn, void *arg) {
    if (!self)
        return;
    self->cleanup = fn;
    self->cleanup_arg = arg;
}

int hd_http_server_port(hd_http_server_t *self) { return self ? self->port : -1; }

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
    /* Queued posts and handlers run, then what they hand back is drained
       here: their connections are gone, and so they are freed. */
    hd_workq_destroy(&s->workq);
    if (s->cleanup)
        s->cleanup(s->cleanup_arg);
    uv_mutex_destroy(&s->wake_lock);
    free(s);
}
