/*  hd_http_guard: the rules of huddle's HTTP server's door, kept apart
    from its I/O (hd_http_server.c): the limits and their defaults, the
    strict HTTP/1.1 check a request's head must pass before a handler sees
    it, the connection caps and their rate-limited log line, the counters
    of what was refused, and the reason phrases. The check
    is a pure function of the version and the header fields, so it is
    decided in one place whatever the parser noticed first. */
#include "hd_config.h"
#include "hd_http_internal.h"
#include "hd_log.h"

#include <string.h>
#include <strings.h>

/* ---- limits ---- */

static const hd_http_limits_t s_defaults = {
    .request_timeout_ms = 10000,
    .idle_timeout_ms = 60000,
    .max_conns = 1024,
    .max_conns_per_addr = 64,
    .write_buffer = 256 * 1024,
    .write_timeout_ms = 30000,
};

static long or_default(long v, long def) { return v > 0 ? v : def; }

hd_http_limits_t hd_http__limits_resolve(const hd_http_limits_t *in) {
    hd_http_limits_t l = in ? *in : (hd_http_limits_t){0};
    l.request_timeout_ms = or_default(l.request_timeout_ms, s_defaults.request_timeout_ms);
    l.idle_timeout_ms = or_default(l.idle_timeout_ms, s_defaults.idle_timeout_ms);
    l.max_conns = or_default(l.max_conns, s_defaults.max_conns);
    l.max_conns_per_addr = or_default(l.max_conns_per_addr, s_defaults.max_conns_per_addr);
    l.write_buffer = or_default(l.write_buffer, s_defaults.write_buffer);
    l.write_timeout_ms = or_default(l.write_timeout_ms, s_defaults.write_timeout_ms);
    return l;
}

void hd_http_limits_from_config(hd_http_limits_t *out) {
    if (!out)
        return;
    hd_http_limits_t l = {
        .request_timeout_ms = hd_config_long("HUDDLE_HTTP_REQUEST_TIMEOUT_MS", 0),
        .idle_timeout_ms = hd_config_long("HUDDLE_HTTP_IDLE_TIMEOUT_MS", 0),
        .max_conns = hd_config_long("HUDDLE_HTTP_MAX_CONNS", 0),
        .max_conns_per_addr = hd_config_long("HUDDLE_HTTP_MAX_CONNS_PER_ADDR", 0),
        .write_buffer = hd_config_long("HUDDLE_HTTP_WRITE_BUFFER", 0),
        .write_timeout_ms = hd_config_long("HUDDLE_HTTP_WRITE_TIMEOUT_MS", 0),
    };
    *out = hd_http__limits_resolve(&l);
}

/* ---- strict HTTP/1.1 ---- */

static int refuse(hd_http__refusal_t *out, int status, const char *code, const char *field,
                  const char *reason) {
    *out = (hd_http__refusal_t){status, code, field, reason};
    return -1;
}

/* How many header fields are called `name`; *value gets the last one's. */
static int count_header(const hd_http_req_t *r, const char *name, const char **value) {
    int n = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(hd_http__buf_str(&r->headers[i].name), name) == 0) {
            n++;
            *value = hd_http__buf_str(&r->headers[i].value);
        }
    return n;
}

/* 1 if v is "chunked", case-insensitive, with optional spaces or tabs
   around it and nothing else. */
static int exactly_chunked(const char *v) {
    v += strspn(v, " \t");
    if (strncasecmp(v, "chunked", 7) != 0)
        return 0;
    v += 7;
    return v[strspn(v, " \t")] == '\0';
}

int hd_http__strict_check(int major, int minor, const hd_http_req_t *r, hd_http__refusal_t *out) {
    if (major != 1 || (minor != 0 && minor != 1))
        return refuse(out, 505, "http_version_not_supported", "version",
                      "only HTTP/1.0 and HTTP/1.1 are served");
    const char *host = NULL, *te = NULL, *cl = NULL;
    int hosts = count_header(r, "Host", &host);
    if (minor == 1 && hosts == 0)
        return refuse(out, 400, "bad_request", "Host", "an HTTP/1.1 request needs a Host header");
    if (hosts > 1)
        return refuse(out, 400, "bad_request", "Host", "Host given more than once");
    int tes = count_header(r, "Transfer-Encoding", &te);
    int cls = count_header(r, "Content-Length", &cl);
    if (minor == 0 && tes > 0) /* RFC 9112 6.1: its framing is faulty */
        return refuse(out, 400, "bad_request", "Transfer-Encoding",
                      "an HTTP/1.0 request cannot use Transfer-Encoding");
    if (tes > 0 && cls > 0)
        return refuse(out, 400, "bad_request", "Transfer-Encoding",
                      "Transfer-Encoding and Content-Length together");
    if (cls > 1)
        return refuse(out, 400, "bad_request", "Content-Length",
                      "Content-Length given more than once");
    if (tes > 1 || (tes == 1 && !exactly_chunked(te)))
        return refuse(out, 501, "not_implemented", "Transfer-Encoding",
                      "only Transfer-Encoding: chunked is understood");
    return 0;
}

