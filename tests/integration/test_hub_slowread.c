/*  A slow event_log read holds up nobody else. The test holds an ACCESS
    EXCLUSIVE lock on event_log, so the hub's history read for a consumer
    behind the ring (HUDDLE_HUB_RING=10) waits on PostgreSQL; meanwhile
    another peer is answered from the ring and a new peer is welcomed. A
    peer that disconnects while its read is in flight, and one whose read
    is superseded by a newer FETCH, are handled when the read comes back:
    the superseded long-poll is never answered (the hub's one database
    worker finishes reads in order, so the newer read's answer proves the
    older one came back). Nothing here measures time. */
#include "hd_test.h"
#include "hd_testdb.h"
#include "hub_harness.h"

#define EVENTS 50
#define WAITING_READS                                                       \
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' " \
    "AND query LIKE 'SELECT seq, type, department, payload FROM event_log%'"

static hub_proc_t s_hub;
static void *s_ctx;

static int setup(void) {
    const char *env[] = {"HUDDLE_HUB_RING=10", NULL};
    if (hd_testdb_create("test_hub_slowread", 0, s_hub.url, sizeof s_hub.url) < 0 ||
        hh_keys(&s_hub, "slowread") < 0 || hh_start(&s_hub, env) < 0)
        return -1;
    s_ctx = zmq_ctx_new();
    return 0;
}

/* A raw peer that said HELLO and got WELCOME, or NULL. */
static void *peer(void) {
    void *s = hh_raw(s_ctx, &s_hub, "tester");
    Huddle__V1__BusMessage *w = s && hh_hello(s) == 0 ? hh_recv(s, 5000) : NULL;
    int ok = w && w->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME;
    if (w)
        huddle__v1__bus_message__free_unpacked(w, NULL);
    if (!ok && s)
        zmq_close(s);
    return ok ? s : NULL;
}

static int fetch_types(void *s, uint64_t rid, uint64_t after, int wait_ms, char *type) {
    Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
    Huddle__V1__Fetch f = HUDDLE__V1__FETCH__INIT;
    f.request_id = rid;
    f.after_seq = after;
    f.max = 100;
    f.wait_ms = (uint32_t)wait_ms;
    f.types = &type;
    f.n_types = 1;
    m.version = 1;
    m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_FETCH;
    m.fetch = &f;
    return hh_send(s, &m);
}

/* The next message must be EVENTS for rid; returns how many events (-1:
   not that) and the first seq in *first. */
static int expect_events(void *s, uint64_t rid, uint64_t *first) {
    Huddle__V1__BusMessage *m = hh_recv(s, 20000);
    int n = m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS && m->events->request_id == rid
                ? (int)m->events->n_events
                : -1;
    if (n > 0 && first)
        *first = m->events->events[0]->seq;
    if (n < 0)
        fprintf(stderr, "expected EVENTS for request %llu, got %s %u (request %llu)\n",
                (unsigned long long)rid, m ? "command" : "nothing", m ? m->cmd_case : 0,
                m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS
                    ? (unsigned long long)m->events->request_id
                    : 0ULL);
    if (m)
        huddle__v1__bus_message__free_unpacked(m, NULL);
    return n;
}

static void put_events(void) {
    hd_db_t *db = hd_db_connect(s_hub.url, 5000);
    ASSERT(db);
    ASSERT(hd_db_begin(db) == 0);
    for (int i = 0; i < EVENTS; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "%d", i);
        ASSERT(hh_put(db, "slow", ext, NULL, NULL) == 0);
    }
    ASSERT(hd_db_commit(db) == 0);
    ASSERT_EQ(hh_wait_for(db, "SELECT count(*) FROM event_log", EVENTS, 10000), EVENTS);
    hd_db_destroy(&db);
}

HD_TEST(ring_reader_not_held_up_by_history_reader) {
    ASSERT(setup() == 0);
    put_events();
    void *ring = peer(), *hist = peer(), *gone = peer(), *again = peer();
    ASSERT(ring && hist && gone && again);
    /* The hub has the last ten in its ring once it answers from it. */
    uint64_t first = 0;
    ASSERT(hh_fetch(ring, 1, EVENTS - 5, 100, 10000) == 0);
    ASSERT_EQ(expect_events(ring, 1, &first), 5);
    ASSERT_EQ(first, EVENTS - 4);

    hd_db_t *lock = hd_db_connect(s_hub.url, 5000);
    ASSERT(lock && hd_db_begin(lock) == 0);
    PGresult *r = hd_db_exec(lock, "LOCK TABLE event_log IN ACCESS EXCLUSIVE MODE", 0, NULL);
    ASSERT(r);
    PQclear(r);
    hd_db_t *watch = hd_db_connect(s_hub.url, 5000);
    ASSERT(watch);
    ASSERT(hh_fetch(hist, 1, 0, 100, 0) == 0); /* from event_log: waits on the lock */
    ASSERT_EQ(hh_wait_for(watch, WAITING_READS, 1, 20000), 1);
    ASSERT(hh_fetch(gone, 1, 0, 100, 0) == 0);
    zmq_close(gone);                                               /* its answer will find nobody */
    ASSERT(fetch_types(again, 1, 0, 30000, "no.such.type") == 0);  /* a long-poll from the log */
    ASSERT(fetch_types(again, 2, EVENTS, 0, "no.such.type") == 0); /* supersedes it */
    ASSERT_EQ(expect_events(again, 2, NULL), 0);

    /* Meanwhile the ring is served and a newcomer is welcomed. */
    ASSERT(hh_fetch(ring, 2, EVENTS - 3, 100, 0) == 0);
    ASSERT_EQ(expect_events(ring, 2, &first), 3);
    ASSERT_EQ(first, EVENTS - 2);
    void *newcomer = peer();
    ASSERT(newcomer);
    ASSERT(hh_recv(hist, 0) == NULL); /* still waiting on the lock */

    hd_db_rollback(lock);
    ASSERT_EQ(expect_events(hist, 1, &first), EVENTS);
    ASSERT_EQ(first, 1);
    ASSERT(fetch_types(again, 3, 0, 0, "no.such.type") == 0);
    ASSERT_EQ(expect_events(again, 3, NULL), 0); /* not request 1: it was superseded */
    hd_db_destroy(&watch);
    hd_db_destroy(&lock);
    zmq_close(newcomer);
    zmq_close(again);
    zmq_close(hist);
    zmq_close(ring);
}

HD_TEST(clean_stop) {
    ASSERT(s_ctx);
    zmq_ctx_term(s_ctx);
    ASSERT_EQ(hh_stop(&s_hub, SIGTERM, 5000), 0);
    hh_keys_remove(&s_hub);
}

HD_TEST_MAIN(HD_CASE(ring_reader_not_held_up_by_history_reader), HD_CASE(clean_stop))
