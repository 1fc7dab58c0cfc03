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
    the client could lose the answer.

    With TLS (hd_http_server_set_tls) every connection has an hd_tls
    session: each read is decrypted into plaintext before the parser sees
    it, each write encrypted, and the shutdown starts with close_notify. */
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

#define RAW_CAP (64 * 1024)
#define DRAIN_MS 2000
#define REFUSING_MAX 64 /* connections answered 503/429 at once; more are closed bare */

typedef hd_http__conn_t conn_t;
typedef hd_http__buf_t buf_t;
#define buf_add hd_http__buf_add
#define buf_str hd_http__buf_str
#define buf_free hd_http__buf_free

/* ---- connections ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void conn_resume(conn_t *c);

static void conn_free(conn_t *c) {
    hd_tls_session_destroy(&c->tls);
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

/* Closes c's handles; reset 1 sends a RST, dropping whatever the kernel
   still holds for the peer (a client that never reads). */
static void conn_close_how(conn_t *c, int reset) {
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
    if (c->kind == HD_HTTP__CONN_ADMITTED) {
        s->nconns--;
        atomic_store(&s->st.connections_open, (unsigned long long)s->nconns);
    } else if (c->kind == HD_HTTP__CONN_REFUSING)
        s->nrefusing--;
    c->pending_closes = 3;
    if (!reset || c->draining || uv_tcp_close_reset(&c->tcp, on_close) < 0)
        uv_close((uv_handle_t *)&c->tcp, on_close);
    uv_close((uv_handle_t *)&c->timer, on_close);
    uv_close((uv_handle_t *)&c->wtimer, on_close);
}

static void conn_close(conn_t *c) { conn_close_how(c, 0); }

static void conn_reject(conn_t *c, int status, const char *code, const char *field,
                        const char *reason);

/* The connection's clock ran out: a request not complete in time is
   refused 408 (its bytes kept by the reject hook); an idle connection, or
   one draining or refusing, is closed. */
static void on_timeout(uv_timer_t *t) {
    conn_t *c = t->data;
    hd_http_server_t *s = c->server;
    hd_http__clock_t clock = c->clock;
    c->clock = HD_HTTP__CLOCK_NONE;
    if (clock == HD_HTTP__CLOCK_REQUEST && !c->busy && !c->closing && !c->draining &&
        !c->finishing) {
        atomic_fetch_add(&s->st.requests_timed_out_total, 1);
        char reason[96];
        snprintf(reason, sizeof reason, "request timed out after %ld ms",
                 s->lim.request_timeout_ms);
        conn_reject(c, 408, "request_timeout", NULL, reason);
        return;
    }
    if (clock == HD_HTTP__CLOCK_IDLE)
        atomic_fetch_add(&s->st.idle_closed_total, 1);
    conn_close(c);
}

/* The connection waits for input: between requests the idle clock runs,
   and from a request's first byte (any byte read, kept in raw) its
   deadline, armed once: later bytes never move it. */
static void conn_wait(conn_t *c) {
    hd_http__clock_t want = c->raw.len > 0 ? HD_HTTP__CLOCK_REQUEST : HD_HTTP__CLOCK_IDLE;
    if (c->clock == want || c->closing)
        return;
    c->clock = want;
    const hd_http_limits_t *l = &c->server->lim;
    uv_timer_start(
        &c->timer, on_timeout,
        (uint64_t)(want == HD_HTTP__CLOCK_REQUEST ? l->request_timeout_ms : l->idle_timeout_ms), 0);
}

/* No clock while the server works on the connection's request. */
static void conn_clock_stop(conn_t *c) {
    c->clock = HD_HTTP__CLOCK_NONE;
    uv_timer_stop(&c->timer);
}

/* Not read for write_timeout_ms because its answers stay queued (over
   write_buffer, not yet down to half): a client that does not read its
   answers loses the connection and the server its buffers. */
