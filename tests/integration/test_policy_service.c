/*  Policy service against a real PostgreSQL: apply validates and activates
    with an event in the same transaction; items in flight are evaluated
    under the version they arrived with while a new one is active; verdicts
    and policy.evaluated events are written once (replays change nothing);
    author facts come from certification / delegation; what-if simulation
    counts changed verdicts without activating anything. As a consumer
    (pol_svc_apply_batch, driven the way hd_consumer drives it; a single
    submission is a batch of one): one channel read and one verdict INSERT
    per batch, every read of a batch in one round trip (author facts of
    all its items in one statement, as a batch of one finds them), first
    verdict wins within a batch and across batches,
    nothing of a rolled-back attempt or a dead letter is written, and a
    retried batch reads its channels again. */
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "policy_service.h"
#include "policy_simulate.h"
#include "policy_store.h"

#include <ctype.h>
#include <stdlib.h>

static hd_db_t *s_db;
static hd_batch_out_t *s_out; /* as hd_consumer creates it: source "policy" */

#define MAYA_ID "00000000-0000-4000-8000-000000000002"

static const char *V2 =
    "rules:\n"
    "  - id: banned\n    kind: lexicon\n    action: block\n    terms: [lawsuit]\n"
    "  - id: author\n    kind: author\n    action: block\n";

static long scalar_long(const char *sql, int n, const char *const *p) {
    PGresult *r = hd_db_exec(s_db, sql, n, p);
    long v = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : -1;
    if (r)
        PQclear(r);
    return v;
}

HD_TEST(setup) {
    char url[512];
    ASSERT(hd_testdb_create("policy_service", 1, url, sizeof url) == 0);
    s_db = hd_db_connect(url, 5000);
    ASSERT(s_db);
    s_out = hd_batch_out_new("policy");
    int64_t v = 0;
    ASSERT(pol_store_active(s_db, &v) == 0);
    ASSERT_EQ(v, 1); /* the seed's starter policy */
}

HD_TEST(apply_validates_and_activates) {
    char err[4096];
    int64_t v = 0;
    int unchanged = 0;
    const char *bad = "rules:\n  - id: x\n    kind: lexicon\n    action: nope\n    terms: [a]\n";
    ASSERT_EQ(pol_store_apply(s_db, bad, strlen(bad), "test", &v, &unchanged, err, sizeof err), 1);
    ASSERT(strstr(err, "line 4: rule x: unknown action 'nope'"));
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_version", 0, NULL), 1);
    ASSERT_EQ(pol_store_apply(s_db, V2, strlen(V2), "test", &v, &unchanged, err, sizeof err), 0);
    ASSERT_EQ(v, 2);
    ASSERT_EQ(unchanged, 0);
    ASSERT_EQ(scalar_long("SELECT version FROM policy_version WHERE active", 0, NULL), 2);
    ASSERT_EQ(scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.activated'", 0, NULL),
              2); /* the seed's and ours */
    ASSERT_EQ(pol_store_apply(s_db, V2, strlen(V2), "test", &v, &unchanged, err, sizeof err), 0);
    ASSERT_EQ(unchanged, 1);
    ASSERT_EQ(v, 2);
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_version", 0, NULL), 2);
}

/* One content.submitted with the storage its envelope points into. */
typedef struct {
    char cid[HD_ID_LEN], id[HD_ID_LEN];
    Huddle__V1__ContentSubmitted cs;
    hd_envelope_t env;
} sub_t;

static void sub_init(sub_t *s, const char *cid, const char *channel, const char *text,
                     int64_t version) {
    snprintf(s->cid, sizeof s->cid, "%s", cid);
    s->cs = (Huddle__V1__ContentSubmitted)HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    s->cs.content_id = s->cid;
    s->cs.author_id = (char *)MAYA_ID;
    s->cs.author_email = (char *)"maya@example.org";
    s->cs.channel = (char *)channel;
    s->cs.text = (char *)text;
    s->cs.kind = (char *)"post";
    s->cs.policy_version = version;
    s->env = (hd_envelope_t)HUDDLE__V1__ENVELOPE__INIT;
    s->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED;
    s->env.content_submitted = &s->cs;
    s->env.department = (char *)"marketing";
    s->env.correlation_id = s->cid;
    s->env.actor = (char *)"maya@example.org";
    hd_envelope_stamp(&s->env, s->id, "ingest", s->cid, "content.submitted");
}

static char s_why[512];  /* the last dead mark's reason */
static size_t s_dead_at; /* and its index */

