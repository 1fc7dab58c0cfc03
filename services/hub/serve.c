/*  serve: the hub protocol on the ROUTER (docs/protocol.md).

    Every message is [routing id][one BusMessage]. The peer's name is the
    ZAP User-Id of the frame (the authorized key's file stem), so a peer
    cannot claim to be anybody else, and a peer with a "department" limits
    sees only that department's events and organization-wide ones.

    FETCH is answered at once when an event after after_seq matches, from
    the ring when it reaches back that far, else from event_log; otherwise
    it is parked until events arrive or its wait runs out. This thread
    never calls PostgreSQL: event_log reads and dead letters go to the
    database worker (dbwork.h) and are answered here when they come back,
    so a peer reading a long history holds up no other peer. Replies never
    block the loop: a peer that stops reading only fills its own ZeroMQ
    queue (bounded by SNDHWM, then dropped), and a stopped consumer costs
    nothing at all: it reads from event_log when it comes back. */
#include "serve.h"

#include "dbwork.h"
#include "fetch.h"
#include "hd_deadletter.h"
#include "hd_id.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_zap.h"
#include "history.h"
#include "peers.h"
#include "ring.h"
#include "sequencer.h"
#include "wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define MAX_IN_BYTES (1 << 20) /* largest frame a peer may send */
/* An EVENTS reply stops growing near REPLY_BYTES. A reply is held about
   five times while in flight (rows, events, the reply, two CURVE copies):
   with 4 MiB replies, consumers reading 2.3 KB events back from event_log
   took the hub to 52 MB (one consumer) and 65 MB (four). */
#define REPLY_BYTES (1 << 20)
#define MAX_WAIT_MS 60000 /* longest long-poll */
#define BURST 1000        /* messages read per poll before other work */

struct hub_server {
    hub_server_cfg_t cfg;
    void *router, *pipe;
    hd_zap_t *zap;
    hub_ring_t *ring;
    hub_peers_t *peers;
    hub_waiters_t *waiters;
    hub_dbwork_t *dbwork;
    struct history_job *reading; /* event_log reads in flight */
    int stopping;                /* destroy has begun: nothing is parked or read */
    uint64_t head;
};

typedef struct {
    const uint8_t *id;
    size_t len;
} route_t;

/* What a FETCH gets: borrowed ring events or owned event_log rows. */
typedef struct {
    const hub_event_t **ev;
    size_t n;
    hub_event_t **owned;
    int nowned;
    uint64_t scanned; /* every match <= scanned is in ev (or was sent before) */
} gathered_t;

/* A request that needs event_log, on its way through the database worker.
   The worker reads w's fields and writes n and rows; everything else is
   the loop's. */
typedef struct history_job {
    hub_server_t *server;
    hub_waiter_t *w; /* the request (owned): peer, request_id, after_seq, max, filter */
    int park;        /* parked while nothing matches (else answered empty) */
    int stale;       /* superseded (HELLO, BYE, a newer FETCH, peer dead): never parked */
    uint64_t upto;   /* the head when it was asked */
    int n;           /* rows read, -1: event log unavailable */
    hub_event_t **rows;
    struct history_job *next;
} history_job_t;

/* An input kept as a dead letter on the worker, refused once it is kept. */
typedef struct {
    hub_server_t *server;
    uint8_t peer[HUB_ID_MAX];
    size_t peer_len;
    char *user; /* NULL: no authenticated name */
    char why[256];
    size_t len;
    uint8_t data[];
} dead_job_t;

/* ---------- plumbing ---------- */

/* Sends buf (taken) without copying it: an EVENTS reply is a few hundred KB,
   and a second copy into a ZeroMQ message cost as much as building it.
   ZeroMQ frees buf through hub_wire_free once it is on the wire, from its
   I/O thread; when the send fails, zmq_msg_close frees it here. */
