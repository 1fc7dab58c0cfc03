/*  hd_bus: the peer side of the hub protocol (docs/protocol.md), in the
    Paranoid Pirate style of the zguide: one DEALER, HELLO before anything
    else, heartbeats both ways while a call waits, a hub silent for three
    heartbeats means the socket is closed and re-opened after a backoff
    (100 ms doubling to 2 s, with jitter), and ERROR 401 ("unknown peer",
    e.g. after a hub restart) means say HELLO again and retry.

    ZMQ_IMMEDIATE stays off on purpose: with one hub endpoint there is no
    other pipe to prefer, and queuing lets a HELLO or FETCH sent while the
    TCP connection is being re-established go out as soon as it is up
    instead of failing the call. A request delivered late is harmless: the
    hub answers 401 to an unknown peer, and replies whose request_id is not
    the one awaited are discarded. */
#include "hd_bus.h"

#include "hd_arena.h"
#include "hd_config.h"
#include "hd_id.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_signal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define BUS_VERSION 1
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define LIVENESS 3 /* heartbeats of silence before the hub is dead */
#define REPLY_GRACE_MS 1000
#define POLL_SLICE_MS 100 /* how often a blocked call looks at hd_stop */

enum { WAIT_OK = 0, WAIT_FAIL = -1 };

/* A message from the hub and the arena that holds all of it: an EVENTS
   reply decodes into some ten thousand pieces, which malloc and free one by
   one cost a consumer more than the hub took to send them. */
typedef struct {
    Huddle__V1__BusMessage *m;
    hd_arena_t *arena;
} inbound_t;

static void inbound_free(inbound_t *in) {
    in->m = NULL;
    hd_arena_destroy(&in->arena);
}

struct hd_bus {
    void *ctx, *sock;
    char *endpoint, *service;
    char hub_key[41];
    char instance[128];
    zcert_t *cert;
    int hb_ms, hub_hb_ms;
    int registered;
    int64_t last_heard, last_sent, retry_at;
    int backoff_ms;
    uint64_t next_id, head;
    unsigned connects;
    unsigned seed; /* for backoff jitter: peers restarted together spread out */
};

struct hd_bus_batch {
    inbound_t in;
};

hd_bus_t *hd_bus_new(const char *endpoint, const char *hub_z85, zcert_t **own,
                     const char *service) {
    if (!endpoint || !hub_z85 || strlen(hub_z85) != 40 || !own || !*own || !service) {
        hd_error("bus_bad_args", "hd_bus_new needs an endpoint, a 40-character hub key, "
                                 "a certificate and a service name");
        return NULL;
    }
    hd_bus_t *self = hd_calloc(1, sizeof *self);
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        free(self);
        return NULL;
    }
    self->endpoint = hd_strdup(endpoint);
    self->service = hd_strdup(service);
    memcpy(self->hub_key, hub_z85, 41);
    self->cert = *own;
    *own = NULL;
    self->hb_ms = (int)hd_config_long("HUDDLE_HEARTBEAT_MS", 1000);
    if (self->hb_ms < 10)
        self->hb_ms = 10;
    self->hub_hb_ms = self->hb_ms;
    self->backoff_ms = BACKOFF_MIN_MS;
    self->seed = (unsigned)hd_now_ms() ^ ((unsigned)getpid() << 16);
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    char rnd[HD_ID_LEN];
    hd_id_random(rnd);
    snprintf(self->instance, sizeof self->instance, "%s:%d:%.8s", host, (int)getpid(), rnd);
    return self;
}

static void bus_close(hd_bus_t *self) {
    if (!self->sock)
        return;
    zmq_close(self->sock);
    self->sock = NULL;
    self->registered = 0;
    int jitter = rand_r(&self->seed) % (self->backoff_ms / 2 + 1);
    self->retry_at = hd_now_ms() + self->backoff_ms + jitter;
    self->backoff_ms =
        self->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : self->backoff_ms * 2;
}

