/*  zdoor: the ZeroMQ door of ingest. */
#include "zdoor.h"

#include "content.h"
#include "hd_deadletter.h"
#include "hd_keys.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_signal.h"
#include "hd_workq.h"
#include "hd_zap.h"
#include "huddle/v1/ingest.pb-c.h"
#include "inbound.h"
#include "rfc3339.h"

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <zmq.h>

#define MAX_MSG (256 * 1024)

struct ing_zdoor {
    void *router;
    hd_zap_t *zap;
    hd_db_t *db; /* used by the door's worker only */
    ing_batch_t *batch;
    int wake_fd;       /* eventfd: work came back for the door's thread */
    hd_workq_t *workq; /* one worker: database work, in arrival order */
};

/* One request on its way: through the worker (and the batch, for a
   submission) and back to the door's thread for its reply. */
typedef struct {
    ing_zdoor_t *door;
    zmq_msg_t identity;
    char request_id[128];
    char peer[128];
    Huddle__V1__IngestRequest *rq; /* a mention to receive on the worker; else NULL */
    ing_result_t res;              /* the reply */
    size_t len;
    uint8_t body[]; /* the request as received, for its dead letter */
} zjob_t;

/* Any thread: the door's thread has replies to send. */
static void wake_door(void *arg) {
    ing_zdoor_t *self = arg;
    uint64_t one = 1;
    if (write(self->wake_fd, &one, sizeof one) < 0) {
        /* the counter is saturated: the door is being woken anyway */
    }
}