/* One call of apply_batch on n events and, when it applied, its emitted
   events written, as hd_consumer's run_batch does. The rc of apply_batch,
   or -99 when writing the outbox failed. */
static int apply(pol_svc_t *svc, const hd_envelope_t *const *evs, size_t n) {
    hd_batch_out_clear(s_out);
    int rc = pol_svc_apply_batch(s_db, evs, n, s_out, svc);
    const char *why = "";
    if (rc == HD_APPLY_DEAD && hd_batch_dead_mark(s_out, &s_dead_at, &why))
        snprintf(s_why, sizeof s_why, "%s", why);
    if (rc == HD_APPLY_OK && hd_batch_out_write(s_out, s_db) < 0)
        return -99;
    return rc;
}

/* A content.submitted as ingest would build it, applied as a batch of one
   in its own transaction (committed when applied); returns the rc. */
static int submit(pol_svc_t *svc, const char *content_id, const char *text, int64_t version,
                  const char *actor) {
    sub_t sub;
    sub_init(&sub, content_id, "sandbox", text, version);
    sub.env.actor = (char *)actor;
    if (hd_db_begin(s_db) < 0)
        return -99;
    const hd_envelope_t *one[1] = {&sub.env};
    int rc = apply(svc, one, 1);
    if (rc == HD_APPLY_OK)
        hd_db_commit(s_db);
    else
        hd_db_rollback(s_db);
    return rc;
}

static void verdict_of(const char *cid, char *verdict, long *version) {
    const char *p[1] = {cid};
    PGresult *r = hd_db_exec(s_db,
                             "SELECT verdict, policy_version FROM policy_verdict "
                             "WHERE content_id = $1",
                             1, p);
    strcpy(verdict, r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "none");
    *version = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 1)) : -1;
    if (r)
        PQclear(r);
}

HD_TEST(in_flight_items_keep_their_version) {
    pol_svc_t *svc = pol_svc_new();
    ASSERT(svc);
    char cid1[HD_ID_LEN], cid2[HD_ID_LEN], verdict[16];
    long ver;
    hd_id_random(cid1);
    hd_id_random(cid2);
    /* Arrived under v1 (starter: lawsuit -> review(legal)), v2 now active. */
    ASSERT_EQ(submit(svc, cid1, "about the lawsuit", 1, "maya@example.org"), HD_APPLY_OK);
    verdict_of(cid1, verdict, &ver);
    ASSERT_STR(verdict, "review");
    ASSERT_EQ(ver, 1);
    /* 0 = the active one (v2: lawsuit blocks; Maya is not certified). */
    ASSERT_EQ(submit(svc, cid2, "about the lawsuit", 0, "maya@example.org"), HD_APPLY_OK);
    verdict_of(cid2, verdict, &ver);
    ASSERT_STR(verdict, "block");
    ASSERT_EQ(ver, 2);
    const char *p[1] = {cid2};
    ASSERT_EQ(scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.evaluated' "
                          "AND correlation_id = $1",
                          1, p),
              1);
    /* a replay: same ids, nothing new */
    ASSERT_EQ(submit(svc, cid2, "about the lawsuit", 0, "maya@example.org"), HD_APPLY_OK);
    ASSERT_EQ(scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.evaluated' "
                          "AND correlation_id = $1",
                          1, p),
              1);
    /* a version that does not exist is a dead letter with a reason */
    ASSERT_EQ(submit(svc, cid2, "x", 99, "maya@example.org"), HD_APPLY_DEAD);
    ASSERT(strstr(s_why, "99"));
    pol_svc_destroy(&svc);
}

HD_TEST(author_facts_from_tables) {
    pol_svc_t *svc = pol_svc_new();
    char cid[HD_ID_LEN], verdict[16];
    long ver;
    ASSERT(hd_db_cmd(s_db,
                     "INSERT INTO certification (person_id, channel_id, expires_at) "
                     "VALUES ('" MAYA_ID "', 'sandbox', now() + interval '1 day')",
                     0, NULL) == 0);
    hd_id_random(cid);
    ASSERT_EQ(submit(svc, cid, "hello", 0, "maya@example.org"), HD_APPLY_OK);
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "pass");
    /* carl submits on Maya's behalf without a delegation */
    hd_id_random(cid);
    ASSERT_EQ(submit(svc, cid, "hello", 0, "carl@example.org"), HD_APPLY_OK);
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "block");
    ASSERT(hd_db_cmd(s_db,
                     "INSERT INTO delegation (principal_id, delegate_id, valid_from) "
                     "VALUES ('" MAYA_ID "', '00000000-0000-4000-8000-000000000003', "
                     "now() - interval '1 hour')",
                     0, NULL) == 0);
    hd_id_random(cid);
    ASSERT_EQ(submit(svc, cid, "hello", 0, "carl@example.org"), HD_APPLY_OK);
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "pass");
    pol_svc_destroy(&svc);
}

