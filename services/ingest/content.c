/*  content: what a submission is, decided without a database: its checks,
    its id and its content.submitted event (batch_sql.c records it). */
#include "content.h"

#include "hd_envelope.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_TEXT 10000
#define MAX_KEY 200

void ing_result_refuse(ing_result_t *res, int status, const char *field, const char *fmt, ...) {
    res->status = status;
    snprintf(res->field, sizeof res->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof res->error, fmt, ap);
    va_end(ap);
}

static int valid_kind(const char *k) {
    return !strcmp(k, "post") || !strcmp(k, "reply") || !strcmp(k, "share");
}

int ing_content_validate(const ing_submission_t *in, ing_result_t *res) {
    if (!in->channel || !*in->channel)
        ing_result_refuse(res, 422, "channel", "channel is required");
    else if (!in->text || !*in->text)
        ing_result_refuse(res, 422, "text", "text is required and must not be empty");
    else if (strlen(in->text) > MAX_TEXT)
        ing_result_refuse(res, 422, "text", "text is longer than %d bytes", MAX_TEXT);
    else if (in->kind && !valid_kind(in->kind))
        ing_result_refuse(res, 422, "kind", "kind must be post, reply or share");
    else if (in->idempotency_key &&
             (!*in->idempotency_key || strlen(in->idempotency_key) > MAX_KEY))
        ing_result_refuse(res, 422, "idempotency_key", "idempotency key must be 1..%d bytes",
                          MAX_KEY);
    else
        return 0;
    return -1;
}

void ing_content_event(ing_content_event_t *ev, const ing_person_t *a, const ing_submission_t *in,
                       const char *id, long long policy_version, long long scheduled_at_ms) {
    Huddle__V1__ContentSubmitted init = HUDDLE__V1__CONTENT_SUBMITTED__INIT;
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    ev->body = init;
    ev->body.content_id = (char *)id;
    ev->body.author_id = (char *)a->id;
    ev->body.author_email = (char *)a->email;
    ev->body.channel = (char *)in->channel;
    ev->body.text = (char *)in->text;
    ev->body.kind = (char *)(in->kind ? in->kind : "post");
    ev->body.idempotency_key = (char *)(in->idempotency_key ? in->idempotency_key : "");
    ev->body.policy_version = policy_version;
    ev->body.scheduled_at_ms = scheduled_at_ms;
    ev->env = env;
    ev->env.body_case = HUDDLE__V1__ENVELOPE__BODY_CONTENT_SUBMITTED;
    ev->env.content_submitted = &ev->body;
    ev->env.department = (char *)a->department;
    ev->env.correlation_id = (char *)id;
    ev->env.actor = (char *)a->email;
    ev->env.token_id = (char *)a->token_id;
    hd_envelope_stamp(&ev->env, ev->id, "ingest", id, "content.submitted");
    ev->env.causation_id = "";
}

void ing_content_id(const ing_person_t *author, const ing_submission_t *in, char id[HD_ID_LEN]) {
    if (in->idempotency_key) {
        char label[MAX_KEY + 16];
        snprintf(label, sizeof label, "content:%s", in->idempotency_key);
        hd_id_derive(id, author->id, label);
    } else
        hd_id_random(id);
}