static int send_msg(hd_bus_t *self, Huddle__V1__BusMessage *m) {
    m->version = BUS_VERSION;
    size_t len = huddle__v1__bus_message__get_packed_size(m);
    uint8_t *buf = hd_malloc(len);
    huddle__v1__bus_message__pack(m, buf);
    int rc = zmq_send(self->sock, buf, len, ZMQ_DONTWAIT);
    free(buf);
    if (rc < 0) {
        hd_debug("bus_send_failed", "%s", zmq_strerror(zmq_errno()));
        return -1;
    }
    self->last_sent = hd_now_ms();
    return 0;
}

void hd_bus_destroy(hd_bus_t **self_p) {
    if (!self_p || !*self_p)
        return;
    hd_bus_t *self = *self_p;
    if (self->sock && self->registered) {
        /* A polite BYE frees the hub's record at once; it is not required. */
        Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
        Huddle__V1__Bye bye = HUDDLE__V1__BYE__INIT;
        m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_BYE;
        m.bye = &bye;
        int linger = 100;
        zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
        send_msg(self, &m);
    }
    if (self->sock)
        zmq_close(self->sock);
    zmq_ctx_term(self->ctx);
    zcert_destroy(&self->cert);
    free(self->endpoint);
    free(self->service);
    free(self);
    *self_p = NULL;
}

static int bus_open(hd_bus_t *self) {
    self->sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!self->sock)
        return -1;
    int linger = 0, ivl = BACKOFF_MIN_MS, ivl_max = BACKOFF_MAX_MS;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(self->sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    if (hd_keys_client(self->sock, self->cert, self->hub_key) < 0 ||
        zmq_connect(self->sock, self->endpoint) != 0) {
        hd_error("bus_connect_failed", "%s: %s", self->endpoint, zmq_strerror(zmq_errno()));
        bus_close(self);
        return -1;
    }
    self->connects++;
    self->registered = 0;
    self->last_heard = self->last_sent = hd_now_ms();
    hd_debug("bus_connect", "connecting to %s (#%u)", self->endpoint, self->connects);
    return 0;
}

/* Reads one message into *in (the caller frees it with inbound_free).
   0 when nothing was read or it is not a BusMessage (logged, dropped). */
static int recv_msg(hd_bus_t *self, inbound_t *in) {
    in->m = NULL;
    in->arena = NULL;
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, self->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&frame);
        return 0;
    }
    int multipart = zmq_msg_more(&frame);
    Huddle__V1__BusMessage *m = NULL;
    if (!multipart) {
        /* Decoded, a reply takes about twice its wire size. */
        size_t len = zmq_msg_size(&frame);
        in->arena = hd_arena_new(2 * len + 1024);
        m = huddle__v1__bus_message__unpack(hd_arena_protobuf(in->arena), len,
                                            zmq_msg_data(&frame));
    }
    zmq_msg_close(&frame);
    while (multipart) {
        zmq_msg_init(&frame);
        multipart = zmq_msg_recv(&frame, self->sock, 0) >= 0 && zmq_msg_more(&frame);
        zmq_msg_close(&frame);
    }
    self->last_heard = hd_now_ms();
    if (!m) {
        hd_warn("bus_bad_frame", "undecodable message from the hub dropped");
        inbound_free(in);
        return 0;
    }
    in->m = m;
    return 1;
}

static void send_heartbeat(hd_bus_t *self) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Heartbeat hb = HUDDLE__V1__HEARTBEAT__INIT;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT;
    m.heartbeat = &hb;
    send_msg(self, &m);
}

/* Handles one message from the hub. Returns WAIT_OK when it is the awaited
   answer (rid 0: a WELCOME), which the caller then keeps, an error code
   when it is an ERROR for this wait, or 1 to keep waiting. */
