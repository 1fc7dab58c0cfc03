/*  content: what a submission is, decided without a database: its checks,
    its id and its content.submitted event (batch_sql.c records it). */
#include "content.h"

#include "hd_envelope.h"

#include <sodium.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_KEY ING_MAX_KEY

void ing_result_refuse(ing_result_t *res, int status, const char *field, const char *fmt, ...) {
    res->status = status;
    snprintf(res->field, sizeof res->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->error, sizeof res->error, fmt, ap);
    va_end(ap);
}

void ing_result_from(ing_result_t *res, const ing_refusal_t *why) {
    ing_result_refuse(res, why->status, why->field, "%s", why->message);
    snprintf(res->code, sizeof res->code, "%s", why->code);
}

/* Appends a length-prefixed field (so that no two requests share a byte
   string) to the hash. */
static void fp_add(crypto_hash_sha256_state *h, const char *s) {
    unsigned char len[8];
    size_t n = strlen(s);
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (56 - 8 * i));
    crypto_hash_sha256_update(h, len, sizeof len);
    crypto_hash_sha256_update(h, (const unsigned char *)s, n);
}

void ing_content_fingerprint(const ing_submission_t *in, char out[ING_FINGERPRINT_LEN]) {
    crypto_hash_sha256_state h;
    unsigned char sum[crypto_hash_sha256_BYTES];
    char sched[24];
    snprintf(sched, sizeof sched, "%lld", in->scheduled_at_ms);
    crypto_hash_sha256_init(&h);
    fp_add(&h, "content.v1");
    fp_add(&h, in->channel ? in->channel : "");
    fp_add(&h, in->text ? in->text : "");
    fp_add(&h, in->kind ? in->kind : "post");
    fp_add(&h, sched);
    if (in->crisis_id) /* only a statement: every other request's fingerprint stays as it was */
        fp_add(&h, in->crisis_id);
    if (in->reply_to_mention_id) { /* likewise only a reply to a mention */
        fp_add(&h, in->reply_to_mention_id);
        fp_add(&h, in->supersede ? "supersede" : "");
    }
    crypto_hash_sha256_final(&h, sum);
    sodium_bin2hex(out, ING_FINGERPRINT_LEN, sum, sizeof sum);
}

void ing_content_event(ing_content_event_t *ev, const ing_person_t *a, const ing_submission_t *in,
                       const char *id, long long policy_version, long long scheduled_at_ms,
                       const ing_content_reply_t *reply) {
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
    ev->body.crisis_id = (char *)(in->crisis_id ? in->crisis_id : "");
    if (in->reply_to_mention_id && reply) {
        ev->body.reply_to_mention_id = (char *)in->reply_to_mention_id;
        ev->body.reply_to_external_id = (char *)reply->external_id;
        ev->body.supersedes = (char *)reply->supersedes;
    }
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