HD_TEST(simulate_counts_changes) {
    /* stored content: two posts, one mentions a settlement */
    ASSERT(hd_db_cmd(s_db,
                     "INSERT INTO content (id, author_id, department_id, channel_id, text) VALUES "
                     "(gen_random_uuid(), '" MAYA_ID "', 'marketing', 'sandbox', "
                     " 'we reached a settlement today'),"
                     "(gen_random_uuid(), '" MAYA_ID "', 'marketing', 'sandbox', 'hello world')",
                     0, NULL) == 0);
    const char *cand = "rules:\n  - id: banned\n    kind: lexicon\n    action: block\n"
                       "    terms: [lawsuit, settlement]\n"
                       "  - id: author\n    kind: author\n    action: block\n";
    char err[4096], *buf = NULL;
    size_t blen = 0;
    FILE *out = open_memstream(&buf, &blen);
    long n = pol_simulate(s_db, cand, strlen(cand), 3600, 3, out, err, sizeof err);
    fclose(out);
    printf("%s", buf);
    ASSERT_EQ(n, 1);
    ASSERT(strstr(buf, "pass   -> block  1"));
    ASSERT(strstr(buf, "+ banned: pass -> block 1"));
    ASSERT(strstr(buf, "[[settlement]]"));
    free(buf);
    ASSERT_EQ(scalar_long("SELECT version FROM policy_version WHERE active", 0, NULL), 2);
}

/* ---------- batches, as hd_consumer applies them ---------- */

/* V3's only rule blocks a text longer than its channel's max_length. */
static const char *V3 = "rules:\n  - id: length\n    kind: limits\n    action: block\n";
#define LONG_TEXT "a text longer than ten characters"

/* Scans of table channel by this backend not yet sent to the statistics
   (pg_stat_xact_*: from before this transaction too, until the backend
   next reports while idle, so only a difference within one transaction
   means anything). */
static long channel_scans(void) {
    return scalar_long("SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) "
                       "FROM pg_stat_xact_user_tables WHERE relname = 'channel'",
                       0, NULL);
}

static long s_scans_at_begin;

/* Reads of table channel in the transaction run_batch left open. */
static long channel_reads(void) { return channel_scans() - s_scans_at_begin; }

/* A batch of one under a savepoint, as hd_consumer's run_one: applied,
   or rolled back to the savepoint when dead. 1 dead, 0 applied, -1 error. */
static int apply_saved(pol_svc_t *svc, sub_t *sub) {
    if (hd_db_cmd(s_db, "SAVEPOINT t", 0, NULL) < 0)
        return -1;
    const hd_envelope_t *one[1] = {&sub->env};
    int rc = apply(svc, one, 1);
    if (rc == HD_APPLY_DEAD && hd_db_cmd(s_db, "ROLLBACK TO SAVEPOINT t", 0, NULL) < 0)
        return -1;
    if (rc != HD_APPLY_OK && rc != HD_APPLY_DEAD)
        return -1;
    return hd_db_cmd(s_db, "RELEASE SAVEPOINT t", 0, NULL) < 0 ? -1 : rc == HD_APPLY_DEAD;
}

/* What hd_consumer does with one batch (hd_consumer.c, apply_batched): the
   whole batch in one call; when an event of it is dead, roll back and
   apply the events again one at a time (apply_saved). Leaves the
   transaction open for the caller to look into and commit. Returns the
   number of dead letters, or -1. */
static int run_batch(pol_svc_t *svc, sub_t *subs, size_t n) {
    enum { MAX = 128 };
    const hd_envelope_t *evs[MAX];
    if (n > MAX)
        return -1;
    for (size_t i = 0; i < n; i++)
        evs[i] = &subs[i].env;
    hd_db_rollback(s_db); /* whatever a failed assertion left open */
    if (hd_db_begin(s_db) < 0)
        return -1;
    s_scans_at_begin = channel_scans();
    int rc = apply(svc, evs, n);
    if (rc == HD_APPLY_OK)
        return 0;
    if (rc != HD_APPLY_DEAD)
        return -1;
    hd_db_rollback(s_db);
    if (hd_db_begin(s_db) < 0)
        return -1;
    s_scans_at_begin = channel_scans();
    int dead = 0;
    for (size_t i = 0; i < n; i++) {
        int one = apply_saved(svc, &subs[i]);
        if (one < 0)
            return -1;
        dead += one;
    }
    return dead;
}

