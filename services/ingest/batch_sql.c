/*  batch_sql: one group commit. Every statement carries the whole batch as
    array parameters (hd_pgarray), so a batch costs the same handful of
    round trips whether it holds one item or hundreds. */
#include "batch_sql.h"

#include "batch_reply.h"
#include "batch_statement.h"
#include "inbound_batch.h"

#include "hd_log.h"
#include "hd_mem.h"
#include "hd_outbox.h"
#include "hd_pgarray.h"
#include "route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key an item is authenticated by, or NULL if it cannot be valid:
   nothing but a well-formed token or an email of UTF-8 text reaches the
   statement that carries the whole batch's keys. */
static const char *auth_key(const ing_item_t *it, int by_email) {
    if (!by_email)
        return ing_auth_token_wellformed(it->token) ? it->token : NULL;
    return ing_email_valid(it->email) ? it->email : NULL;
}

/* A token's person (live token, active person), the token and whether it
   may submit; or the person by email (the ZeroMQ door: no token). */
static const char *const PEOPLE_SQL[2] = {
    "WITH t AS (SELECT x.k, p.id, p.email, p.department_id, t.id AS tid, "
    "                  'submit' = ANY (t.scopes) AS ok, t.integration "
    "             FROM unnest($1::text[]) AS x(k) "
    "             JOIN api_token t ON t.hash = sha256(convert_to(x.k, 'UTF8')) "
    "                             AND t.revoked_at IS NULL "
    "                             AND (t.expires_at IS NULL OR t.expires_at > now()) "
    "             LEFT JOIN person p ON p.id = t.person_id "
    "            WHERE p.active OR t.integration IS NOT NULL), " ING_AUTH_NOTE_USE(
        "SELECT tid FROM t") "SELECT k, coalesce(id::text, ''), coalesce(email, ''), "
                             "coalesce(department_id, ''), tid, ok, coalesce(integration, '') "
                             "FROM t",
    "SELECT x.k, p.id, p.email, p.department_id, '', true, '' FROM unnest($1::text[]) AS x(k) "
    "JOIN person p ON p.active AND lower(p.email) = lower(x.k)"};

/* Fills item->who for every item whose token (or email) names an active
   person, with one query for all distinct keys. -1 on database error. */
static int resolve_people(hd_db_t *db, ing_item_t **items, size_t n, int by_email) {
    hd_pgarray_t keys = {0};
    const char **seen = hd_calloc(n, sizeof *seen);
    size_t nseen = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = auth_key(items[i], by_email);
        size_t j = 0;
        while (k && j < nseen && strcmp(seen[j], k) != 0)
            j++;
        if (k && j == nseen) {
            seen[nseen++] = k;
            hd_pgarray_add(&keys, k);
        }
    }
    free(seen);
    if (nseen == 0)
        return 0;
    const char *p[1] = {hd_pgarray_str(&keys)};
    PGresult *r = hd_db_exec(db, PEOPLE_SQL[by_email], 1, p);
    hd_pgarray_free(&keys);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++)
        for (size_t i = 0; i < n; i++) {
            const char *k = auth_key(items[i], by_email);
            if (!k || strcmp(k, PQgetvalue(r, row, 0)) != 0)
                continue;
            ing_person_t *w = &items[i]->who;
            snprintf(w->id, sizeof w->id, "%s", PQgetvalue(r, row, 1));
            snprintf(w->email, sizeof w->email, "%s", PQgetvalue(r, row, 2));
            snprintf(w->department, sizeof w->department, "%s", PQgetvalue(r, row, 3));
            snprintf(w->token_id, sizeof w->token_id, "%s", PQgetvalue(r, row, 4));
            w->scopes = PQgetvalue(r, row, 5)[0] == 't' ? ING_SCOPE_SUBMIT : 0;
            snprintf(w->integration, sizeof w->integration, "%s", PQgetvalue(r, row, 6));
        }
    PQclear(r);
    return 0;
}

