/*  hd_deadletter against a real PostgreSQL (migration 015): any bytes are
    stored (texts made UTF-8, raw exact, credentials redacted), identical
    refusals fold into one row, the store is bounded by size and by age with
    what was evicted counted by kind, the running totals stay exact, and a
    put the database refuses is counted as lost (and logged with its hash). */
#include "hd_deadletter.h"
#include "hd_test.h"
#include "hd_testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char s_url[512];
static hd_db_t *s_db;

static int setup(void) {
    if (s_db)
        return 0;
    if (hd_testdb_create("test_hd_deadletter_store", 0, s_url, sizeof s_url) < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    return s_db ? 0 : -1;
}

static long long scalar(const char *sql) {
    PGresult *r = hd_db_exec(s_db, sql, 0, NULL);
    long long v = r && PQntuples(r) ? atoll(PQgetvalue(r, 0, 0)) : -1;
    if (r)
        PQclear(r);
    return v;
}

static void limits(long long max_bytes, int sample_s) {
    hd_deadletter_cfg_t c = hd_deadletter_defaults();
    c.max_bytes = max_bytes;
    c.sample_s = sample_s;
    hd_deadletter_configure(&c);
}

HD_TEST(any_bytes_are_stored) {
    ASSERT(setup() == 0);
    limits(256LL << 20, 60);
    const char raw[] = "POST /v1/\xff HTTP/1.1\r\nAuthorization: Bearer hdt_x\r\n\r\n\x00\xfe";
    ASSERT_EQ(hd_deadletter_put(s_db, "ingest.http", "10.0.0.1:5000\xff", "400 POST /v1/\xff: bad",
                                "pa\xc3th", raw, sizeof raw - 1, "not-a-uuid"),
              0);
    PGresult *r = hd_db_exec(s_db,
                             "SELECT reason, peer, peer_host, field, kind, size, "
                             "position('hdt_x' in raw), position('\\x00fe'::bytea in raw) > 0 "
                             "FROM dead_letter ORDER BY id DESC LIMIT 1",
                             0, NULL);
    ASSERT(r && PQntuples(r) == 1);
    ASSERT_STR(PQgetvalue(r, 0, 0), "400 POST /v1/\\xFF: bad");
    ASSERT_STR(PQgetvalue(r, 0, 1), "10.0.0.1:5000\\xFF");
    ASSERT_STR(PQgetvalue(r, 0, 3), "pa\\xC3th");
    ASSERT_STR(PQgetvalue(r, 0, 4), "ingest.http:400");
    ASSERT_STR(PQgetvalue(r, 0, 6), "0"); /* the token is not kept */
    ASSERT_STR(PQgetvalue(r, 0, 7), "t"); /* the body's bytes are */
    PQclear(r);
}

HD_TEST(identical_refusals_fold) {
    ASSERT(setup() == 0);
    limits(256LL << 20, 60);
    long long rows = scalar("SELECT count(*) FROM dead_letter");
    hd_deadletter_counts_t before = hd_deadletter_counts();
    for (int i = 0; i < 20; i++) /* another port, same address: the same client */
        ASSERT_EQ(hd_deadletter_put(s_db, "ingest.zmq", i % 2 ? "1.2.3.4:1" : "1.2.3.4:2",
                                    "bad frame", NULL, "same", 4, NULL),
                  0);
    ASSERT_EQ(
        hd_deadletter_put(s_db, "ingest.zmq", "1.2.3.4:3", "bad frame", NULL, "other", 5, NULL), 0);
    ASSERT_EQ(scalar("SELECT count(*) FROM dead_letter") - rows, 2);
    ASSERT_EQ(scalar("SELECT max(repeats) FROM dead_letter WHERE source = 'ingest.zmq'"), 20);
    hd_deadletter_counts_t after = hd_deadletter_counts();
    ASSERT_EQ(after.written - before.written, 2);
    ASSERT_EQ(after.repeats - before.repeats, 19);
    limits(256LL << 20, 0); /* no window: every refusal a row */
    ASSERT_EQ(
        hd_deadletter_put(s_db, "ingest.zmq", "1.2.3.4:3", "bad frame", NULL, "other", 5, NULL), 0);
    ASSERT_EQ(scalar("SELECT count(*) FROM dead_letter") - rows, 3);
}

HD_TEST(bounded_by_size_and_age) {
    ASSERT(setup() == 0);
    limits(100 * 1000, 60);
    char body[10000];
    for (int i = 0; i < 40; i++) { /* 400 KB of distinct refusals into 100 KB */
        memset(body, 'a' + i % 26, sizeof body);
        snprintf(body, 16, "%d", i);
        ASSERT_EQ(
            hd_deadletter_put(s_db, "policy", NULL, "cannot apply", NULL, body, sizeof body, NULL),
            0);
    }
    long long bytes = scalar("SELECT sum(size) FROM dead_letter");
    ASSERT(bytes <= 100 * 1000 + (long long)sizeof body);
    ASSERT_EQ(scalar("SELECT sum(stored_bytes) FROM dead_letter_stats"), bytes);
    ASSERT(scalar("SELECT evicted_rows FROM dead_letter_stats WHERE kind = 'policy'") >= 30);
    ASSERT(hd_deadletter_counts().evicted_rows >= 30);
    /* the newest are kept */
    ASSERT_EQ(scalar("SELECT count(*) FROM dead_letter WHERE source = 'policy' AND "
                     "convert_from(substring(raw from 1 for 2), 'UTF8') = '39'"),
              1);
    /* by age: a row received 31 days ago goes at the next eviction */
    ASSERT(hd_db_cmd(s_db,
                     "UPDATE dead_letter SET received_at = now() - interval '31 days' "
                     "WHERE id = (SELECT min(id) FROM dead_letter)",
                     0, NULL) == 0);
    long long rows = scalar("SELECT count(*) FROM dead_letter");
    limits(256LL << 20, 60);
    ASSERT(hd_deadletter_evict(s_db) >= 1);
    ASSERT_EQ(scalar("SELECT count(*) FROM dead_letter"), rows - 1);
    ASSERT_EQ(scalar("SELECT count(*) FROM dead_letter WHERE received_at < now() - "
                     "interval '30 days'"),
              0);
}

HD_TEST(totals_follow_deletes_and_truncate) {
    ASSERT(setup() == 0);
    ASSERT(hd_db_cmd(s_db, "DELETE FROM dead_letter WHERE source = 'ingest.zmq'", 0, NULL) == 0);
    ASSERT_EQ(scalar("SELECT sum(stored_rows) FROM dead_letter_stats"),
              scalar("SELECT count(*) FROM dead_letter"));
    ASSERT(hd_db_cmd(s_db, "TRUNCATE dead_letter", 0, NULL) == 0);
    ASSERT_EQ(scalar("SELECT sum(stored_bytes) + sum(stored_rows) FROM dead_letter_stats"), 0);
}

HD_TEST(a_refused_put_is_counted_lost) {
    ASSERT(setup() == 0);
    hd_deadletter_counts_t before = hd_deadletter_counts();
    ASSERT(hd_db_begin(s_db) == 0);
    hd_db_cmd(s_db, "SELECT 1/0", 0, NULL); /* the transaction is now aborted */
    ASSERT_EQ(hd_deadletter_put(s_db, "workflow", NULL, "cannot apply", NULL, "x", 1, NULL), -1);
    hd_db_rollback(s_db);
    ASSERT_EQ(hd_deadletter_counts().lost - before.lost, 1);
}

HD_TEST(cleanup) { hd_db_destroy(&s_db); }

HD_TEST_MAIN(HD_CASE(any_bytes_are_stored), HD_CASE(identical_refusals_fold),
             HD_CASE(bounded_by_size_and_age), HD_CASE(totals_follow_deletes_and_truncate),
             HD_CASE(a_refused_put_is_counted_lost), HD_CASE(cleanup))