/* Statements so far that inserted into policy_verdict (a test trigger). */
static long verdict_statements(void) {
    return scalar_long("SELECT n FROM test_verdict_stmt", 0, NULL);
}

static long verdict_rows(const sub_t *subs, size_t n) {
    long rows = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p[1] = {subs[i].cid};
        rows += scalar_long("SELECT count(*) FROM policy_verdict WHERE content_id = $1", 1, p);
    }
    return rows;
}

static int set_max_length(const char *channel, long max) {
    char m[24];
    snprintf(m, sizeof m, "%ld", max);
    const char *p[2] = {channel, m};
    return hd_db_cmd(s_db, "UPDATE channel SET max_length = $2 WHERE id = $1", 2, p);
}

/* A new service, and channel 'short' at its limit of 10 again (a failed
   case may have left it otherwise). The caller owns the service; NULL on
   failure. */
static pol_svc_t *fresh(void) {
    hd_db_rollback(s_db);
    if (set_max_length("short", 10) < 0)
        return NULL;
    return pol_svc_new();
}

/* policy.evaluated rows in the outbox caused by sub's event. */
static long evaluated_rows(const sub_t *sub) {
    const char *p[1] = {sub->id};
    return scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.evaluated' "
                       "AND causation_id = $1",
                       1, p);
}

/* A counter of pol_svc_metrics, or -1. */
static long long metric(pol_svc_t *svc, const char *name) {
    char *buf = NULL, key[128];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pol_svc_metrics(f, svc);
    fclose(f);
    snprintf(key, sizeof key, "\n%s ", name);
    const char *at = strstr(buf, key);
    long long v = at ? atoll(at + strlen(key)) : -1;
    free(buf);
    return v;
}

HD_TEST(batch_setup) {
    char err[4096];
    int64_t v = 0;
    int unchanged;
    ASSERT_EQ(pol_store_apply(s_db, V3, strlen(V3), "test", &v, &unchanged, err, sizeof err), 0);
    ASSERT_EQ(v, 3);
    ASSERT_EQ(hd_db_cmd(s_db,
                        "INSERT INTO channel (id, kind, base_url, max_length) "
                        "VALUES ('short', 'plain', 'http://127.0.0.1:9', 10)",
                        0, NULL),
              0);
    /* Counts statements, not rows: a statement trigger fires once each. */
    ASSERT_EQ(hd_db_cmd(s_db, "CREATE TABLE test_verdict_stmt (n bigint NOT NULL)", 0, NULL), 0);
    ASSERT_EQ(hd_db_cmd(s_db, "INSERT INTO test_verdict_stmt VALUES (0)", 0, NULL), 0);
    ASSERT_EQ(hd_db_cmd(s_db,
                        "CREATE FUNCTION test_count_verdict_stmt() RETURNS trigger "
                        "LANGUAGE plpgsql AS $$ BEGIN "
                        "UPDATE test_verdict_stmt SET n = n + 1; RETURN NULL; END $$",
                        0, NULL),
              0);
    ASSERT_EQ(hd_db_cmd(s_db,
                        "CREATE TRIGGER test_verdict_stmt AFTER INSERT ON policy_verdict "
                        "FOR EACH STATEMENT EXECUTE FUNCTION test_count_verdict_stmt()",
                        0, NULL),
              0);
}

/* Items across three channels (one unknown): one read of the channels,
   one INSERT for the batch, every verdict right and written once, one
   policy.evaluated each; the findings come through the array parameter
   with their quotes and backslashes, as a batch of one writes them. */
