/*  wire: an EVENTS reply written by hand from stored envelope bytes must be
    exactly what protobuf-c decodes as a BusMessage, with each event's seq
    taken from the appended field (also when the stored payload carried a
    stale seq: the last value of a scalar wins). */
#include "event.h"
#include "hd_envelope.h"
#include "hd_test.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static hub_event_t *stored(uint64_t seq, uint64_t stale_seq, const char *actor) {
    Huddle__V1__MentionReceived mr = HUDDLE__V1__MENTION_RECEIVED__INIT;
    mr.mention_id = "m";
    mr.text = "hello";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    env.mention_received = &mr;
    env.id = "00000000-0000-4000-8000-000000000001";
    env.type = "mention.received";
    env.actor = (char *)actor;
    env.seq = stale_seq;
    size_t len;
    uint8_t *p = hd_envelope_pack(&env, &len);
    hub_event_t *ev = hub_event_new(seq, "mention.received", 16, "", 0, p, len);
    free(p);
    return ev;
}

HD_TEST(events_reply_decodes) {
    const uint64_t seqs[3] = {1, 300, 1ULL << 40};
    hub_event_t *evs[3] = {stored(seqs[0], 0, "a"), stored(seqs[1], 7, "b"),
                           stored(seqs[2], 0, "c")};
    size_t len;
    uint8_t *buf =
        hub_wire_events(99, 123456789, 123456000, (const hub_event_t *const *)evs, 3, &len);
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, len, buf);
    free(buf);
    ASSERT(m);
    ASSERT_EQ(m->version, 1);
    ASSERT_EQ(m->cmd_case, HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    ASSERT_EQ(m->events->request_id, 99);
    ASSERT_EQ(m->events->head_seq, 123456789);
    ASSERT_EQ(m->events->scanned_seq, 123456000);
    ASSERT_EQ(m->events->n_events, 3);
    const char *actors[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(m->events->events[i]->seq, seqs[i]);
        ASSERT_STR(m->events->events[i]->actor, actors[i]);
        ASSERT_STR(m->events->events[i]->mention_received->text, "hello");
    }
    huddle__v1__bus_message__free_unpacked(m, NULL);
    for (int i = 0; i < 3; i++)
        hub_event_destroy(&evs[i]);
}

HD_TEST(empty_reply_and_errors) {
    size_t len;
    uint8_t *buf = hub_wire_events(0, 0, 0, NULL, 0, &len);
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, len, buf);
    free(buf);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    ASSERT_EQ(m->events->n_events, 0);
    huddle__v1__bus_message__free_unpacked(m, NULL);
    buf = hub_wire_error(401, "unknown peer", 5, &len);
    m = huddle__v1__bus_message__unpack(NULL, len, buf);
    free(buf);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_ERROR);
    ASSERT_EQ(m->error->code, 401);
    ASSERT_EQ(m->error->request_id, 5);
    ASSERT_STR(m->error->reason, "unknown peer");
    huddle__v1__bus_message__free_unpacked(m, NULL);
}

HD_TEST_MAIN(HD_CASE(events_reply_decodes), HD_CASE(empty_reply_and_errors))
