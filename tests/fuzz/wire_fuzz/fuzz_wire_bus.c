/*  libFuzzer target: a frame on the bus, huddle.v1.BusMessage, as the hub
    decodes a peer's frame (services/hub/serve.c on_message: malloc) and as
    every peer decodes the hub's (common/hd_bus.c: the arena), then what
    each side does with it:
      FETCH    the hub's filter (hub_filter_init: at most 64 types of 128
               bytes), the ring read (hub_fetch_ring) over a ring of five
               events, a waiter, and the EVENTS answer written by hand
               (hub_wire_events), which must decode to exactly those events;
      HELLO    the peer table (hub_peers_add / find / remove);
      EVENTS   each event re-packed and stored as the hub stores it
               (hub_event_new), answered again with hub_wire_events, which
               must decode to the same seqs and types;
      WELCOME, ERROR, HEARTBEAT  answered again with the hub's encoders,
               which must decode to the same values.
    Plus wire_check.h: stable re-packing, arena and malloc agree. */
#include "event.h"
#include "fetch.h"
#include "hd_envelope.h"
#include "peers.h"
#include "ring.h"
#include "wire.h"
#include "wire_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static hub_ring_t *s_ring;

/* The ring: seq 1..5 of several types and departments. */
static void ring_fill(void) {
    static const char *const types[5] = {"content.submitted", "mention.received",
                                         "content.submitted", "policy.evaluated",
                                         "mention.received"};
    static const char *const depts[5] = {"marketing", "", "care", "marketing", "care"};
    s_ring = hub_ring_new(64, 1 << 20);
    for (int i = 0; i < 5; i++) {
        Huddle__V1__MentionReceived mr = HUDDLE__V1__MENTION_RECEIVED__INIT;
        mr.mention_id = "m";
        mr.text = "hello";
        hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
        env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
        env.mention_received = &mr;
        env.id = "00000000-0000-4000-8000-000000000001";
        env.type = (char *)types[i];
        env.department = (char *)depts[i];
        size_t len;
        uint8_t *p = hd_envelope_pack(&env, &len);
        hub_event_t *ev = hub_event_new((uint64_t)i + 1, types[i], strlen(types[i]), depts[i],
                                        strlen(depts[i]), p, len);
        free(p);
        hub_ring_push(s_ring, &ev);
    }
}

static void cleanup(void) { hub_ring_destroy(&s_ring); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    ring_fill();
    atexit(cleanup);
    return 0;
}

/* buf (taken) must decode to EVENTS with these events' seqs and types. */
static void check_events(uint8_t *buf, size_t len, uint64_t rid, const hub_event_t *const *evs,
                         size_t n) {
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, len, buf);
    free(buf);
    if (!m || m->cmd_case != HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS || m->events->request_id != rid ||
        m->events->n_events != n)
        FUZZ_FAIL("hub_wire_events: the answer does not decode to its %zu events", n);
    for (size_t i = 0; i < n; i++)
        if (m->events->events[i]->seq != evs[i]->seq ||
            strcmp(m->events->events[i]->type, evs[i]->type) != 0)
            FUZZ_FAIL("hub_wire_events: event %zu differs", i);
    huddle__v1__bus_message__free_unpacked(m, NULL);
}

static void on_fetch(const Huddle__V1__Fetch *f, const char *department) {
    hub_filter_t filter;
    if (hub_filter_init(&filter, f->types, f->n_types, department) < 0)
        return; /* the hub answers 400 */
    const hub_event_t *out[8];
    uint64_t scanned = 0, head = hub_ring_hi(s_ring);
    uint32_t max = f->max == 0 || f->max > 8 ? 8 : f->max;
    size_t n = 0;
    if (f->after_seq + 1 >= hub_ring_lo(s_ring))
        n = hub_fetch_ring(s_ring, f->after_seq, head, max, 1 << 20, &filter, out, &scanned);
    for (size_t i = 0; i < n; i++)
        if (out[i]->seq <= f->after_seq ||
            !hub_filter_match(&filter, out[i]->type, out[i]->department))
            FUZZ_FAIL("hub_fetch_ring: event %zu should not be there", i);
    size_t len;
    uint8_t *buf = hub_wire_events(f->request_id, head, scanned, out, n, &len);
    check_events(buf, len, f->request_id, out, n);
    static const uint8_t peer[] = "peer-1";
    hub_waiter_t *w = hub_waiter_new(peer, sizeof peer, f->request_id, f->after_seq, max, &filter,
                                     (int64_t)f->wait_ms);
    hub_waiter_destroy(&w);
    hub_filter_clear(&filter);
}