HD_TEST(batch_writes_every_verdict_once) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    static const struct {
        const char *channel, *text, *verdict;
    } want[] = {{"short", "hello", "pass"},
                {"sandbox", LONG_TEXT, "pass"},
                {"short", "0123456789 \"no\" \\ to that", "block"},
                {"nowhere", LONG_TEXT, "pass"}, /* unknown: no limit */
                {"sandbox", "hi", "pass"},
                {"short", LONG_TEXT, "block"}};
    enum { N = sizeof want / sizeof want[0] };
    sub_t subs[N];
    for (int i = 0; i < N; i++) {
        char cid[HD_ID_LEN];
        hd_id_random(cid);
        sub_init(&subs[i], cid, want[i].channel, want[i].text, 3);
    }
    long before = verdict_statements();
    long long rounds = metric(svc, "huddle_policy_read_rounds_total");
    ASSERT_EQ(run_batch(svc, subs, N), 0);
    ASSERT_EQ(channel_reads(), 1);
    ASSERT_EQ(verdict_statements() - before, 1);
    /* every read in one round trip (v3's source, not compiled yet, aside) */
    ASSERT_EQ(metric(svc, "huddle_policy_read_rounds_total") - rounds, 1);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_EQ(verdict_rows(subs, N), N);
    for (int i = 0; i < N; i++) {
        char verdict[16];
        long ver;
        verdict_of(subs[i].cid, verdict, &ver);
        ASSERT_STR(verdict, want[i].verdict);
        ASSERT_EQ(ver, 3);
        ASSERT_EQ(evaluated_rows(&subs[i]), 1);
    }
    const char *p[1] = {subs[2].cid};
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_verdict WHERE content_id = $1 AND "
                          "findings->0->>'message' LIKE '%(plain counting); the limit is 10'",
                          1, p),
              1);
    /* The same text again, as a batch of one. */
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    sub_t one;
    sub_init(&one, cid, "short", want[2].text, 3);
    ASSERT_EQ(run_batch(svc, &one, 1), 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    const char *p2[3] = {subs[2].cid, cid, " \"no\" \\ to that"};
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_verdict a, policy_verdict b "
                          "WHERE a.content_id = $1 AND b.content_id = $2 "
                          "AND a.findings = b.findings AND a.findings->0->>'matched' = $3",
                          3, p2),
              1);
    pol_svc_destroy(&svc);
}

/* Replays within one batch (the same content_id again, once spelled in
   capitals) keep each item's first verdict, however the statement sorts
   them; a replay in a later batch changes nothing either. */
HD_TEST(batch_duplicate_keeps_the_first) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    enum { K = 16 };
    static sub_t subs[2 * K + 1];
    for (int i = 0; i < K; i++) {
        char cid[HD_ID_LEN];
        hd_id_random(cid);
        sub_init(&subs[i], cid, "short", "hello", 3);
        sub_init(&subs[2 * K - 1 - i], cid, "short", LONG_TEXT, 3);
    }
    char upper[HD_ID_LEN];
    for (int i = 0; i < HD_ID_LEN; i++)
        upper[i] = (char)toupper((unsigned char)subs[0].cid[i]);
    sub_init(&subs[2 * K], upper, "short", LONG_TEXT, 3);
    ASSERT_EQ(run_batch(svc, subs, 2 * K + 1), 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_EQ(verdict_rows(subs, K), K);
    char verdict[16];
    long ver;
    for (int i = 0; i < K; i++) {
        verdict_of(subs[i].cid, verdict, &ver);
        ASSERT_STR(verdict, "pass");
        ASSERT_EQ(evaluated_rows(&subs[i]), 1); /* the replay's id is the same */
    }
    ASSERT_EQ(run_batch(svc, &subs[K], K), 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    for (int i = 0; i < K; i++) {
        verdict_of(subs[i].cid, verdict, &ver);
        ASSERT_STR(verdict, "pass");
        ASSERT_EQ(evaluated_rows(&subs[i]), 1);
    }
    pol_svc_destroy(&svc);
}

/* An attempt rolled back (a transient failure) leaves nothing behind: no
   verdict, no event, and the retry reads the channels again (here one
   changed between the attempts). */
HD_TEST(batch_retry_after_rollback) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    char cid[HD_ID_LEN], verdict[16];
    long ver;
    sub_t subs[2];
    hd_id_random(cid);
    sub_init(&subs[0], cid, "short", LONG_TEXT, 3);
    hd_id_random(cid);
    sub_init(&subs[1], cid, "sandbox", LONG_TEXT, 3);
    const hd_envelope_t *evs[2] = {&subs[0].env, &subs[1].env};
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(apply(svc, evs, 2), HD_APPLY_OK);
    hd_db_rollback(s_db); /* the attempt failed before its commit */
    ASSERT_EQ(verdict_rows(subs, 2), 0);
    ASSERT_EQ(evaluated_rows(&subs[0]), 0);
    ASSERT_EQ(set_max_length("short", 500), 0);
    long before = verdict_statements();
    ASSERT_EQ(run_batch(svc, subs, 2), 0);
    ASSERT_EQ(channel_reads(), 1);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_EQ(verdict_statements() - before, 1);
    ASSERT_EQ(verdict_rows(subs, 2), 2);
    verdict_of(subs[0].cid, verdict, &ver);
    ASSERT_STR(verdict, "pass"); /* read again: 500 now */
    ASSERT_EQ(evaluated_rows(&subs[0]), 1);
    pol_svc_destroy(&svc);
}