static void on_write_stall(uv_timer_t *t) {
    conn_t *c = t->data;
    hd_http_server_t *s = c->server;
    atomic_fetch_add(&s->st.slow_readers_closed_total, 1);
    hd_warn("http_slow_reader", "%s: %zu bytes of answers unread for %ld ms, closing", c->peer,
            c->out_bytes, s->lim.write_timeout_ms);
    conn_close_how(c, 1);
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
    c->clock = HD_HTTP__CLOCK_NONE;
    uv_timer_start(&c->timer, on_timeout, DRAIN_MS, 0);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

static void conn_send(conn_t *c, const char *head, size_t hlen, const char *body, size_t blen);

/* hd_tls output, collected in the server's buffers (loop thread): one
   read's plaintext, and the records of one answer, sent as one write. */
static void tls_to_plain(void *s, const char *p, size_t n) {
    buf_add(&((hd_http_server_t *)s)->tls_plain, p, n);
}
static void tls_to_out(void *s, const char *p, size_t n) {
    buf_add(&((hd_http_server_t *)s)->tls_out, p, n);
}

/* The last answer is written: shut our side down (TLS: close_notify
   first), then drain. */
static void conn_finish(conn_t *c) {
    if (c->closing || c->draining || c->pending_writes > 0)
        return;
    if (c->tls) {
        c->server->tls_out.len = 0;
        hd_tls_close(c->tls, tls_to_out, c->server);
        if (c->server->tls_out.len)
            conn_send(c, c->server->tls_out.data, c->server->tls_out.len, NULL, 0);
    }
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
    c->out_bytes -= sizeof *wr + wr->len;
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
    size_t queued = c->out_bytes;
    size_t high = (size_t)c->server->lim.write_buffer;
    /* The client reads again. While a request is out, the pause (and its
       write timer) lasts until the hand-back's conn_resume: stopping the
       timer here would leave a client that stopped reading again, with
       an answer still unwritten, paused forever. */
    if (c->read_paused && queued < high / 2 && !c->busy)
        conn_resume(c); /* the backlog first, then the socket */
}

/* Queues bytes as they are; the order of queued writes is the order on the
   wire. */
static void conn_send(conn_t *c, const char *head, size_t hlen, const char *body, size_t blen) {
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
    hd_http_server_t *s = c->server;
    c->out_bytes += sizeof *wr + wr->len;
    if (c->out_bytes > (size_t)s->lim.write_buffer) {
        /* A client that pipelines without reading waits for its answers,
           and loses the connection if it never reads them. */
        c->read_paused = 1;
        uv_read_stop((uv_stream_t *)&c->tcp);
        if (!uv_is_active((uv_handle_t *)&c->wtimer))
            uv_timer_start(&c->wtimer, on_write_stall, (uint64_t)s->lim.write_timeout_ms, 0);
    }
}

/* Queues plaintext: encrypted first when the connection speaks TLS. */
static void conn_write(conn_t *c, const char *head, size_t hlen, const char *body, size_t blen) {
    if (c->closing || c->draining)
        return;
    if (!c->tls) {
        conn_send(c, head, hlen, body, blen);
        return;
    }
    buf_t *out = &c->server->tls_out;
    out->len = 0;
    if (hd_tls_encrypt(c->tls, head, hlen, tls_to_out, c->server) < 0 ||
        hd_tls_encrypt(c->tls, body, blen, tls_to_out, c->server) < 0) {
        hd_warn("http_tls_failed", "%s: %s", c->peer, hd_tls_error(c->tls));
        conn_close(c);
        return;
    }
    conn_send(c, out->data, out->len, NULL, 0);
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
    char hdr[1600];
    int n = snprintf(
        hdr, sizeof hdr,
        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
        "Connection: %s\r\n%s%s%s\r\n",
        status, hd_http__status_text(status), ctype, len, keep_alive ? "keep-alive" : "close",
        (status == 429 || status == 503) && !(extra && strcasestr(extra, "Retry-After:"))
            ? "Retry-After: 1\r\n"
            : "",
        c->tls ? "Strict-Transport-Security: max-age=31536000\r\n" : "", extra ? extra : "");
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
        else if (!c->closing) { /* a client that never reads its last answer */
            c->clock = HD_HTTP__CLOCK_NONE;
            uv_timer_start(&c->timer, on_timeout, (uint64_t)c->server->lim.write_timeout_ms, 0);
        }
    }
}

/* ---- refusals: the reject hook on a worker, then the answer ---- */

typedef struct {
    hd_http_server_t *server;
    conn_t *conn; /* NULL: the connection is gone already (cut mid-request) */
    int status;
    const char *code, *field; /* static strings */
    char reason[128];
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
    hd_http__count_refusal(&c->server->st, status);
    reject_job_t *j = hd_calloc(1, sizeof *j + c->raw.len + 1);
    j->server = c->server;
    j->conn = c->closing ? NULL : c;
    j->status = status;
    j->code = code;
    j->field = field;
    snprintf(j->reason, sizeof j->reason, "%s", reason);
    snprintf(j->peer, sizeof j->peer, "%s", c->peer);
    j->len = c->raw.len;
    if (c->raw.len)
        memcpy(j->raw, c->raw.data, c->raw.len);
    if (j->conn) {
        c->busy = 1; /* nothing more is parsed: the answer closes */
        uv_read_stop((uv_stream_t *)&c->tcp);
        conn_clock_stop(c);
    }
    hd_workq_submit(c->server->workq, reject_work, reject_done, j);
}

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
    conn_clock_stop(c);
    uv_read_stop((uv_stream_t *)&c->tcp);
    hd_workq_submit(c->server->workq, handler_work, hd_http__conn_handback, c);
}

