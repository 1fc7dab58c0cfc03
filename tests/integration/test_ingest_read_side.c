/*  ingest against a real PostgreSQL: the read side (migrations/008: its
    views and the read-only role huddle_read), the early decision check that
    reads through it, and the group commit whose failure records each item
    again as a batch of one. */
#include "batch_sql.h"
#include "decision.h"
#include "hd_db.h"
#include "hd_item_state.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "inbox_api.h"
#include "read_side.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAYA "00000000-0000-4000-8000-000000000002" /* marketing player, author */
#define CARL "00000000-0000-4000-8000-000000000003" /* marketing coach */
#define CORA "00000000-0000-4000-8000-000000000005" /* customer-care coach */
#define ITEM "00000000-0000-4000-8000-0000000000a1" /* awaiting a coach */
#define DONE "00000000-0000-4000-8000-0000000000a2" /* approved */
#define NEW "00000000-0000-4000-8000-0000000000a3"  /* workflow has not seen it */

static const char *FIXTURE =
    "INSERT INTO department (id, name) VALUES ('marketing','Marketing'), ('customer-care','Care');"
    "INSERT INTO person (id, email, name, department_id) VALUES"
    " ('" MAYA "','maya@example.org','Maya','marketing'),"
    " ('" CARL "','carl@example.org','Carl','marketing'),"
    " ('" CORA "','cora@example.org','Cora','customer-care');"
    "INSERT INTO person_role (person_id, role) VALUES ('" MAYA "','player'),"
    " ('" CARL "','coach'), ('" CORA "','coach');"
    "INSERT INTO channel (id, kind, base_url) VALUES ('sandbox','mastodon','http://127.0.0.1:1');"
    "INSERT INTO channel_account (channel_id, department_id, handle) VALUES" /* no credential */
    " ('sandbox','marketing','@mk');"
    "INSERT INTO content (id, author_id, department_id, channel_id, text) VALUES"
    " ('" ITEM "','" MAYA "','marketing','sandbox','one'),"
    " ('" DONE "','" MAYA "','marketing','sandbox','two'),"
    " ('" NEW "','" MAYA "','marketing','sandbox','three');"
    "INSERT INTO workflow_item (content_id, department_id, author_id, author_email, channel_id,"
    " text, state, required_roles, same_department_roles, submitted_at, requested_at) VALUES"
    " ('" ITEM "','marketing','" MAYA "','maya@example.org','sandbox','one',"
    "  'awaiting_approval','{coach}','{coach}', now(), now()),"
    " ('" DONE "','marketing','" MAYA "','maya@example.org','sandbox','two',"
    "  'approved','{coach}','{coach}', now(), now());";

static hd_db_t *s_db, *s_read;
static char s_url[512];

static int setup(void) {
    if (s_db)
        return 0;
    if (hd_testdb_create("test_ingest_read_side", 0, s_url, sizeof s_url) < 0)
        return -1;
    s_db = hd_db_connect(s_url, 5000);
    if (!s_db)
        return -1;
    PGresult *r = PQexec(hd_db_conn(s_db), FIXTURE);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "fixture: %s\n", PQresultErrorMessage(r));
    PQclear(r);
    s_read = hd_db_connect_with(s_url, 5000, ING_READ_SIDE_OPTIONS);
    return ok && s_read ? 0 : -1;
}

/* The SQLSTATE of running sql on the read connection ("" when it worked). */
static const char *read_state(const char *sql) {
    static char state[6];
    PGresult *r = PQexec(hd_db_conn(s_read), sql);
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    snprintf(state, sizeof state, "%s", st ? st : "");
    PQclear(r);
    return state;
}

HD_TEST(read_connection_runs_as_the_read_role) {
    ASSERT(setup() == 0);
    PGresult *r = hd_db_exec(s_read, "SELECT current_user", 0, NULL);
    ASSERT(r != NULL);
    ASSERT_STR(PQgetvalue(r, 0, 0), "huddle_read");
    PQclear(r);
    ASSERT_STR(read_state("SELECT count(*) FROM read_item"), "");
    ASSERT_STR(read_state("SELECT count(*) FROM read_item_history"), "");
    ASSERT_STR(read_state("SELECT count(*) FROM read_inbox"), "");
    ASSERT_STR(read_state("SELECT count(*) FROM read_approval_queue"), "");
}

