/*  huddle-probe: a test tool that speaks to a CURVE endpoint of huddle as a
    given peer and says whether it was answered.
      huddle-probe ENDPOINT SERVER_PUBKEY_Z85 KEYS_DIR NAME MODE
    NAME "fresh" uses a new key nobody authorized. MODE:
      hello    send a hub HELLO          ingest-ping   send an ingest ping
      garbage-hub, garbage-ingest  bytes that are no protobuf message
      submit   send an IngestRequest submit (reads AUTHOR, CHANNEL, KEY, TEXT
               from the environment)
    Prints the answer as one line (status and reason) and exits 0 when one
    came within 3 s, 3 when none did (a refused handshake), 1 on error. */
#include "hd_keys.h"
#include "huddle/v1/bus.pb-c.h"
#include "huddle/v1/ingest.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static size_t build(const char *mode, uint8_t *buf, size_t cap) {
    if (!strncmp(mode, "garbage", 7)) {
        memcpy(buf, "\xff\xff\xff\xffnot a protobuf", 18);
        return 18;
    }
    if (!strcmp(mode, "hello")) {
        Huddle__V1__Hello h = HUDDLE__V1__HELLO__INIT;
        h.service = "probe";
        h.instance = "probe-1";
        h.heartbeat_ms = 1000;
        Huddle__V1__BusMessage m = HUDDLE__V1__BUS_MESSAGE__INIT;
        m.version = 1;
        m.cmd_case = HUDDLE__V1__BUS_MESSAGE__CMD_HELLO;
        m.hello = &h;
        if (huddle__v1__bus_message__get_packed_size(&m) > cap)
            return 0;
        return huddle__v1__bus_message__pack(&m, buf);
    }
    Huddle__V1__IngestRequest rq = HUDDLE__V1__INGEST_REQUEST__INIT;
    Huddle__V1__SubmitContent sc = HUDDLE__V1__SUBMIT_CONTENT__INIT;
    rq.version = 1;
    rq.request_id = "probe-1";
    if (!strcmp(mode, "submit")) {
        sc.author_email = getenv("AUTHOR") ? getenv("AUTHOR") : "";
        sc.channel = getenv("CHANNEL") ? getenv("CHANNEL") : "";
        sc.idempotency_key = getenv("KEY") ? getenv("KEY") : "";
        sc.text = getenv("TEXT") ? getenv("TEXT") : "";
        rq.cmd_case = HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT;
        rq.submit_content = &sc;
    } else {
        rq.cmd_case = HUDDLE__V1__INGEST_REQUEST__CMD_PING;
        rq.ping = 1;
    }
    if (huddle__v1__ingest_request__get_packed_size(&rq) > cap)
        return 0;
    return huddle__v1__ingest_request__pack(&rq, buf);
}

static void describe(const char *endpoint_kind, const uint8_t *data, size_t n) {
    Huddle__V1__BusMessage *m = huddle__v1__bus_message__unpack(NULL, n, data);
    if (m && strcmp(endpoint_kind, "ingest") != 0) {
        if (m->cmd_case == HUDDLE__V1__BUS_MESSAGE__CMD_ERROR)
            printf("error %u %s\n", m->error->code, m->error->reason);
        else
            printf("answer %d\n", (int)m->cmd_case);
        huddle__v1__bus_message__free_unpacked(m, NULL);
        return;
    }
    if (m)
        huddle__v1__bus_message__free_unpacked(m, NULL);
    Huddle__V1__IngestReply *r = huddle__v1__ingest_reply__unpack(NULL, n, data);
    if (r) {
        printf("status %u %s %s %s\n", r->status, r->id, r->field, r->error);
        huddle__v1__ingest_reply__free_unpacked(r, NULL);
    } else
        printf("undecodable answer of %zu bytes\n", n);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: huddle-probe ENDPOINT SERVER_Z85 KEYS_DIR NAME MODE\n");
        return 1;
    }
    zcert_t *own = !strcmp(argv[4], "fresh") ? zcert_new() : hd_keys_load(argv[3], argv[4]);
    if (!own)
        return 1;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    if (hd_keys_client(s, own, argv[2]) < 0 || zmq_connect(s, argv[1]) < 0) {
        fprintf(stderr, "probe: cannot connect %s\n", argv[1]);
        return 1;
    }
    uint8_t buf[4096];
    size_t n = build(argv[5], buf, sizeof buf);
    zmq_send(s, buf, n, 0);
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    int rc = 3;
    if (zmq_poll(&it, 1, 3000) == 1) {
        int got = zmq_recv(s, buf, sizeof buf, 0);
        if (got >= 0) {
            describe(strstr(argv[5], "ingest") || !strcmp(argv[5], "submit") ? "ingest" : "hub",
                     buf, (size_t)got);
            rc = 0;
        }
    } else
        printf("no answer\n");
    zmq_close(s);
    zmq_ctx_term(ctx);
    zcert_destroy(&own);
    return rc;
}
