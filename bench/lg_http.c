/*  lg_http: the load generator's HTTP client. N non-blocking keep-alive
    HTTP/1.1 connections on one epoll loop, one request in flight per
    connection (no pipelining), each POST /v1/content with a bearer token
    and a unique Idempotency-Key, or POST /v1/inbound with a mention of
    its own external_id. Answers are read by Content-Length; the
    content id is taken from the JSON body's "id". A connection the server
    closes is opened again; its request in flight counts as lost. */
#include "lg.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define IN_CAP 65536
#define OUT_CAP 16384
#define MAX_CONNECT_FAILS 5

typedef enum { C_DOWN, C_CONNECTING, C_IDLE, C_WRITING, C_READING } conn_state_t;

typedef struct {
    int fd;
    conn_state_t state;
    long item; /* in flight, or -1 */
    const char *token;
    char out[OUT_CAP];
    size_t out_len, out_off;
    char in[IN_CAP];
    size_t in_len;
    int fails; /* connection attempts in a row that failed */
} conn_t;

typedef struct {
    lg_run_t *run;
    int ep;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char host[256];
    conn_t *conns;
    int busy; /* connections with a request in flight */
    int dead; /* connections given up on */
} client_t;

static int resolve(client_t *cl, const char *hostport) {
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport) {
        fprintf(stderr, "loadgen: --http wants HOST:PORT, got '%s'\n", hostport);
        return -1;
    }
    snprintf(cl->host, sizeof cl->host, "%.*s", (int)(colon - hostport), hostport);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    int rc = getaddrinfo(cl->host, colon + 1, &hints, &res);
    if (rc) {
        fprintf(stderr, "loadgen: %s: %s\n", hostport, gai_strerror(rc));
        return -1;
    }
    memcpy(&cl->addr, res->ai_addr, res->ai_addrlen);
    cl->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void watch(client_t *cl, conn_t *c, uint32_t events, int op) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(cl->ep, op, c->fd, &ev);
}

/* Opens c (non-blocking); a connect refused at once is retried a few times,
   then the connection is given up on. */
static void conn_open(client_t *cl, conn_t *c) {
    c->in_len = c->out_len = c->out_off = 0;
    c->item = -1;
    for (;;) {
        c->fd = socket(cl->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c->fd, (struct sockaddr *)&cl->addr, cl->addr_len) == 0) {
            c->state = C_IDLE;
            watch(cl, c, EPOLLIN, EPOLL_CTL_ADD);
            return;
        }
        if (errno == EINPROGRESS) {
            c->state = C_CONNECTING;
            watch(cl, c, EPOLLOUT, EPOLL_CTL_ADD);
            return;
        }
        close(c->fd);
        c->fd = -1;
        if (++c->fails >= MAX_CONNECT_FAILS) {
            c->state = C_DOWN;
            cl->dead++;
            return;
        }
        usleep(100000);
    }
}

/* Drops the connection (its request in flight is lost) and opens it again,
   unless it keeps failing. */
static void conn_reset(client_t *cl, conn_t *c, int failed_connect) {
    if (c->item >= 0) {
        lg_answer(cl->run, c->item, 0, NULL, lg_now_us());
        c->item = -1;
        cl->busy--;
    }
    if (c->fd >= 0) {
        epoll_ctl(cl->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    c->fails = failed_connect ? c->fails + 1 : 0;
    if (c->fails >= MAX_CONNECT_FAILS) {
        c->state = C_DOWN;
        cl->dead++;
        fprintf(stderr, "loadgen: giving up on a connection after %d failed connects\n", c->fails);
        return;
    }
    conn_open(cl, c);
}

static void conn_write(client_t *cl, conn_t *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0 && errno == EAGAIN) {
            if (c->state != C_WRITING)
                watch(cl, c, EPOLLOUT, EPOLL_CTL_MOD);
            c->state = C_WRITING;
            return;
        }
        if (n <= 0) {
            conn_reset(cl, c, 0);
            return;
        }
        c->out_off += (size_t)n;
    }
    if (c->state == C_WRITING)
        watch(cl, c, EPOLLIN, EPOLL_CTL_MOD);
    c->state = C_READING;
}

/* Sends the next due item on an idle connection. 1 sent, 0 nothing due. */
static int conn_start(client_t *cl, conn_t *c, int64_t now) {
    int64_t t_submit;
    long i = lg_take(cl->run, now, &t_submit);
    if (i < 0)
        return 0;
    char key[128], body[10600];
    int blen = lg_item_body(cl->run, i, body, sizeof body);
    int hlen = -1;
    if (blen >= 0 && cl->run->kind == LG_MENTION)
        hlen = snprintf(c->out, sizeof c->out,
                        "POST /v1/inbound HTTP/1.1\r\nHost: %s\r\n"
                        "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n%s",
                        cl->host, c->token, blen, body);
    else if (blen >= 0) {
        lg_item_key(cl->run, i, key, sizeof key);
        hlen = snprintf(c->out, sizeof c->out,
                        "POST /v1/content HTTP/1.1\r\nHost: %s\r\n"
                        "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                        "Idempotency-Key: %s\r\nContent-Length: %d\r\n\r\n%s",
                        cl->host, c->token, key, blen, body);
    }
    if (hlen < 0 || (size_t)hlen >= sizeof c->out) {
        fprintf(stderr, "loadgen: request too large\n");
        exit(1);
    }
    c->out_len = (size_t)hlen;
    c->out_off = 0;
    c->item = i;
    cl->busy++;
    c->state = C_READING; /* until a write would block */
    conn_write(cl, c);
    return 1;
}

