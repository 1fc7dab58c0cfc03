/*  The sequencer against a real PostgreSQL and the real huddle-hub: eight
    writers commit 5,000 events each, one per transaction with a random
    delay before COMMIT, while the hub runs. event_log must hold seq 1..N
    without a gap, every event exactly once, each writer's events in its
    commit order; the same must come out of hd_bus (older events from
    event_log: the ring is kept small). Also: long-poll answers as soon as an
    event is sequenced, and an unanswered wait ends with an empty EVENTS. */
#include "hd_test.h"
#include "hd_testdb.h"
#include "hub_harness.h"

#include <pthread.h>

#define WRITERS 8
#define PER_WRITER 5000
#define TOTAL (WRITERS * PER_WRITER)

typedef struct {
    const char *url;
    int writer;
    int failed;
} writer_t;

static void *write_events(void *arg) {
    writer_t *w = arg;
    hd_db_t *db = hd_db_connect(w->url, 5000);
    if (!db) {
        w->failed = 1;
        return NULL;
    }
    unsigned seed = (unsigned)w->writer * 7919u;
    char actor[16], ext[16];
    snprintf(actor, sizeof actor, "w%d", w->writer);
    for (int i = 1; i <= PER_WRITER && !w->failed; i++) {
        snprintf(ext, sizeof ext, "%d", i);
        if (hd_db_begin(db) < 0 || hh_put(db, actor, ext, NULL, NULL) != 0) {
            w->failed = 1;
            break;
        }
        /* Hold the transaction open a little: commits interleave and some
           commit out of oid order, which is what a tailing reader gets wrong. */
        usleep((useconds_t)(rand_r(&seed) % 400));
        if (hd_db_commit(db) < 0)
            w->failed = 1;
    }
    hd_db_destroy(&db);
    return NULL;
}

/* Checks one event against the per-writer order. 0 ok, -1 not. */
static int check_order(const hd_envelope_t *env, int next[WRITERS]) {
    if (!env->actor || env->actor[0] != 'w' || !env->mention_received)
        return -1;
    int w = atoi(env->actor + 1), i = atoi(env->mention_received->external_id);
    if (w < 0 || w >= WRITERS || i != next[w] + 1)
        return -1;
    next[w] = i;
    return 0;
}

static void check_log(hd_db_t *db) {
    ASSERT_EQ(hh_scalar(db, "SELECT count(*) FROM event_log"), TOTAL);
    ASSERT_EQ(hh_scalar(db, "SELECT min(seq) FROM event_log"), 1);
    ASSERT_EQ(hh_scalar(db, "SELECT max(seq) FROM event_log"), TOTAL);
    ASSERT_EQ(hh_scalar(db, "SELECT count(DISTINCT event_id) FROM event_log"), TOTAL);
    ASSERT_EQ(hh_scalar(db, "SELECT count(*) FROM outbox"), 0);
    PGresult *r =
        hd_db_execv(db, "SELECT seq, payload FROM event_log ORDER BY seq", 0, NULL, NULL, NULL, 1);
    ASSERT(r);
    int next[WRITERS] = {0}, bad = 0;
    for (int i = 0; i < PQntuples(r) && !bad; i++) {
        hd_envelope_t *env =
            hd_envelope_unpack((const uint8_t *)PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1));
        bad = !env || check_order(env, next) < 0;
        if (bad)
            fprintf(stderr, "event_log row %d breaks a writer's commit order\n", i);
        hd_envelope_free(env);
    }
    PQclear(r);
    ASSERT(!bad);
    for (int w = 0; w < WRITERS; w++)
        ASSERT_EQ(next[w], PER_WRITER);
}

