/*  The hub survives a PostgreSQL crash-restart: the sequencer reconnects,
    LISTENs and takes its lock again, re-reads max(seq) and carries on
    gap-free; the serving side reconnects for event_log reads. The cluster
    is a private one (scripts/pg.sh), so restarting it disturbs no other
    test. */
#include "hd_test.h"
#include "hub_harness.h"

static int sh(const char *fmt, const char *a, const char *b) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    return system(cmd);
}

static int put_batch(const char *url, int from, int n) {
    hd_db_t *db = hd_db_connect(url, 20000);
    if (!db)
        return -1;
    int rc = hd_db_begin(db);
    for (int i = from; rc == 0 && i < from + n; i++) {
        char ext[16];
        snprintf(ext, sizeof ext, "%d", i);
        rc = hh_put(db, "w0", ext, NULL, NULL);
    }
    rc = rc || hd_db_commit(db);
    hd_db_destroy(&db);
    return rc;
}

static int fetch_all(hub_proc_t *h, uint64_t total) {
    hd_bus_t *bus = hh_bus(h, "tester");
    uint64_t after = 0;
    int64_t until = hd_now_ms() + 30000;
    while (bus && after < total && hd_now_ms() < until) {
        hd_bus_batch_t *b;
        if (hd_bus_fetch(bus, after, 50, NULL, 0, 500, &b) < 0)
            continue;
        for (size_t i = 0; i < hd_bus_batch_count(b); i++) {
            if (hd_bus_batch_event(b, i)->seq != after + 1)
                until = 0; /* a gap: fail */
            after = hd_bus_batch_event(b, i)->seq;
        }
        hd_bus_batch_destroy(&b);
    }
    hd_bus_destroy(&bus);
    return after == total ? 0 : -1;
}

/* The private cluster and the hub under test (started by the scenario). */
typedef struct {
    const char *src, *bin;
    char dir[256];
    int pg_started;
    hub_proc_t h;
} rig_t;

static void scenario(rig_t *r) {
    hub_proc_t *h = &r->h;
    char port[16], cmd[1024];
    snprintf(port, sizeof port, "%d", hh_free_port());
    snprintf(cmd, sizeof cmd, "'%s/scripts/pg.sh' start '%s' %s", r->src, r->dir, port);
    FILE *p = popen(cmd, "r");
    ASSERT(p);
    r->pg_started = 1; /* pg.sh may have started it even if it then fails */
    char *got = fgets(h->url, sizeof h->url, p);
    pclose(p);
    ASSERT(got);
    h->url[strcspn(h->url, "\n")] = 0;
    snprintf(cmd, sizeof cmd,
             "HUDDLE_DATABASE_URL='%s' HUDDLE_MIGRATIONS_DIR='%s/migrations' HUDDLE_SEED=none "
             "'%s/huddle-migrate' >/dev/null 2>&1",
             h->url, r->src, r->bin);
    ASSERT_EQ(system(cmd), 0);
    ASSERT(hh_keys(h, "pgrestart") == 0);
    const char *env[] = {"HUDDLE_HUB_RING=10", NULL}; /* most reads go to event_log */
    ASSERT(hh_start(h, env) == 0);

    ASSERT(put_batch(h->url, 1, 100) == 0);
    hd_db_t *db = hd_db_connect(h->url, 5000);
    ASSERT_EQ(hh_wait_for(db, "SELECT count(*) FROM event_log", 100, 10000), 100);
    hd_db_destroy(&db);
    ASSERT(fetch_all(h, 100) == 0);

    ASSERT_EQ(sh("'%s/scripts/pg.sh' restart '%s' >/dev/null", r->src, r->dir), 0);
    ASSERT(put_batch(h->url, 101, 100) == 0);
    db = hd_db_connect(h->url, 5000);
    ASSERT(db);
    long long logged = hh_wait_for(db, "SELECT count(*) FROM event_log", 200, 20000);
    long long top = hh_scalar(db, "SELECT max(seq) FROM event_log");
    long long left = hh_scalar(db, "SELECT count(*) FROM outbox");
    hd_db_destroy(&db);
    ASSERT_EQ(logged, 200);
    ASSERT_EQ(top, 200);
    ASSERT_EQ(left, 0);
    ASSERT(fetch_all(h, 200) == 0);
    ASSERT_EQ(hh_stop(h, SIGTERM, 2000), 0);
}

/* Whatever the scenario's outcome, the hub and the cluster are stopped and
   their files removed: a failed run must not leave a PostgreSQL behind. */
HD_TEST(survives_postgres_restart) {
    rig_t r = {.src = getenv("HUDDLE_SOURCE_DIR"), .bin = getenv("HUDDLE_BIN_DIR")};
    ASSERT(r.src && r.bin);
    snprintf(r.dir, sizeof r.dir, "/tmp/huddle-test-pg-restart-%d", (int)getpid());
    scenario(&r);
    if (r.h.pid > 0)
        hh_stop(&r.h, SIGKILL, 2000);
    if (r.h.keys[0])
        hh_keys_remove(&r.h);
    if (r.pg_started) {
        sh("'%s/scripts/pg.sh' stop '%s' >/dev/null 2>&1", r.src, r.dir);
        sh("rm -rf \"$(realpath '%s')\" '%s'", r.dir, r.dir);
    }
}

HD_TEST_MAIN(HD_CASE(survives_postgres_restart))
