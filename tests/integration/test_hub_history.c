/*  The hub's reads from event_log (history.c) keep the filter's family
    rule: a consumer that has fallen behind the ring and reads from the
    log is given every event of a family it asked for ("crisis.*"), and
    nothing that merely looks like one. */
#include "fetch.h"
#include "hd_test.h"
#include "hd_testdb.h"
#include "history.h"

#include <stdio.h>

static const char *TYPES[] = {"crisis.declared",    "content.approved", "crisisx.declared",
                              "org.person.created", "crisis.resumed",   "content.approvedx",
                              "content.submitted"};

HD_TEST(history_reads_keep_families) {
    char url[512];
    ASSERT_EQ(hd_testdb_create("test_hub_history", 0, url, sizeof url), 0);
    hd_db_t *db = hd_db_connect(url, 5000);
    ASSERT(db);
    for (int i = 0; i < 7; i++) {
        char seq[8];
        snprintf(seq, sizeof seq, "%d", i + 1);
        const char *p[2] = {seq, TYPES[i]};
        ASSERT_EQ(hd_db_cmd(db,
                            "INSERT INTO event_log (seq, event_id, type, payload, created_at) "
                            "VALUES ($1::bigint, gen_random_uuid(), $2, '\\x00', now())",
                            2, p),
                  0);
    }
    char *want[] = {"crisis.*", "content.approved"};
    hub_filter_t f;
    ASSERT_EQ(hub_filter_init(&f, want, 2, NULL), 0);
    hub_event_t **evs = NULL;
    int n = hub_history_read(db, 0, 100, 100, &f, &evs);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(evs[0]->seq, 1);
    ASSERT_EQ(evs[1]->seq, 2);
    ASSERT_EQ(evs[2]->seq, 5);
    /* the ring's rule says the same of every type */
    for (int i = 0; i < 7; i++)
        ASSERT_EQ(hub_filter_match(&f, TYPES[i], ""), i == 0 || i == 1 || i == 4);
    hub_history_free(evs, n);
    hub_filter_clear(&f);
    hd_db_destroy(&db);
}

HD_TEST_MAIN({"history_reads_keep_families", history_reads_keep_families})