/* Dead letters in the batch: the whole call names the first (a malformed
   event is found before anything is read), then the consumer applies the
   events one at a time: the others' verdicts and events are written once
   each, the dead ones leave nothing. */
HD_TEST(batch_with_a_dead_letter) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    char cid[HD_ID_LEN], verdict[16];
    long ver;
    sub_t subs[4];
    hd_id_random(cid);
    sub_init(&subs[0], cid, "short", LONG_TEXT, 3);
    hd_id_random(cid);
    sub_init(&subs[1], cid, "short", "hello", 99); /* no such version */
    hd_id_random(cid);
    sub_init(&subs[2], cid, "sandbox", "hello", 3);
    sub_init(&subs[3], "not-a-uuid", "sandbox", "hello", 3);
    const hd_envelope_t *evs[4] = {&subs[0].env, &subs[1].env, &subs[2].env, &subs[3].env};
    ASSERT_EQ(hd_db_begin(s_db), 0);
    ASSERT_EQ(apply(svc, evs, 4), HD_APPLY_DEAD);
    ASSERT_EQ(s_dead_at, 3);
    ASSERT(strstr(s_why, "without a valid content_id"));
    ASSERT_EQ(apply(svc, evs, 3), HD_APPLY_DEAD);
    ASSERT_EQ(s_dead_at, 1);
    ASSERT(strstr(s_why, "policy version 99 does not exist"));
    hd_db_rollback(s_db);
    long before = verdict_statements();
    ASSERT_EQ(run_batch(svc, subs, 4), 2);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_EQ(verdict_statements() - before, 2); /* one per applied batch of one */
    ASSERT_EQ(verdict_rows(&subs[1], 1), 0);
    ASSERT_EQ(evaluated_rows(&subs[1]), 0);
    ASSERT_EQ(evaluated_rows(&subs[3]), 0);
    verdict_of(subs[0].cid, verdict, &ver);
    ASSERT_STR(verdict, "block");
    verdict_of(subs[2].cid, verdict, &ver);
    ASSERT_STR(verdict, "pass");
    ASSERT_EQ(evaluated_rows(&subs[0]), 1);
    ASSERT_EQ(evaluated_rows(&subs[2]), 1);
    pol_svc_destroy(&svc);
}

/* Many distinct channels, some repeated, some unknown: still one read. */
HD_TEST(batch_many_channels_one_read) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    enum { DISTINCT = 40, N = DISTINCT + 2 };
    static sub_t subs[N];
    static char names[DISTINCT][16];
    for (int i = 0; i < N; i++) {
        char cid[HD_ID_LEN];
        hd_id_random(cid);
        int c = i < DISTINCT ? i : i == DISTINCT ? 0 : DISTINCT - 1;
        snprintf(names[c], sizeof names[c], c % 2 ? "unknown-%d" : "short", c);
        sub_init(&subs[i], cid, names[c], LONG_TEXT, 3);
    }
    ASSERT_EQ(run_batch(svc, subs, N), 0);
    ASSERT_EQ(channel_reads(), 1);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    ASSERT_EQ(verdict_rows(subs, N), N);
    for (int i = 0; i < N; i++) {
        char verdict[16];
        long ver;
        verdict_of(subs[i].cid, verdict, &ver);
        ASSERT_STR(verdict, strcmp(subs[i].cs.channel, "short") ? "pass" : "block");
    }
    pol_svc_destroy(&svc);
}

/* Under v2 (an author rule), items of different authors, submitters and
   channels in one batch: their author facts in one statement and every
   read in one round trip, each verdict the one it gets as a batch of one
   (one author read each). */