static void send_to(hub_server_t *self, route_t to, uint8_t *buf, size_t len) {
    zmq_msg_t body;
    if (zmq_msg_init_data(&body, buf, len, hub_wire_free, NULL) != 0) {
        free(buf);
        return;
    }
    if (zmq_send(self->router, to.id, to.len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_msg_send(&body, self->router, ZMQ_DONTWAIT) < 0)
        zmq_msg_close(&body);
    hub_peer_t *p = hub_peers_find(self->peers, to.id, to.len);
    if (p)
        p->last_sent = hd_now_ms();
}

static void send_error(hub_server_t *self, route_t to, unsigned code, uint64_t rid, const char *fmt,
                       ...) __attribute__((format(printf, 5, 6)));
static void send_error(hub_server_t *self, route_t to, unsigned code, uint64_t rid, const char *fmt,
                       ...) {
    char reason[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    size_t len;
    uint8_t *buf = hub_wire_error(code, reason, rid, &len);
    send_to(self, to, buf, len);
    atomic_fetch_add(&self->cfg.stats->errors, 1);
    hd_log(code == 401 ? HD_LOG_DEBUG : HD_LOG_WARN, "hub_error_sent", NULL, NULL, "%u %s", code,
           reason);
}

/* ---------- gathering events for a FETCH ---------- */

static void gathered_free(gathered_t *g) {
    free(g->ev);
    hub_history_free(g->owned, g->nowned);
    memset(g, 0, sizeof *g);
}

static void gathered_add(gathered_t *g, const hub_event_t *ev, size_t *bytes) {
    g->ev[g->n++] = ev;
    *bytes += ev->len;
}

/* Matching ring events in (after, head], at most max and about
   REPLY_BYTES (g->n may be 0: nothing matches up to head). Needs
   after >= head or after + 1 >= hub_ring_lo. */
static void gather_ring(hub_server_t *self, uint64_t after, uint32_t max, const hub_filter_t *f,
                        gathered_t *g) {
    memset(g, 0, sizeof *g);
    g->scanned = after;
    if (after >= self->head)
        return;
    g->ev = hd_calloc(max, sizeof *g->ev);
    g->n = hub_fetch_ring(self->ring, after, self->head, max, REPLY_BYTES, f, g->ev, &g->scanned);
}

/* The rows of a finished read (taken from j), at most about REPLY_BYTES. */
static void gather_rows(history_job_t *j, gathered_t *g) {
    memset(g, 0, sizeof *g);
    uint64_t after = j->w->after_seq;
    int n = j->n;
    g->owned = j->rows;
    g->nowned = n;
    j->rows = NULL;
    g->ev = hd_calloc(n > 0 ? (size_t)n : 1, sizeof *g->ev);
    size_t bytes = 0;
    for (int i = 0; i < n && bytes < REPLY_BYTES; i++)
        gathered_add(g, g->owned[i], &bytes);
    /* Fewer than max rows, all sent: (after, upto] was read whole. */
    g->scanned = n < (int)j->w->max && g->n == (size_t)n ? j->upto
                 : g->n                                  ? g->ev[g->n - 1]->seq
                                                         : after;
}

static void send_events(hub_server_t *self, route_t to, uint64_t rid, gathered_t *g) {
    size_t len;
    uint8_t *buf = hub_wire_events(rid, self->head, g->scanned, g->ev, g->n, &len);
    send_to(self, to, buf, len);
    atomic_fetch_add(&self->cfg.stats->served, (unsigned long long)g->n);
}

/* ---------- answering a request ---------- */

static void answer(hub_server_t *self, hub_waiter_t *w, int park);

/* Worker: the read itself, on the worker's own connection. */
static void history_work(void *arg) {
    history_job_t *j = arg;
    hd_db_t *db = hub_dbwork_db();
    j->n = db ? hub_history_read(db, j->w->after_seq, j->upto, j->w->max, &j->w->filter, &j->rows)
              : -1;
}

static void reading_unlink(hub_server_t *self, history_job_t *j) {
    for (history_job_t **pp = &self->reading; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            return;
        }
}

/* Loop: the read is back. What it read is answered as the same read on
   the loop would have been; nothing read (and a long-poll) goes on from
   upto, as a parked request woken by newer events would. */
static void history_done(void *arg) {
    history_job_t *j = arg;
    hub_server_t *self = j->server;
    reading_unlink(self, j);
    hub_waiter_t *w = j->w;
    route_t to = {w->peer, w->peer_len};
    if (j->n < 0) {
        send_error(self, to, 503, w->request_id, "event log unavailable; retry");
        hub_waiter_destroy(&w);
        free(j);
        return;
    }
    gathered_t g;
    gather_rows(j, &g);
    if (g.n > 0 || !j->park) {
        send_events(self, to, w->request_id, &g);
        hub_waiter_destroy(&w);
    } else if (j->stale) {
        hub_waiter_destroy(&w); /* replaced while in flight: never answered */
    } else {
        if (w->after_seq < j->upto)
            w->after_seq = j->upto;
        answer(self, w, 1);
    }
    gathered_free(&g);
    free(j);
}

/* Hands w (taken) to the database worker: event_log from after_seq up to
   the current head. */
static void read_history(hub_server_t *self, hub_waiter_t *w, int park) {
    history_job_t *j = hd_calloc(1, sizeof *j);
    j->server = self;
    j->w = w;
    j->park = park;
    j->upto = self->head;
    j->next = self->reading;
    self->reading = j;
    hub_dbwork_submit(self->dbwork, history_work, history_done, j);
}

/* Answers request w (taken): from the ring, or through the database worker
   when the ring no longer reaches back to after_seq + 1. While nothing
   matches it is parked (park) or answered with no events. */
static void answer(hub_server_t *self, hub_waiter_t *w, int park) {
    if (self->stopping) {
        hub_waiter_destroy(&w);
        return;
    }
    if (w->after_seq < self->head && w->after_seq + 1 < hub_ring_lo(self->ring)) {
        read_history(self, w, park);
        return;
    }
    gathered_t g;
    gather_ring(self, w->after_seq, w->max, &w->filter, &g);
    if (g.n > 0 || !park) {
        send_events(self, (route_t){w->peer, w->peer_len}, w->request_id, &g);
        hub_waiter_destroy(&w);
    } else {
        if (w->after_seq < self->head)
            w->after_seq = self->head;
        hub_waiters_park(self->waiters, &w);
    }
    gathered_free(&g);
}

/* A peer's requests are superseded (HELLO, BYE, a newer FETCH, death): its
   reads in flight are still answered if they find events, never parked. */
static void supersede_reads(hub_server_t *self, const uint8_t *id, size_t len) {
    for (history_job_t *j = self->reading; j; j = j->next)
        if (j->w->peer_len == len && memcmp(j->w->peer, id, len) == 0)
            j->stale = 1;
}

/* Forgets a peer's parked FETCH and supersedes its reads; returns how many
   were parked. */
static size_t forget_requests(hub_server_t *self, const uint8_t *id, size_t len) {
    supersede_reads(self, id, len);
    return hub_waiters_drop_peer(self->waiters, id, len);
}

/* ---------- commands ---------- */

static void on_hello(hub_server_t *self, route_t from, const char *user,
                     const Huddle__V1__Hello *h) {
    if (!user || !*user) {
        send_error(self, from, 403, 0, "no authenticated peer name (ZAP User-Id)");
        return;
    }
    if (!hd_zap_authorized(self->zap, user)) {
        send_error(self, from, 403, 0, "the key of peer '%s' is no longer authorized", user);
        return;
    }
    forget_requests(self, from.id, from.len);
    const char *dep = hd_zap_department(self->zap, user);
    int hb = h->heartbeat_ms ? (int)h->heartbeat_ms : self->cfg.hb_ms;
    hub_peer_t *p = hub_peers_add(self->peers, from.id, from.len, user, dep, h->service,
                                  h->instance, hb, hd_now_ms());
    if (!p) {
        send_error(self, from, 400, 0, "routing id longer than %d bytes", HUB_ID_MAX);
        return;
    }
    hd_info("hub_peer_hello", "peer %s service %s instance %s department %s", user, p->service,
            p->instance, dep ? dep : "*");
    size_t len;
    uint8_t *buf = hub_wire_welcome(self->head, self->cfg.hb_ms, user, dep, &len);
    send_to(self, from, buf, len);
}

static void on_fetch(hub_server_t *self, route_t from, const hub_peer_t *peer,
                     const Huddle__V1__Fetch *f) {
    if (!hd_zap_authorized(self->zap, peer->name)) {
        /* its key left authorized/: refused now, not at its next handshake */
        hd_warn("hub_peer_revoked", "peer %s: key no longer authorized", peer->name);
        send_error(self, from, 403, f->request_id, "the key of peer '%s' is no longer authorized",
                   peer->name);
        forget_requests(self, from.id, from.len);
        hub_peers_remove(self->peers, from.id, from.len);
        return;
    }
    hub_filter_t filter;
    if (hub_filter_init(&filter, f->types, f->n_types, peer->department) < 0) {
        send_error(self, from, 400, f->request_id,
                   "fetch.types: at most 64 types of at most 128 bytes");
        return;
    }
    uint32_t max = f->max == 0 || f->max > self->cfg.max_fetch ? self->cfg.max_fetch : f->max;
    uint32_t wait = f->wait_ms > MAX_WAIT_MS ? MAX_WAIT_MS : f->wait_ms;
    hub_waiter_t *w = hub_waiter_new(from.id, from.len, f->request_id, f->after_seq, max, &filter,
                                     hd_now_ms() + wait);
    hub_filter_clear(&filter);
    if (!w)
        return;
    supersede_reads(self, from.id, from.len);
    answer(self, w, f->wait_ms != 0);
}

/* Worker: the dead letter is written, or its loss logged. */
static void dead_work(void *arg) {
    dead_job_t *j = arg;
    hd_db_t *db = hub_dbwork_db();
    if (db)
        hd_deadletter_put(db, "hub", j->user, j->why, NULL, j->data, j->len, NULL);
    else
        hd_warn("hub_dead_letter_lost", "peer %s: %s (database unavailable)",
                j->user ? j->user : "-", j->why);
}

/* Loop: refused once kept. */
static void dead_done(void *arg) {
    dead_job_t *j = arg;
    send_error(j->server, (route_t){j->peer, j->peer_len}, 400, 0, "%s", j->why);
    free(j->user);
    free(j);
}

/* Keeps what could not be decoded (DESIGN.md, invariant 6), then says why. */
static void bad_frame(hub_server_t *self, route_t from, const char *user, const void *data,
                      size_t len, const char *why) {
    dead_job_t *j = hd_calloc(1, sizeof *j + len);
    j->server = self;
    j->peer_len = from.len < HUB_ID_MAX ? from.len : HUB_ID_MAX;
    memcpy(j->peer, from.id, j->peer_len);
    j->user = user ? hd_strdup(user) : NULL;
    snprintf(j->why, sizeof j->why, "%s", why);
    j->len = len;
    memcpy(j->data, data, len);
    hub_dbwork_submit(self->dbwork, dead_work, dead_done, j);
}

static uint64_t request_id_of(const Huddle__V1__BusMessage *m) {
    return m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_FETCH ? m->fetch->request_id : 0;
}

static void dispatch(hub_server_t *self, route_t from, const char *user,
                     const Huddle__V1__BusMessage *m) {
    hub_peer_t *peer = hub_peers_find(self->peers, from.id, from.len);
    if (peer)
        peer->last_seen = hd_now_ms();
    if (m->version != HUB_PROTOCOL_VERSION) {
        send_error(self, from, 505, request_id_of(m),
                   "protocol version %u not supported; this hub speaks %d", m->version,
                   HUB_PROTOCOL_VERSION);
        return;
    }
    switch (m->cmd_case) {
    case HUDDLE__V1__BUS_MESSAGE__CMD_HELLO:
        on_hello(self, from, user, m->hello);
        return;
    case HUDDLE__V1__BUS_MESSAGE__CMD_FETCH:
    case HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT:
        if (!peer) {
            send_error(self, from, 401, request_id_of(m), "unknown peer: say HELLO");
            return;
        }
        if (m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_FETCH)
            on_fetch(self, from, peer, m->fetch);
        return;
    case HUDDLE__V1__BUS_MESSAGE__CMD_BYE:
        forget_requests(self, from.id, from.len);
        if (hub_peers_remove(self->peers, from.id, from.len))
            hd_info("hub_peer_bye", "peer %s left", user ? user : "-");
        return;
    default:
        send_error(self, from, 400, 0, "unexpected command (field %d) from a peer",
                   (int)m->cmd_case);
        return;
    }
}

static void on_message(hub_server_t *self, route_t from, const char *user, const uint8_t *data,
                       size_t len) {
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, len, data);
    if (!m) {
        char why[128];
        snprintf(why, sizeof why, "undecodable frame: not a huddle.v1.BusMessage (%zu bytes)", len);
        bad_frame(self, from, user, data, len, why);
        return;
    }
    dispatch(self, from, user, m);
    huddle__v1__bus_message__free_unpacked(m, NULL);
}

/* ---------- readers ---------- */

static void read_router(hub_server_t *self) {
    for (int i = 0; i < BURST; i++) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, self->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&id);
            return;
        }
        zmq_msg_init(&body);
        int ok = zmq_msg_more(&id) && zmq_msg_recv(&body, self->router, 0) >= 0;
        int extra = ok && zmq_msg_more(&body);
        while (extra) { /* drop surplus frames: the protocol has one */
            zmq_msg_t x;
            zmq_msg_init(&x);
            extra = zmq_msg_recv(&x, self->router, 0) >= 0 && zmq_msg_more(&x);
            zmq_msg_close(&x);
            ok = -1;
        }
        route_t from = {zmq_msg_data(&id), zmq_msg_size(&id)};
        const char *user = ok ? zmq_msg_gets(&body, "User-Id") : NULL;
        if (ok == 1)
            on_message(self, from, user, zmq_msg_data(&body), zmq_msg_size(&body));
        else if (ok == -1)
            bad_frame(self, from, user, zmq_msg_data(&body), zmq_msg_size(&body),
                      "one frame per message expected");
        zmq_msg_close(&body);
        zmq_msg_close(&id);
    }
}

