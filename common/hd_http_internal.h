/*  hd_http_internal: what hd_http_server.c and hd_http_req.c share (the
    connection and request structures), and a hook for other common/
    modules built on hd_http (hd_health). Not for services: they use
    hd_http.h only.

    Threads: a connection's fields belong to the server's loop thread,
    except its request while `busy`: then the handler (or whoever deferred
    it) owns c->req on a worker, and the loop neither reads the socket nor
    touches the request until the hand-back (hd_workq done callbacks). */
#ifndef HD_HTTP_INTERNAL_H
#define HD_HTTP_INTERNAL_H

#include "hd_http.h"
#include "hd_tls.h"
#include "hd_workq.h"

#include <http_parser.h>
#include <stdatomic.h>
#include <uv.h>

#define HD_HTTP_MAX_HEADERS 100
#define HD_HTTP_READ_BUF 65536

typedef struct {
    char *data;
    size_t len, cap;
} hd_http__buf_t;

typedef struct {
    hd_http__buf_t name, value;
} hd_http__header_t;

typedef struct hd_http__conn hd_http__conn_t;

/* hd_http_stats_t's counters, atomic: the loop thread adds, anyone reads. */
typedef struct {
    atomic_ullong connections_open, connections_accepted_total, connections_refused_max_conns,
        connections_refused_per_addr, requests_timed_out_total, idle_closed_total,
        slow_readers_closed_total, refused_400, refused_408, refused_413, refused_431, refused_501,
        refused_505;
} hd_http__counters_t;

struct hd_http_req {
    hd_http__conn_t *conn;
    const char *method; /* static, set when the request goes out */
    hd_http__buf_t url;
    char *path;        /* owned copy of the url's path part */
    const char *query; /* points into url (after '?') or "" */
    hd_http__header_t headers[HD_HTTP_MAX_HEADERS];
    size_t nheaders;
    int in_value; /* last header callback was a value */
    hd_http__buf_t body;
    int responded;
    int deferred; /* the handler kept it: answered later through a later_t */
    int keep_alive;
    int head;
    /* The answer, recorded by hd_http_respond on whichever thread, written
       by the loop thread when the request is handed back. */
    int resp_status; /* 0: close without answering */
    char *resp_ctype;
    hd_http__buf_t resp_headers; /* extra "Name: value\r\n" lines (hd_http_respond_header) */
    hd_http__buf_t resp_body;
};

struct hd_http_later {
    hd_http__conn_t *conn;
};

/* Which clock a connection's timer runs (hd_http_server.h's limits). */
typedef enum {
    HD_HTTP__CLOCK_NONE,    /* a request is out, or the timer drains a closing one */
    HD_HTTP__CLOCK_IDLE,    /* between requests: idle_timeout_ms */
    HD_HTTP__CLOCK_REQUEST, /* from a request's first byte: request_timeout_ms */
} hd_http__clock_t;

/* What a connection counts as (the caps count admitted ones only). */
typedef enum {
    HD_HTTP__CONN_NEW,      /* accepted, not yet admitted */
    HD_HTTP__CONN_ADMITTED, /* counted in nconns */
    HD_HTTP__CONN_REFUSING, /* answering 503/429, counted in nrefusing */
} hd_http__conn_kind_t;

struct hd_http__conn {
    uv_tcp_t tcp;
    uv_timer_t timer;  /* the clock (idle, request deadline) or the drain */
    uv_timer_t wtimer; /* runs while the answers queued exceed write_buffer */
    uv_shutdown_t shutdown;
    hd_http_server_t *server;
    http_parser parser;
    hd_http_req_t req;
    hd_http__buf_t raw;  /* the current message's bytes, up to 64 KiB */
    size_t header_bytes; /* request line + headers so far */
    int fail_status;     /* set by a callback that refuses the request */
    const char *fail_code, *fail_field, *fail_reason; /* static strings */
    int want_continue;                                /* the head asked "Expect: 100-continue" */
    hd_http__clock_t clock;
    hd_http__conn_kind_t kind;
    int pending_writes;
    int pending_closes;
    int closing;            /* uv_close called */
    int closed;             /* both handles closed: memory kept only while busy */
    atomic_int gone;        /* closing, as seen from workers */
    int finishing;          /* answer the last response, then shut down */
    int draining;           /* shut down; discarding input until EOF or timeout */
    int read_paused;        /* out_bytes over the limits' write_buffer */
    size_t out_bytes;       /* memory held by answers queued and not yet written */
    int busy;               /* a request is out on a worker or deferred */
    int handbacks;          /* hand-backs still due before the request is done */
    hd_http__buf_t backlog; /* bytes read past the request being handled */
    size_t backlog_off;     /* how much of the backlog is parsed */
    char peer[64];
    hd_tls_t *tls; /* NULL: plain HTTP */
    char addr[48]; /* the peer's IP address, without the port */
    hd_http__conn_t *prev, *next;
};