static int take(hd_bus_t *self, const Huddle__V1__BusMessage *m, uint64_t rid) {
    switch (m->cmd_case) {
    case HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT:
        if (m->heartbeat->head_seq > self->head)
            self->head = m->heartbeat->head_seq;
        break;
    case HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME:
        self->registered = 1;
        self->head = m->welcome->head_seq;
        if (m->welcome->heartbeat_ms >= 10)
            self->hub_hb_ms = (int)m->welcome->heartbeat_ms;
        if (rid == 0)
            return WAIT_OK;
        break;
    case HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS:
        if (m->events->head_seq > self->head)
            self->head = m->events->head_seq;
        if (rid != 0 && m->events->request_id == rid)
            return WAIT_OK;
        break;
    case HUDDLE__V1__BUS_MESSAGE__CMD_ERROR: {
        int code = (int)m->error->code;
        hd_log(code == 401 ? HD_LOG_INFO : HD_LOG_WARN, "bus_error", NULL, NULL,
               "hub answered %d: %s", code, m->error->reason ? m->error->reason : "");
        /* 401 whatever it answers (often a heartbeat): we are not known. */
        if (code == 401 && self->registered) {
            self->registered = 0;
            return code;
        }
        if (code != 401 && m->error->request_id == rid)
            return code > 0 ? code : 500;
        break;
    }
    default:
        break;
    }
    return 1;
}

/* Waits until `deadline` for the answer to request rid (0: WELCOME),
   heartbeating meanwhile. WAIT_OK with *out set (the caller frees it with
   inbound_free), an ERROR code, or WAIT_FAIL (timeout, stop, or hub silent:
   then the socket is closed). */
static int bus_wait(hd_bus_t *self, int64_t deadline, uint64_t rid, inbound_t *out) {
    out->m = NULL;
    out->arena = NULL;
    for (;;) {
        int64_t now = hd_now_ms();
        if (hd_stop || now >= deadline)
            return WAIT_FAIL;
        int hb = self->hb_ms, dead_after = LIVENESS * (self->hub_hb_ms > hb ? self->hub_hb_ms : hb);
        if (now - self->last_heard > dead_after) {
            hd_warn("bus_hub_silent", "no word from the hub for %d ms: reconnecting",
                    (int)(now - self->last_heard));
            bus_close(self);
            return WAIT_FAIL;
        }
        if (self->registered && now - self->last_sent >= hb)
            send_heartbeat(self);
        int64_t until = deadline;
        if (self->registered && self->last_sent + hb < until)
            until = self->last_sent + hb;
        if (self->last_heard + dead_after + 1 < until)
            until = self->last_heard + dead_after + 1;
        int timeout = (int)(until - now);
        timeout = timeout < 0 ? 0 : timeout > POLL_SLICE_MS ? POLL_SLICE_MS : timeout;
        zmq_pollitem_t item = {self->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, timeout) <= 0)
            continue;
        inbound_t in;
        while (recv_msg(self, &in)) {
            int rc = take(self, in.m, rid);
            if (rc == WAIT_OK) {
                *out = in;
                return WAIT_OK;
            }
            inbound_free(&in);
            if (rc != 1)
                return rc;
        }
    }
}

static int say_hello(hd_bus_t *self, int64_t deadline) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Hello hello = HUDDLE__V1__HELLO__INIT;
    hello.service = self->service;
    hello.instance = self->instance;
    hello.heartbeat_ms = (uint32_t)self->hb_ms;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HELLO;
    m.hello = &hello;
    if (send_msg(self, &m) < 0)
        return WAIT_FAIL;
    inbound_t reply;
    int rc = bus_wait(self, deadline, 0, &reply);
    if (rc == WAIT_OK) {
        hd_info("bus_welcome", "registered with the hub as %s (head %llu)",
                reply.m->welcome->peer ? reply.m->welcome->peer : "?",
                (unsigned long long)self->head);
        inbound_free(&reply);
    }
    return rc;
}

/* Makes sure there is a registered connection, waiting out a backoff. */
static int ensure_registered(hd_bus_t *self, int64_t deadline) {
    if (!self->sock) {
        int64_t wait = self->retry_at - hd_now_ms();
        if (wait > 0) {
            if (wait > deadline - hd_now_ms())
                wait = deadline - hd_now_ms();
            if (wait > 0 && hd_sleep_ms((int)wait))
                return WAIT_FAIL;
            if (hd_now_ms() < self->retry_at)
                return WAIT_FAIL;
        }
        if (bus_open(self) < 0)
            return WAIT_FAIL;
    }
    if (self->registered)
        return WAIT_OK;
    int rc = say_hello(self, deadline);
    if (rc > 0) /* refused (400 / 403 / 505): no point hammering */
        bus_close(self);
    return rc == WAIT_OK ? WAIT_OK : WAIT_FAIL;
}