static void take_batch(hub_server_t *self, hub_seqbatch_t *b) {
    if (b->n == 0) {
        if (b->head != hub_ring_hi(self->ring))
            hub_ring_reset(self->ring, b->head);
    }
    for (size_t i = 0; i < b->n; i++)
        hub_ring_push(self->ring, &b->events[i]);
    self->head = hub_ring_hi(self->ring);
}

/* Answers the waiters that now have something (or re-parks them). */
static void wake(hub_server_t *self) {
    hub_waiter_t *w = hub_waiters_ready(self->waiters, self->ring, self->head);
    while (w) {
        hub_waiter_t *next = w->next;
        w->next = NULL;
        answer(self, w, 1);
        w = next;
    }
}

static void read_pipe(hub_server_t *self) {
    uint64_t before = self->head;
    hub_seqbatch_t *b;
    while (zmq_recv(self->pipe, &b, sizeof b, ZMQ_DONTWAIT) == (int)sizeof b) {
        take_batch(self, b);
        hub_seqbatch_destroy(&b);
    }
    if (self->head != before)
        wake(self);
}

/* ---------- timers ---------- */

static void peer_gone(const hub_peer_t *p, void *arg) {
    hub_server_t *self = arg;
    size_t n = forget_requests(self, p->id, p->id_len);
    hd_info("hub_peer_dead", "peer %s (%s) silent for %d heartbeats: dropped (%zu parked)", p->name,
            p->service, HUB_LIVENESS, n);
}