/* 1 when the item's token is over its rate limit (429 set). */
static int limited(ing_item_t *it, long long now_ms) {
    if (!it->token_limit || !it->who.token_id[0])
        return 0;
    int wait = ing_ratelimit_take(it->token_limit, it->who.token_id, now_ms);
    if (!wait)
        return 0;
    ing_result_refuse(&it->res, 429, "Authorization",
                      "this token is over its rate limit (HUDDLE_RATE_TOKEN_PER_S); retry in %d s",
                      wait);
    snprintf(it->res.code, sizeof it->res.code, "rate_limited");
    it->res.retry_after = wait;
    return 1;
}

/* Refuses what is decided without a write: unknown caller, a token over
   its rate limit, a door peer outside its department, a refusal found
   before the batch. */
static void refuse_early(ing_item_t *it, long long now_ms) {
    if ((it->who.id[0] || it->who.integration[0]) && limited(it, now_ms))
        return;
    if (it->who.integration[0])
        ing_result_refuse(&it->res, 403, "Authorization",
                          "an integration token may only post mentions (POST /v1/inbound)");
    else if (!it->who.id[0]) {
        if (it->email)
            ing_result_refuse(&it->res, 422, "author_email", "unknown author '%s'", it->email);
        else
            ing_result_refuse(&it->res, 401, "Authorization", "unknown or revoked API token");
    } else if (!(it->who.scopes & ING_SCOPE_SUBMIT))
        ing_result_refuse(
            &it->res, 403, "Authorization",
            "this token lacks the scope 'submit' (its scopes are set when it is made)");
    else if (it->only_department && strcmp(it->only_department, it->who.department) != 0)
        ing_result_refuse(&it->res, 403, "author_email",
                          "this peer may only submit for department %s", it->only_department);
    else if (it->pre.status)
        it->res = it->pre;
}

static const char *CHANNELS_SQL =
    "SELECT x.i, EXISTS (SELECT 1 FROM channel c WHERE c.id = x.ch), "
    "EXISTS (SELECT 1 FROM channel_account a WHERE a.channel_id = x.ch "
    "AND a.department_id = x.dep) "
    "FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(ch, dep, i)";

/* The author's department must hold an account on the channel: one query
   for every distinct (channel, department) of the batch. */
static int check_channels(hd_db_t *db, ing_item_t **items, size_t n) {
    hd_pgarray_t chs = {0}, deps = {0};
    size_t *pair = hd_calloc(n, sizeof *pair), npairs = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && (strcmp(items[j]->in.channel, items[i]->in.channel) != 0 ||
                         strcmp(items[j]->who.department, items[i]->who.department) != 0))
            j++;
        if (j < i)
            pair[i] = pair[j];
        else {
            pair[i] = ++npairs;
            hd_pgarray_add(&chs, items[i]->in.channel);
            hd_pgarray_add(&deps, items[i]->who.department);
        }
    }
    const char *p[2] = {hd_pgarray_str(&chs), hd_pgarray_str(&deps)};
    PGresult *r = npairs ? hd_db_exec(db, CHANNELS_SQL, 2, p) : NULL;
    hd_pgarray_free(&chs);
    hd_pgarray_free(&deps);
    if (npairs && !r) {
        free(pair);
        return -1;
    }
    for (int row = 0; r && row < PQntuples(r); row++) {
        size_t k = strtoul(PQgetvalue(r, row, 0), NULL, 10);
        int known = PQgetvalue(r, row, 1)[0] == 't', account = PQgetvalue(r, row, 2)[0] == 't';
        for (size_t i = 0; i < n; i++) {
            if (pair[i] != k || (known && account))
                continue;
            if (!known)
                ing_result_refuse(&items[i]->res, 422, "channel", "unknown channel '%s'",
                                  items[i]->in.channel);
            else
                ing_result_refuse(&items[i]->res, 422, "channel",
                                  "department '%s' has no account on channel '%s'",
                                  items[i]->who.department, items[i]->in.channel);
        }
    }
    if (r)
        PQclear(r);
    free(pair);
    return 0;
}

/* The scheduled time arrives as milliseconds since the epoch (a number
   ingest computed, never the client's text). */
