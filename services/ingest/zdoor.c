/*  zdoor: the ZeroMQ door of ingest. */
#include "zdoor.h"

#include "content.h"
#include "hd_deadletter.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_signal.h"
#include "hd_zap.h"
#include "huddle/v1/ingest.pb-c.h"
#include "inbound.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define MAX_MSG (256 * 1024)

struct ing_zdoor {
    void *router;
    hd_zap_t *zap;
    hd_db_t *db;
};

ing_zdoor_t *ing_zdoor_new(void *ctx, const char *endpoint, zcert_t *own,
                           const char *authorized_dir, hd_db_t *db) {
    ing_zdoor_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->db = db;
    self->zap = hd_zap_new(ctx, authorized_dir);
    self->router = zmq_socket(ctx, ZMQ_ROUTER);
    int64_t max = MAX_MSG;
    int zero = 0;
    zmq_setsockopt(self->router, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(self->router, ZMQ_LINGER, &zero, sizeof zero);
    if (!self->zap || !self->router || hd_keys_server(self->router, own) < 0 ||
        zmq_bind(self->router, endpoint) < 0) {
        hd_error("zdoor_bind_failed", "%s: %s", endpoint, zmq_strerror(zmq_errno()));
        ing_zdoor_destroy(&self);
        return NULL;
    }
    hd_info("zdoor_listening", "%s", endpoint);
    return self;
}

void ing_zdoor_destroy(ing_zdoor_t **self_p) {
    if (!self_p || !*self_p)
        return;
    ing_zdoor_t *self = *self_p;
    if (self->router)
        zmq_close(self->router);
    hd_zap_destroy(&self->zap);
    free(self);
    *self_p = NULL;
}

static void submit(ing_zdoor_t *self, const char *peer, const Huddle__V1__SubmitContent *sc,
                   ing_result_t *res) {
    ing_person_t author;
    int rc = ing_auth_email(self->db, sc->author_email, &author);
    const char *dept = hd_zap_department(self->zap, peer);
    if (rc < 0)
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
    else if (rc == 0)
        ing_result_refuse(res, 422, "author_email", "unknown author '%s'", sc->author_email);
    else if (dept && strcmp(dept, author.department) != 0)
        ing_result_refuse(res, 403, "author_email", "peer %s may only submit for department %s",
                          peer, dept);
    else if (!*sc->idempotency_key)
        ing_result_refuse(res, 422, "idempotency_key", "idempotency_key is required on the bus");
    else {
        ing_submission_t in = {.channel = sc->channel,
                               .text = sc->text,
                               .kind = *sc->kind ? sc->kind : NULL,
                               .idempotency_key = sc->idempotency_key};
        ing_content_submit(self->db, &author, &in, res);
    }
}

/* Decodes and serves one request; fills the reply's fields in res. */
static void serve(ing_zdoor_t *self, const char *peer, zmq_msg_t *body, ing_result_t *res,
                  char *request_id, size_t rid_len) {
    Huddle__V1__IngestRequest *rq =
        huddle__v1__ingest_request__unpack(NULL, zmq_msg_size(body), zmq_msg_data(body));
    memset(res, 0, sizeof *res);
    if (!rq) {
        ing_result_refuse(res, 400, "request", "undecodable IngestRequest");
    } else if (rq->version != 1) {
        ing_result_refuse(res, 505, "version", "protocol version %u not supported (1)",
                          rq->version);
    } else {
        snprintf(request_id, rid_len, "%s", rq->request_id);
        if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT)
            submit(self, peer, rq->submit_content, res);
        else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_MENTION) {
            const Huddle__V1__SubmitMention *m = rq->submit_mention;
            ing_mention_t in = {m->channel, m->external_id, m->author_handle, m->text, m->url};
            ing_inbound_receive(self->db, &in, res);
        } else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_PING)
            res->status = 200;
        else
            ing_result_refuse(res, 400, "cmd", "no command in IngestRequest");
    }
    if (rq)
        huddle__v1__ingest_request__free_unpacked(rq, NULL);
    if (res->status >= 400 && res->status != 503)
        hd_deadletter_put(self->db, "ingest.zmq", peer, res->error, res->field,
                          zmq_msg_data(body), zmq_msg_size(body), NULL);
}

static void reply(ing_zdoor_t *self, zmq_msg_t *identity, const char *request_id,
                  const ing_result_t *res) {
    Huddle__V1__IngestReply rep = HUDDLE__V1__INGEST_REPLY__INIT;
    rep.version = 1;
    rep.request_id = (char *)request_id;
    rep.status = (uint32_t)res->status;
    rep.id = (char *)res->id;
    rep.error = (char *)res->error;
    rep.field = (char *)res->field;
    size_t n = huddle__v1__ingest_reply__get_packed_size(&rep);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        abort();
    huddle__v1__ingest_reply__pack(&rep, buf);
    zmq_msg_send(identity, self->router, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send(self->router, buf, n, ZMQ_DONTWAIT);
    free(buf);
}

/* Reads one [identity][body] message; extra frames are a protocol error. */
static void handle_one(ing_zdoor_t *self) {
    zmq_msg_t id, body;
    zmq_msg_init(&id);
    zmq_msg_init(&body);
    if (zmq_msg_recv(&id, self->router, ZMQ_DONTWAIT) < 0)
        goto done;
    int more = zmq_msg_more(&id);
    if (!more || zmq_msg_recv(&body, self->router, 0) < 0)
        goto done;
    const char *peer = zmq_msg_gets(&body, "User-Id");
    char peer_name[128];
    snprintf(peer_name, sizeof peer_name, "%s", peer ? peer : "?");
    char request_id[128] = "";
    ing_result_t res;
    if (zmq_msg_more(&body)) {
        while (zmq_msg_more(&body) && zmq_msg_recv(&body, self->router, 0) >= 0)
            ;
        memset(&res, 0, sizeof res);
        ing_result_refuse(&res, 400, "frames", "one frame per request expected");
    } else {
        hd_db_ensure(self->db);
        serve(self, peer_name, &body, &res, request_id, sizeof request_id);
    }
    reply(self, &id, request_id, &res);
done:
    zmq_msg_close(&id);
    zmq_msg_close(&body);
}

void ing_zdoor_run(ing_zdoor_t *self) {
    while (!hd_stop) {
        zmq_pollitem_t items[2] = {{self->router, 0, ZMQ_POLLIN, 0},
                                   {hd_zap_socket(self->zap), 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 2, 200) < 0)
            continue;
        if (items[1].revents & ZMQ_POLLIN)
            hd_zap_handle(self->zap);
        if (items[0].revents & ZMQ_POLLIN)
            for (int i = 0; i < 256; i++) {
                int ev = 0;
                size_t sz = sizeof ev;
                zmq_getsockopt(self->router, ZMQ_EVENTS, &ev, &sz);
                if (!(ev & ZMQ_POLLIN))
                    break;
                handle_one(self);
            }
    }
}
