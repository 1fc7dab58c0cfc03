/*  Replies to mentions through ingest's group commit against a real
    PostgreSQL (services/ingest/batch_reply.c): the reply carries its
    mention into the content row and the content.submitted event; the
    collision rule refuses a second reply while one is pending or while
    someone else owns the item, with who and since when; superseding
    withdraws a pending reply but not an approved one; a retry is the same
    reply; and two replies racing from two writers are judged one after the
    other under the mention's lock, so that exactly one passes. */
#include "batch_reply.h"
#include "batch_sql.h"
#include "hd_db.h"
#include "hd_envelope.h"
#include "hd_test.h"
#include "hd_testdb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CORA "00000000-0000-4000-8000-000000000005" /* customer-care coach (the sample's) */

static hd_db_t *s_db;
static char s_url[512];

static int setup(void) {
    if (s_db)
        return 0;
    if (hd_testdb_create("test_ingest_inbox", 1, s_url, sizeof s_url) < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    return s_db ? 0 : -1;
}

/* A routed mention of the sandbox (its item in customer-care's inbox,
   owned by `owner` when given); its id into id. */
static int mention(int n, const char *owner, char id[HD_ID_LEN]) {
    char ext[32];
    snprintf(ext, sizeof ext, "status-%d", n);
    hd_id_derive(id, "sandbox", ext);
    const char *p[2] = {id, ext}, *q[2] = {id, owner};
    return hd_db_cmd(s_db,
                     "INSERT INTO mention (id, channel_id, external_id, author_handle, text) "
                     "VALUES ($1, 'sandbox', $2, '@sam', 'my order is broken')",
                     2, p) < 0 ||
                   hd_db_cmd(s_db,
                             "INSERT INTO inbox_item (mention_id, department_id, rule_id, "
                             "channel_id, author_handle, text, state, assignee_id, assigned_at) "
                             "VALUES ($1, 'customer-care', 'support', 'sandbox', '@sam', "
                             "'my order is broken', CASE WHEN $2::uuid IS NULL THEN 'new' ELSE "
                             "'assigned' END, $2::uuid, CASE WHEN $2::uuid IS NOT NULL THEN "
                             "now() END)",
                             2, q) < 0
               ? -1
               : 0;
}

/* A reply by `email` to mention id, as POST /v1/inbox/{id}/replies hands it
   to the batch. */
static ing_item_t *reply(const char *email, const char *id, int supersede, const char *key) {
    ing_submission_t in = {.channel = "sandbox",
                           .text = "@sam sorry, a new one is on its way",
                           .kind = "reply",
                           .idempotency_key = key,
                           .key_field = "Idempotency-Key",
                           .reply_to_mention_id = id,
                           .supersede = supersede};
    ing_item_t *it = ing_item_new(&in);
    ing_item_set(&it->email, email);
    return it;
}

/* Records one reply as a batch of one; its status (the item freed unless
   kept in *out). */
static int record(const char *email, const char *id, int supersede, const char *key,
                  ing_item_t **out) {
    ing_item_t *it[1] = {reply(email, id, supersede, key)};
    ing_batch_record(s_db, it, 1);
    int status = it[0]->res.status;
    if (out)
        *out = it[0];
    else
        ing_item_free(&it[0]);
    return status;
}

/* The content.submitted event of content id, unpacked (hd_envelope_free). */
static hd_envelope_t *submitted(const char *id) {
    const char *p[1] = {id};
    PGresult *r = hd_db_execv(s_db,
                              "SELECT payload FROM outbox WHERE type = 'content.submitted' AND "
                              "correlation_id = $1::uuid",
                              1, p, NULL, NULL, 1);
    hd_envelope_t *env =
        r && PQntuples(r) == 1
            ? hd_envelope_unpack((const uint8_t *)PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0))
            : NULL;
    if (r)
        PQclear(r);
    return env;
}

static const char *column(const char *sql, const char *id) {
    static char out[256];
    PGresult *r = hd_db_exec(s_db, sql, 1, (const char *[]){id});
    snprintf(out, sizeof out, "%s", r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "(none)");
    if (r)
        PQclear(r);
    return out;
}