static void check_bus(hub_proc_t *h) {
    hd_bus_t *bus = hh_bus(h, "tester");
    ASSERT(bus);
    uint64_t after = 0;
    int next[WRITERS] = {0}, bad = 0;
    int64_t until = hd_now_ms() + 60000;
    while (after < TOTAL && !bad && hd_now_ms() < until) {
        hd_bus_batch_t *b;
        if (hd_bus_fetch(bus, after, 1000, NULL, 0, 1000, &b) < 0)
            continue;
        for (size_t i = 0; i < hd_bus_batch_count(b) && !bad; i++) {
            const hd_envelope_t *ev = hd_bus_batch_event(b, i);
            bad = ev->seq != after + 1 || check_order(ev, next) < 0;
            if (bad)
                fprintf(stderr, "bus: seq %llu after %llu out of order\n",
                        (unsigned long long)ev->seq, (unsigned long long)after);
            after = ev->seq;
        }
        hd_bus_batch_destroy(&b);
    }
    ASSERT_EQ(hd_bus_head(bus), TOTAL);
    hd_bus_destroy(&bus);
    ASSERT(!bad);
    ASSERT_EQ(after, TOTAL);
}

HD_TEST(concurrent_writers_gap_free) {
    hub_proc_t h = {0};
    ASSERT(hd_testdb_create("test_hub_sequencer", 0, h.url, sizeof h.url) == 0);
    ASSERT(hh_keys(&h, "seq") == 0);
    const char *env[] = {"HUDDLE_HUB_RING=5000", NULL};
    ASSERT(hh_start(&h, env) == 0);
    pthread_t th[WRITERS];
    writer_t w[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer_t){h.url, i, 0};
        pthread_create(&th[i], NULL, write_events, &w[i]);
    }
    int failed = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(th[i], NULL);
        failed |= w[i].failed;
    }
    ASSERT(!failed);
    hd_db_t *db = hd_db_connect(h.url, 5000);
    ASSERT(db);
    ASSERT_EQ(hh_wait_for(db, "SELECT count(*) FROM event_log", TOTAL, 60000), TOTAL);
    check_log(db);
    hd_db_destroy(&db);
    if (hd_test_failed)
        return;
    check_bus(&h);
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

HD_TEST(long_poll_wakes_and_expires) {
    hub_proc_t h = {0};
    ASSERT(hd_testdb_create("test_hub_longpoll", 0, h.url, sizeof h.url) == 0);
    ASSERT(hh_keys(&h, "poll") == 0);
    /* The idle outbox is looked at every 300 ms at most: a commit is seen
       within that, however long the outbox has been empty. */
    const char *env[] = {"HUDDLE_HUB_POLL_MS=300", NULL};
    ASSERT(hh_start(&h, env) == 0);
    void *ctx = zmq_ctx_new();
    void *s = hh_raw(ctx, &h, "tester");
    ASSERT(s);
    ASSERT(hh_hello(s) == 0);
    Huddle__V1__BusMessage *m = hh_recv(s, 5000);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME);
    ASSERT_STR(m->welcome->peer, "tester");
    huddle__v1__bus_message__free_unpacked(m, NULL);

    int64_t t0 = hd_now_ms();
    ASSERT(hh_fetch(s, 7, 0, 10, 300) == 0);
    m = hh_recv(s, 3000);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    ASSERT_EQ(m->events->request_id, 7);
    ASSERT_EQ(m->events->n_events, 0);
    ASSERT(hd_now_ms() - t0 >= 250);
    huddle__v1__bus_message__free_unpacked(m, NULL);

    ASSERT(hh_fetch(s, 8, 0, 10, 10000) == 0);
    hh_sleep_ms(1500); /* long enough idle for the pause to reach its cap */
    hd_db_t *db = hd_db_connect(h.url, 5000);
    ASSERT(db);
    t0 = hd_now_ms();
    ASSERT(hh_put(db, "w0", "1", NULL, NULL) == 0);
    m = hh_recv(s, 5000);
    int64_t took = hd_now_ms() - t0;
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    ASSERT_EQ(m->events->request_id, 8);
    ASSERT_EQ(m->events->n_events, 1);
    ASSERT_EQ(m->events->events[0]->seq, 1);
    ASSERT_STR(m->events->events[0]->actor, "w0");
    huddle__v1__bus_message__free_unpacked(m, NULL);
    fprintf(stderr, "long poll answered %lld ms after the commit\n", (long long)took);
    ASSERT(took < 1000); /* the wait was 10 s: only the sequencer's poll answers */
    hd_db_destroy(&db);
    zmq_close(s);
    zmq_ctx_term(ctx);
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

HD_TEST_MAIN(HD_CASE(concurrent_writers_gap_free), HD_CASE(long_poll_wakes_and_expires))
