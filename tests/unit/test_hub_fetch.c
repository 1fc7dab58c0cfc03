/*  fetch + peers: who may see what, parked FETCH requests (one per peer,
    woken only by a matching event, expired on time, dropped with their
    peer), and peer liveness. */
#include "fetch.h"
#include "hd_test.h"
#include "peers.h"

#include <string.h>

static void push(hub_ring_t *r, uint64_t seq, const char *type, const char *dept) {
    hub_event_t *e = hub_event_new(seq, type, strlen(type), dept, strlen(dept),
                                   (const uint8_t *)"", 0);
    hub_ring_push(r, &e);
}

static hub_waiter_t *waiter(const char *peer, uint64_t rid, uint64_t after, const char *type,
                            const char *dept, int64_t deadline) {
    hub_filter_t f;
    char *types[1] = {(char *)type};
    if (hub_filter_init(&f, types, type ? 1 : 0, dept) < 0)
        return NULL;
    return hub_waiter_new((const uint8_t *)peer, strlen(peer), rid, after, 10, &f, deadline);
}

static size_t list_len(hub_waiter_t *w) {
    size_t n = 0;
    while (w) {
        hub_waiter_t *next = w->next;
        hub_waiter_destroy(&w);
        w = next;
        n++;
    }
    return n;
}

HD_TEST(filter_rules) {
    hub_filter_t f;
    char *types[2] = {"a.b", "c.d"};
    ASSERT(hub_filter_init(&f, types, 2, "marketing") == 0);
    ASSERT(hub_filter_match(&f, "a.b", "marketing"));
    ASSERT(hub_filter_match(&f, "c.d", "")); /* organization-wide */
    ASSERT(!hub_filter_match(&f, "a.b", "legal"));
    ASSERT(!hub_filter_match(&f, "x.y", "marketing"));
    hub_filter_clear(&f);
    ASSERT(hub_filter_init(&f, NULL, 0, NULL) == 0);
    ASSERT(hub_filter_match(&f, "anything", "legal"));
    hub_filter_clear(&f);
    char big[200];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char *bad[1] = {big};
    ASSERT(hub_filter_init(&f, bad, 1, NULL) < 0);
    char *many[65];
    for (int i = 0; i < 65; i++)
        many[i] = "t";
    ASSERT(hub_filter_init(&f, many, 65, NULL) < 0);
}

HD_TEST(waiters_wake_on_match_only) {
    hub_ring_t *r = hub_ring_new(100, 1 << 20);
    hub_waiters_t *ws = hub_waiters_new();
    hub_waiter_t *a = waiter("A", 1, 0, "content.submitted", NULL, 1000);
    hub_waiter_t *b = waiter("B", 2, 0, NULL, "legal", 2000);
    hub_waiters_park(ws, &a);
    hub_waiters_park(ws, &b);
    ASSERT(!a && !b);
    ASSERT_EQ(hub_waiters_count(ws), 2);
    ASSERT_EQ(hub_waiters_next_deadline(ws), 1000);
    push(r, 1, "mention.received", "marketing"); /* neither */
    ASSERT_EQ(list_len(hub_waiters_ready(ws, r, 1)), 0);
    push(r, 2, "content.submitted", "legal"); /* both */
    hub_waiter_t *ready = hub_waiters_ready(ws, r, 2);
    ASSERT(ready && ready->next && !ready->next->next);
    ASSERT_EQ(list_len(ready), 2);
    ASSERT_EQ(hub_waiters_count(ws), 0);
    hub_waiters_destroy(&ws);
    hub_ring_destroy(&r);
}

HD_TEST(waiter_behind_ring_is_ready) {
    hub_ring_t *r = hub_ring_new(2, 1 << 20);
    hub_waiters_t *ws = hub_waiters_new();
    for (uint64_t s = 1; s <= 5; s++)
        push(r, s, "x", "");
    hub_waiter_t *a = waiter("A", 1, 1, "nothing.matches", NULL, 1000);
    hub_waiters_park(ws, &a);
    /* 2..3 are gone from memory: only event_log can say. */
    ASSERT_EQ(list_len(hub_waiters_ready(ws, r, 5)), 1);
    hub_waiters_destroy(&ws);
    hub_ring_destroy(&r);
}

HD_TEST(one_per_peer_expiry_and_drop) {
    hub_waiters_t *ws = hub_waiters_new();
    hub_waiter_t *a1 = waiter("A", 1, 0, NULL, NULL, 100);
    hub_waiter_t *a2 = waiter("A", 2, 0, NULL, NULL, 500);
    hub_waiter_t *b = waiter("B", 3, 0, NULL, NULL, 300);
    hub_waiters_park(ws, &a1);
    hub_waiters_park(ws, &a2); /* replaces A's first */
    hub_waiters_park(ws, &b);
    ASSERT_EQ(hub_waiters_count(ws), 2);
    ASSERT_EQ(hub_waiters_next_deadline(ws), 300);
    hub_waiter_t *exp = hub_waiters_expired(ws, 300);
    ASSERT(exp && exp->request_id == 3 && !exp->next);
    ASSERT_EQ(list_len(exp), 1);
    ASSERT_EQ(hub_waiters_drop_peer(ws, (const uint8_t *)"A", 1), 1);
    ASSERT_EQ(hub_waiters_count(ws), 0);
    ASSERT_EQ(hub_waiters_next_deadline(ws), INT64_MAX);
    hub_waiters_destroy(&ws);
}

static int s_gone;
static void gone(const hub_peer_t *p, void *arg) {
    (void)arg;
    s_gone += strcmp(p->name, "slow") == 0;
}

HD_TEST(peers_liveness) {
    hub_peers_t *ps = hub_peers_new();
    ASSERT(hub_peers_add(ps, (const uint8_t *)"1", 1, "fast", NULL, "svc", "i1", 100, 0));
    ASSERT(hub_peers_add(ps, (const uint8_t *)"2", 1, "slow", "legal", "svc", "i2", 1000, 0));
    ASSERT_EQ(hub_peers_count(ps), 2);
    ASSERT_STR(hub_peers_find(ps, (const uint8_t *)"2", 1)->department, "legal");
    ASSERT(!hub_peers_find(ps, (const uint8_t *)"3", 1));
    hub_peers_find(ps, (const uint8_t *)"1", 1)->last_seen = 2800;
    ASSERT_EQ(hub_peers_expire(ps, 2600, gone, NULL), 0);
    ASSERT_EQ(hub_peers_expire(ps, 3001, gone, NULL), 1); /* slow: 3 x 1000 ms silent */
    ASSERT_EQ(s_gone, 1);
    ASSERT_EQ(hub_peers_expire(ps, 3101, gone, NULL), 1); /* fast: 3 x 100 ms */
    ASSERT_EQ(hub_peers_count(ps), 0);
    hub_peers_destroy(&ps);
    ASSERT(!ps);
}

HD_TEST_MAIN(HD_CASE(filter_rules), HD_CASE(waiters_wake_on_match_only),
             HD_CASE(waiter_behind_ring_is_ready), HD_CASE(one_per_peer_expiry_and_drop),
             HD_CASE(peers_liveness))