HD_TEST(a_reply_carries_its_mention) {
    ASSERT(setup() == 0);
    char m[HD_ID_LEN];
    ASSERT(mention(1, NULL, m) == 0);
    ing_item_t *it;
    ASSERT_EQ(record("rita@example.org", m, 0, NULL, &it), 201);
    ASSERT_STR(column("SELECT reply_to_mention_id FROM content WHERE id = $1::uuid", it->res.id),
               m);
    ASSERT_STR(column("SELECT kind FROM content WHERE id = $1::uuid", it->res.id), "reply");
    hd_envelope_t *env = submitted(it->res.id);
    ASSERT(env != NULL);
    ASSERT_STR(env->content_submitted->reply_to_mention_id, m);
    ASSERT_STR(env->content_submitted->reply_to_external_id, "status-1");
    ASSERT_STR(env->content_submitted->supersedes, "");
    hd_envelope_free(env);
    ing_item_free(&it);
}

HD_TEST(a_pending_reply_refuses_another_until_superseded) {
    ASSERT(setup() == 0);
    char m[HD_ID_LEN];
    ASSERT(mention(2, NULL, m) == 0);
    ing_item_t *first, *second, *third;
    ASSERT_EQ(record("rita@example.org", m, 0, NULL, &first), 201);
    ASSERT_EQ(record("cora@example.org", m, 0, NULL, &second), 409);
    ASSERT_STR(second->res.code, "reply_pending");
    ASSERT_STR(second->res.by, "rita@example.org");
    ASSERT(strlen(second->res.since) == 24 && second->res.since[23] == 'Z');
    ASSERT(strstr(second->res.error, "supersede"));
    ASSERT_EQ(record("cora@example.org", m, 1, NULL, &third), 201);
    ASSERT_STR(column("SELECT supersedes FROM content WHERE id = $1::uuid", third->res.id),
               first->res.id);
    hd_envelope_t *env = submitted(third->res.id);
    ASSERT(env != NULL);
    ASSERT_STR(env->content_submitted->supersedes, first->res.id);
    hd_envelope_free(env);
    /* once approved, the pending reply (the third) can no longer be withdrawn */
    const char *p[2] = {third->res.id, m};
    ASSERT(hd_db_cmd(s_db,
                     "INSERT INTO workflow_item (content_id, department_id, author_id, "
                     "author_email, channel_id, text, state, submitted_at, reply_to_mention_id) "
                     "SELECT id, department_id, author_id, 'cora@example.org', channel_id, text, "
                     "'approved', now(), $2::uuid FROM content WHERE id = $1::uuid",
                     2, p) == 0);
    ing_item_t *late;
    ASSERT_EQ(record("rita@example.org", m, 1, NULL, &late), 409);
    ASSERT_STR(late->res.code, "reply_approved");
    ASSERT_STR(late->res.by, "cora@example.org");
    ing_item_free(&first);
    ing_item_free(&second);
    ing_item_free(&third);
    ing_item_free(&late);
}

HD_TEST(an_item_owned_by_another_is_theirs_to_answer) {
    ASSERT(setup() == 0);
    char m[HD_ID_LEN];
    ASSERT(mention(3, CORA, m) == 0);
    ing_item_t *it;
    ASSERT_EQ(record("rita@example.org", m, 0, NULL, &it), 409);
    ASSERT_STR(it->res.code, "assigned_elsewhere");
    ASSERT_STR(it->res.by, "cora@example.org");
    ing_item_free(&it);
    ASSERT_EQ(record("rita@example.org", m, 1, NULL, NULL), 201); /* explicitly */
    char m2[HD_ID_LEN];
    ASSERT(mention(4, CORA, m2) == 0);
    ASSERT_EQ(record("cora@example.org", m2, 0, NULL, NULL), 201); /* the owner */
}

HD_TEST(a_retry_is_the_same_reply) {
    ASSERT(setup() == 0);
    char m[HD_ID_LEN];
    ASSERT(mention(5, NULL, m) == 0);
    ASSERT_EQ(record("rita@example.org", m, 0, "reply-key-1", NULL), 201);
    ASSERT_EQ(record("rita@example.org", m, 0, "reply-key-1", NULL), 200);
    ASSERT_EQ(record("rita@example.org", m, 0, "reply-key-2", NULL), 409);
    ASSERT_EQ(record("rita@example.org", m, 1, "reply-key-1", NULL), 422); /* another request */
    char none[HD_ID_LEN];
    hd_id_derive(none, "sandbox", "never-seen");
    ASSERT_EQ(record("rita@example.org", none, 0, NULL, NULL), 404);
}