struct hd_http_server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_async_t stop;
    uv_async_t wake; /* runs hd_workq_drain: work handed back */
    uv_mutex_t wake_lock;
    int wake_open; /* under wake_lock: the wake handle may be sent to */
    hd_workq_t *workq;
    uv_thread_t thread;
    int port;
    size_t max_body;
    hd_http_handler_fn *handler;
    void *arg;
    hd_http_reject_fn *reject;
    void *reject_arg;
    void (*cleanup)(void *);
    void *cleanup_arg;
    hd_http__conn_t *conns;
    int nconns;               /* admitted */
    int nrefusing;            /* being answered 503/429 */
    hd_http_limits_t lim;     /* loop thread's copy */
    hd_http_limits_t lim_new; /* under wake_lock, set by hd_http_server_set_limits */
    atomic_int lim_changed;
    uv_timer_t refusal_log;            /* at most one line a second about refused connections */
    unsigned long refused_unlogged[2]; /* since the last line: total cap, per address */
    hd_http__counters_t st;
    hd_tls_ctx_t *tls;                 /* borrowed; NULL: plain HTTP */
    hd_http__buf_t tls_plain, tls_out; /* loop thread: one read's plaintext, one write's records */
    atomic_ulong tls_failures;         /* connections closed for a TLS error */
    char read_buf[HD_HTTP_READ_BUF];   /* one read is parsed completely before the next */
};

/* Small buffers; out of memory aborts (hd_mem). */
void hd_http__buf_add(hd_http__buf_t *b, const char *p, size_t n);
const char *hd_http__buf_str(const hd_http__buf_t *b);
void hd_http__buf_free(hd_http__buf_t *b);

/* Empties a request for the next message; _free also releases its buffers. */
void hd_http__req_reset(hd_http_req_t *r);
void hd_http__req_free(hd_http_req_t *r);
/* Splits the url into path and query, once the headers are complete. */
void hd_http__req_split_url(hd_http_req_t *r);

/* {"error":{...}}; the caller owns the reference. */
json_t *hd_http__error_json(int status, const char *code, const char *field, const char *message);

/* The http_parser callbacks filling a connection's request
   (hd_http_parse.c); parser->data is the connection. */
extern const http_parser_settings hd_http__settings;

/* ---- the door's rules (hd_http_guard.c) ---- */

/* The limits with every 0 (or negative) field replaced by its default. */
hd_http_limits_t hd_http__limits_resolve(const hd_http_limits_t *in);

/* A refusal: the status and the JSON error's code, field and message. */
typedef struct {
    int status;
    const char *code, *field, *reason; /* static strings */
} hd_http__refusal_t;

/* Strict HTTP/1.1 for a request whose headers are complete: its version
   (major.minor) and header fields. 0 if it may go on; else -1 with *out
   saying why (see hd_http_server.h's head comment). Pure. */
int hd_http__strict_check(int major, int minor, const hd_http_req_t *r, hd_http__refusal_t *out);

/* Loop thread, for a connection just accepted from `addr` (its IP
   address): 0 to admit it, or the status of its refusal (503 over
   max_conns, 429 over max_conns_per_addr). */
int hd_http__admit(hd_http_server_t *s, const char *addr);

/* Loop thread: notes a refused connection (total: over max_conns, else
   over max_conns_per_addr) for the log, which says at most one line a
   second with the count since the last. */
void hd_http__refusal_note(hd_http_server_t *s, int total);

/* Counts a refusal of the server's own by status (400, 408, 413, 431,
   501, 505; others are not counted). */
void hd_http__count_refusal(hd_http__counters_t *st, int status);

/* The reason phrase of a status ("Not Found"); "Unknown" if none. */
const char *hd_http__status_text(int status);

/* hd_http_listen.c. "ip:port" ("[v6]:port") of tcp's peer into out (len
   bytes), its bare IP address into addr (alen); "unknown" when the socket
   has no peer. */
void hd_http__peer_name(uv_tcp_t *tcp, char *out, size_t len, char *addr, size_t alen);

/* hd_http_listen.c. Binds s->listener to addr and listens with
   on_connection; sets s->port to the port bound. 0, or -1 (logged: a bad
   address or one that cannot be listened on). */
int hd_http__bind_listen(hd_http_server_t *s, const char *addr, uv_connection_cb on_connection);

/* Loop thread (a workq done callback): one hand-back of c's request. */
void hd_http__conn_handback(void *conn);

/* Called with `arg` by hd_http_server_destroy after the server thread has
   stopped, so a module that built the handler's argument can free it. */
typedef void(hd_http__cleanup_fn)(void *arg);
void hd_http__server_set_cleanup(hd_http_server_t *self, hd_http__cleanup_fn *fn, void *arg);

#endif