static const char *INSERT_SQL =
    "INSERT INTO content (id, author_id, department_id, channel_id, kind, text, "
    "idempotency_key, scheduled_at, token_id, request_fingerprint, crisis_id, "
    "reply_to_mention_id, supersedes) "
    "SELECT x.id, x.a, x.d, x.c, x.k, x.t, x.key, "
    "       timestamptz 'epoch' + x.ms * interval '1 millisecond', x.tok, x.fp, x.cr, x.rm, x.sup "
    "FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], "
    "$6::text[], $7::text[], $8::bigint[], $9::uuid[], $10::text[], $11::uuid[], $12::uuid[], "
    "$13::uuid[]) "
    "AS x(id, a, d, c, k, t, key, ms, tok, fp, cr, rm, sup) "
    "ON CONFLICT (id) DO NOTHING RETURNING id";

#define NCOLS 13

/* Inserts the items not refused yet (a statement may be: batch_statement.h);
   the new ones get 201. Two items with one id (a retry racing its original)
   insert once: the first is new, the second a retry. rp: what the batch
   found about each reply (batch_reply.h). -1 on database error. */
static int insert_items(hd_db_t *db, ing_item_t **it, size_t n, const ing_content_reply_t *rp) {
    hd_pgarray_t col[NCOLS] = {{0}};
    for (size_t i = 0; i < n; i++) {
        const ing_submission_t *in = &it[i]->in;
        if (it[i]->res.status)
            continue;
        char ms[24], fp[ING_FINGERPRINT_LEN];
        snprintf(ms, sizeof ms, "%lld", in->scheduled_at_ms);
        ing_content_fingerprint(in, fp);
        hd_pgarray_add(&col[0], it[i]->res.id);
        hd_pgarray_add(&col[1], it[i]->who.id);
        hd_pgarray_add(&col[2], it[i]->who.department);
        hd_pgarray_add(&col[3], in->channel);
        hd_pgarray_add(&col[4], in->kind ? in->kind : "post");
        hd_pgarray_add(&col[5], in->text);
        hd_pgarray_add(&col[6], in->idempotency_key);
        hd_pgarray_add(&col[7], in->scheduled_at_ms ? ms : NULL);
        hd_pgarray_add(&col[8], it[i]->who.token_id[0] ? it[i]->who.token_id : NULL);
        hd_pgarray_add(&col[9], in->idempotency_key ? fp : NULL);
        hd_pgarray_add(&col[10], in->crisis_id);
        hd_pgarray_add(&col[11], in->reply_to_mention_id);
        hd_pgarray_add(&col[12], rp[i].supersedes[0] ? rp[i].supersedes : NULL);
    }
    const char *p[NCOLS];
    for (int c = 0; c < NCOLS; c++)
        p[c] = hd_pgarray_str(&col[c]);
    PGresult *r = hd_db_exec(db, INSERT_SQL, NCOLS, p);
    for (int c = 0; c < NCOLS; c++)
        hd_pgarray_free(&col[c]);
    if (!r)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        size_t i = 0;
        while (i < n && (it[i]->res.status || strcmp(it[i]->res.id, PQgetvalue(r, row, 0))))
            i++;
        if (i < n)
            it[i]->res.status = 201;
    }
    PQclear(r);
    return 0;
}

/* 1 if row `row` (id, channel, text, fingerprint) is the request `it`:
   by fingerprint, or, for a row from before fingerprints, by channel and
   text as then. */
static int same_request(PGresult *r, int row, const ing_item_t *it) {
    if (!PQgetisnull(r, row, 3)) {
        char fp[ING_FINGERPRINT_LEN];
        ing_content_fingerprint(&it->in, fp);
        return !strcmp(PQgetvalue(r, row, 3), fp);
    }
    return !strcmp(PQgetvalue(r, row, 1), it->in.channel) &&
           !strcmp(PQgetvalue(r, row, 2), it->in.text);
}

/* Items not inserted were there already: the same request is a retry (200,
   the original answer); another request under the same key is refused
   (422 idempotency_key_reused, naming the key and the item it made). */
