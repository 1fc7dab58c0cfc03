/*  hd_consumer against the real hub and PostgreSQL. The consumer runs in a
    child process (this program re-executed as "consumer_child") and counts
    each event's effect into a table in the same transaction as its cursor.
    - killed with SIGKILL mid-stream and restarted, it resumes at its
      cursor: every event has exactly one effect and exactly one output
      event (emitted and written at the batch's end); a poison event becomes
      a dead letter instead of blocking the stream (the batch is applied
      again one event at a time), and what it emitted before it was
      refused is never written;
    - the hub crashes and restarts while it is connected: the consumer is
      answered 401, says HELLO again and carries on. */
#include "hd_consumer.h"
#include "hd_log.h"
#include "hd_signal.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "hub_harness.h"

#define CONSUMER "test-consumer"

/* ---------- the child ---------- */

/* The event's output, derived from it (a replay gives the same id). */
static void echo(hd_batch_out_t *out, const hd_envelope_t *ev) {
    Huddle__V1__MentionRouted mr = HUDDLE__V1__MENTION_ROUTED__INIT;
    mr.mention_id = ev->mention_received->mention_id;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_ROUTED;
    env.mention_routed = &mr;
    hd_batch_emit(out, ev, &env, "", "echo");
}

/* The batch's effects in one statement, its outputs emitted; a poison
   event marks the batch dead at its index. */
static int apply_batch(hd_db_t *db, const hd_envelope_t *const *evs, size_t n, hd_batch_out_t *out,
                       void *arg) {
    (void)arg;
    hd_pgarray_t col[2] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const hd_envelope_t *ev = evs[i];
        if (!ev->mention_received)
            continue;
        if (getenv("HUB_TEST_ECHO"))
            echo(out, ev);
        if (strcmp(ev->mention_received->text, "poison") == 0) {
            hd_pgarray_free(&col[0]);
            hd_pgarray_free(&col[1]);
            return hd_batch_dead(out, i, "poison text");
        }
        char seq[24];
        snprintf(seq, sizeof seq, "%llu", (unsigned long long)ev->seq);
        hd_pgarray_add(&col[0], ev->id);
        hd_pgarray_add(&col[1], seq);
        usleep(300); /* slow enough to be killed mid-stream */
    }
    if (col[0].n == 0)
        return HD_APPLY_OK;
    return hd_db_cmd_arrays(db,
                            "INSERT INTO test_effect (event_id, seq) "
                            "SELECT * FROM unnest($1::uuid[], $2::bigint[])",
                            col, 2) < 0
               ? HD_APPLY_RETRY
               : HD_APPLY_OK;
}

HD_TEST(consumer_child) {
    const char *url = getenv("HUB_TEST_URL");
    if (!url)
        return; /* only meaningful when spawned by a test below */
    hd_log_init("test-consumer");
    hd_signal_init();
    hub_proc_t h = {0};
    snprintf(h.keys, sizeof h.keys, "%s", getenv("HUB_TEST_KEYS"));
    snprintf(h.endpoint, sizeof h.endpoint, "%s", getenv("HUB_TEST_ENDPOINT"));
    snprintf(h.hub_key, sizeof h.hub_key, "%s", getenv("HUB_TEST_HUB_KEY"));
    hd_db_t *db = hd_db_connect(url, 5000);
    hd_bus_t *bus = hh_bus(&h, "tester");
    ASSERT(db && bus);
    static const char *const types[] = {"mention.received"};
    hd_consumer_cfg_t cfg = {.name = CONSUMER,
                             .types = types,
                             .ntypes = 1,
                             .batch = 50,
                             .wait_ms = 1000,
                             .apply_batch = apply_batch};
    int rc = hd_consumer_run(db, bus, &cfg);
    unsigned connects = hd_bus_connects(bus);
    fprintf(stderr, "consumer child: %u connections\n", connects);
    const char *want = getenv("HUB_TEST_CONNECTS");
    hd_bus_destroy(&bus);
    hd_db_destroy(&db);
    ASSERT_EQ(rc, 0);
    if (want) /* 1: a hub restart was survived through 401 + HELLO alone */
        ASSERT_EQ(connects, atoi(want));
}

/* ---------- the tests ---------- */

static pid_t spawn_consumer(hub_proc_t *h) {
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("HUB_TEST_URL", h->url, 1);
        setenv("HUB_TEST_KEYS", h->keys, 1);
        setenv("HUB_TEST_ENDPOINT", h->endpoint, 1);
        setenv("HUB_TEST_HUB_KEY", h->hub_key, 1);
        execl("/proc/self/exe", "test_hub_consumer", "consumer_child", (char *)NULL);
        _exit(127);
    }
    hh_track(pid);
    return pid;
}

static int stop_child(pid_t pid, int sig) {
    hub_proc_t p = {.pid = pid};
    return hh_stop(&p, sig, 3000);
}

static hd_db_t *setup(hub_proc_t *h, const char *name) {
    if (hd_testdb_create(name, 0, h->url, sizeof h->url) < 0 || hh_keys(h, name) < 0)
        return NULL;
    hd_db_t *db = hd_db_connect(h->url, 5000);
    if (db && hd_db_cmd(db, "CREATE TABLE test_effect (event_id uuid, seq bigint)", 0, NULL) < 0)
        hd_db_destroy(&db);
    return db;
}

/* n events in transactions of 100; the one numbered `poison` (1-based, 0 =
   none) carries the text the consumer refuses. */
