/*  ring: the hub's recent events stay contiguous in seq, bounded in count
    and in bytes (oldest dropped first), and a gap empties the ring so the
    missing events are read from event_log instead of being skipped. */
#include "hd_test.h"
#include "ring.h"

#include <string.h>

static hub_event_t *ev(uint64_t seq, size_t payload) {
    static uint8_t buf[4096];
    memset(buf, 'x', sizeof buf);
    return hub_event_new(seq, "mention.received", 16, "", 0, buf, payload);
}

static void push(hub_ring_t *r, uint64_t seq, size_t payload) {
    hub_event_t *e = ev(seq, payload);
    hub_ring_push(r, &e);
}

HD_TEST(contiguous_and_bounded_by_count) {
    hub_ring_t *r = hub_ring_new(4, 1 << 20);
    ASSERT(r);
    ASSERT_EQ(hub_ring_hi(r), 0);
    ASSERT_EQ(hub_ring_lo(r), 1);
    for (uint64_t s = 1; s <= 10; s++)
        push(r, s, 10);
    ASSERT_EQ(hub_ring_count(r), 4);
    ASSERT_EQ(hub_ring_lo(r), 7);
    ASSERT_EQ(hub_ring_hi(r), 10);
    ASSERT(!hub_ring_get(r, 6));
    ASSERT(!hub_ring_get(r, 11));
    for (uint64_t s = 7; s <= 10; s++)
        ASSERT_EQ(hub_ring_get(r, s)->seq, s);
    hub_ring_destroy(&r);
    hub_ring_destroy(&r); /* safe twice */
    ASSERT(!r);
}

HD_TEST(bounded_by_bytes) {
    hub_ring_t *r = hub_ring_new(1000, 3000);
    for (uint64_t s = 1; s <= 20; s++)
        push(r, s, 1000);
    ASSERT(hub_ring_bytes(r) <= 3000);
    ASSERT(hub_ring_count(r) >= 1);
    ASSERT_EQ(hub_ring_hi(r), 20);
    /* An event bigger than the whole bound is still held alone. */
    push(r, 21, 4000);
    ASSERT_EQ(hub_ring_count(r), 1);
    ASSERT_EQ(hub_ring_get(r, 21)->seq, 21);
    hub_ring_destroy(&r);
}

HD_TEST(gap_resets) {
    hub_ring_t *r = hub_ring_new(100, 1 << 20);
    for (uint64_t s = 1; s <= 5; s++)
        push(r, s, 10);
    push(r, 9, 10); /* 6..8 never came through the ring */
    ASSERT_EQ(hub_ring_count(r), 1);
    ASSERT_EQ(hub_ring_lo(r), 9);
    ASSERT(!hub_ring_get(r, 5));
    hub_ring_reset(r, 50);
    ASSERT_EQ(hub_ring_count(r), 0);
    ASSERT_EQ(hub_ring_hi(r), 50);
    ASSERT_EQ(hub_ring_lo(r), 51);
    push(r, 51, 10);
    ASSERT_EQ(hub_ring_lo(r), 51);
    push(r, 0, 10); /* invalid: ignored */
    ASSERT_EQ(hub_ring_hi(r), 51);
    hub_ring_destroy(&r);
}

HD_TEST_MAIN(HD_CASE(contiguous_and_bounded_by_count), HD_CASE(bounded_by_bytes),
             HD_CASE(gap_resets))
