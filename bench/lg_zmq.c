/*  lg_zmq: the load generator's ZeroMQ client of the ingest door
    (proto/huddle/v1/ingest.proto). One DEALER with CURVE, authenticated as
    the "cli" cert of HUDDLE_KEYS_DIR against ingest's public key; it keeps
    up to --window IngestRequests in flight and matches each IngestReply by
    its request_id (the item number). */
#include "hd_keys.h"
#include "huddle/v1/ingest.pb-c.h"
#include "lg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    lg_run_t *run;
    void *sock;
    int inflight;
} door_t;

static int send_item(door_t *d, long i) {
    char key[128], text[10240], rid[32];
    lg_item_key(d->run, i, key, sizeof key);
    lg_item_text(d->run, i, text, sizeof text);
    snprintf(rid, sizeof rid, "%ld", i);
    Huddle__V1__SubmitContent sc = HUDDLE__V1__SUBMIT_CONTENT__INIT;
    sc.idempotency_key = key;
    sc.author_email = (char *)d->run->author;
    sc.channel = (char *)d->run->channel;
    sc.text = text;
    Huddle__V1__IngestRequest rq = HUDDLE__V1__INGEST_REQUEST__INIT;
    rq.version = 1;
    rq.request_id = rid;
    rq.cmd_case = HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT;
    rq.submit_content = &sc;
    uint8_t buf[12288];
    size_t n = huddle__v1__ingest_request__get_packed_size(&rq);
    if (n > sizeof buf)
        return -1;
    huddle__v1__ingest_request__pack(&rq, buf);
    if (zmq_send(d->sock, buf, n, 0) < 0) {
        fprintf(stderr, "loadgen: send: %s\n", zmq_strerror(zmq_errno()));
        return -1;
    }
    d->inflight++;
    return 0;
}

/* Reads every reply waiting; matches each to its item. */
static void read_replies(door_t *d) {
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, d->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        int64_t now = lg_now_us();
        Huddle__V1__IngestReply *rep =
            huddle__v1__ingest_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
        zmq_msg_close(&m);
        if (!rep) {
            fprintf(stderr, "loadgen: undecodable IngestReply dropped\n");
            continue;
        }
        char *end = NULL;
        long i = rep->request_id ? strtol(rep->request_id, &end, 10) : -1;
        if (end && !*end && i >= 0 && i < d->run->next && !lg_record(d->run, i)->t_ack_us) {
            lg_answer(d->run, i, (int)rep->status, rep->id, now);
            d->inflight--;
            if (rep->status >= 400 && rep->error)
                fprintf(stderr, "loadgen: item %ld refused %u: %s\n", i, rep->status, rep->error);
        }
        huddle__v1__ingest_reply__free_unpacked(rep, NULL);
    }
}

static int loop(door_t *d) {
    int64_t drain_until = 0;
    for (;;) {
        int64_t now = lg_now_us(), t_submit;
        long i;
        while (d->inflight < d->run->window && (i = lg_take(d->run, now, &t_submit)) >= 0)
            if (send_item(d, i) < 0)
                return -1;
        int64_t due = lg_due_in_us(d->run, now);
        if (due < 0 && !drain_until)
            drain_until = now + LG_DRAIN_US;
        if (due < 0 && d->inflight == 0)
            return 0;
        if (drain_until && now >= drain_until) {
            fprintf(stderr, "loadgen: %d requests unanswered after the drain time\n", d->inflight);
            return 0;
        }
        long timeout = d->inflight >= d->run->window || due < 0 ? 100 : (due + 999) / 1000;
        zmq_pollitem_t item = {d->sock, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, timeout > 100 ? 100 : timeout) > 0)
            read_replies(d);
    }
}

int lg_zmq_run(lg_run_t *run) {
    char server_key[41];
    zcert_t *own = hd_keys_load(run->keys_dir, run->cert);
    if (!own || hd_keys_public(run->keys_dir, run->server, server_key) < 0) {
        fprintf(stderr, "loadgen: keys '%s' and '%s' not found under %s\n", run->cert, run->server,
                run->keys_dir);
        zcert_destroy(&own);
        return -1;
    }
    void *ctx = zmq_ctx_new();
    door_t d = {.run = run, .sock = zmq_socket(ctx, ZMQ_DEALER)};
    int linger = 0, hwm = 0;
    zmq_setsockopt(d.sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(d.sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(d.sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    int rc = -1;
    if (hd_keys_client(d.sock, own, server_key) < 0 || zmq_connect(d.sock, run->zmq_endpoint)) {
        fprintf(stderr, "loadgen: cannot connect to %s: %s\n", run->zmq_endpoint,
                zmq_strerror(zmq_errno()));
    } else {
        /* The clock starts after the keys are read and the socket is set up. */
        run->t0_us = lg_now_us();
        run->end_us = run->duration_s > 0 ? run->t0_us + (int64_t)(run->duration_s * 1e6) : 0;
        rc = loop(&d);
    }
    zmq_close(d.sock);
    zmq_ctx_term(ctx);
    zcert_destroy(&own);
    return rc;
}