static int answer_retries(hd_db_t *db, ing_item_t **it, size_t n) {
    hd_pgarray_t ids = {0};
    for (size_t i = 0; i < n; i++)
        if (!it[i]->res.status)
            hd_pgarray_add(&ids, it[i]->res.id);
    if (ids.n == 0)
        return 0;
    const char *p[1] = {hd_pgarray_str(&ids)};
    PGresult *r = hd_db_exec(db,
                             "SELECT id, channel_id, text, request_fingerprint FROM content "
                             "WHERE id = ANY($1::uuid[])",
                             1, p);
    hd_pgarray_free(&ids);
    if (!r)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i]->res.status)
            continue;
        int row = 0;
        while (row < PQntuples(r) && strcmp(PQgetvalue(r, row, 0), it[i]->res.id))
            row++;
        if (row == PQntuples(r)) {
            rc = -1; /* another unique key refused it: a batch of one says why */
            continue;
        }
        const char *field = it[i]->in.key_field ? it[i]->in.key_field : "idempotency_key";
        if (same_request(r, row, it[i]))
            it[i]->res.status = 200;
        else {
            ing_result_refuse(&it[i]->res, 422, field,
                              "%s was already used for a different request (item %s): a new "
                              "request needs a new key",
                              field, it[i]->res.id);
            snprintf(it[i]->res.code, sizeof it[i]->res.code, "idempotency_key_reused");
        }
    }
    PQclear(r);
    return rc;
}

/* One content.submitted per new item, in one outbox statement, stamped
   with the active policy version (policy's, read through its view), and
   a new holding statement's crisis.statement after its content.submitted;
   a reply to a mention carries what the batch found (rp). */
static int emit_events(hd_db_t *db, ing_item_t **it, size_t n, ing_statement_t *st,
                       const ing_content_reply_t *rp) {
    PGresult *r = hd_db_exec(db, "SELECT version FROM read_active_policy", 0, NULL);
    if (!r)
        return -1;
    long long version = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    ing_content_event_t *ev = hd_calloc(n, sizeof *ev);
    const hd_envelope_t **envs = hd_calloc(2 * n, sizeof *envs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (it[i]->res.status == 201) {
            ing_content_event_t *e = &ev[i];
            ing_content_event(e, &it[i]->who, &it[i]->in, it[i]->res.id, version,
                              it[i]->in.scheduled_at_ms, &rp[i]);
            envs[k++] = &e->env;
            if (it[i]->in.crisis_id)
                envs[k++] = ing_statement_event(&st[i], it[i], e->id);
        }
    int rc = hd_outbox_put_many(db, envs, k);
    free(envs);
    free(ev);
    return rc < 0 ? -1 : 0;
}

/* The group commit itself, for a batch of any size (one included). -1 on
   an error before COMMIT (the caller rolls back; items[i]->res is then
   meaningless), -2 when COMMIT itself failed: the outcome is unknown, so
   nothing is tried again here (a sender's retry with its idempotency key
   gets the original answer). */
static int write_batch(hd_db_t *db, ing_item_t **it, size_t n) {
    for (size_t i = 0; i < n; i++) {
        memset(&it[i]->res, 0, sizeof it[i]->res);
        ing_content_id(&it[i]->who, &it[i]->in, it[i]->res.id);
    }
    ing_statement_t *st = hd_calloc(n, sizeof *st);
    ing_content_reply_t *rp = hd_calloc(n, sizeof *rp);
    int rc = hd_db_begin(db) < 0 || ing_statement_check(db, it, n, st) < 0 ||
                     ing_reply_check(db, it, n, rp) < 0 || insert_items(db, it, n, rp) < 0 ||
                     answer_retries(db, it, n) < 0 || emit_events(db, it, n, st, rp) < 0
                 ? -1
             : hd_db_commit(db) < 0 ? -2
                                    : 0;
    free(st);
    free(rp);
    if (rc == -2)
        for (size_t i = 0; i < n; i++)
            ing_result_refuse(&it[i]->res, 503, NULL, "commit failed, retry");
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (it[i]->res.status < 400)
            hd_log(HD_LOG_INFO, it[i]->res.status == 201 ? "content_submitted" : "content_retry",
                   NULL, it[i]->res.id, "author=%s channel=%s batch=%zu", it[i]->who.email,
                   it[i]->in.channel, n);
    return 0;
}

/* The reason a batch of one failed before COMMIT. Everything a sender
   wrote was checked before the batch (decode.h), so a data exception
   (SQLSTATE class 22) is ingest's own bug: logged, answered 500, never
   blamed on a field. Anything else is the database's, to retry. */
static void refuse_failed(ing_item_t *it, const char *sqlstate, const char *error) {
    char id[HD_ID_LEN];
    memcpy(id, it->res.id, sizeof id);
    memset(&it->res, 0, sizeof it->res);
    memcpy(it->res.id, id, sizeof id);
    if (!strncmp(sqlstate, "22", 2)) {
        hd_log(HD_LOG_ERROR, "batch_data_exception", NULL, id, "SQLSTATE %s: %s", sqlstate, error);
        ing_result_refuse(&it->res, 500, NULL, "internal error recording the item (logged)");
        snprintf(it->res.code, sizeof it->res.code, "internal");
    } else
        ing_result_refuse(&it->res, 503, NULL, "database unavailable, retry");
}

/* Records items[0..n) as one group commit. When it fails before COMMIT,
   each item is recorded again by the same code as a batch of one, so one
   bad item never costs the others theirs and every refusal keeps its
   precise reason. */
static void record_open(hd_db_t *db, ing_item_t **items, size_t n) {
    char state[6], error[300];
    if (write_batch(db, items, n) != -1)
        return;
    snprintf(state, sizeof state, "%s", hd_db_sqlstate(db));
    snprintf(error, sizeof error, "%s", hd_db_error(db));
    hd_db_rollback(db);
    if (n == 1) {
        refuse_failed(items[0], state, error);
        return;
    }
    hd_warn("batch_fallback", "a batch of %zu failed (%s); recording each as a batch of one", n,
            error);
    for (size_t i = 0; i < n; i++)
        if (write_batch(db, &items[i], 1) == -1) {
            snprintf(state, sizeof state, "%s", hd_db_sqlstate(db));
            snprintf(error, sizeof error, "%s", hd_db_error(db));
            hd_db_rollback(db);
            refuse_failed(items[i], state, error);
        }
}

/* Keeps the items still without an outcome at the front; returns their count. */
static size_t still_open(ing_item_t **items, size_t n, ing_item_t **open) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!items[i]->res.status)
            open[k++] = items[i];
    return k;
}

