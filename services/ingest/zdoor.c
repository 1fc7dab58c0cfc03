/*  zdoor: the ZeroMQ door of ingest. */
#include "zdoor.h"

#include "content.h"
#include "hd_deadletter.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_signal.h"
#include "hd_zap.h"
#include "huddle/v1/ingest.pb-c.h"
#include "inbound.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#define MAX_MSG (256 * 1024)

struct ing_zdoor {
    void *router;
    hd_zap_t *zap;
    hd_db_t *db;
    ing_batch_t *batch;
    int wake_fd;           /* eventfd: a writer finished some of our items */
    pthread_mutex_t lock;  /* guards done */
    ing_item_t *done;      /* finished items waiting for their replies */
};

/* What a submission through the door needs for its reply and dead letter. */
typedef struct {
    zmq_msg_t identity;
    char request_id[128];
    char peer[128];
    size_t len;
    uint8_t body[]; /* the request as received */
} pending_t;

ing_zdoor_t *ing_zdoor_new(void *ctx, const char *endpoint, zcert_t *own,
                           const char *authorized_dir, hd_db_t *db, ing_batch_t *batch) {
    ing_zdoor_t *self = hd_calloc(1, sizeof *self);
    self->db = db;
    self->batch = batch;
    pthread_mutex_init(&self->lock, NULL);
    self->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    self->zap = hd_zap_new(ctx, authorized_dir);
    self->router = zmq_socket(ctx, ZMQ_ROUTER);
    int64_t max = MAX_MSG;
    int zero = 0;
    zmq_setsockopt(self->router, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(self->router, ZMQ_LINGER, &zero, sizeof zero);
    if (self->wake_fd < 0 || !self->zap || !self->router || hd_keys_server(self->router, own) < 0 ||
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
    while (self->done) { /* finished after the last flush: nobody to answer */
        ing_item_t *it = self->done;
        self->done = it->next;
        pending_t *p = it->user;
        zmq_msg_close(&p->identity);
        free(p);
        ing_item_free(&it);
    }
    if (self->router)
        zmq_close(self->router);
    hd_zap_destroy(&self->zap);
    if (self->wake_fd >= 0)
        close(self->wake_fd);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

/* Writer thread: queue the finished item for the door's thread. */
static void submit_done(ing_item_t *it, void *arg) {
    ing_zdoor_t *self = arg;
    pthread_mutex_lock(&self->lock);
    it->next = self->done;
    self->done = it;
    pthread_mutex_unlock(&self->lock);
    uint64_t one = 1;
    if (write(self->wake_fd, &one, sizeof one) < 0) {
        /* the counter is saturated: the door is being woken anyway */
    }
}

/* Hands a submission to the batch; its reply goes out from
   ing_zdoor_flush once it is committed. */
static void submit(ing_zdoor_t *self, const char *peer, const Huddle__V1__SubmitContent *sc,
                   zmq_msg_t *identity, zmq_msg_t *body, const char *request_id) {
    ing_submission_t in = {.channel = sc->channel,
                           .text = sc->text,
                           .kind = *sc->kind ? sc->kind : NULL,
                           .idempotency_key = sc->idempotency_key};
    ing_item_t *it = ing_item_new(&in);
    ing_item_set(&it->email, sc->author_email);
    ing_item_set(&it->only_department, hd_zap_department(self->zap, peer));
    if (!*sc->idempotency_key)
        ing_result_refuse(&it->pre, 422, "idempotency_key", "idempotency_key is required on the bus");
    else
        ing_content_validate(&it->in, &it->pre);
    pending_t *p = hd_calloc(1, sizeof *p + zmq_msg_size(body));
    zmq_msg_init(&p->identity);
    zmq_msg_copy(&p->identity, identity);
    snprintf(p->request_id, sizeof p->request_id, "%s", request_id);
    snprintf(p->peer, sizeof p->peer, "%s", peer);
    p->len = zmq_msg_size(body);
    memcpy(p->body, zmq_msg_data(body), p->len);
    it->user = p;
    it->done = submit_done;
    it->done_arg = self;
    ing_batch_submit(self->batch, it);
}

/* Decodes and serves one request; fills the reply's fields in res and
   returns 0, or returns 1 when a submission went to the batch (its reply
   comes later). */
static int serve(ing_zdoor_t *self, const char *peer, zmq_msg_t *identity, zmq_msg_t *body,
                 ing_result_t *res, char *request_id, size_t rid_len) {
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
        if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT) {
            submit(self, peer, rq->submit_content, identity, body, request_id);
            huddle__v1__ingest_request__free_unpacked(rq, NULL);
            return 1;
        } else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_MENTION) {
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
    return 0;
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
    uint8_t *buf = hd_calloc(n, 1);
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
        if (serve(self, peer_name, &id, &body, &res, request_id, sizeof request_id))
            goto done;
    }
    reply(self, &id, request_id, &res);
done:
    zmq_msg_close(&id);
    zmq_msg_close(&body);
}

void ing_zdoor_flush(ing_zdoor_t *self) {
    uint64_t n;
    if (read(self->wake_fd, &n, sizeof n) < 0) {
        /* nothing signalled: the list may still hold items, look anyway */
    }
    pthread_mutex_lock(&self->lock);
    ing_item_t *list = self->done, *fifo = NULL;
    self->done = NULL;
    pthread_mutex_unlock(&self->lock);
    while (list) { /* they were pushed newest first */
        ing_item_t *next = list->next;
        list->next = fifo;
        fifo = list;
        list = next;
    }
    while (fifo) {
        ing_item_t *it = fifo;
        fifo = it->next;
        pending_t *p = it->user;
        if (it->res.status >= 400 && it->res.status != 503 && hd_db_ensure(self->db) == 0)
            hd_deadletter_put(self->db, "ingest.zmq", p->peer, it->res.error, it->res.field,
                              p->body, p->len, NULL);
        reply(self, &p->identity, p->request_id, &it->res);
        zmq_msg_close(&p->identity);
        free(p);
        ing_item_free(&it);
    }
}

void ing_zdoor_run(ing_zdoor_t *self) {
    while (!hd_stop) {
        zmq_pollitem_t items[3] = {{self->router, 0, ZMQ_POLLIN, 0},
                                   {hd_zap_socket(self->zap), 0, ZMQ_POLLIN, 0},
                                   {NULL, self->wake_fd, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 3, 200) < 0)
            continue;
        if (items[2].revents & ZMQ_POLLIN)
            ing_zdoor_flush(self);
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
