/*  inbound: recording mentions. */
#include "inbound.h"

#include "hd_envelope.h"
#include "hd_log.h"
#include "hd_outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate(const ing_mention_t *in, ing_result_t *res) {
    if (!in->channel || !*in->channel)
        ing_result_refuse(res, 422, "channel", "channel is required");
    else if (!in->external_id || !*in->external_id || strlen(in->external_id) > 200)
        ing_result_refuse(res, 422, "external_id",
                          "external_id (the channel's id) is required, "
                          "at most 200 bytes");
    else if (!in->author_handle || !*in->author_handle || strlen(in->author_handle) > 200)
        ing_result_refuse(res, 422, "author", "author is required, at most 200 bytes");
    else if (!in->text || !*in->text || strlen(in->text) > 10000)
        ing_result_refuse(res, 422, "text", "text is required, at most 10000 bytes");
    else if (in->url && strlen(in->url) > 2000)
        ing_result_refuse(res, 422, "url", "url is longer than 2000 bytes");
    else
        return 0;
    return -1;
}

#define MAX_DEPARTMENTS 32

/* Splits the comma-separated list (copied into buf) into out; the count. */
static size_t split(const char *list, char *buf, size_t len, char **out, size_t max) {
    snprintf(buf, len, "%s", list ? list : "");
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
        out[n++] = t;
    return n;
}

static int emit(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in, const char *id) {
    Huddle__V1__MentionReceived body = HUDDLE__V1__MENTION_RECEIVED__INIT;
    /* An integration limited to departments: routing stays among them. */
    char buf[sizeof by->departments], *depts[MAX_DEPARTMENTS];
    body.n_departments = by ? split(by->departments, buf, sizeof buf, depts, MAX_DEPARTMENTS) : 0;
    body.departments = depts;
    body.integration = (char *)(by ? by->integration : "");
    body.mention_id = (char *)id;
    body.channel = (char *)in->channel;
    body.external_id = (char *)in->external_id;
    body.author_handle = (char *)in->author_handle;
    body.text = (char *)in->text;
    body.url = (char *)(in->url ? in->url : "");
    hd_envelope_t env = HUDDLE__V1__ENVELOPE__INIT;
    env.body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    env.mention_received = &body;
    env.correlation_id = (char *)id;
    env.actor = (char *)in->author_handle;
    env.token_id = (char *)(by ? by->token_id : "");
    char eid[HD_ID_LEN];
    hd_envelope_stamp(&env, eid, "ingest", id, "mention.received");
    env.causation_id = "";
    return hd_outbox_put(db, &env) < 0 ? -1 : 0;
}

void ing_inbound_receive(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                         ing_result_t *res) {
    memset(res, 0, sizeof *res);
    if (validate(in, res) < 0)
        return;
    char label[256];
    snprintf(label, sizeof label, "mention:%s", in->external_id);
    hd_id_derive(res->id, in->channel, label);
    if (hd_db_begin(db) < 0) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    const char *tok = by && by->token_id[0] ? by->token_id : NULL;
    const char *p[7] = {
        res->id, in->channel, in->external_id, in->author_handle, in->text, in->url ? in->url : "",
        tok};
    PGresult *r = hd_db_exec(db,
                             "INSERT INTO mention (id, channel_id, external_id, author_handle, "
                             "text, url, token_id) SELECT $1, $2, $3, $4, $5, $6, $7 "
                             "WHERE EXISTS (SELECT 1 FROM channel WHERE id = $2) "
                             "ON CONFLICT (id) DO NOTHING",
                             7, p);
    if (!r)
        goto unavailable;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    if (!inserted) {
        long known = hd_db_count(db, "SELECT 1 FROM mention WHERE id = $1", 1, p);
        if (known < 0)
            goto unavailable;
        hd_db_rollback(db);
        if (known == 0)
            ing_result_refuse(res, 422, "channel", "unknown channel '%s'", in->channel);
        else
            res->status = 200;
        return;
    }
    if (emit(db, by, in, res->id) < 0 || hd_db_commit(db) < 0)
        goto unavailable;
    res->status = 201;
    hd_log(HD_LOG_INFO, "mention_received", NULL, res->id, "channel=%s external_id=%s", in->channel,
           in->external_id);
    return;
unavailable:
    hd_db_rollback(db);
    ing_result_refuse(res, 503, NULL, "database unavailable, retry");
}