HD_TEST(read_role_cannot_touch_base_tables) {
    ASSERT(setup() == 0);
    static const char *refused[] = {
        "SELECT * FROM workflow_item",
        "SELECT * FROM publish_job",
        "SELECT * FROM policy_verdict",
        "SELECT * FROM event_log",
        "SELECT * FROM content",
        "SELECT hash FROM api_token",
        "UPDATE workflow_item SET state = 'approved'",
        "UPDATE content SET text = 'x'",
        "DELETE FROM event_log",
        "INSERT INTO outbox (event_id, type, payload) VALUES (gen_random_uuid(), 'x', '')",
        "UPDATE read_inbox_setting SET auto_assign = false", /* simple enough to be updatable */
        "DELETE FROM read_inbox_setting"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *st = read_state(refused[i]);
        if (strcmp(st, "42501") != 0)
            fprintf(stderr, "not refused (%s): %s\n", st, refused[i]);
        ASSERT_STR(st, "42501");
    }
}

HD_TEST(migration_runs_again_and_on_a_second_database) {
    ASSERT(setup() == 0);
    char path[4096], *sql = NULL;
    const char *src = getenv("HUDDLE_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/migrations/019_inbox.sql", src ? src : ".");
    FILE *f = fopen(path, "rb");
    ASSERT(f != NULL);
    size_t cap = 1 << 16;
    sql = calloc(1, cap);
    ASSERT(sql != NULL);
    size_t n = fread(sql, 1, cap - 1, f);
    fclose(f);
    ASSERT(n > 0 && n < cap - 1);
    PGresult *r = PQexec(hd_db_conn(s_db), sql);
    free(sql);
    ASSERT_EQ(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    char url2[512]; /* the role exists already: the second migration takes it as it is */
    ASSERT(hd_testdb_create("test_ingest_read_side_2", 0, url2, sizeof url2) == 0);
    hd_db_t *db2 = hd_db_connect_with(url2, 5000, ING_READ_SIDE_OPTIONS);
    ASSERT(db2 != NULL);
    ASSERT_EQ(hd_db_count(db2, "SELECT 1 FROM read_item", 0, NULL), 0);
    hd_db_destroy(&db2);
}

static ing_person_t person(const char *id, const char *email) {
    ing_person_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.email, sizeof p.email, "%s", email);
    snprintf(p.department, sizeof p.department, "%s",
             strcmp(id, CORA) == 0 ? "customer-care" : "marketing");
    return p;
}

static int decide(const char *who, const char *email, const char *id) {
    ing_person_t p = person(who, email);
    ing_decision_t in = {.content_id = id, .decision = "approve"};
    ing_result_t res;
    ing_decision_submit(s_db, s_read, &p, &in, &res);
    return res.status;
}

HD_TEST(decision_is_checked_through_the_read_side) {
    ASSERT(setup() == 0);
    ASSERT_EQ(decide(MAYA, "maya@example.org", ITEM), 403); /* four-eyes */
    ASSERT_EQ(decide(CORA, "cora@example.org", ITEM), 403); /* another department */
    ASSERT_EQ(decide(CARL, "carl@example.org", DONE), 409); /* not awaiting approval */
    ASSERT_EQ(decide(CARL, "carl@example.org", NEW), 409);  /* policy still checking */
    ASSERT_EQ(decide(CARL, "carl@example.org", "00000000-0000-4000-8000-0000000000ff"), 404);
    ASSERT_EQ(decide(CARL, "carl@example.org", ITEM), 202);
    ASSERT_EQ(decide(CARL, "carl@example.org", ITEM), 200); /* a retry */
    ASSERT_EQ(hd_db_count(s_db, "SELECT 1 FROM outbox WHERE type = 'decision.recorded'", 0, NULL),
              1);
}

