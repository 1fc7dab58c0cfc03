/*  Policy service against a real PostgreSQL: apply validates and activates
    with an event in the same transaction; items in flight are evaluated
    under the version they arrived with while a new one is active; verdicts
    and policy.evaluated events are written once (replays change nothing);
    author facts come from certification / delegation; what-if simulation
    counts changed verdicts without activating anything. */
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_id.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "policy_service.h"
#include "policy_simulate.h"
#include "policy_store.h"

#include <stdlib.h>

static hd_db_t *s_db;

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
    int64_t v = 0;
    ASSERT(hd_policy_store_active(s_db, &v) == 0);
    ASSERT_EQ(v, 1); /* the seed's starter policy */
}

HD_TEST(apply_validates_and_activates) {
    char err[4096];
    int64_t v = 0;
    int unchanged = 0;
    const char *bad = "rules:\n  - id: x\n    kind: lexicon\n    action: nope\n    terms: [a]\n";
    ASSERT_EQ(hd_policy_store_apply(s_db, bad, strlen(bad), "test", &v, &unchanged, err,
                                    sizeof err), 1);
    ASSERT(strstr(err, "line 4: rule x: unknown action 'nope'"));
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_version", 0, NULL), 1);
    ASSERT_EQ(hd_policy_store_apply(s_db, V2, strlen(V2), "test", &v, &unchanged, err,
                                    sizeof err), 0);
    ASSERT_EQ(v, 2);
    ASSERT_EQ(unchanged, 0);
    ASSERT_EQ(scalar_long("SELECT version FROM policy_version WHERE active", 0, NULL), 2);
    ASSERT_EQ(scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.activated'", 0, NULL),
              2); /* the seed's and ours */
    ASSERT_EQ(hd_policy_store_apply(s_db, V2, strlen(V2), "test", &v, &unchanged, err,
                                    sizeof err), 0);
    ASSERT_EQ(unchanged, 1);
    ASSERT_EQ(v, 2);
    ASSERT_EQ(scalar_long("SELECT count(*) FROM policy_version", 0, NULL), 2);
}

/* Builds a content.submitted as ingest would, applies it, returns the rc. */
static int submit(hd_policy_svc_t *svc, const char *content_id, const char *text,
                  int64_t version, const char *actor, char *why) {
    Huddle__V1__ContentSubmitted cs = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    cs.content_id = (char *)content_id;
    cs.author_id = (char *)MAYA_ID;
    cs.author_email = (char *)"maya@example.org";
    cs.channel = (char *)"sandbox";
    cs.text = (char *)text;
    cs.kind = (char *)"post";
    cs.policy_version = version;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED;
    env.content_submitted = &cs;
    env.department = (char *)"marketing";
    env.correlation_id = (char *)content_id;
    env.actor = (char *)actor;
    char idbuf[HD_ID_LEN];
    hd_envelope_stamp(&env, idbuf, "ingest", content_id, "content.submitted");
    /* in a transaction, as hd_consumer would */
    if (hd_db_begin(s_db) < 0)
        return -99;
    int rc = hd_policy_svc_apply(s_db, &env, svc, why, 256);
    if (rc == HD_APPLY_OK)
        hd_db_commit(s_db);
    else
        hd_db_rollback(s_db);
    return rc;
}

static void verdict_of(const char *cid, char *verdict, long *version) {
    const char *p[1] = {cid};
    PGresult *r = hd_db_exec(s_db, "SELECT verdict, policy_version FROM policy_verdict "
                                   "WHERE content_id = $1", 1, p);
    strcpy(verdict, r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "none");
    *version = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 1)) : -1;
    if (r)
        PQclear(r);
}