static void timers(hub_server_t *self) {
    int64_t now = hd_now_ms();
    hub_waiter_t *w = hub_waiters_expired(self->waiters, now);
    while (w) {
        hub_waiter_t *next = w->next;
        /* Parked only while nothing matched up to its after_seq. */
        gathered_t none = {.scanned = w->after_seq};
        send_events(self, (route_t){w->peer, w->peer_len}, w->request_id, &none);
        hub_waiter_destroy(&w);
        w = next;
    }
    hub_peers_expire(self->peers, now, peer_gone, self);
    for (hub_peer_t *p = hub_peers_first(self->peers); p; p = p->next) {
        if (now - p->last_sent < self->cfg.hb_ms)
            continue;
        size_t len;
        uint8_t *buf = hub_wire_heartbeat(self->head, &len);
        send_to(self, (route_t){p->id, p->id_len}, buf, len);
    }
}

static void update_stats(hub_server_t *self) {
    hub_stats_t *s = self->cfg.stats;
    atomic_store(&s->head, self->head);
    atomic_store(&s->peers, hub_peers_count(self->peers));
    atomic_store(&s->parked, hub_waiters_count(self->waiters));
    atomic_store(&s->zap_accepted, hd_zap_accepted(self->zap));
    atomic_store(&s->zap_refused, hd_zap_refused(self->zap));
    atomic_store(&s->ring_events, hub_ring_count(self->ring));
}