static void parse_error(conn_t *c, enum http_errno err) {
    hd_http__refusal_t why = {c->fail_status, c->fail_code, c->fail_field, c->fail_reason};
    /* The parser refuses a Content-Length beside Transfer-Encoding (or a
       second one) before the head is complete: say which, as the check
       does. */
    if (!why.status && err == HPE_UNEXPECTED_CONTENT_LENGTH &&
        hd_http__strict_check(c->parser.http_major, c->parser.http_minor, &c->req, &why) == 0)
        why.status = 0;
    if (!why.status) {
        int big = err == HPE_HEADER_OVERFLOW;
        why = (hd_http__refusal_t){
            big ? 431 : 400, big ? "headers_too_large" : "bad_request", big ? "headers" : NULL,
            big ? "request line and headers too large" : http_errno_description(err)};
    }
    conn_reject(c, why.status, why.code, why.field, why.reason);
}

/* Parses until a request goes out, the connection refuses or closes, or
   the data is used up. Returns how many bytes were used. */
static size_t conn_parse(conn_t *c, const char *data, size_t len) {
    size_t off = 0;
    while (off < len && !c->closing && !c->finishing && !c->busy) {
        size_t n = http_parser_execute(&c->parser, &hd_http__settings, data + off, len - off);
        enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
        raw_add(c, data + off, err == HPE_OK || err == HPE_PAUSED ? n : len - off);
        if (c->want_continue) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            c->want_continue = 0;
            if (err == HPE_OK || err == HPE_PAUSED)
                conn_write(c, cont, sizeof cont - 1, NULL, 0);
        }
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
    if (c->read_paused && !c->busy && c->out_bytes < (size_t)c->server->lim.write_buffer / 2) {
        uv_timer_stop(&c->wtimer); /* its answers are read: no longer a slow reader */
        c->read_paused = 0;
    }
    /* Paused (answers unread past write_buffer): the backlog waits too. */
    while (!c->busy && !c->closing && !c->finishing && !c->read_paused && c->backlog_off < b->len) {
        size_t n = conn_parse(c, b->data + c->backlog_off, b->len - c->backlog_off);
        c->backlog_off += n;
        if (n == 0)
            break;
    }
    if (c->backlog_off >= b->len) {
        b->len = 0;
        c->backlog_off = 0;
    }
    if (c->busy || c->closing || c->finishing || c->draining)
        return;
    conn_wait(c);
    if (!c->read_paused && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
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

/* TLS: one read's ciphertext to plaintext in server->tls_plain, the bytes
   the handshake answers sent. A failure is counted and closes the
   connection after its alert: no HTTP answer, no dead letter. */
static int conn_decrypt(conn_t *c, const char *data, size_t len) {
    hd_http_server_t *s = c->server;
    s->tls_plain.len = 0;
    s->tls_out.len = 0;
    int rc = hd_tls_decrypt(c->tls, data, len, tls_to_plain, tls_to_out, s);
    if (s->tls_out.len)
        conn_send(c, s->tls_out.data, s->tls_out.len, NULL, 0);
    if (rc < 0) {
        atomic_fetch_add(&s->tls_failures, 1);
        hd_warn("http_tls_failed", "%s: %s", c->peer, hd_tls_error(c->tls));
        c->finishing = 1;
        uv_read_stop((uv_stream_t *)&c->tcp);
        if (c->pending_writes == 0)
            conn_finish(c);
    }
    return rc;
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
    const char *data = buf->base;
    size_t len = (size_t)nread;
    if (c->tls) {
        if (conn_decrypt(c, data, len) < 0)
            return;
        data = c->server->tls_plain.data;
        len = c->server->tls_plain.len;
    }
    size_t used = conn_parse(c, data, len);
    if (used < len && c->busy)
        buf_add(&c->backlog, data + used, len - used);
    if (!c->busy && !c->closing && !c->finishing)
        conn_wait(c); /* from the first byte, the request's deadline */
}

/* Answers a connection over a cap (503 or 429, Retry-After) and closes it,
   without reading it: no reject hook, a counter and a rate-limited line.
   Past REFUSING_MAX such answers at once, closes it bare. */
static void conn_refuse(conn_t *c, int status) {
    hd_http_server_t *s = c->server;
    int total = status == 503;
    atomic_fetch_add(
        total ? &s->st.connections_refused_max_conns : &s->st.connections_refused_per_addr, 1);
    hd_http__refusal_note(s, total);
    if (s->nrefusing >= REFUSING_MAX) {
        conn_close(c);
        return;
    }
    c->kind = HD_HTTP__CONN_REFUSING;
    s->nrefusing++;
    uv_tcp_nodelay(&c->tcp, 1);
    json_t *e = hd_http__error_json(
        status, total ? "too_many_connections" : "too_many_connections_from_address", NULL,
        total ? "the server has too many connections, retry later"
              : "too many connections from your address, retry later");
    char *body = e ? json_dumps(e, JSON_COMPACT) : NULL;
    json_decref(e);
    const char *b = body ? body : "{}";
    conn_respond(c, status, "application/json", NULL, b, strlen(b), 0, 0);
    free(body);
    uv_timer_start(&c->timer, on_timeout, DRAIN_MS, 0);
}

/* The loop's copy of the limits, when hd_http_server_set_limits changed them. */
static void limits_sync(hd_http_server_t *s) {
    if (!atomic_load(&s->lim_changed))
        return;
    uv_mutex_lock(&s->wake_lock);
    s->lim = s->lim_new;
    atomic_store(&s->lim_changed, 0);
    uv_mutex_unlock(&s->wake_lock);
}

static void on_connection(uv_stream_t *listener, int status) {
    hd_http_server_t *s = listener->data;
    if (status < 0) {
        hd_warn("http_accept_failed", "%s", uv_strerror(status));
        return;
    }
    limits_sync(s);
    conn_t *c = hd_calloc(1, sizeof *c);
    c->server = s;
    uv_tcp_init(&s->loop, &c->tcp);
    uv_timer_init(&s->loop, &c->timer);
    uv_timer_init(&s->loop, &c->wtimer);
    c->tcp.data = c;
    c->timer.data = c;
    c->wtimer.data = c;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    hd_http__peer_name(&c->tcp, c->peer, sizeof c->peer, c->addr, sizeof c->addr);
    int refuse = hd_http__admit(s, c->addr);
    if (refuse) {
        conn_refuse(c, refuse);
        return;
    }
    c->kind = HD_HTTP__CONN_ADMITTED;
    s->nconns++;
    atomic_store(&s->st.connections_open, (unsigned long long)s->nconns);
    atomic_fetch_add(&s->st.connections_accepted_total, 1);
    uv_tcp_nodelay(&c->tcp, 1);
    if (s->tls && !(c->tls = hd_tls_session_new(s->tls))) {
        hd_warn("http_tls_failed", "%s: no TLS session (out of memory)", c->peer);
        conn_close(c);
        return;
    }
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->req.conn = c;
    c->req.query = "";
    conn_wait(c);
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

static void on_stop(uv_async_t *a) {
    hd_http_server_t *s = a->data;
    hd_workq_drain(s->workq); /* answers already back go out before the doors close */
    while (s->conns)
        conn_close(s->conns);
    uv_mutex_lock(&s->wake_lock);
    s->wake_open = 0; /* what comes back later is drained by the destroy */
    uv_mutex_unlock(&s->wake_lock);
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_close((uv_handle_t *)&s->refusal_log, NULL);
    uv_close((uv_handle_t *)&s->stop, NULL);
    uv_close((uv_handle_t *)&s->wake, NULL);
}

static void run(void *arg) {
    hd_http_server_t *s = arg;
    uv_run(&s->loop, UV_RUN_DEFAULT);
}

/* Undoes a half-made server: closes whatever handles were opened. */
static hd_http_server_t *server_abandon(hd_http_server_t *s, int handles) {
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_close((uv_handle_t *)&s->refusal_log, NULL);
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
    s->lim = hd_http__limits_resolve(NULL);
    uv_tcp_init(&s->loop, &s->listener);
    s->listener.data = s;
    uv_timer_init(&s->loop, &s->refusal_log);
    s->refusal_log.data = s;
    if (hd_http__bind_listen(s, addr, on_connection) < 0 ||
        uv_async_init(&s->loop, &s->stop, on_stop) < 0)
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

void hd_http_server_set_tls(hd_http_server_t *self, hd_tls_ctx_t *tls) {
    if (self)
        self->tls = tls;
}

unsigned long hd_http_server_tls_failures(hd_http_server_t *self) {
    return self ? atomic_load(&self->tls_failures) : 0;
}

void hd_http_server_set_limits(hd_http_server_t *self, const hd_http_limits_t *limits) {
    if (!self)
        return;
    uv_mutex_lock(&self->wake_lock);
    self->lim_new = hd_http__limits_resolve(limits);
    atomic_store(&self->lim_changed, 1);
    uv_mutex_unlock(&self->wake_lock);
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
    buf_free(&s->tls_plain);
    buf_free(&s->tls_out);
    uv_mutex_destroy(&s->wake_lock);
    free(s);
}
