/*  hd_db against a real PostgreSQL: a repeated statement is prepared once
    per session; a server that forgot it (DEALLOCATE), a schema change under
    it and a new session (the backend killed) are all survived without the
    caller seeing more than the one failure a lost connection costs. */
#include "hd_db.h"
#include "hd_test.h"
#include "hd_testdb.h"

#include <stdlib.h>

static char s_url[512];

static long count(hd_db_t *db, const char *sql) {
    PGresult *r = hd_db_exec(db, sql, 0, NULL);
    long v = r && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

static long server_prepared(hd_db_t *db) {
    return count(db, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'hd\\_%'");
}

HD_TEST(repeated_statements_are_prepared_once) {
    ASSERT_EQ(hd_testdb_create("test_hd_db", 0, s_url, sizeof s_url), 0);
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    ASSERT_EQ(hd_db_cmd(db, "CREATE TABLE t (a int)", 0, NULL), 0);
    for (int i = 0; i < 20; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        const char *p[1] = {v};
        ASSERT_EQ(hd_db_cmd(db, "INSERT INTO t (a) VALUES ($1)", 1, p), 0);
    }
    ASSERT_EQ(count(db, "SELECT sum(a) FROM t"), 190);
    ASSERT_EQ(hd_db_prepared(db), 2);  /* the INSERT and the sum */
    ASSERT_EQ(server_prepared(db), 3); /* and the catalog query itself */
    /* A statement with an error is not kept, and says what is wrong. */
    ASSERT(hd_db_exec(db, "SELECT nope FROM t", 0, NULL) == NULL);
    ASSERT(strstr(hd_db_error(db), "nope") != NULL);
    ASSERT_STR(hd_db_sqlstate(db), "42703");
    ASSERT_EQ(hd_db_prepared(db), 3);
    hd_db_destroy(&db);
}

HD_TEST(forgotten_and_stale_statements_are_prepared_again) {
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    ASSERT_EQ(count(db, "SELECT count(*) FROM t"), 20);
    ASSERT_EQ(hd_db_cmd(db, "DEALLOCATE ALL", 0, NULL), 0);
    ASSERT_EQ(count(db, "SELECT count(*) FROM t"), 20); /* 26000, prepared again */
    PGresult *r = hd_db_exec(db, "SELECT * FROM t LIMIT 1", 0, NULL);
    ASSERT(r && PQnfields(r) == 1);
    PQclear(r);
    ASSERT_EQ(hd_db_cmd(db, "ALTER TABLE t ADD COLUMN b int DEFAULT 7", 0, NULL), 0);
    r = hd_db_exec(db, "SELECT * FROM t LIMIT 1", 0, NULL); /* 0A000, prepared again */
    ASSERT(r && PQnfields(r) == 2);
    ASSERT_STR(PQgetvalue(r, 0, 1), "7");
    PQclear(r);
    /* Inside a transaction the failure is the caller's (its transaction is
       gone); the next attempt works. */
    ASSERT_EQ(hd_db_cmd(db, "ALTER TABLE t DROP COLUMN b", 0, NULL), 0);
    ASSERT_EQ(hd_db_begin(db), 0);
    ASSERT(hd_db_exec(db, "SELECT * FROM t LIMIT 1", 0, NULL) == NULL);
    hd_db_rollback(db);
    r = hd_db_exec(db, "SELECT * FROM t LIMIT 1", 0, NULL);
    ASSERT(r && PQnfields(r) == 1);
    PQclear(r);
    hd_db_destroy(&db);
}

HD_TEST(a_new_session_prepares_again) {
    hd_db_t *db = hd_db_connect(s_url, 5000), *killer = hd_db_connect(s_url, 5000);
    ASSERT(db && killer);
    ASSERT_EQ(count(db, "SELECT count(*) FROM t"), 20);
    char pid[16];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(hd_db_conn(db)));
    const char *p[1] = {pid};
    ASSERT_EQ(hd_db_cmd(killer, "SELECT pg_terminate_backend($1::int)", 1, p), 0);
    for (int i = 0; i < 50 && hd_db_ensure(db) == 0 && PQbackendPID(hd_db_conn(db)) == atoi(pid);
         i++)
        count(db, "SELECT 1"); /* until libpq notices and reconnects */
    ASSERT(hd_db_ensure(db) == 0);
    ASSERT(PQbackendPID(hd_db_conn(db)) != atoi(pid));
    ASSERT_EQ(count(db, "SELECT count(*) FROM t"), 20);
    ASSERT_EQ(server_prepared(db), hd_db_prepared(db));
    hd_db_destroy(&db);
    hd_db_destroy(&killer);
}

/* The commands of a pipeline are sent without waiting; a query reads their
   effects in the round trip that sends it; a failure shows at the next
   wait and takes the transaction with it. */
HD_TEST(a_pipeline_sends_commands_and_waits_at_reads) {
    hd_db_t *db = hd_db_connect(s_url, 5000);
    ASSERT(db);
    ASSERT_EQ(hd_db_cmd(db, "CREATE TABLE piped (a int PRIMARY KEY)", 0, NULL), 0);
    ASSERT_EQ(hd_db_pipe_begin(db), 0);
    ASSERT_EQ(hd_db_begin(db), 0);
    for (int i = 0; i < 5; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        const char *p[1] = {v};
        ASSERT_EQ(hd_db_cmd(db, "INSERT INTO piped (a) VALUES ($1::int)", 1, p), 0);
    }
    ASSERT_EQ(count(db, "SELECT count(*) FROM piped"), 5); /* sees its own commands */
    hd_pgarray_t col[1] = {{0}};
    hd_pgarray_add(&col[0], "5");
    hd_pgarray_add(&col[0], "6");
    ASSERT_EQ(hd_db_cmd_arrays(db, "INSERT INTO piped SELECT unnest($1::int[])", col, 1), 0);
    ASSERT_EQ(hd_db_commit(db), 0);
    ASSERT_EQ(hd_db_pipe_end(db), 0);
    ASSERT_EQ(count(db, "SELECT count(*) FROM piped"), 7);

    /* a failing command fails the COMMIT after it: nothing is committed */
    ASSERT_EQ(hd_db_pipe_begin(db), 0);
    ASSERT_EQ(hd_db_begin(db), 0);
    const char *dup[1] = {"1"};
    const char *fresh[1] = {"100"};
    ASSERT_EQ(hd_db_cmd(db, "INSERT INTO piped (a) VALUES ($1::int)", 1, fresh), 0);
    ASSERT_EQ(hd_db_cmd(db, "INSERT INTO piped (a) VALUES ($1::int)", 1, dup), 0);
    ASSERT_EQ(hd_db_cmd(db, "INSERT INTO piped (a) VALUES ($1::int + 1)", 1, fresh), 0);
    ASSERT_EQ(hd_db_commit(db), -1);
    ASSERT_STR(hd_db_sqlstate(db), "23505"); /* the first failure, not the aborted ones */
    hd_db_rollback(db);                      /* stays in pipeline mode */
    ASSERT_EQ(count(db, "SELECT count(*) FROM piped"), 7);
    ASSERT_EQ(hd_db_pipe_end(db), 0);
    ASSERT_EQ(PQtransactionStatus(hd_db_conn(db)), PQTRANS_IDLE);

    /* a statement that fails to prepare is prepared again next time */
    ASSERT_EQ(hd_db_pipe_begin(db), 0);
    ASSERT_EQ(hd_db_cmd(db, "INSERT INTO no_such_table VALUES (1)", 0, NULL), 0);
    ASSERT(count(db, "SELECT 1") == -1);
    ASSERT_EQ(hd_db_pipe_end(db), 0);
    ASSERT_EQ(hd_db_cmd(db, "CREATE TABLE no_such_table (a int)", 0, NULL), 0);
    ASSERT_EQ(hd_db_cmd(db, "INSERT INTO no_such_table VALUES (1)", 0, NULL), 0);
    ASSERT_EQ(server_prepared(db), hd_db_prepared(db));
    hd_db_destroy(&db);
}

HD_TEST_MAIN(HD_CASE(repeated_statements_are_prepared_once),
             HD_CASE(a_pipeline_sends_commands_and_waits_at_reads),
             HD_CASE(forgotten_and_stale_statements_are_prepared_again),
             HD_CASE(a_new_session_prepares_again))