void hub_server_poll(hub_server_t *self, int max_wait_ms) {
    int64_t now = hd_now_ms(), next = hub_waiters_next_deadline(self->waiters);
    int timeout = max_wait_ms;
    if (next - now < timeout)
        timeout = next < now ? 0 : (int)(next - now);
    zmq_pollitem_t items[4] = {{hd_zap_socket(self->zap), 0, ZMQ_POLLIN, 0},
                               {self->pipe, 0, ZMQ_POLLIN, 0},
                               {self->router, 0, ZMQ_POLLIN, 0},
                               {NULL, hub_dbwork_fd(self->dbwork), ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 4, timeout) > 0) {
        if (items[3].revents & ZMQ_POLLIN)
            hub_dbwork_drain(self->dbwork);
        if (items[0].revents & ZMQ_POLLIN)
            hd_zap_handle(self->zap);
        if (items[1].revents & ZMQ_POLLIN)
            read_pipe(self);
        if (items[2].revents & ZMQ_POLLIN)
            read_router(self);
    }
    timers(self);
    update_stats(self);
}

/* ---------- life cycle ---------- */

static void *open_router(hub_server_t *self) {
    void *s = zmq_socket(self->cfg.ctx, ZMQ_ROUTER);
    if (!s)
        return NULL;
    int linger = 0;
    int64_t maxmsg = MAX_IN_BYTES;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (hd_keys_server(s, self->cfg.cert) < 0 || zmq_bind(s, self->cfg.bind) != 0) {
        hd_error("hub_bind_failed", "%s: %s", self->cfg.bind, zmq_strerror(zmq_errno()));
        zmq_close(s);
        return NULL;
    }
    return s;
}