HD_TEST(reads_come_from_the_views) {
    ASSERT(setup() == 0);
    ing_person_t carl = person(CARL, "carl@example.org"), cora = person(CORA, "cora@example.org");
    int status;
    char why[256];
    json_t *item = ing_read_item(s_read, &carl, NEW, &status, why, sizeof why);
    ASSERT(item != NULL);
    ASSERT_STR(json_string_value(json_object_get(item, "state")), "submitted");
    json_decref(item);
    item = ing_read_item(s_read, &carl, DONE, &status, why, sizeof why);
    ASSERT(item != NULL);
    ASSERT_STR(json_string_value(json_object_get(item, "state")),
               hd_item_state_name(HD_ITEM_APPROVED));
    json_decref(item);
    ASSERT(ing_read_item(s_read, &cora, DONE, &status, why, sizeof why) == NULL);
    ASSERT_EQ(status, 404); /* another department's: as if unknown */
    json_t *q = ing_read_queue(s_read, &cora, 100, &status);
    ASSERT(q != NULL); /* Cora is a coach, but of another department */
    ASSERT_EQ(json_array_size(json_object_get(q, "items")), 0);
    json_decref(q);
    ing_inbox_filter_t all = {.breached = -1, .limit = 10};
    json_t *box = ing_inbox_list(s_read, &carl, &all, &status);
    ASSERT(box != NULL);
    json_decref(box);
}

/* A submission by email; an author that is not UTF-8 text is poison for
   the batch's one author query unless it is kept out of it. */
static ing_item_t *submission(const char *key, const char *email, long long scheduled_ms) {
    ing_submission_t in = {.channel = "sandbox",
                           .text = "hello",
                           .idempotency_key = key,
                           .scheduled_at_ms = scheduled_ms};
    ing_item_t *it = ing_item_new(&in);
    ing_item_set(&it->email, email);
    return it;
}

HD_TEST(a_bad_item_costs_the_batch_nothing) {
    ASSERT(setup() == 0);
    const char *maya = "maya@example.org", *bad = "maya\xff\xfe@example.org";
    ing_item_t *it[3] = {submission("k1", maya, 0), submission("k2", bad, 0),
                         submission("k3", maya, 1893456000000LL)};
    ing_batch_record(s_db, it, 3);
    ASSERT_EQ(it[0]->res.status, 201);
    ASSERT_EQ(it[1]->res.status, 422);
    ASSERT_STR(it[1]->res.field, "author_email");
    ASSERT_EQ(it[2]->res.status, 201);
    ing_batch_record(s_db, it, 3); /* the senders retry */
    ASSERT_EQ(it[0]->res.status, 200);
    ASSERT_EQ(it[1]->res.status, 422);
    ASSERT_EQ(it[2]->res.status, 200);
    ing_item_t *one[1] = {submission("k3", maya, 0)}; /* the same key, another request */
    ing_batch_record(s_db, one, 1);
    ASSERT_EQ(one[0]->res.status, 422);
    ASSERT_STR(one[0]->res.code, "idempotency_key_reused");
    ASSERT_EQ(hd_db_count(s_db, "SELECT 1 FROM outbox WHERE type = 'content.submitted'", 0, NULL),
              2);
    for (int i = 0; i < 3; i++)
        ing_item_free(&it[i]);
    ing_item_free(&one[0]);
}

HD_TEST(cleanup) {
    hd_db_destroy(&s_read);
    hd_db_destroy(&s_db);
}

HD_TEST_MAIN(HD_CASE(read_connection_runs_as_the_read_role),
             HD_CASE(read_role_cannot_touch_base_tables),
             HD_CASE(migration_runs_again_and_on_a_second_database),
             HD_CASE(decision_is_checked_through_the_read_side), HD_CASE(reads_come_from_the_views),
             HD_CASE(a_bad_item_costs_the_batch_nothing), HD_CASE(cleanup))
