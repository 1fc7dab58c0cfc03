/*  hd_stmtcache: texts, not addresses; forgetting keeps every other entry
    reachable; a full cache refuses names. */
#include "hd_stmtcache.h"
#include "hd_test.h"

#include <stdio.h>

HD_TEST(keys_are_texts) {
    hd_stmtcache_t *c = hd_stmtcache_new(8);
    char buf[64], name[HD_STMT_NAME_LEN];
    snprintf(buf, sizeof buf, "SELECT %d", 1);
    ASSERT_EQ(hd_stmtcache_name(c, name), 0);
    hd_stmtcache_put(c, buf, name);
    ASSERT_STR(hd_stmtcache_find(c, "SELECT 1"), name);
    snprintf(buf, sizeof buf, "SELECT %d", 2); /* same buffer, other statement */
    ASSERT(hd_stmtcache_find(c, buf) == NULL);
    char again[HD_STMT_NAME_LEN];
    ASSERT_EQ(hd_stmtcache_name(c, again), 0);
    ASSERT(strcmp(name, again) != 0); /* names are never reused */
    hd_stmtcache_destroy(&c);
    ASSERT(c == NULL);
    hd_stmtcache_destroy(&c);
}

HD_TEST(forget_keeps_the_rest_reachable) {
    hd_stmtcache_t *c = hd_stmtcache_new(200);
    char sql[200][32], name[HD_STMT_NAME_LEN];
    for (int i = 0; i < 200; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        ASSERT_EQ(hd_stmtcache_name(c, name), 0);
        hd_stmtcache_put(c, sql[i], name);
    }
    ASSERT_EQ(hd_stmtcache_size(c), 200);
    ASSERT_EQ(hd_stmtcache_name(c, name), -1); /* full */
    for (int i = 0; i < 200; i += 3)
        hd_stmtcache_forget(c, sql[i]);
    hd_stmtcache_forget(c, "SELECT never");
    for (int i = 0; i < 200; i++)
        ASSERT((hd_stmtcache_find(c, sql[i]) == NULL) == (i % 3 == 0));
    ASSERT_EQ(hd_stmtcache_size(c), 200 - 67);
    hd_stmtcache_clear(c);
    ASSERT_EQ(hd_stmtcache_size(c), 0);
    ASSERT(hd_stmtcache_find(c, sql[1]) == NULL);
    hd_stmtcache_destroy(&c);
}

HD_TEST(only_repeatable_kinds_are_wanted) {
    ASSERT(hd_stmtcache_wanted("SELECT 1"));
    ASSERT(!hd_stmtcache_wanted(HD_STMT_REPLAN "SELECT min(a) FROM t"));
    ASSERT(hd_stmtcache_wanted("  with x AS (SELECT 1) SELECT * FROM x"));
    ASSERT(hd_stmtcache_wanted("INSERT INTO t VALUES ($1)"));
    ASSERT(hd_stmtcache_wanted("update t set a = 1"));
    ASSERT(hd_stmtcache_wanted("DELETE FROM t"));
    ASSERT(!hd_stmtcache_wanted("BEGIN"));
    ASSERT(!hd_stmtcache_wanted("COMMIT"));
    ASSERT(!hd_stmtcache_wanted("SAVEPOINT hd_ev"));
    ASSERT(!hd_stmtcache_wanted("LISTEN x"));
    ASSERT(!hd_stmtcache_wanted("SELECTED"));
    ASSERT(!hd_stmtcache_wanted("with_x"));
    ASSERT(!hd_stmtcache_wanted(""));
}

HD_TEST_MAIN(HD_CASE(keys_are_texts), HD_CASE(forget_keeps_the_rest_reachable),
             HD_CASE(only_repeatable_kinds_are_wanted))