static void on_hello(const Huddle__V1__Hello *h) {
    hub_peers_t *peers = hub_peers_new();
    static const uint8_t id[] = {0, 1, 2, 3, 4};
    int hb = h->heartbeat_ms > 60000 ? 60000 : (int)h->heartbeat_ms;
    if (hub_peers_add(peers, id, sizeof id, "spoke-marketing", "marketing", h->service, h->instance,
                      hb, 1000) &&
        !hub_peers_find(peers, id, sizeof id))
        FUZZ_FAIL("hub_peers: an added peer is not found");
    hub_peers_remove(peers, id, sizeof id);
    hub_peers_destroy(&peers);
}

/* The events as the hub would store and serve them again. */
static void on_events(const Huddle__V1__Events *e) {
    size_t n = e->n_events < 64 ? e->n_events : 64;
    hub_event_t *evs[64];
    size_t unknown = 0; /* protobuf-c's quirk (wire_check.h): no round trip then */
    for (size_t i = 0; i < n; i++) {
        const hd_envelope_t *env = e->events[i];
        unknown += fuzz_unknowns(&env->base);
        size_t len;
        uint8_t *p = hd_envelope_pack(env, &len);
        evs[i] = hub_event_new(env->seq, env->type, strlen(env->type), env->department,
                               strlen(env->department), p, len);
        free(p);
        hd_envelope_free(hd_envelope_unpack(evs[i]->data, evs[i]->len));
    }
    size_t len;
    uint8_t *buf = hub_wire_events(e->request_id, e->head_seq, e->scanned_seq,
                                   (const hub_event_t *const *)evs, n, &len);
    if (unknown)
        free(buf);
    else
        check_events(buf, len, e->request_id, (const hub_event_t *const *)evs, n);
    for (size_t i = 0; i < n; i++)
        hub_event_destroy(&evs[i]);
}

/* The hub's own encoders, fed the decoded values, must decode back. */
static void on_answer(const Huddle__V1__BusMessage *m) {
    size_t len = 0;
    uint8_t *buf = NULL;
    if (m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME)
        buf = hub_wire_welcome(m->welcome->head_seq, (int)(m->welcome->heartbeat_ms & 0x7fffffff),
                               m->welcome->peer, m->welcome->department, &len);
    else if (m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_ERROR)
        buf = hub_wire_error(m->error->code, m->error->reason, m->error->request_id, &len);
    else
        buf = hub_wire_heartbeat(m->heartbeat->head_seq, &len);
    Huddle__V1__BusMessage *r = huddle__v1__bus_message__unpack(NULL, len, buf);
    free(buf);
    if (!r || r->cmd_case != m->cmd_case || r->version != HUB_PROTOCOL_VERSION)
        FUZZ_FAIL("hub_wire: an answer does not decode");
    if (m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_ERROR &&
        (r->error->code != m->error->code || strcmp(r->error->reason, m->error->reason) != 0))
        FUZZ_FAIL("hub_wire_error: the answer differs");
    if (m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME &&
        (r->welcome->head_seq != m->welcome->head_seq ||
         strcmp(r->welcome->peer, m->welcome->peer) != 0 ||
         strcmp(r->welcome->department, m->welcome->department) != 0))
        FUZZ_FAIL("hub_wire_welcome: the answer differs");
    huddle__v1__bus_message__free_unpacked(r, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, size, data);
    FUZZ_WIRE_CHECK(huddle__v1__bus_message, Huddle__V1__BusMessage, m, data, size);
    if (!m)
        return 0;
    switch (m->cmd_case) {
    case HUDDLE__V1__BUS_MESSAGE__CMD_FETCH:
        on_fetch(m->fetch, NULL);
        on_fetch(m->fetch, "care");
        break;
    case HUDDLE__V1__BUS_MESSAGE__CMD_HELLO:
        on_hello(m->hello);
        break;
    case HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS:
        on_events(m->events);
        break;
    case HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME:
    case HUDDLE__V1__BUS_MESSAGE__CMD_ERROR:
    case HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT:
        on_answer(m);
        break;
    default:
        break;
    }
    huddle__v1__bus_message__free_unpacked(m, NULL);
    return 0;
}