static int put_events(hd_db_t *db, int from, int n, int poison) {
    for (int i = from; i < from + n; i++) {
        if ((i - from) % 100 == 0 && hd_db_begin(db) < 0)
            return -1;
        char ext[16];
        snprintf(ext, sizeof ext, "%d", i);
        if (hh_put(db, "w0", ext, NULL, i == poison ? "poison" : "ok") != 0)
            return -1;
        if (((i - from) % 100 == 99 || i == from + n - 1) && hd_db_commit(db) < 0)
            return -1;
    }
    return 0;
}

#define CURSOR_SQL \
    "SELECT coalesce((SELECT seq FROM consumer_cursor WHERE consumer = '" CONSUMER "'), 0)"

HD_TEST(killed_consumer_resumes) {
    hub_proc_t h = {0};
    hd_db_t *db = setup(&h, "test_hub_consumer");
    ASSERT(db);
    const int n = 3000;
    ASSERT(put_events(db, 1, n, 1500) == 0);
    setenv("HUB_TEST_ECHO", "1", 1); /* each event emits one of its own */
    ASSERT(hh_start(&h, NULL) == 0);
    pid_t c = spawn_consumer(&h);
    long long seen = hh_wait_for(db, "SELECT (count(*) >= 600)::int FROM test_effect", 1, 60000);
    ASSERT_EQ(seen, 1);
    ASSERT_EQ(stop_child(c, SIGKILL), 128 + SIGKILL);
    long long at_kill = hh_scalar(db, "SELECT count(*) FROM test_effect");
    fprintf(stderr, "killed after %lld effects (cursor %lld)\n", at_kill,
            hh_scalar(db, CURSOR_SQL));
    ASSERT(at_kill < n - 1);
    c = spawn_consumer(&h);
    ASSERT_EQ(hh_wait_for(db, "SELECT count(*) FROM test_effect", n - 1, 60000), n - 1);
    ASSERT_EQ(stop_child(c, SIGTERM), 0);
    unsetenv("HUB_TEST_ECHO");
    ASSERT_EQ(hh_scalar(db, "SELECT count(*) FROM test_effect"), n - 1);
    ASSERT_EQ(hh_scalar(db, "SELECT count(DISTINCT event_id) FROM test_effect"), n - 1);
    ASSERT_EQ(hh_scalar(db, "SELECT count(DISTINCT seq) FROM test_effect"), n - 1);
    const char *echoes = "SELECT count(*) FROM (SELECT causation_id FROM outbox "
                         "  WHERE type = 'mention.routed' UNION ALL SELECT causation_id "
                         "  FROM event_log WHERE type = 'mention.routed') e";
    ASSERT_EQ(hh_wait_for(db, "SELECT count(*) FROM event_log WHERE type = 'mention.routed'", n - 1,
                          30000),
              n - 1);
    ASSERT_EQ(hh_scalar(db, echoes), n - 1);
    ASSERT_EQ(hh_scalar(db, "SELECT count(DISTINCT causation_id) FROM event_log "
                            "WHERE type = 'mention.routed'"),
              n - 1);
    ASSERT_EQ(hh_scalar(db, "SELECT count(*) FROM event_log o JOIN event_log i "
                            "ON i.event_id = o.causation_id WHERE o.type = 'mention.routed' "
                            "AND i.type = 'mention.received'"),
              n - 1);
    ASSERT_EQ(hh_scalar(db, "SELECT count(*) FROM dead_letter WHERE source = '" CONSUMER
                            "' AND reason LIKE 'poison text%' AND correlation_id IS NOT NULL"),
              1);
    hd_db_destroy(&db);
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

HD_TEST(hub_restart_consumer_continues) {
    hub_proc_t h = {0};
    hd_db_t *db = setup(&h, "test_hub_restart");
    ASSERT(db);
    /* The hub is back well within three heartbeats (3 s): the consumer
       never thinks it dead, keeps its socket, and learns of the restart
       from the 401 its next HEARTBEAT gets. */
    setenv("HUB_TEST_CONNECTS", "1", 1);
    ASSERT(hh_start(&h, NULL) == 0);
    pid_t c = spawn_consumer(&h);
    ASSERT(put_events(db, 1, 500, 0) == 0);
    ASSERT_EQ(hh_wait_for(db, CURSOR_SQL, 500, 30000), 500);
    ASSERT_EQ(hh_stop(&h, SIGKILL, 2000), 128 + SIGKILL);
    ASSERT(put_events(db, 501, 500, 0) == 0); /* committed while the hub is down */
    ASSERT(hh_start(&h, NULL) == 0);
    ASSERT(put_events(db, 1001, 500, 0) == 0);
    ASSERT_EQ(hh_wait_for(db, CURSOR_SQL, 1500, 30000), 1500);
    ASSERT_EQ(hh_scalar(db, "SELECT count(*) FROM test_effect"), 1500);
    ASSERT_EQ(hh_scalar(db, "SELECT count(DISTINCT seq) FROM test_effect"), 1500);
    ASSERT_EQ(hh_scalar(db, "SELECT max(seq) FROM event_log"), 1500);
    ASSERT_EQ(stop_child(c, SIGTERM), 0);
    unsetenv("HUB_TEST_CONNECTS");
    hd_db_destroy(&db);
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

HD_TEST_MAIN(HD_CASE(consumer_child), HD_CASE(killed_consumer_resumes),
             HD_CASE(hub_restart_consumer_continues))
