/*  CURVE + ZAP on the real hub: a client whose key is not in authorized/
    gets no answer at all (its handshake fails, as the socket monitor
    shows), a known key is welcomed under its file name, a key added while
    the hub runs is accepted without a restart, and a peer whose key says
    department "marketing" sees only marketing and organization-wide events. */
#include "hd_test.h"
#include "hd_testdb.h"
#include "hub_harness.h"

/* Waits for a handshake outcome on a monitor socket: the event number, or
   0 if none came within timeout_ms. */
static int handshake_event(void *mon, int timeout_ms) {
    int64_t until = hd_now_ms() + timeout_ms;
    while (hd_now_ms() < until) {
        zmq_pollitem_t it = {mon, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 100) <= 0)
            continue;
        zmq_msg_t f;
        zmq_msg_init(&f);
        zmq_msg_recv(&f, mon, 0);
        uint16_t ev = 0;
        if (zmq_msg_size(&f) >= 2)
            memcpy(&ev, zmq_msg_data(&f), 2);
        int more = zmq_msg_more(&f);
        zmq_msg_close(&f);
        while (more) {
            zmq_msg_init(&f);
            zmq_msg_recv(&f, mon, 0);
            more = zmq_msg_more(&f);
            zmq_msg_close(&f);
        }
        if (ev & (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                  ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
            return ev;
    }
    return 0;
}

/* Connects as `name`, says HELLO; returns the handshake event and, through
   peer_out, the name the hub welcomed us as ("" if no WELCOME). */
static int try_peer(void *ctx, hub_proc_t *h, const char *name, char *peer_out, size_t len) {
    peer_out[0] = 0;
    void *s = hh_raw(ctx, h, name);
    if (!s)
        return -1;
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://mon-%s", name);
    zmq_socket_monitor(s, ep, ZMQ_EVENT_ALL);
    void *mon = zmq_socket(ctx, ZMQ_PAIR);
    zmq_connect(mon, ep);
    hh_hello(s);
    int ev = handshake_event(mon, 3000);
    Huddle__V1__BusMessage *m = hh_recv(s, 1500);
    if (m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME)
        snprintf(peer_out, len, "%s", m->welcome->peer);
    else if (m)
        snprintf(peer_out, len, "(command %d)", (int)m->cmd_case);
    if (m)
        huddle__v1__bus_message__free_unpacked(m, NULL);
    zmq_socket_monitor(s, NULL, 0);
    zmq_close(mon);
    zmq_close(s);
    return ev;
}

static int metric(hub_proc_t *h, const char *line) {
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "http://%s/metrics", h->http);
    int st = hd_http_get(url, &body, 2000);
    int found = st == 200 && body && strstr(body, line) != NULL;
    if (!found)
        fprintf(stderr, "metrics lack '%s':\n%s\n", line, body ? body : "(none)");
    free(body);
    return found;
}