/* ---- connection caps ---- */

/* The caps, for a connection just accepted: 0 to admit it, else the
   status of its refusal (503 over max_conns, 429 over max_conns_per_addr). */
int hd_http__admit(hd_http_server_t *s, const char *addr) {
    if (s->nconns >= s->lim.max_conns)
        return 503;
    long same = 0;
    for (const hd_http__conn_t *o = s->conns; o; o = o->next)
        if (o->kind == HD_HTTP__CONN_ADMITTED && strcmp(o->addr, addr) == 0)
            same++;
    return same >= s->lim.max_conns_per_addr ? 429 : 0;
}

/* One line a second at most about refused connections, with the count. */
static void refusal_log_line(hd_http_server_t *s) {
    unsigned long *n = s->refused_unlogged;
    hd_warn("http_connections_refused",
            "%lu connection(s) refused: %lu over HUDDLE_HTTP_MAX_CONNS=%ld, %lu over "
            "HUDDLE_HTTP_MAX_CONNS_PER_ADDR=%ld (%d open)",
            n[0] + n[1], n[0], s->lim.max_conns, n[1], s->lim.max_conns_per_addr, s->nconns);
    n[0] = n[1] = 0;
}

static void on_refusal_log(uv_timer_t *t) {
    hd_http_server_t *s = t->data;
    if (s->refused_unlogged[0] + s->refused_unlogged[1] > 0)
        refusal_log_line(s);
    else
        uv_timer_stop(t);
}

void hd_http__refusal_note(hd_http_server_t *s, int total) {
    s->refused_unlogged[total ? 0 : 1]++;
    if (!uv_is_active((uv_handle_t *)&s->refusal_log)) {
        refusal_log_line(s);
        uv_timer_start(&s->refusal_log, on_refusal_log, 1000, 1000);
    }
}

/* ---- counters ---- */

void hd_http__count_refusal(hd_http__counters_t *st, int status) {
    atomic_ullong *c = status == 400   ? &st->refused_400
                       : status == 408 ? &st->refused_408
                       : status == 413 ? &st->refused_413
                       : status == 431 ? &st->refused_431
                       : status == 501 ? &st->refused_501
                       : status == 505 ? &st->refused_505
                                       : NULL;
    if (c)
        atomic_fetch_add(c, 1);
}

void hd_http_server_stats(hd_http_server_t *self, hd_http_stats_t *out) {
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!self)
        return;
    hd_http__counters_t *st = &self->st;
    out->connections_open = atomic_load(&st->connections_open);
    out->connections_accepted_total = atomic_load(&st->connections_accepted_total);
    out->connections_refused_max_conns = atomic_load(&st->connections_refused_max_conns);
    out->connections_refused_per_addr = atomic_load(&st->connections_refused_per_addr);
    out->connections_refused_total =
        out->connections_refused_max_conns + out->connections_refused_per_addr;
    out->requests_timed_out_total = atomic_load(&st->requests_timed_out_total);
    out->idle_closed_total = atomic_load(&st->idle_closed_total);
    out->slow_readers_closed_total = atomic_load(&st->slow_readers_closed_total);
    out->requests_refused_400 = atomic_load(&st->refused_400);
    out->requests_refused_408 = atomic_load(&st->refused_408);
    out->requests_refused_413 = atomic_load(&st->refused_413);
    out->requests_refused_431 = atomic_load(&st->refused_431);
    out->requests_refused_501 = atomic_load(&st->refused_501);
    out->requests_refused_505 = atomic_load(&st->refused_505);
}

/* ---- reason phrases ---- */

static const struct {
    int status;
    const char *text;
} s_status_text[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {304, "Not Modified"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
};

const char *hd_http__status_text(int status) {
    for (size_t i = 0; i < sizeof s_status_text / sizeof s_status_text[0]; i++)
        if (s_status_text[i].status == status)
            return s_status_text[i].text;
    return "Unknown";
}