HD_TEST(batch_author_facts_read_once) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    static const struct {
        const char *author, *actor, *channel, *text;
        int64_t version;
    } items[] = {{MAYA_ID, "maya@example.org", "sandbox", "hello", 2},
                 {MAYA_ID, "carl@example.org", "sandbox", "hello", 2}, /* delegated */
                 {MAYA_ID, "maya@example.org", "short", "hello", 2},   /* not certified */
                 {"00000000-0000-4000-8000-0000000000ff", "x@example.org", "sandbox", "hi", 2},
                 {MAYA_ID, "maya@example.org", "sandbox", "about the lawsuit", 2},
                 {MAYA_ID, "zed@example.org", "sandbox", "hello", 2},
                 {MAYA_ID, "maya@example.org", "short", LONG_TEXT, 0}}; /* v3 */
    enum { N = sizeof items / sizeof items[0] };
    sub_t subs[N], one[N];
    for (int i = 0; i < N; i++) {
        char cid[HD_ID_LEN];
        sub_t *both[2] = {&subs[i], &one[i]};
        for (int k = 0; k < 2; k++) {
            hd_id_random(cid);
            sub_init(both[k], cid, items[i].channel, items[i].text, items[i].version);
            both[k]->cs.author_id = (char *)items[i].author;
            both[k]->env.actor = (char *)items[i].actor;
        }
    }
    for (int i = 0; i < N; i++) { /* batches of one (v2 compiled by the first) */
        long long authors = metric(svc, "huddle_policy_author_reads_total");
        ASSERT_EQ(run_batch(svc, &one[i], 1), 0);
        ASSERT_EQ(hd_db_commit(s_db), 0);
        ASSERT_EQ(metric(svc, "huddle_policy_author_reads_total") - authors, 1);
    }
    long long authors = metric(svc, "huddle_policy_author_reads_total");
    long long rounds = metric(svc, "huddle_policy_read_rounds_total");
    ASSERT_EQ(run_batch(svc, subs, N), 0);
    ASSERT_EQ(metric(svc, "huddle_policy_author_reads_total") - authors, 1);
    ASSERT_EQ(metric(svc, "huddle_policy_read_rounds_total") - rounds, 1);
    ASSERT_EQ(channel_reads(), 1);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    static const char *const sure[N] = {"pass", "pass", NULL, NULL, "block", NULL, "block"};
    for (int i = 0; i < N; i++) {
        char batched[16], single[16];
        long vb, vs;
        verdict_of(subs[i].cid, batched, &vb);
        verdict_of(one[i].cid, single, &vs);
        ASSERT_STR(batched, single);
        ASSERT_EQ(vb, vs);
        ASSERT_EQ(vb, items[i].version ? items[i].version : 3);
        if (sure[i])
            ASSERT_STR(batched, sure[i]);
    }
    pol_svc_destroy(&svc);
}

/* The policy.evaluated sub's event caused, or NULL. Free it. */
static hd_envelope_t *evaluated_of(const sub_t *sub) {
    const char *p[1] = {sub->id};
    PGresult *r = hd_db_execv(s_db,
                              "SELECT payload FROM outbox WHERE type = 'policy.evaluated' "
                              "AND causation_id = $1",
                              1, p, NULL, NULL, 1);
    hd_envelope_t *ev = NULL;
    if (r && PQntuples(r) == 1)
        ev = hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return ev;
}

/* "legal,orchestrator": the roles of sub's policy.evaluated, in order, and
   how many of its findings are the crisis's ("crisis:data-breach"). */
static void evaluated_roles(const sub_t *sub, char *roles, size_t n, int *crisis_findings) {
    hd_envelope_t *ev = evaluated_of(sub);
    snprintf(roles, n, "%s", ev ? "" : "(none)");
    *crisis_findings = 0;
    for (size_t i = 0; ev && i < ev->policy_evaluated->n_roles; i++) {
        size_t used = strlen(roles);
        snprintf(roles + used, n - used, "%s%s", i ? "," : "", ev->policy_evaluated->roles[i]);
    }
    for (size_t i = 0; ev && i < ev->policy_evaluated->n_findings; i++) {
        const Huddle__V1__Finding *f = ev->policy_evaluated->findings[i];
        if (strcmp(f->rule_id, "crisis:data-breach") == 0 && strcmp(f->kind, "crisis") == 0 &&
            strcmp(f->action, "review") == 0 && strcmp(f->severity, "high") == 0)
            (*crisis_findings)++;
    }
    hd_envelope_free(ev);
}

#define BREACH "aaaaaaaa-0000-4000-8000-000000000001"

/* Crises inserted as declaring one leaves them (state declared, scope and
   approval roles copied from the playbook), next to a drill and a resumed
   crisis that are not in force: in one batch, still one round trip of
   reads, every item in the breach's scope (marketing on sandbox) needs
   legal and orchestrator, whatever v3 says; an item of another department
   or channel does not, nor the breach's own holding statement, while a
   statement of another crisis does. */
