/*  libFuzzer target: a frame on ingest's ZeroMQ door, huddle.v1.IngestRequest
    (services/ingest/zdoor.c serve), decoded and taken as the door takes it
    before the database: the version, the command, a submission's checks
    (the door's rules: an idempotency key is required, the author's email
    is UTF-8; then ing_check_submission and ing_check_mention of
    services/ingest/decode.h), the item id and the content.submitted event the batch would
    write (ing_content_id, ing_content_event, packed and decoded again: the
    text must survive), and the IngestReply the door sends, which must
    decode with the request id it echoes. Plus wire_check.h. The decode
    step itself is static in zdoor.c (it owns sockets and a worker), so
    this target repeats its few lines; keep them in step with serve(). */
#include "content.h"
#include "decode.h"
#include "hd_envelope.h"
#include "huddle/v1/ingest.pb-c.h"
#include "wire_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW_MS 1765000000000LL /* 2025-12-06 */

/* zdoor.c's submit: the author's email, then ing_check_door_submission
   (the same functions the door calls). */
static int door_checks(const Huddle__V1__SubmitContent *sc, ing_submission_t *in,
                       ing_result_t *res) {
    if (!ing_email_valid(sc->author_email)) {
        ing_result_refuse(res, 422, "author_email", "author_email must be 1 to %d bytes of UTF-8",
                          ING_MAX_EMAIL);
        return -1;
    }
    *in = (ing_submission_t){.channel = sc->channel,
                             .text = sc->text,
                             .kind = *sc->kind ? sc->kind : NULL,
                             .idempotency_key = sc->idempotency_key,
                             .key_field = "idempotency_key",
                             .scheduled_at_ms = sc->scheduled_at_ms};
    ing_refusal_t why;
    if (ing_check_door_submission(in, NOW_MS, &why) < 0) {
        if (why.status < 400 || !why.field[0])
            FUZZ_FAIL("ing_check_door_submission: a refusal without status or field");
        ing_result_from(res, &why);
        return -1;
    }
    return 0;
}

static void mention(const Huddle__V1__SubmitMention *m, ing_result_t *res) {
    ing_dec_mention_t dm = {m->channel, m->external_id, m->author_handle, m->text, m->url};
    ing_refusal_t why;
    if (ing_check_mention(&dm, &why) < 0)
        ing_result_from(res, &why);
    else
        res->status = 201;
}

static void submission(const Huddle__V1__SubmitContent *sc, ing_result_t *res) {
    ing_submission_t in;
    if (door_checks(sc, &in, res) < 0)
        return;
    ing_person_t author;
    memset(&author, 0, sizeof author);
    snprintf(author.id, sizeof author.id, "00000000-0000-4000-8000-0000000000a1");
    snprintf(author.email, sizeof author.email, "%s", sc->author_email);
    snprintf(author.department, sizeof author.department, "marketing");
    char id[HD_ID_LEN];
    ing_content_id(&author, &in, id);
    ing_content_event_t ev;
    ing_content_event(&ev, &author, &in, id, 3, in.scheduled_at_ms, NULL);
    size_t len;
    uint8_t *p = hd_envelope_pack(&ev.env, &len);
    hd_envelope_t *back = hd_envelope_unpack(p, len);
    free(p);
    if (!back || back->body_case != HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED ||
        strcmp(back->content_submitted->text, sc->text) != 0)
        FUZZ_FAIL("content.submitted: the event does not decode with its text");
    hd_envelope_free(back);
    res->status = 201;
    snprintf(res->id, sizeof res->id, "%s", id);
}

/* The door's reply, decoded again. */
static void reply(const char *request_id, const ing_result_t *res) {
    Huddle__V1__IngestReply rep = HUDDLE__V1__INGEST_REPLY__INIT;
    rep.version = 1;
    rep.request_id = (char *)request_id;
    rep.status = (uint32_t)res->status;
    rep.id = (char *)res->id;
    rep.error = (char *)res->error;
    rep.field = (char *)res->field;
    size_t n = huddle__v1__ingest_reply__get_packed_size(&rep);
    uint8_t *buf = calloc(n + 1, 1);
    huddle__v1__ingest_reply__pack(&rep, buf);
    Huddle__V1__IngestReply *r = huddle__v1__ingest_reply__unpack(NULL, n, buf);
    free(buf);
    if (!r || strcmp(r->request_id, request_id) != 0 || r->status != (uint32_t)res->status)
        FUZZ_FAIL("IngestReply: does not decode with its request id and status");
    huddle__v1__ingest_reply__free_unpacked(r, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Huddle__V1__IngestRequest *rq = huddle__v1__ingest_request__unpack(NULL, size, data);
    FUZZ_WIRE_CHECK(huddle__v1__ingest_request, Huddle__V1__IngestRequest, rq, data, size);
    ing_result_t res;
    memset(&res, 0, sizeof res);
    char request_id[128] = "";
    if (!rq)
        ing_result_refuse(&res, 400, "request", "undecodable IngestRequest");
    else if (rq->version != 1)
        ing_result_refuse(&res, 505, "version", "protocol version %u not supported (1)",
                          rq->version);
    else {
        snprintf(request_id, sizeof request_id, "%s", rq->request_id);
        if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_CONTENT)
            submission(rq->submit_content, &res);
        else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_SUBMIT_MENTION)
            mention(rq->submit_mention, &res);
        else if (rq->cmd_case == HUDDLE__V1__INGEST_REQUEST__CMD_PING)
            res.status = 200;
        else
            ing_result_refuse(&res, 400, "cmd", "no command in IngestRequest");
    }
    reply(request_id, &res);
    if (rq)
        huddle__v1__ingest_request__free_unpacked(rq, NULL);
    return 0;
}
