/*  hd_arena: aligned bumps that never overlap, blocks added past the hint,
    and a BusMessage unpacked through the arena's protobuf-c allocator that
    holds exactly what the default allocator decodes. */
#include "hd_arena.h"
#include "hd_envelope.h"
#include "hd_test.h"
#include "huddle/v1/bus.pb-c.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

HD_TEST(bumps_are_aligned_and_disjoint) {
    hd_arena_t *a = hd_arena_new(100);
    unsigned char *prev = NULL;
    size_t prev_n = 0;
    for (size_t n = 0; n < 3000; n += 7) {
        unsigned char *p = hd_arena_alloc(a, n);
        ASSERT(p);
        ASSERT_EQ((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xAB, n); /* ASan would see a write past a block */
        if (prev && p > prev && p < prev + prev_n)
            ASSERT(!"overlapping allocations");
        prev = p;
        prev_n = n;
    }
    unsigned char *big = hd_arena_alloc(a, 1 << 20); /* far past any block */
    memset(big, 1, 1 << 20);
    ASSERT(hd_arena_used(a) >= (1 << 20));
    hd_arena_destroy(&a);
    ASSERT(!a);
    hd_arena_destroy(&a); /* safe twice */
}

static uint8_t *events_reply(size_t nev, size_t *len) {
    Huddle__V1__Events ev = HUDDLE__V1__EVENTS__INIT;
    Huddle__V1__Envelope *envs[64], env[64];
    Huddle__V1__MentionReceived mr = HUDDLE__V1__MENTION_RECEIVED__INIT;
    char actors[64][32];
    mr.text = "hello";
    for (size_t i = 0; i < nev; i++) {
        env[i] = (Huddle__V1__Envelope)HUDDLE__V1__ENVELOPE__INIT;
        env[i].seq = i + 1;
        env[i].type = "mention.received";
        snprintf(actors[i], sizeof actors[i], "actor-%zu", i);
        env[i].actor = actors[i];
        env[i].body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
        env[i].mention_received = &mr;
        envs[i] = &env[i];
    }
    ev.request_id = 9;
    ev.n_events = nev;
    ev.events = envs;
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS;
    m.events = &ev;
    *len = huddle__v1__bus_message__get_packed_size(&m);
    uint8_t *buf = malloc(*len);
    huddle__v1__bus_message__pack(&m, buf);
    return buf;
}

HD_TEST(protobuf_unpack_into_arena) {
    size_t len;
    uint8_t *buf = events_reply(64, &len);
    /* A small hint: the message must spill into more blocks and stay whole. */
    hd_arena_t *a = hd_arena_new(64);
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(hd_arena_protobuf(a), len, buf);
    Huddle__V1__BusMessage *ref = huddle__v1__bus_message__unpack(NULL, len, buf);
    ASSERT(m && ref);
    ASSERT(hd_arena_used(a) > 64);
    ASSERT_EQ(m->cmd_case, HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    ASSERT_EQ(m->events->request_id, 9);
    ASSERT_EQ(m->events->n_events, 64);
    for (size_t i = 0; i < 64; i++) {
        ASSERT_EQ(m->events->events[i]->seq, i + 1);
        ASSERT_STR(m->events->events[i]->actor, ref->events->events[i]->actor);
        ASSERT_STR(m->events->events[i]->mention_received->text, "hello");
    }
    /* Re-encoded, the arena's copy is the same message. */
    size_t l2 = huddle__v1__bus_message__get_packed_size(m);
    ASSERT_EQ(l2, len);
    uint8_t *buf2 = malloc(l2);
    huddle__v1__bus_message__pack(m, buf2);
    ASSERT(memcmp(buf, buf2, len) == 0);
    free(buf2);
    huddle__v1__bus_message__free_unpacked(ref, NULL);
    /* Undecodable input: unpack fails and frees through the arena (no-op). */
    ASSERT(!huddle__v1__bus_message__unpack(hd_arena_protobuf(a), len - 3, buf));
    hd_arena_destroy(&a);
    free(buf);
}

HD_TEST_MAIN(HD_CASE(bumps_are_aligned_and_disjoint), HD_CASE(protobuf_unpack_into_arena))