HD_TEST(batch_crises_in_force_add_their_roles) {
    pol_svc_t *svc = fresh();
    ASSERT(svc);
    ASSERT_EQ(hd_db_cmd(s_db,
                        "INSERT INTO crisis (id, name, playbook, state, departments, channels, "
                        "  approval_roles, declared_at) VALUES "
                        "('" BREACH "', 'Data breach', 'data-breach', 'declared', '{marketing}', "
                        "  '{sandbox}', '{orchestrator,legal}', now()),"
                        "(gen_random_uuid(), 'Rehearsal', 'outage', 'drill', '{}', '{}', "
                        "  '{hr}', now()),"
                        "(gen_random_uuid(), 'Over', 'outage', 'resumed', '{}', '{}', "
                        "  '{hr}', now())",
                        0, NULL),
              0);
    static const struct {
        const char *department, *channel, *kind, *crisis_id, *roles;
        int findings;
    } items[] = {{"marketing", "sandbox", "post", "", "legal,orchestrator", 2},
                 {"marketing", "short", "post", "", "", 0},
                 {"customer-care", "sandbox", "post", "", "", 0},
                 {"marketing", "sandbox", "statement", BREACH, "", 0},
                 {"marketing", "sandbox", "statement", "bbbbbbbb-0000-4000-8000-000000000002",
                  "legal,orchestrator", 2}};
    enum { N = sizeof items / sizeof items[0] };
    sub_t subs[N];
    for (int i = 0; i < N; i++) {
        char cid[HD_ID_LEN];
        hd_id_random(cid);
        sub_init(&subs[i], cid, items[i].channel, "hello", 3);
        subs[i].env.department = (char *)items[i].department;
        subs[i].cs.kind = (char *)items[i].kind;
        subs[i].cs.crisis_id = (char *)items[i].crisis_id;
    }
    long long rounds = metric(svc, "huddle_policy_read_rounds_total");
    ASSERT_EQ(run_batch(svc, subs, N), 0);
    ASSERT_EQ(metric(svc, "huddle_policy_read_rounds_total") - rounds, 1);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    for (int i = 0; i < N; i++) {
        char verdict[16], roles[256];
        long ver;
        int findings;
        verdict_of(subs[i].cid, verdict, &ver);
        ASSERT_STR(verdict, items[i].findings ? "review" : "pass");
        evaluated_roles(&subs[i], roles, sizeof roles, &findings);
        ASSERT_STR(roles, items[i].roles);
        ASSERT_EQ(findings, items[i].findings);
    }
    const char *p[1] = {subs[0].cid};
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_verdict WHERE content_id = $1 AND "
                          "findings @> '[{\"rule_id\": \"crisis:data-breach\", \"role\": "
                          "\"legal\", \"message\": \"crisis \\\"Data breach\\\" "
                          "(data-breach) is in force: legal must approve\"}]'",
                          1, p),
              1);
    /* resumed: the next batch adds nothing */
    ASSERT_EQ(
        hd_db_cmd(s_db, "UPDATE crisis SET state = 'resumed' WHERE id = '" BREACH "'", 0, NULL), 0);
    sub_t after;
    char cid[HD_ID_LEN];
    hd_id_random(cid);
    sub_init(&after, cid, "sandbox", "hello", 3);
    ASSERT_EQ(run_batch(svc, &after, 1), 0);
    ASSERT_EQ(hd_db_commit(s_db), 0);
    char verdict[16];
    long ver;
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "pass");
    pol_svc_destroy(&svc);
}

HD_TEST(teardown) {
    hd_batch_out_destroy(&s_out);
    hd_db_destroy(&s_db);
}

HD_TEST_MAIN(HD_CASE(setup), HD_CASE(apply_validates_and_activates),
             HD_CASE(in_flight_items_keep_their_version), HD_CASE(author_facts_from_tables),
             HD_CASE(simulate_counts_changes), HD_CASE(batch_setup),
             HD_CASE(batch_writes_every_verdict_once), HD_CASE(batch_duplicate_keeps_the_first),
             HD_CASE(batch_retry_after_rollback), HD_CASE(batch_with_a_dead_letter),
             HD_CASE(batch_many_channels_one_read), HD_CASE(batch_author_facts_read_once),
             HD_CASE(batch_crises_in_force_add_their_roles), HD_CASE(teardown))