HD_TEST(in_flight_items_keep_their_version) {
    hd_policy_svc_t *svc = hd_policy_svc_new();
    ASSERT(svc);
    char why[256] = "", cid1[HD_ID_LEN], cid2[HD_ID_LEN], verdict[16];
    long ver;
    hd_id_random(cid1);
    hd_id_random(cid2);
    /* Arrived under v1 (starter: lawsuit -> review(legal)), v2 now active. */
    ASSERT_EQ(submit(svc, cid1, "about the lawsuit", 1, "maya@example.org", why), HD_APPLY_OK);
    verdict_of(cid1, verdict, &ver);
    ASSERT_STR(verdict, "review");
    ASSERT_EQ(ver, 1);
    /* 0 = the active one (v2: lawsuit blocks; Maya is not certified). */
    ASSERT_EQ(submit(svc, cid2, "about the lawsuit", 0, "maya@example.org", why), HD_APPLY_OK);
    verdict_of(cid2, verdict, &ver);
    ASSERT_STR(verdict, "block");
    ASSERT_EQ(ver, 2);
    const char *p[1] = {cid2};
    ASSERT_EQ(scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.evaluated' "
                          "AND correlation_id = $1", 1, p), 1);
    /* a replay: same ids, nothing new */
    ASSERT_EQ(submit(svc, cid2, "about the lawsuit", 0, "maya@example.org", why), HD_APPLY_OK);
    ASSERT_EQ(scalar_long("SELECT count(*) FROM outbox WHERE type = 'policy.evaluated' "
                          "AND correlation_id = $1", 1, p), 1);
    /* a version that does not exist is a dead letter with a reason */
    ASSERT_EQ(submit(svc, cid2, "x", 99, "maya@example.org", why), HD_APPLY_DEAD);
    ASSERT(strstr(why, "99"));
    hd_policy_svc_destroy(&svc);
}

HD_TEST(author_facts_from_tables) {
    hd_policy_svc_t *svc = hd_policy_svc_new();
    char why[256], cid[HD_ID_LEN], verdict[16];
    long ver;
    ASSERT(hd_db_cmd(s_db, "INSERT INTO certification (person_id, channel_id, expires_at) "
                           "VALUES ('" MAYA_ID "', 'sandbox', now() + interval '1 day')",
                     0, NULL) == 0);
    hd_id_random(cid);
    ASSERT_EQ(submit(svc, cid, "hello", 0, "maya@example.org", why), HD_APPLY_OK);
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "pass");
    /* carl submits on Maya's behalf without a delegation */
    hd_id_random(cid);
    ASSERT_EQ(submit(svc, cid, "hello", 0, "carl@example.org", why), HD_APPLY_OK);
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "block");
    ASSERT(hd_db_cmd(s_db, "INSERT INTO delegation (principal_id, delegate_id, valid_from) "
                           "VALUES ('" MAYA_ID "', '00000000-0000-4000-8000-000000000003', "
                           "now() - interval '1 hour')",
                     0, NULL) == 0);
    hd_id_random(cid);
    ASSERT_EQ(submit(svc, cid, "hello", 0, "carl@example.org", why), HD_APPLY_OK);
    verdict_of(cid, verdict, &ver);
    ASSERT_STR(verdict, "pass");
    hd_policy_svc_destroy(&svc);
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
    long n = hd_policy_simulate(s_db, cand, strlen(cand), 3600, 3, out, err, sizeof err);
    fclose(out);
    printf("%s", buf);
    ASSERT_EQ(n, 1);
    ASSERT(strstr(buf, "pass   -> block  1"));
    ASSERT(strstr(buf, "+ banned: pass -> block 1"));
    ASSERT(strstr(buf, "[[settlement]]"));
    free(buf);
    ASSERT_EQ(scalar_long("SELECT version FROM policy_version WHERE active", 0, NULL), 2);
}

HD_TEST(teardown) { hd_db_destroy(&s_db); }

HD_TEST_MAIN(HD_CASE(setup), HD_CASE(apply_validates_and_activates),
             HD_CASE(in_flight_items_keep_their_version), HD_CASE(author_facts_from_tables),
             HD_CASE(simulate_counts_changes), HD_CASE(teardown))