/* The value of header `name` in [h, end), or NULL. */
static const char *header(const char *h, const char *end, const char *name, size_t *len) {
    size_t nl = strlen(name);
    for (const char *p = h; p < end;) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (v < eol && *v == ' ')
                v++;
            *len = (size_t)(eol - v);
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

/* The "id" string of a JSON answer into out, or "". */
static void body_id(const char *body, size_t len, char *out, size_t n) {
    out[0] = 0;
    const char *p = memmem(body, len, "\"id\"", 4), *end = body + len;
    if (!p)
        return;
    p += 4;
    while (p < end && (*p == ' ' || *p == ':'))
        p++;
    if (p >= end || *p != '"')
        return;
    p++;
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (q && (size_t)(q - p) < n) {
        memcpy(out, p, (size_t)(q - p));
        out[q - p] = 0;
    }
}

/* Parses a complete answer if there is one. 1 done (keep-alive), 2 done and
   the server closes, 0 incomplete, -1 malformed. */
static int parse_answer(conn_t *c, int *status, char *id, size_t idn) {
    const char *hend = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!hend)
        return c->in_len >= IN_CAP ? -1 : 0;
    if (c->in_len < 12 || strncmp(c->in, "HTTP/1.", 7) != 0)
        return -1;
    *status = atoi(c->in + 9);
    size_t vlen;
    const char *cl = header(c->in, hend, "Content-Length", &vlen);
    if (!cl)
        return -1; /* the huddle server always sends Content-Length */
    size_t blen = (size_t)strtoul(cl, NULL, 10), hsize = (size_t)(hend + 4 - c->in);
    if (hsize + blen > IN_CAP)
        return -1;
    if (c->in_len < hsize + blen)
        return 0;
    body_id(hend + 4, blen, id, idn);
    const char *conn = header(c->in, hend, "Connection", &vlen);
    c->in_len = 0; /* one request in flight: nothing can follow */
    return conn && vlen >= 5 && strncasecmp(conn, "close", 5) == 0 ? 2 : 1;
}

static void conn_read(client_t *cl, conn_t *c) {
    for (;;) {
        ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0 || c->item < 0) {
            conn_reset(cl, c, 0); /* closed, failed, or talking out of turn */
            return;
        }
        c->in_len += (size_t)n;
        int status = 0;
        char id[LG_ID_LEN];
        int rc = parse_answer(c, &status, id, sizeof id);
        if (rc == 0)
            continue;
        if (rc < 0) {
            fprintf(stderr, "loadgen: malformed HTTP answer dropped\n");
            conn_reset(cl, c, 0);
            return;
        }
        lg_answer(cl->run, c->item, status, id, lg_now_us());
        c->item = -1;
        cl->busy--;
        c->state = C_IDLE;
        if (rc == 2)
            conn_reset(cl, c, 0);
        else
            conn_start(cl, c, lg_now_us());
        return;
    }
}

static void on_event(client_t *cl, conn_t *c, uint32_t events) {
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err || (events & (EPOLLERR | EPOLLHUP))) {
            conn_reset(cl, c, 1);
            return;
        }
        c->fails = 0;
        c->state = C_IDLE;
        watch(cl, c, EPOLLIN, EPOLL_CTL_MOD);
        conn_start(cl, c, lg_now_us());
    } else if (c->state == C_WRITING) {
        conn_write(cl, c);
    } else if (c->state == C_READING || (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
        conn_read(cl, c);
    }
}

/* Starts due items on idle connections. Returns 1 when a connection is
   left idle (it waits for the next item to fall due), else 0. */
static int dispatch(client_t *cl) {
    int64_t now = lg_now_us();
    for (int k = 0; k < cl->run->conns; k++) {
        conn_t *c = &cl->conns[k];
        if (c->state == C_IDLE && !conn_start(cl, c, now))
            return 1;
    }
    return 0;
}

static int loop(client_t *cl) {
    struct epoll_event evs[256];
    int64_t drain_until = 0;
    int idle = 1;
    for (;;) {
        int64_t now = lg_now_us(), due = lg_due_in_us(cl->run, now);
        if (due < 0 && !drain_until)
            drain_until = now + LG_DRAIN_US;
        if ((due < 0 && cl->busy == 0) || (drain_until && now >= drain_until))
            return 0;
        if (cl->dead == cl->run->conns) {
            fprintf(stderr, "loadgen: no connection to %s could be made\n", cl->run->http_addr);
            return -1;
        }
        /* Without an idle connection only an answer can start the next item. */
        int timeout = due < 0 || !idle ? 100 : (int)((due + 999) / 1000);
        if (timeout > 100)
            timeout = 100;
        int n = epoll_wait(cl->ep, evs, 256, timeout);
        for (int i = 0; i < n; i++)
            on_event(cl, evs[i].data.ptr, evs[i].events);
        idle = dispatch(cl);
    }
}

int lg_http_run(lg_run_t *run) {
    client_t cl = {.run = run};
    if (resolve(&cl, run->http_addr) < 0)
        return -1;
    cl.ep = epoll_create1(EPOLL_CLOEXEC);
    cl.conns = calloc((size_t)run->conns, sizeof *cl.conns);
    if (cl.ep < 0 || !cl.conns)
        abort();
    for (int k = 0; k < run->conns; k++) {
        cl.conns[k].token = run->tokens[k % run->ntokens];
        cl.conns[k].fd = -1;
        conn_open(&cl, &cl.conns[k]);
    }
    int rc = loop(&cl);
    for (int k = 0; k < run->conns; k++)
        if (cl.conns[k].fd >= 0)
            close(cl.conns[k].fd);
    close(cl.ep);
    free(cl.conns);
    return rc;
}
