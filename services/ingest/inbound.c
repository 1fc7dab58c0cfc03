/*  inbound: recording mentions (see inbound.h). */
#include "inbound.h"

#include "hd_envelope.h"
#include "hd_log.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"

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

/* A mention.received on storage of its own (the batch's events are
   written together). */
typedef struct {
    Huddle__V1__MentionReceived body;
    hd_envelope_t env;
    char buf[MAX_DEPARTMENTS * 64];
    char *depts[MAX_DEPARTMENTS];
    char eid[HD_ID_LEN];
} event_t;

static void event(event_t *e, const ing_person_t *by, const ing_mention_t *in, const char *id) {
    Huddle__V1__MentionReceived *body = &e->body;
    *body = (Huddle__V1__MentionReceived)HUDDLE__V1__MENTION_RECEIVED__INIT;
    /* An integration limited to departments, or a feed: routing stays among them. */
    const char *among = by ? by->departments : in->departments;
    body->n_departments = split(among, e->buf, sizeof e->buf, e->depts, MAX_DEPARTMENTS);
    body->departments = e->depts;
    body->integration = (char *)(by ? by->integration : "");
    body->mention_id = (char *)id;
    body->channel = (char *)in->channel;
    body->external_id = (char *)in->external_id;
    body->author_handle = (char *)in->author_handle;
    body->text = (char *)in->text;
    body->url = (char *)(in->url ? in->url : "");
    body->feed = (char *)(in->feed ? in->feed : "");
    body->in_reply_to_external_id = (char *)(in->in_reply_to ? in->in_reply_to : "");
    body->posted_at_ms = in->posted_at_ms > 0 ? in->posted_at_ms : 0;
    hd_envelope_t *env = &e->env;
    *env = (hd_envelope_t)HUDDLE__V1__ENVELOPE__INIT;
    env->body_case = HUDDLE__V1__ENVELOPE__BODY_MENTION_RECEIVED;
    env->mention_received = body;
    env->correlation_id = (char *)id;
    env->actor = (char *)in->author_handle;
    env->token_id = (char *)(by ? by->token_id : "");
    hd_envelope_stamp(env, e->eid, "ingest", id, "mention.received");
    env->causation_id = "";
}

#define NCOLS 10

/* Inserts the mentions not refused yet in one statement; the new ones get
   201. Two with one id (the same post pushed twice at once) insert once:
   the first is new. -1 on database error. */
static int insert(hd_db_t *db, const ing_person_t *const *by, const ing_mention_t *in,
                  ing_result_t *res, size_t n) {
    hd_pgarray_t col[NCOLS] = {{0}};
    for (size_t i = 0; i < n; i++) {
        if (res[i].status)
            continue;
        char posted[24];
        snprintf(posted, sizeof posted, "%lld", in[i].posted_at_ms);
        const char *v[NCOLS] = {res[i].id,
                                in[i].channel,
                                in[i].external_id,
                                in[i].author_handle,
                                in[i].text,
                                in[i].url ? in[i].url : "",
                                by[i] && by[i]->token_id[0] ? by[i]->token_id : NULL,
                                in[i].feed && *in[i].feed ? in[i].feed : NULL,
                                in[i].in_reply_to && *in[i].in_reply_to ? in[i].in_reply_to : NULL,
                                in[i].posted_at_ms > 0 ? posted : NULL};
        for (int c = 0; c < NCOLS; c++)
            hd_pgarray_add(&col[c], v[c]);
    }
    PGresult *r = hd_db_exec_arrays(
        db,
        "INSERT INTO mention (id, channel_id, external_id, author_handle, text, url, token_id, "
        "  feed_id, in_reply_to_external_id, posted_at) "
        "SELECT x.id, x.ch, x.ext, x.a, x.t, x.u, x.tok, x.feed, x.re, "
        "  to_timestamp(x.posted / 1000.0) "
        "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
        "            $7::uuid[], $8::text[], $9::text[], $10::bigint[]) "
        "  AS x(id, ch, ext, a, t, u, tok, feed, re, posted) "
        "WHERE EXISTS (SELECT 1 FROM channel c WHERE c.id = x.ch) "
        "ON CONFLICT (id) DO NOTHING RETURNING id",
        col, NCOLS);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        size_t i = 0;
        while (i < n && (res[i].status || strcmp(res[i].id, PQgetvalue(r, row, 0))))
            i++;
        if (i < n)
            res[i].status = 201;
    }
    PQclear(r);
    return 0;
}

/* The mentions not inserted: known already (200), or their channel is
   unknown (422). -1 on database error. */
static int answer_known(hd_db_t *db, const ing_mention_t *in, ing_result_t *res, size_t n) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < n; i++)
        if (!res[i].status)
            hd_pgarray_add(&ids, res[i].id);
    if (ids.n == 0)
        return 0;
    PGresult *r =
        hd_db_exec_arrays(db, "SELECT id FROM mention WHERE id = ANY($1::uuid[])", &ids, 1);
    if (!r)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (res[i].status)
            continue;
        int row = 0;
        while (row < PQntuples(r) && strcmp(PQgetvalue(r, row, 0), res[i].id))
            row++;
        if (row < PQntuples(r))
            res[i].status = 200;
        else
            ing_result_refuse(&res[i], 422, "channel", "unknown channel '%s'", in[i].channel);
    }
    PQclear(r);
    return 0;
}

/* One mention.received per new mention, in one outbox statement. */
static int emit(hd_db_t *db, const ing_person_t *const *by, const ing_mention_t *in,
                const ing_result_t *res, size_t n) {
    event_t *ev = calloc(n, sizeof *ev);
    const hd_envelope_t **envs = calloc(n, sizeof *envs);
    if (!ev || !envs)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (res[i].status == 201) {
            event(&ev[i], by[i], &in[i], res[i].id);
            envs[k++] = &ev[i].env;
        }
    int rc = k ? hd_outbox_put_many(db, envs, k) : 0;
    free(envs);
    free(ev);
    return rc < 0 ? -1 : 0;
}

void ing_inbound_record_many(hd_db_t *db, const ing_person_t *const *by, const ing_mention_t *in,
                             ing_result_t *res, size_t n) {
    size_t valid = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&res[i], 0, sizeof res[i]);
        if (validate(&in[i], &res[i]) < 0)
            continue;
        char label[256];
        snprintf(label, sizeof label, "mention:%s", in[i].external_id);
        hd_id_derive(res[i].id, in[i].channel, label);
        valid++;
    }
    if (!valid)
        return;
    if (insert(db, by, in, res, n) < 0 || answer_known(db, in, res, n) < 0 ||
        emit(db, by, in, res, n) < 0)
        for (size_t i = 0; i < n; i++)
            if (res[i].status < 400)
                ing_result_refuse(&res[i], 503, NULL, "database unavailable, retry");
}

void ing_inbound_record(hd_db_t *db, const ing_person_t *by, const ing_mention_t *in,
                        ing_result_t *res) {
    ing_inbound_record_many(db, &by, in, res, 1);
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