hub_server_t *hub_server_new(const hub_server_cfg_t *cfg) {
    hub_server_t *self = hd_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->dbwork = hub_dbwork_new(cfg->db_url);
    self->ring = hub_ring_new(cfg->ring_events, cfg->ring_bytes);
    self->peers = hub_peers_new();
    self->waiters = hub_waiters_new();
    self->zap = hd_zap_new(cfg->ctx, cfg->authorized_dir);
    self->pipe = zmq_socket(cfg->ctx, ZMQ_PAIR);
    int linger = 0;
    if (self->pipe)
        zmq_setsockopt(self->pipe, ZMQ_LINGER, &linger, sizeof linger);
    if (!self->dbwork || !self->ring || !self->zap || !self->pipe ||
        zmq_bind(self->pipe, cfg->seq_pipe) != 0 || !(self->router = open_router(self))) {
        hd_error("hub_start_failed", "cannot set up the hub (see above)");
        hub_server_destroy(&self);
        return NULL;
    }
    hd_info("hub_listening", "ROUTER on %s", cfg->bind);
    return self;
}

void hub_server_destroy(hub_server_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hub_server_t *self = *self_p;
    self->stopping = 1;
    hub_dbwork_destroy(&self->dbwork); /* reads finish; their answers go out */
    if (self->pipe) {
        hub_seqbatch_t *b;
        while (zmq_recv(self->pipe, &b, sizeof b, ZMQ_DONTWAIT) == (int)sizeof b)
            hub_seqbatch_destroy(&b);
        zmq_close(self->pipe);
    }
    if (self->router)
        zmq_close(self->router);
    hd_zap_destroy(&self->zap);
    hub_waiters_destroy(&self->waiters);
    hub_peers_destroy(&self->peers);
    hub_ring_destroy(&self->ring);
    free(self);
    *self_p = NULL;
}