HD_TEST(curve_keys) {
    hub_proc_t h = {0};
    ASSERT(hd_testdb_create("test_hub_auth", 0, h.url, sizeof h.url) == 0);
    ASSERT(hh_keys(&h, "auth") == 0);
    ASSERT(hd_keys_ensure(h.keys, "stranger", NULL, 0) == 0); /* not authorized */
    ASSERT(hh_start(&h, NULL) == 0);
    void *ctx = zmq_ctx_new();
    char peer[64];

    int ev = try_peer(ctx, &h, "stranger", peer, sizeof peer);
    ASSERT_STR(peer, "");
    ASSERT(ev == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || ev == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL);

    ev = try_peer(ctx, &h, "tester", peer, sizeof peer);
    ASSERT_EQ(ev, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    ASSERT_STR(peer, "tester");

    /* Authorized while the hub runs: no restart. */
    ASSERT(hd_keys_ensure(h.keys, "late", NULL, 1) == 0);
    ev = try_peer(ctx, &h, "late", peer, sizeof peer);
    ASSERT_EQ(ev, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    ASSERT_STR(peer, "late");

    /* And the stranger is still refused. */
    ev = try_peer(ctx, &h, "stranger", peer, sizeof peer);
    ASSERT_STR(peer, "");
    ASSERT(ev != ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    zmq_ctx_term(ctx);
    ASSERT(metric(&h, "huddle_hub_zap_total{result=\"accepted\"} 2"));
    ASSERT(metric(&h, "huddle_hub_zap_total{result=\"refused\"}"));
    ASSERT(!metric(&h, "huddle_hub_zap_total{result=\"refused\"} 0"));
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

/* A peer whose key leaves authorized/ while it is connected is refused at
   its next FETCH (403), without waiting for a new handshake. */
HD_TEST(revoked_key) {
    hub_proc_t h = {0};
    ASSERT(hd_testdb_create("test_hub_auth_revoke", 0, h.url, sizeof h.url) == 0);
    ASSERT(hh_keys(&h, "revoke") == 0);
    ASSERT(hd_keys_ensure(h.keys, "leaver", NULL, 1) == 0);
    ASSERT(hh_start(&h, NULL) == 0);
    void *ctx = zmq_ctx_new();
    void *s = hh_raw(ctx, &h, "leaver");
    ASSERT(s);
    ASSERT(hh_hello(s) == 0);
    Huddle__V1__BusMessage *m = hh_recv(s, 3000);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_WELCOME);
    huddle__v1__bus_message__free_unpacked(m, NULL);
    ASSERT(hh_fetch(s, 1, 0, 10, 0) == 0);
    m = hh_recv(s, 3000);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_EVENTS);
    huddle__v1__bus_message__free_unpacked(m, NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/authorized/leaver.key", h.keys);
    ASSERT_EQ(unlink(path), 0);
    ASSERT(hh_fetch(s, 2, 0, 10, 0) == 0);
    m = hh_recv(s, 3000);
    ASSERT(m && m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_ERROR);
    ASSERT_EQ(m->error->code, 403);
    huddle__v1__bus_message__free_unpacked(m, NULL);
    zmq_close(s);
    zmq_ctx_term(ctx);
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

static int count_fetch(hub_proc_t *h, const char *name, const char *const *types, size_t n,
                       char *depts, size_t len) {
    hd_bus_t *bus = hh_bus(h, name);
    if (!bus)
        return -1;
    hd_bus_batch_t *b = NULL;
    int rc = hd_bus_fetch(bus, 0, 100, types, n, 0, &b);
    int count = rc < 0 ? -1 : (int)hd_bus_batch_count(b);
    depts[0] = 0;
    for (int i = 0; i < count; i++) {
        const hd_envelope_t *ev = hd_bus_batch_event(b, (size_t)i);
        size_t used = strlen(depts);
        snprintf(depts + used, len - used, "%s[%s]", i ? "," : "", ev->department);
    }
    hd_bus_batch_destroy(&b);
    hd_bus_destroy(&bus);
    return count;
}

HD_TEST(department_limits) {
    hub_proc_t h = {0};
    ASSERT(hd_testdb_create("test_hub_auth_dept", 0, h.url, sizeof h.url) == 0);
    ASSERT(hh_keys(&h, "dept") == 0);
    ASSERT(hd_keys_ensure(h.keys, "spoke-marketing", "marketing", 1) == 0);
    hd_db_t *db = hd_db_connect(h.url, 5000);
    ASSERT(db);
    ASSERT(hh_put(db, "w0", "1", "marketing", NULL) == 0);
    ASSERT(hh_put(db, "w0", "2", "customer-care", NULL) == 0);
    ASSERT(hh_put(db, "w0", "3", "", NULL) == 0);
    ASSERT(hh_start(&h, NULL) == 0);
    ASSERT_EQ(hh_wait_for(db, "SELECT count(*) FROM event_log", 3, 10000), 3);
    hd_db_destroy(&db);
    char depts[256];
    ASSERT_EQ(count_fetch(&h, "tester", NULL, 0, depts, sizeof depts), 3);
    ASSERT_EQ(count_fetch(&h, "spoke-marketing", NULL, 0, depts, sizeof depts), 2);
    ASSERT_STR(depts, "[marketing],[]");
    const char *want[] = {"mention.received"}, *other[] = {"content.submitted"};
    ASSERT_EQ(count_fetch(&h, "spoke-marketing", want, 1, depts, sizeof depts), 2);
    ASSERT_EQ(count_fetch(&h, "tester", other, 1, depts, sizeof depts), 0);
    ASSERT_EQ(hh_stop(&h, SIGTERM, 2000), 0);
    hh_keys_remove(&h);
}

HD_TEST_MAIN(HD_CASE(curve_keys), HD_CASE(revoked_key), HD_CASE(department_limits))
