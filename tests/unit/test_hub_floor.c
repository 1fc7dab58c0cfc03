/*  floor: gaps open when oids are skipped, close when their rows come or
    when a later snapshot proves their transactions ended without them; a
    batch cut at its limit proves nothing above its last oid. */
#include "floor.h"
#include "hd_test.h"

#define U(...) ((const uint64_t[]){__VA_ARGS__})

HD_TEST(first_move_counts_from_one_until_proven) {
    hub_floor_t *f = hub_floor_new();
    ASSERT_EQ(hub_floor_get(f), 0);
    hub_floor_update(f, NULL, 0, 0, 100, 100); /* empty outbox: nothing learnt */
    ASSERT_EQ(hub_floor_get(f), 0);
    hub_floor_update(f, U(5, 6, 7), 3, 0, 100, 110);
    ASSERT_EQ(hub_floor_get(f), 1); /* 1..4 may belong to running transactions */
    ASSERT_EQ(hub_floor_gaps(f), 1);
    hub_floor_update(f, NULL, 0, 0, 109, 112); /* one of them may still run */
    ASSERT_EQ(hub_floor_get(f), 1);
    hub_floor_update(f, NULL, 0, 0, 110, 112); /* all ended, none committed */
    ASSERT_EQ(hub_floor_get(f), 8);
    ASSERT_EQ(hub_floor_gaps(f), 0);
    hub_floor_destroy(&f);
    ASSERT(f == NULL);
    hub_floor_destroy(&f);
}

HD_TEST(late_rows_close_their_gaps) {
    hub_floor_t *f = hub_floor_new();
    hub_floor_update(f, U(1, 2), 2, 0, 10, 10);
    ASSERT_EQ(hub_floor_get(f), 3);
    hub_floor_update(f, U(4, 7), 2, 0, 10, 20); /* 3, 5 and 6 still running */
    ASSERT_EQ(hub_floor_get(f), 3);
    hub_floor_update(f, U(3, 6), 2, 0, 12, 20); /* late commits */
    ASSERT_EQ(hub_floor_get(f), 5);
    hub_floor_update(f, U(5, 8), 2, 0, 15, 25);
    ASSERT_EQ(hub_floor_get(f), 9);
    ASSERT_EQ(hub_floor_gaps(f), 0);
    hub_floor_destroy(&f);
}

HD_TEST(a_full_batch_proves_nothing_above_it) {
    hub_floor_t *f = hub_floor_new();
    hub_floor_update(f, U(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 10, 0, 5, 5);
    hub_floor_update(f, U(12, 40), 2, 0, 5, 50); /* gaps 11 and 13..39 */
    ASSERT_EQ(hub_floor_gaps(f), 2);
    /* A move from 0 cut at its limit at oid 12: 11 proven absent, but not
       13..39 (rows there may exist and just did not fit). */
    hub_floor_update(f, U(12), 1, 1, 60, 60);
    ASSERT_EQ(hub_floor_get(f), 13);
    hub_floor_update(f, U(20), 1, 0, 61, 70); /* not full: 13..39 proven bar 20 */
    ASSERT_EQ(hub_floor_get(f), 41);
    ASSERT_EQ(hub_floor_gaps(f), 0);
    hub_floor_destroy(&f);
}

HD_TEST(many_gaps_stay_bounded_and_safe) {
    hub_floor_t *f = hub_floor_new();
    hub_floor_update(f, U(1), 1, 0, 1, 1);
    for (uint64_t o = 3; o < 5000; o += 2) /* every even oid missing */
        hub_floor_update(f, &o, 1, 0, 1, 2);
    ASSERT(hub_floor_gaps(f) <= 1024);
    ASSERT_EQ(hub_floor_get(f), 2);
    hub_floor_update(f, NULL, 0, 0, 2, 3);
    ASSERT_EQ(hub_floor_get(f), 5000);
    hub_floor_reset(f);
    ASSERT_EQ(hub_floor_get(f), 0);
    hub_floor_destroy(&f);
}

HD_TEST_MAIN(HD_CASE(first_move_counts_from_one_until_proven), HD_CASE(late_rows_close_their_gaps),
             HD_CASE(a_full_batch_proves_nothing_above_it),
             HD_CASE(many_gaps_stay_bounded_and_safe))
