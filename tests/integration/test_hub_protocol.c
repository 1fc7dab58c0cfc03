/*  The hub's answers to peers that get the protocol wrong, frame by frame
    with a raw DEALER: an undecodable frame is refused with 400 and kept as
    a dead letter; a wrong version gets 505; FETCH and HEARTBEAT before
    HELLO get 401; several frames in one message get 400; a peer silent for
    three of its heartbeats is forgotten (401 afterwards). */
#include "hd_test.h"
#include "hd_testdb.h"
#include "hub_harness.h"

static hub_proc_t s_hub;
static void *s_ctx;

static int setup(void) {
    if (s_ctx)
        return 0;
    if (hd_testdb_create("test_hub_protocol", 0, s_hub.url, sizeof s_hub.url) < 0 ||
        hh_keys(&s_hub, "proto") < 0 || hh_start(&s_hub, NULL) < 0)
        return -1;
    s_ctx = zmq_ctx_new();
    return 0;
}

/* The next message must be ERROR `code`; returns its reason (static). */
static const char *expect_error(void *s, unsigned code, uint64_t rid) {
    static char reason[300];
    Huddle__V1__BusMessage *m = hh_recv(s, 3000);
    int ok = m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_ERROR && m->error->code == code &&
             m->error->request_id == rid;
    snprintf(reason, sizeof reason, "%s", ok ? m->error->reason : "");
    if (!ok)
        fprintf(stderr, "expected ERROR %u (request %llu), got %s %u\n", code,
                (unsigned long long)rid, m ? "command" : "nothing", m ? m->cmd_case : 0);
    if (m)
        huddle__v1__bus_message__free_unpacked(m, NULL);
    return ok ? reason : NULL;
}

HD_TEST(undecodable_frame_is_kept) {
    ASSERT(setup() == 0);
    void *s = hh_raw(s_ctx, &s_hub, "tester");
    ASSERT(s);
    const char junk[] = "\xff\xff\xff\xff garbage, not protobuf";
    zmq_send(s, junk, sizeof junk - 1, 0);
    const char *why = expect_error(s, 400, 0);
    ASSERT(why && strstr(why, "undecodable"));
    zmq_close(s);
    hd_db_t *db = hd_db_connect(s_hub.url, 5000);
    ASSERT(db);
    const char *p[1] = {junk};
    int len[1] = {(int)sizeof junk - 1}, fmt[1] = {1};
    PGresult *r = hd_db_execv(db,
                              "SELECT count(*) FROM dead_letter WHERE source = 'hub' AND "
                              "peer = 'tester' AND raw = $1 AND reason LIKE 'undecodable%'",
                              1, p, len, fmt, 0);
    ASSERT(r);
    long long n = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    hd_db_destroy(&db);
    ASSERT_EQ(n, 1);
}

HD_TEST(several_frames_refused) {
    ASSERT(setup() == 0);
    void *s = hh_raw(s_ctx, &s_hub, "tester");
    ASSERT(s);
    zmq_send(s, "a", 1, ZMQ_SNDMORE);
    zmq_send(s, "b", 1, 0);
    const char *why = expect_error(s, 400, 0);
    zmq_close(s);
    ASSERT(why && strstr(why, "one frame"));
}

HD_TEST(wrong_version_505) {
    ASSERT(setup() == 0);
    void *s = hh_raw(s_ctx, &s_hub, "tester");
    ASSERT(s);
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Hello h = HUDDLE__V1__HELLO__INIT;
    m.version = 2;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HELLO;
    m.hello = &h;
    hh_send(s, &m);
    const char *why = expect_error(s, 505, 0);
    zmq_close(s);
    ASSERT(why && strstr(why, "version 2"));
}

HD_TEST(unknown_peer_401) {
    ASSERT(setup() == 0);
    void *s = hh_raw(s_ctx, &s_hub, "tester");
    ASSERT(s);
    hh_fetch(s, 42, 0, 10, 0);
    ASSERT(expect_error(s, 401, 42));
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Heartbeat hb = HUDDLE__V1__HEARTBEAT__INIT;
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HEARTBEAT;
    m.heartbeat = &hb;
    hh_send(s, &m);
    ASSERT(expect_error(s, 401, 0));
    /* After HELLO the same FETCH is answered. */
    hh_hello(s);
    Huddle__V1__BusMessage *w = hh_recv(s, 3000);
    ASSERT(w && w->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME);
    huddle__v1__bus_message__free_unpacked(w, NULL);
    hh_fetch(s, 43, 0, 10, 0);
    w = hh_recv(s, 3000);
    ASSERT(w && w->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    ASSERT_EQ(w->events->request_id, 43);
    huddle__v1__bus_message__free_unpacked(w, NULL);
    zmq_close(s);
}

HD_TEST(silent_peer_forgotten) {
    ASSERT(setup() == 0);
    void *s = hh_raw(s_ctx, &s_hub, "tester");
    ASSERT(s);
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Hello h = HUDDLE__V1__HELLO__INIT;
    h.service = "test";
    h.heartbeat_ms = 100; /* promises a heartbeat every 100 ms, then keeps quiet */
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HELLO;
    m.hello = &h;
    hh_send(s, &m);
    Huddle__V1__BusMessage *w = hh_recv(s, 3000);
    ASSERT(w && w->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME);
    huddle__v1__bus_message__free_unpacked(w, NULL);
    hh_fetch(s, 1, 1000000, 10, 30000); /* parked: nothing that far yet */
    hh_sleep_ms(800);
    hh_fetch(s, 2, 0, 10, 0);
    ASSERT(expect_error(s, 401, 2)); /* dropped, parked fetch with it */
    Huddle__V1__BusMessage *none = hh_recv(s, 300);
    ASSERT(!none);
    zmq_close(s);
}

HD_TEST(clean_stop) {
    ASSERT(setup() == 0);
    zmq_ctx_term(s_ctx);
    int64_t t0 = hd_now_ms();
    ASSERT_EQ(hh_stop(&s_hub, SIGTERM, 2000), 0);
    ASSERT(hd_now_ms() - t0 < 2000);
    hh_keys_remove(&s_hub);
}

HD_TEST_MAIN(HD_CASE(undecodable_frame_is_kept), HD_CASE(several_frames_refused),
             HD_CASE(wrong_version_505), HD_CASE(unknown_peer_401), HD_CASE(silent_peer_forgotten),
             HD_CASE(clean_stop))
