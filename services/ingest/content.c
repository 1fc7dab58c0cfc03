/*  content: submissions into the governed path. */
#include "content.h"

#include "hd_envelope.h"
#include "hd_log.h"
#include "hd_outbox.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
    else if (in->idempotency_key && (!*in->idempotency_key || strlen(in->idempotency_key) > MAX_KEY))
        ing_result_refuse(res, 422, "idempotency_key", "idempotency key must be 1..%d bytes",
                          MAX_KEY);
    else
        return 0;
    return -1;
}

/* The author's department must hold an account on the channel. */
static int check_channel(hd_db_t *db, const ing_person_t *a, const char *channel,
                         ing_result_t *res) {
    const char *p[2] = {channel, a->department};
    PGresult *r = hd_db_exec(db,
                             "SELECT (SELECT count(*) FROM channel WHERE id = $1), "
                             "(SELECT count(*) FROM channel_account WHERE channel_id = $1 "
                             "AND department_id = $2)",
                             2, p);
    if (!r) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return -1;
    }
    int known = atoi(PQgetvalue(r, 0, 0)), account = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!known)
        ing_result_refuse(res, 422, "channel", "unknown channel '%s'", channel);
    else if (!account)
        ing_result_refuse(res, 422, "channel", "department '%s' has no account on channel '%s'",
                          a->department, channel);
    return known && account ? 0 : -1;
}

/* A retry with the same key: same content -> the original answer. */
static void answer_retry(hd_db_t *db, const ing_submission_t *in, ing_result_t *res) {
    const char *p[1] = {res->id};
    PGresult *r = hd_db_exec(db, "SELECT channel_id, text FROM content WHERE id = $1", 1, p);
    if (!r || PQntuples(r) != 1) {
        if (r)
            PQclear(r);
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    int same = !strcmp(PQgetvalue(r, 0, 0), in->channel) && !strcmp(PQgetvalue(r, 0, 1), in->text);
    PQclear(r);
    if (same)
        res->status = 200;
    else
        ing_result_refuse(res, 422, "idempotency_key",
                          "idempotency key already used for different content (item %s)", res->id);
}

void ing_content_event(ing_content_event_t *ev, const ing_person_t *a,
                       const ing_submission_t *in, const char *id, long long policy_version,
                       long long scheduled_at_ms) {
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
    hd_envelope_stamp(&ev->env, ev->id, "ingest", id, "content.submitted");
    ev->env.causation_id = "";
}

static int emit(hd_db_t *db, const ing_person_t *a, const ing_submission_t *in, const char *id) {
    PGresult *r = hd_db_exec(db, "SELECT coalesce((SELECT version FROM policy_version "
                                 "WHERE active), 0), coalesce((SELECT (extract(epoch FROM "
                                 "scheduled_at) * 1000)::bigint FROM content WHERE id = $1), 0)",
                             1, (const char *[]){id});
    if (!r)
        return -1;
    ing_content_event_t ev;
    ing_content_event(&ev, a, in, id, atoll(PQgetvalue(r, 0, 0)), atoll(PQgetvalue(r, 0, 1)));
    PQclear(r);
    return hd_outbox_put(db, &ev.env) < 0 ? -1 : 0;
}

/* Inserts the item; sets res->status 201 (new) or leaves 0 (already there). */
static int insert(hd_db_t *db, const ing_person_t *a, const ing_submission_t *in,
                  ing_result_t *res) {
    const char *p[8] = {res->id,  a->id,    a->department,       in->channel,
                        in->kind ? in->kind : "post", in->text, in->idempotency_key,
                        in->scheduled_at};
    PGresult *r = hd_db_exec(db,
                             "INSERT INTO content (id, author_id, department_id, channel_id, kind, "
                             "text, idempotency_key, scheduled_at) "
                             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz) "
                             "ON CONFLICT (id) DO NOTHING",
                             8, p);
    if (!r) {
        const char *st = hd_db_sqlstate(db);
        if (!strncmp(st, "22", 2))
            ing_result_refuse(res, 422, "scheduled_at", "scheduled_at is not a valid time: %s",
                              in->scheduled_at ? in->scheduled_at : "");
        else
            ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return -1;
    }
    if (atoi(PQcmdTuples(r)) == 1)
        res->status = 201;
    PQclear(r);
    return 0;
}

void ing_content_id(const ing_person_t *author, const ing_submission_t *in,
                    char id[HD_ID_LEN]) {
    if (in->idempotency_key) {
        char label[MAX_KEY + 16];
        snprintf(label, sizeof label, "content:%s", in->idempotency_key);
        hd_id_derive(id, author->id, label);
    } else
        hd_id_random(id);
}

void ing_content_submit(hd_db_t *db, const ing_person_t *author, const ing_submission_t *in,
                        ing_result_t *res) {
    memset(res, 0, sizeof *res);
    if (ing_content_validate(in, res) < 0 || check_channel(db, author, in->channel, res) < 0)
        return;
    ing_content_id(author, in, res->id);
    if (hd_db_begin(db) < 0) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    if (insert(db, author, in, res) < 0)
        goto fail;
    if (res->status == 201 && emit(db, author, in, res->id) < 0) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        goto fail;
    }
    if (res->status != 201)
        answer_retry(db, in, res);
    if (res->status >= 400 || hd_db_commit(db) < 0) {
        if (res->status < 400)
            ing_result_refuse(res, 503, NULL, "commit failed, retry");
        goto fail;
    }
    hd_log(HD_LOG_INFO, res->status == 201 ? "content_submitted" : "content_retry", NULL, res->id,
           "author=%s channel=%s", author->email, in->channel);
    return;
fail:
    hd_db_rollback(db);
}