static int send_fetch(hd_bus_t *self, uint64_t rid, uint64_t after_seq, uint32_t max,
                      const char *const *types, size_t ntypes, int wait_ms) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Fetch f = HUDDLE__V1__FETCH__INIT;
    f.request_id = rid;
    f.after_seq = after_seq;
    f.max = max;
    f.types = (char **)types;
    f.n_types = types ? ntypes : 0;
    f.wait_ms = wait_ms > 0 ? (uint32_t)wait_ms : 0;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_FETCH;
    m.fetch = &f;
    return send_msg(self, &m);
}

/* The hub promises ascending seq above after_seq; a reply that breaks the
   promise is not handed to a consumer that would store a wrong cursor. */
static int batch_valid(const Huddle__V1__Events *ev, uint64_t after_seq) {
    uint64_t last = after_seq;
    for (size_t i = 0; i < ev->n_events; i++) {
        if (!ev->events[i] || ev->events[i]->seq <= last)
            return 0;
        last = ev->events[i]->seq;
    }
    return 1;
}

int hd_bus_fetch(hd_bus_t *self, uint64_t after_seq, uint32_t max, const char *const *types,
                 size_t ntypes, int wait_ms, hd_bus_batch_t **batch_out) {
    *batch_out = NULL;
    if (wait_ms < 0)
        wait_ms = 0;
    int64_t deadline = hd_now_ms() + wait_ms + REPLY_GRACE_MS;
    while (!hd_stop && hd_now_ms() < deadline) {
        if (ensure_registered(self, deadline) != WAIT_OK)
            return -1;
        uint64_t rid = ++self->next_id;
        if (send_fetch(self, rid, after_seq, max, types, ntypes, wait_ms) < 0)
            return -1;
        inbound_t reply;
        int rc = bus_wait(self, deadline, rid, &reply);
        if (rc == 401)
            continue; /* hub forgot us (restart): HELLO again and retry */
        if (rc > 0) { /* 503 (log unavailable) or a refusal: do not hammer */
            int64_t left = deadline - hd_now_ms();
            if (left > 0)
                hd_sleep_ms(left < self->backoff_ms ? (int)left : self->backoff_ms);
            self->backoff_ms =
                self->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : self->backoff_ms * 2;
        }
        if (rc != WAIT_OK)
            return -1;
        if (!batch_valid(reply.m->events, after_seq)) {
            hd_error("bus_bad_batch", "hub sent events out of order or at/below %llu",
                     (unsigned long long)after_seq);
            inbound_free(&reply);
            return -1;
        }
        self->backoff_ms = BACKOFF_MIN_MS;
        hd_bus_batch_t *b = hd_calloc(1, sizeof *b);
        b->in = reply;
        *batch_out = b;
        return 0;
    }
    return -1;
}

uint64_t hd_bus_head(hd_bus_t *self) { return self->head; }
unsigned hd_bus_connects(hd_bus_t *self) { return self->connects; }

size_t hd_bus_batch_count(const hd_bus_batch_t *batch) {
    return batch ? batch->in.m->events->n_events : 0;
}

const hd_envelope_t *hd_bus_batch_event(const hd_bus_batch_t *batch, size_t i) {
    if (!batch || i >= batch->in.m->events->n_events)
        return NULL;
    return batch->in.m->events->events[i];
}

const hd_envelope_t *const *hd_bus_batch_events(const hd_bus_batch_t *batch) {
    return batch ? (const hd_envelope_t *const *)batch->in.m->events->events : NULL;
}

uint64_t hd_bus_batch_head(const hd_bus_batch_t *batch) {
    return batch ? batch->in.m->events->head_seq : 0;
}

uint64_t hd_bus_batch_scanned(const hd_bus_batch_t *batch) {
    return batch ? batch->in.m->events->scanned_seq : 0;
}

void hd_bus_batch_destroy(hd_bus_batch_t **batch_p) {
    if (!batch_p || !*batch_p)
        return;
    inbound_free(&(*batch_p)->in);
    free(*batch_p);
    *batch_p = NULL;
}
