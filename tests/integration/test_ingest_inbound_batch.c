/*  ingest against a real PostgreSQL: mentions through the group commit
    (inbound_batch.h). A batch mixing content and mentions records both; a
    mention pushed twice in one batch is recorded once; a re-delivery is
    answered 200 and writes nothing; an unknown channel or an invalid
    mention is refused alone; and a batch whose transaction fails records
    each mention again alone, so only the bad one is lost to the sender. */
#include "batch_sql.h"
#include "hd_db.h"
#include "hd_mem.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "inbound_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAYA "00000000-0000-4000-8000-000000000002"  /* marketing player, author */
#define TOKEN "00000000-0000-4000-8000-0000000000f1" /* the integration's token */

static const char *FIXTURE =
    "INSERT INTO department (id, name) VALUES ('marketing','Marketing'), ('customer-care','Care');"
    "INSERT INTO person (id, email, name, department_id) VALUES"
    " ('" MAYA "','maya@example.org','Maya','marketing');"
    "INSERT INTO person_role (person_id, role) VALUES ('" MAYA "','player');"
    "INSERT INTO channel (id, kind, base_url) VALUES ('sandbox','mastodon','http://127.0.0.1:1');"
    "INSERT INTO channel_account (channel_id, department_id, handle) VALUES"
    " ('sandbox','marketing','@mk');"
    /* What no sender's input can do, for the fallback: a mention the
       database refuses. */
    "CREATE FUNCTION test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF NEW.external_id = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW;"
    " END $$;"
    "CREATE TRIGGER test_poison BEFORE INSERT ON mention FOR EACH ROW"
    " EXECUTE FUNCTION test_poison();";

static hd_db_t *s_db;
static char s_url[512];

static int setup(void) {
    if (s_db)
        return 0;
    if (hd_testdb_create("test_ingest_inbound_batch", 0, s_url, sizeof s_url) < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    if (!s_db)
        return -1;
    PGresult *r = PQexec(hd_db_conn(s_db), FIXTURE);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "fixture: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    return ok ? 0 : -1;
}

/* A mention as POST /v1/inbound hands it to the batch: its integration
   (limited to customer-care) set by the door. */
static ing_item_t *mention(const char *channel, const char *ext, const char *text) {
    ing_item_t *it = ing_item_new(NULL);
    it->mention.channel = hd_strdup(channel);
    it->mention.external_id = hd_strdup(ext);
    it->mention.author = hd_strdup("@fan");
    it->mention.text = hd_strdup(text);
    snprintf(it->who.token_id, sizeof it->who.token_id, "%s", TOKEN);
    snprintf(it->who.integration, sizeof it->who.integration, "listener");
    snprintf(it->who.departments, sizeof it->who.departments, "customer-care");
    return it;
}

static ing_item_t *content(const char *key) {
    ing_submission_t in = {.channel = "sandbox", .text = "hello", .idempotency_key = key};
    ing_item_t *it = ing_item_new(&in);
    ing_item_set(&it->email, "maya@example.org");
    return it;
}

static long count(const char *sql) { return hd_db_count(s_db, sql, 0, NULL); }

HD_TEST(content_and_mentions_in_one_batch) {
    ASSERT(setup() == 0);
    ing_item_t *it[6] = {mention("sandbox", "m-1", "where is my order"),
                         content("c-1"),
                         mention("sandbox", "m-1", "where is my order"), /* pushed twice at once */
                         mention("nowhere", "m-2", "hello"),
                         mention("sandbox", "m-3", ""),
                         mention("sandbox", "m-4", "refund please")};
    ing_batch_record(s_db, it, 6);
    ASSERT_EQ(it[0]->res.status, 201);
    ASSERT_EQ(it[1]->res.status, 201);
    ASSERT_EQ(it[2]->res.status, 200);
    ASSERT_STR(it[2]->res.id, it[0]->res.id);
    ASSERT_EQ(it[3]->res.status, 422);
    ASSERT_STR(it[3]->res.field, "channel");
    ASSERT_EQ(it[4]->res.status, 422);
    ASSERT_STR(it[4]->res.field, "text");
    ASSERT_EQ(it[5]->res.status, 201);
    ASSERT_EQ(count("SELECT 1 FROM mention"), 2);
    ASSERT_EQ(count("SELECT 1 FROM mention WHERE token_id = '" TOKEN "'"), 2);
    ASSERT_EQ(count("SELECT 1 FROM outbox WHERE type = 'mention.received'"), 2);
    ASSERT_EQ(count("SELECT 1 FROM outbox o JOIN mention m ON m.id = o.correlation_id "
                    "WHERE o.type = 'mention.received'"),
              2);
    ASSERT_EQ(count("SELECT 1 FROM outbox WHERE type = 'content.submitted'"), 1);
    /* The listener delivers the same page again: the original answers. */
    ing_batch_record(s_db, it, 6);
    ASSERT_EQ(it[0]->res.status, 200);
    ASSERT_EQ(it[2]->res.status, 200);
    ASSERT_EQ(it[5]->res.status, 200);
    ASSERT_EQ(count("SELECT 1 FROM outbox WHERE type = 'mention.received'"), 2);
    for (int i = 0; i < 6; i++)
        ing_item_free(&it[i]);
}

HD_TEST(a_failed_batch_records_each_mention_alone) {
    ASSERT(setup() == 0);
    ing_item_t *it[3] = {mention("sandbox", "f-1", "one"), mention("sandbox", "poison", "two"),
                         mention("sandbox", "f-2", "three")};
    ing_inbound_record_batch(s_db, it, 3);
    ASSERT_EQ(it[0]->res.status, 201);
    ASSERT_EQ(it[1]->res.status, 503);
    ASSERT_EQ(it[2]->res.status, 201);
    ASSERT_EQ(count("SELECT 1 FROM mention WHERE external_id IN ('f-1', 'f-2')"), 2);
    ASSERT_EQ(count("SELECT 1 FROM outbox o JOIN mention m ON m.id = o.correlation_id "
                    "WHERE m.external_id IN ('f-1', 'f-2')"),
              2);
    ASSERT_EQ(count("SELECT 1 FROM mention WHERE external_id = 'poison'"), 0);
    for (int i = 0; i < 3; i++)
        ing_item_free(&it[i]);
}

HD_TEST(cleanup) { hd_db_destroy(&s_db); }

HD_TEST_MAIN(HD_CASE(content_and_mentions_in_one_batch),
             HD_CASE(a_failed_batch_records_each_mention_alone), HD_CASE(cleanup))