HD_TEST(two_replies_in_one_batch_are_judged_in_order) {
    ASSERT(setup() == 0);
    char m[HD_ID_LEN], other[HD_ID_LEN];
    ASSERT(mention(6, NULL, m) == 0);
    ASSERT(mention(7, NULL, other) == 0);
    ing_item_t *it[4] = {
        reply("rita@example.org", m, 0, NULL), reply("cora@example.org", m, 0, NULL),
        reply("cora@example.org", other, 0, NULL), reply("rita@example.org", m, 1, NULL)};
    ing_batch_record(s_db, it, 4);
    ASSERT_EQ(it[0]->res.status, 201);
    ASSERT_EQ(it[1]->res.status, 409);
    ASSERT_STR(it[1]->res.by, "rita@example.org");
    ASSERT_EQ(it[2]->res.status, 201); /* another mention: nothing in its way */
    ASSERT_EQ(it[3]->res.status, 201); /* supersedes the first, in the same batch */
    ASSERT_STR(column("SELECT supersedes FROM content WHERE id = $1::uuid", it[3]->res.id),
               it[0]->res.id);
    for (int i = 0; i < 4; i++)
        ing_item_free(&it[i]);
}

/* ---------- two writers racing ---------- */

typedef struct {
    const char *email, *mention;
    int status;
} racer_t;

static void *race(void *arg) {
    racer_t *r = arg;
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ing_item_t *it[1] = {reply(r->email, r->mention, 0, NULL)};
    if (db)
        ing_batch_record(db, it, 1);
    r->status = it[0]->res.status;
    ing_item_free(&it[0]);
    hd_db_destroy(&db);
    return NULL;
}

/* How many sessions wait for a reply lock. */
static long waiting(void) {
    return hd_db_count(s_db,
                       "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                       "AND classid = " ING_REPLY_LOCK_CLASS,
                       0, NULL);
}

HD_TEST(two_writers_racing_let_one_reply_through) {
    ASSERT(setup() == 0);
    char m[HD_ID_LEN];
    ASSERT(mention(8, NULL, m) == 0);
    /* Hold the mention's lock so that both writers are inside their
       transactions, past the point where they would read, before either
       goes on: without the lock both would read "no reply" and pass. */
    const char *p[1] = {m};
    ASSERT(hd_db_cmd(s_db, "SELECT pg_advisory_lock(" ING_REPLY_LOCK_CLASS ", hashtext($1))", 1,
                     p) == 0);
    racer_t a = {"rita@example.org", m, 0}, b = {"cora@example.org", m, 0};
    pthread_t ta, tb;
    ASSERT_EQ(pthread_create(&ta, NULL, race, &a), 0);
    ASSERT_EQ(pthread_create(&tb, NULL, race, &b), 0);
    for (int i = 0; i < 200 && waiting() < 2; i++)
        usleep(20000);
    long w = waiting();
    ASSERT(hd_db_cmd(s_db, "SELECT pg_advisory_unlock(" ING_REPLY_LOCK_CLASS ", hashtext($1))", 1,
                     p) == 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    ASSERT_EQ(w, 2);
    ASSERT((a.status == 201 && b.status == 409) || (a.status == 409 && b.status == 201));
    ASSERT_EQ(hd_db_count(s_db, "SELECT 1 FROM content WHERE reply_to_mention_id = $1::uuid", 1, p),
              1);
}

HD_TEST(cleanup) { hd_db_destroy(&s_db); }

HD_TEST_MAIN(HD_CASE(a_reply_carries_its_mention),
             HD_CASE(a_pending_reply_refuses_another_until_superseded),
             HD_CASE(an_item_owned_by_another_is_theirs_to_answer),
             HD_CASE(a_retry_is_the_same_reply),
             HD_CASE(two_replies_in_one_batch_are_judged_in_order),
             HD_CASE(two_writers_racing_let_one_reply_through), HD_CASE(cleanup))
