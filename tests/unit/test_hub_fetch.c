/*  fetch + peers: who may see what, parked FETCH requests (one per peer,
    woken only by a matching event, expired on time, dropped with their
    peer), and peer liveness. */
#include "fetch.h"
#include "hd_envelope.h"
#include "hd_test.h"
#include "peers.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static void push(hub_ring_t *r, uint64_t seq, const char *type, const char *dept) {
    hub_event_t *e =
        hub_event_new(seq, type, strlen(type), dept, strlen(dept), (const uint8_t *)"", 0);
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

/* An event as the sequencer stores it: a packed Envelope (seq 0) whose
   department and actor say which event it is once decoded. */
static void push_envelope(hub_ring_t *r, uint64_t seq, const char *type, const char *dept) {
    Huddle__V1__MentionReceived mr = HUDDLE__V1__MENTION_RECEIVED__INIT;
    mr.text = "hello";
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    env.mention_received = &mr;
    char actor[32];
    snprintf(actor, sizeof actor, "actor-%llu", (unsigned long long)seq);
    env.type = (char *)type;
    env.department = (char *)dept;
    env.actor = actor;
    size_t len;
    uint8_t *p = hd_envelope_pack(&env, &len);
    hub_event_t *e = hub_event_new(seq, type, strlen(type), dept, strlen(dept), p, len);
    free(p);
    hub_ring_push(r, &e);
}

/* Gathers from the ring as a FETCH would, encodes the EVENTS reply, decodes
   it with protobuf-c and checks it holds exactly the seqs in want. */
static int reply_holds(const hub_ring_t *r, uint64_t after, uint32_t max, size_t max_bytes,
                       const hub_filter_t *f, const uint64_t *want, size_t nwant,
                       uint64_t want_scanned) {
    const hub_event_t *evs[16];
    uint64_t scanned = 0;
    size_t n = hub_fetch_ring(r, after, hub_ring_hi(r), max, max_bytes, f, evs, &scanned);
    size_t len;
    uint8_t *buf = hub_wire_events(7, hub_ring_hi(r), scanned, evs, n, &len);
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, len, buf);
    free(buf);
    int ok = m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS &&
             m->events->request_id == 7 && m->events->head_seq == hub_ring_hi(r) &&
             m->events->scanned_seq == want_scanned && m->events->n_events == nwant;
    if (!ok)
        fprintf(stderr, "reply: %zu events scanned to %llu, want %zu to %llu\n",
                m && m->events ? m->events->n_events : 0,
                m && m->events ? (unsigned long long)m->events->scanned_seq : 0ULL, nwant,
                (unsigned long long)want_scanned);
    for (size_t i = 0; ok && i < nwant; i++) {
        const hd_envelope_t *e = m->events->events[i];
        char actor[32];
        snprintf(actor, sizeof actor, "actor-%llu", (unsigned long long)want[i]);
        ok = e->seq == want[i] && strcmp(e->actor, actor) == 0 &&
             strcmp(e->type, hub_ring_get(r, want[i])->type) == 0 &&
             strcmp(e->department, hub_ring_get(r, want[i])->department) == 0 &&
             e->body_case == HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED &&
             strcmp(e->mention_received->text, "hello") == 0;
        if (!ok)
            fprintf(stderr, "event %zu: seq %llu, want %llu\n", i, (unsigned long long)e->seq,
                    (unsigned long long)want[i]);
    }
    if (m)
        huddle__v1__bus_message__free_unpacked(m, NULL);
    return ok;
}

HD_TEST(ring_reply_filters_and_decodes) {
    hub_ring_t *r = hub_ring_new(100, 1 << 20);
    const char *types[8] = {"a.x", "b.y", "a.x", "a.x", "b.y", "a.x", "c.z", "a.x"};
    const char *depts[8] = {"marketing", "marketing", "legal",     "",
                            "",          "marketing", "marketing", "legal"};
    for (int i = 0; i < 8; i++)
        push_envelope(r, (uint64_t)i + 1, types[i], depts[i]);
    hub_filter_t all, mkt, mkt_a;
    char *ta[2] = {"a.x", "c.z"};
    ASSERT(hub_filter_init(&all, NULL, 0, NULL) == 0);
    ASSERT(hub_filter_init(&mkt, NULL, 0, "marketing") == 0);
    ASSERT(hub_filter_init(&mkt_a, ta, 2, "marketing") == 0);
    const uint64_t every[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT(reply_holds(r, 0, 16, 1 << 20, &all, every, 8, 8));
    /* A department-limited peer: its department and organization-wide only. */
    const uint64_t m1[6] = {1, 2, 4, 5, 6, 7};
    ASSERT(reply_holds(r, 0, 16, 1 << 20, &mkt, m1, 6, 8));
    const uint64_t m2[4] = {4, 5, 6, 7};
    ASSERT(reply_holds(r, 3, 16, 1 << 20, &mkt, m2, 4, 8));
    /* Types and department together; after_seq excludes what was sent. */
    const uint64_t a1[4] = {1, 4, 6, 7};
    ASSERT(reply_holds(r, 0, 16, 1 << 20, &mkt_a, a1, 4, 8));
    const uint64_t a2[1] = {7};
    ASSERT(reply_holds(r, 6, 16, 1 << 20, &mkt_a, a2, 1, 8));
    /* max stops the scan right after the last event taken. */
    const uint64_t a3[2] = {1, 4};
    ASSERT(reply_holds(r, 0, 2, 1 << 20, &mkt_a, a3, 2, 4));
    /* So does the byte bound (one event already passes 1 byte). */
    ASSERT(reply_holds(r, 1, 16, 1, &mkt_a, (const uint64_t[]){4}, 1, 4));
    /* Nothing left: scanned reaches the head so the peer moves on. */
    ASSERT(reply_holds(r, 7, 16, 1 << 20, &mkt_a, NULL, 0, 8));
    hub_filter_clear(&all);
    hub_filter_clear(&mkt);
    hub_filter_clear(&mkt_a);
    hub_ring_destroy(&r);
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
             HD_CASE(peers_liveness), HD_CASE(ring_reply_filters_and_decodes))