ing_zdoor_t *ing_zdoor_new(void *ctx, const char *endpoint, zcert_t *own,
                           const char *authorized_dir, hd_db_t *db, ing_batch_t *batch) {
    ing_zdoor_t *self = hd_calloc(1, sizeof *self);
    self->db = db;
    self->batch = batch;
    self->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    self->workq = hd_workq_new(NULL, wake_door, self);
    self->zap = hd_zap_new(ctx, authorized_dir);
    self->router = zmq_socket(ctx, ZMQ_ROUTER);
    int64_t max = MAX_MSG;
    int zero = 0;
    zmq_setsockopt(self->router, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(self->router, ZMQ_LINGER, &zero, sizeof zero);
    if (self->wake_fd < 0 || !self->workq || !self->zap || !self->router ||
        hd_keys_server(self->router, own) < 0 || zmq_bind(self->router, endpoint) < 0) {
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
    ing_zdoor_flush(self);
    if (self->router)
        zmq_close(self->router);
    hd_zap_destroy(&self->zap);
    if (self->wake_fd >= 0)
        close(self->wake_fd);
    free(self);
    *self_p = NULL;
}

static zjob_t *job_new(ing_zdoor_t *self, zmq_msg_t *identity, const char *peer, zmq_msg_t *body) {
    zjob_t *j = hd_calloc(1, sizeof *j + zmq_msg_size(body));
    j->door = self;
    zmq_msg_init(&j->identity);
    zmq_msg_copy(&j->identity, identity);
    snprintf(j->peer, sizeof j->peer, "%s", peer);
    j->len = zmq_msg_size(body);
    memcpy(j->body, zmq_msg_data(body), j->len);
    return j;
}

static void reply(ing_zdoor_t *self, zmq_msg_t *identity, const char *request_id,
                  const ing_result_t *res);

/* Worker: what needs the database: a mention is received, a refusal
   (except 503: nothing was wrong with it) is kept as a dead letter. */
static void job_work(void *arg) {
    zjob_t *j = arg;
    ing_zdoor_t *self = j->door;
    int up = hd_db_ensure(self->db) == 0;
    if (j->rq) {
        const Huddle__V1__SubmitMention *m = j->rq->submit_mention;
        ing_dec_mention_t dm = {m->channel, m->external_id, m->author_handle, m->text, m->url};
        ing_refusal_t why;
        if (ing_check_mention(&dm, &why) < 0) /* protobuf-c checks no UTF-8 */
            ing_result_from(&j->res, &why);
        else {
            ing_mention_t in = {.channel = m->channel,
                                .external_id = m->external_id,
                                .author_handle = m->author_handle,
                                .text = m->text,
                                .url = m->url};
            ing_inbound_receive(self->db, NULL, &in, &j->res);
        }
    }
    if (up && j->res.status >= 400 && j->res.status != 503)
        hd_deadletter_put(self->db, "ingest.zmq", j->peer, j->res.error, j->res.field, j->body,
                          j->len, NULL);
}

/* Door's thread: the reply goes out. */
static void job_reply(void *arg) {
    zjob_t *j = arg;
    reply(j->door, &j->identity, j->request_id, &j->res);
    if (j->rq)
        huddle__v1__ingest_request__free_unpacked(j->rq, NULL);
    zmq_msg_close(&j->identity);
    free(j);
}

/* Writer thread: the batch is done with the item; its job goes on. */
static void submit_done(ing_item_t *it, void *arg) {
    ing_zdoor_t *self = arg;
    zjob_t *j = it->user;
    j->res = it->res;
    ing_item_free(&it);
    hd_workq_submit(self->workq, job_work, job_reply, j);
}

/* 0 if the author's email is text that may be looked up: protobuf-c
   checks no UTF-8, and the batch's one author query carries every
   sender's email. */
static int email_ok(const char *e, ing_result_t *res) {
    if (ing_email_valid(e))
        return 0;
    ing_result_refuse(res, 422, "author_email", "author_email must be 1 to %d bytes of UTF-8",
                      ING_MAX_EMAIL);
    return -1;
}

/* Hands a submission to the batch; its reply goes out once it is
   committed. Whatever is wrong with it is found here, before the batch,
   and told once the author is known (ing_item_t.pre). */
static void submit(ing_zdoor_t *self, const Huddle__V1__SubmitContent *sc, zjob_t *j) {
    if (email_ok(sc->author_email, &j->res) < 0) {
        hd_workq_submit(self->workq, job_work, job_reply, j);
        return;
    }
    ing_submission_t in = {.channel = sc->channel,
                           .text = sc->text,
                           .kind = *sc->kind ? sc->kind : NULL,
                           .idempotency_key = sc->idempotency_key,
                           .key_field = "idempotency_key",
                           .scheduled_at_ms = sc->scheduled_at_ms};
    ing_item_t *it = ing_item_new(&in);
    ing_item_set(&it->email, sc->author_email);
    ing_item_set(&it->only_department, hd_zap_department(self->zap, j->peer));
    ing_refusal_t why;
    if (ing_check_door_submission(&it->in, ing_rfc3339_now_ms(), &why) < 0)
        ing_result_from(&it->pre, &why);
    it->user = j;
    it->done = submit_done;
    it->done_arg = self;
    ing_batch_submit(self->batch, it);
}

/* Decodes one request and sends it on its way: a submission to the batch,
   everything else to the worker (which receives mentions and keeps the
   dead letters). */
static void serve(ing_zdoor_t *self, zjob_t *j) {
    Huddle__V1__IngestRequest *rq = huddle__v1__ingest_request__unpack(NULL, j->len, j->body);
    if (!rq) {
        ing_result_refuse(&j->res, 400, "request", "undecodable IngestRequest");
    } else if (rq->version != 1) {
        ing_result_refuse(&j->res, 505, "version", "protocol version %u not supported (1)",
                          rq->version);
    } else {
        snprintf(j->request_id, sizeof j->request_id, "%s", rq->request_id);
        if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT) {
            submit(self, rq->submit_content, j);
            huddle__v1__ingest_request__free_unpacked(rq, NULL);
            return;
        } else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_MENTION) {
            j->rq = rq; /* received on the worker, freed with the job */
            rq = NULL;
        } else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_PING)
            j->res.status = 200;
        else
            ing_result_refuse(&j->res, 400, "cmd", "no command in IngestRequest");
    }
    if (rq)
        huddle__v1__ingest_request__free_unpacked(rq, NULL);
    hd_workq_submit(self->workq, job_work, job_reply, j);
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
    zjob_t *j = job_new(self, &id, peer ? peer : "?", &body);
    if (zmq_msg_more(&body)) {
        while (zmq_msg_more(&body) && zmq_msg_recv(&body, self->router, 0) >= 0)
            ;
        ing_result_refuse(&j->res, 400, "frames", "one frame per request expected");
        hd_workq_submit(self->workq, job_work, job_reply, j);
    } else if (!hd_zap_authorized(self->zap, peer)) {
        ing_result_refuse(&j->res, 401, "peer", "the key of peer '%s' is no longer authorized",
                          peer ? peer : "?");
        hd_workq_submit(self->workq, job_work, job_reply, j);
    } else
        serve(self, j);
done:
    zmq_msg_close(&id);
    zmq_msg_close(&body);
}

void ing_zdoor_flush(ing_zdoor_t *self) {
    hd_workq_destroy(&self->workq); /* finishes its jobs, replies on this thread */
}

void ing_zdoor_run(ing_zdoor_t *self) {
    while (!hd_stop) {
        zmq_pollitem_t items[3] = {{self->router, 0, ZMQ_POLLIN, 0},
                                   {hd_zap_socket(self->zap), 0, ZMQ_POLLIN, 0},
                                   {NULL, self->wake_fd, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, 3, 200) < 0)
            continue;
        if (items[2].revents & ZMQ_POLLIN) {
            uint64_t n;
            if (read(self->wake_fd, &n, sizeof n) < 0) {
                /* nothing signalled: drain anyway */
            }
            hd_workq_drain(self->workq);
        }
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