/* The batch's content items (the mentions are inbound_batch.h's). */
static void record_content(hd_db_t *db, ing_item_t **items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        memset(&items[i]->res, 0, sizeof items[i]->res);
        memset(&items[i]->who, 0, sizeof items[i]->who);
    }
    if (hd_db_ensure(db) < 0 || resolve_people(db, items, n, 0) < 0 ||
        resolve_people(db, items, n, 1) < 0) {
        for (size_t i = 0; i < n; i++)
            ing_result_refuse(&items[i]->res, 503, NULL, "database unavailable, retry");
        return;
    }
    long long now_ms = ing_ratelimit_clock_ms();
    for (size_t i = 0; i < n; i++)
        refuse_early(items[i], now_ms);
    ing_item_t **open = hd_calloc(n, sizeof *open);
    size_t k = still_open(items, n, open);
    if (k && check_channels(db, open, k) < 0)
        for (size_t i = 0; i < k; i++)
            ing_result_refuse(&open[i]->res, 503, NULL, "database unavailable, retry");
    k = still_open(items, n, open);
    if (k)
        record_open(db, open, k);
    free(open);
}

void ing_batch_record(hd_db_t *db, ing_item_t **items, size_t n) {
    ing_item_t **part = hd_calloc(n, sizeof *part);
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (!items[i]->mention.channel)
            part[nc++] = items[i];
    size_t nm = nc;
    for (size_t i = 0; i < n; i++)
        if (items[i]->mention.channel)
            part[nm++] = items[i];
    if (nc)
        record_content(db, part, nc);
    if (nm > nc)
        ing_inbound_record_batch(db, part + nc, nm - nc);
    free(part);
}
