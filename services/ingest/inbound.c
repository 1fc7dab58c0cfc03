/*  inbound: recording mentions (see inbound.h). */
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
    else if (in->in_reply_to && strlen(in->in_reply_to) > 200)
        ing_result_refuse(res, 422, "in_reply_to", "in_reply_to is longer than 200 bytes");
    else
        return 0;
    return -1;
}

#define MAX_DEPARTMENTS 32 /* of 63 bytes at most: slugs (ing_admin_slug) */

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
    /* An integration limited to departments, or a feed: routing stays among them. */
    char buf[MAX_DEPARTMENTS * 64], *depts[MAX_DEPARTMENTS];
    const char *among = by ? by->departments : in->departments;
    body.n_departments = split(among, buf, sizeof buf, depts, MAX_DEPARTMENTS);
    body.departments = depts;
    body.integration = (char *)(by ? by->integration : "");
    body.mention_id = (char *)id;
    body.channel = (char *)in->channel;
    body.external_id = (char *)in->external_id;
    body.author_handle = (char *)in->author_handle;
    body.text = (char *)in->text;
    body.url = (char *)(in->url ? in->url : "");
    body.feed = (char *)(in->feed ? in->feed : "");
    body.in_reply_to_external_id = (char *)(in->in_reply_to ? in->in_reply_to : "");
    body.posted_at_ms = in->posted_at_ms > 0 ? in->posted_at_ms : 0;
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

/* Inserts the mention row: 1 inserted, 0 not (known already, or its
   channel unknown), -1 database error. */
static int insert(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in, const char *id) {
    const char *tok = by && by->token_id[0] ? by->token_id : NULL;
    char posted[24];
    snprintf(posted, sizeof posted, "%lld", in->posted_at_ms);
    const char *p[10] = {id,
                         in->channel,
                         in->external_id,
                         in->author_handle,
                         in->text,
                         in->url ? in->url : "",
                         tok,
                         in->feed && *in->feed ? in->feed : NULL,
                         in->in_reply_to && *in->in_reply_to ? in->in_reply_to : NULL,
                         in->posted_at_ms > 0 ? posted : NULL};
    PGresult *r = hd_db_exec(db,
                             "INSERT INTO mention (id, channel_id, external_id, author_handle, "
                             "text, url, token_id, feed_id, in_reply_to_external_id, posted_at) "
                             "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, "
                             "to_timestamp($10::bigint / 1000.0) "
                             "WHERE EXISTS (SELECT 1 FROM channel WHERE id = $2) "
                             "ON CONFLICT (id) DO NOTHING",
                             10, p);
    if (!r)
        return -1;
    int inserted = atoi(PQcmdTuples(r));
    PQclear(r);
    return inserted > 0;
}

void ing_inbound_record(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                        ing_result_t *res) {
    memset(res, 0, sizeof *res);
    if (validate(in, res) < 0)
        return;
    char label[256];
    snprintf(label, sizeof label, "mention:%s", in->external_id);
    hd_id_derive(res->id, in->channel, label);
    int inserted = insert(db, by, in, res->id);
    if (inserted == 0) {
        const char *p[1] = {res->id};
        long known = hd_db_count(db, "SELECT 1 FROM mention WHERE id = $1", 1, p);
        if (known == 0)
            ing_result_refuse(res, 422, "channel", "unknown channel '%s'", in->channel);
        else if (known > 0)
            res->status = 200;
        else
            inserted = -1;
    }
    if (inserted > 0 && emit(db, by, in, res->id) < 0)
        inserted = -1;
    if (inserted < 0) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    if (inserted > 0)
        res->status = 201;
}

void ing_inbound_receive(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                         ing_result_t *res) {
    memset(res, 0, sizeof *res);
    if (hd_db_begin(db) < 0) {
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
        return;
    }
    ing_inbound_record(db, by, in, res);
    if (res->status == 201 && hd_db_commit(db) < 0)
        ing_result_refuse(res, 503, NULL, "database unavailable, retry");
    if (res->status != 201) {
        hd_db_rollback(db);
        return;
    }
    hd_log(HD_LOG_INFO, "mention_received", NULL, res->id, "channel=%s external_id=%s", in->channel,
           in->external_id);
}
