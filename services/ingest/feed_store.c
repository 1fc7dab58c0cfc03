/*  feed_store: the feed rows, claimed, recorded and failed (see
    feed_store.h). */
#include "feed_store.h"

#include "hd_deadletter.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The due feed is locked, leased and read in one statement, with its
   server's base URL and the sealed credential of the account that reads
   its notifications. */
static const char *CLAIM_SQL =
    "WITH due AS (SELECT id FROM feed WHERE enabled AND next_poll_at <= now() "
    "  AND (lease_until IS NULL OR lease_until < now()) "
    "  ORDER BY next_poll_at LIMIT 1 FOR UPDATE SKIP LOCKED), "
    "f AS (UPDATE feed f SET lease_until = now() + make_interval(secs => $1::int), "
    "  last_polled_at = now() FROM due WHERE f.id = due.id RETURNING f.*) "
    "SELECT f.id, f.kind, f.channel_id, "
    "  CASE WHEN f.url = '' THEN coalesce(c.base_url, '') ELSE f.url END, "
    "  coalesce(f.tag, ''), coalesce(f.account_department, ''), "
    "  array_to_string(f.departments, ','), f.interval_s, f.failures, f.cursor, "
    "  coalesce(f.etag, ''), coalesce(f.last_modified, ''), f.lease_until::text, "
    "  a.channel_id IS NOT NULL, coalesce(encode(a.secret, 'hex'), '') "
    "FROM f LEFT JOIN channel c ON c.id = f.channel_id "
    "LEFT JOIN channel_account a ON a.channel_id = f.channel_id "
    "  AND a.department_id = f.account_department";

static void copy(char *dst, size_t n, PGresult *r, int col) {
    snprintf(dst, n, "%s", PQgetvalue(r, 0, col));
}

int ing_feed_claim(hd_db_t *db, int lease_s, ing_feed_t *f) {
    char lease[16];
    snprintf(lease, sizeof lease, "%d", lease_s);
    const char *p[1] = {lease};
    memset(f, 0, sizeof *f);
    PGresult *r = hd_db_exec(db, CLAIM_SQL, 1, p);
    if (!r)
        return -1;
    int n = PQntuples(r);
    if (n == 1) {
        copy(f->id, sizeof f->id, r, 0);
        int k = ing_feed_kind_parse(PQgetvalue(r, 0, 1));
        f->kind = k < 0 ? ING_FEED_RSS : (ing_feed_kind_t)k; /* the table's CHECK holds kinds */
        copy(f->channel, sizeof f->channel, r, 2);
        copy(f->base, sizeof f->base, r, 3);
        copy(f->tag, sizeof f->tag, r, 4);
        copy(f->account_department, sizeof f->account_department, r, 5);
        copy(f->departments, sizeof f->departments, r, 6);
        f->interval_s = atoi(PQgetvalue(r, 0, 7));
        f->failures = atoi(PQgetvalue(r, 0, 8));
        copy(f->cursor, sizeof f->cursor, r, 9);
        copy(f->etag, sizeof f->etag, r, 10);
        copy(f->last_modified, sizeof f->last_modified, r, 11);
        copy(f->lease, sizeof f->lease, r, 12);
        f->have_account = PQgetvalue(r, 0, 13)[0] == 't';
        f->sealed = hd_strdup(PQgetvalue(r, 0, 14));
    }
    PQclear(r);
    return n == 1;
}

void ing_feed_release(ing_feed_t *f) {
    free(f->sealed);
    f->sealed = NULL;
}

/* In the open transaction: locks the feed's row; 1 when it is still f's
   (lease and cursor), 0 when not (or gone), -1 a database error. */
static int still_ours(hd_db_t *db, const ing_feed_t *f) {
    const char *p[1] = {f->id};
    PGresult *r = hd_db_exec(db,
                             "SELECT cursor, coalesce(lease_until::text, '') FROM feed "
                             "WHERE id = $1 FOR UPDATE",
                             1, p);
    if (!r)
        return -1;
    int ours = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), f->cursor) == 0 &&
               strcmp(PQgetvalue(r, 0, 1), f->lease) == 0;
    PQclear(r);
    return ours;
}

static void source_of(const ing_feed_t *f, char *out, size_t n) {
    snprintf(out, n, "feed:%s", f->id);
}

/* The mention id an entry would have: its dead letter is correlated with it. */
static const char *mention_id(const ing_feed_t *f, const char *ext, char id[HD_ID_LEN]) {
    char label[256];
    if (!ext || strlen(ext) > 200)
        return NULL;
    snprintf(label, sizeof label, "mention:%s", ext);
    hd_id_derive(id, f->channel, label);
    return id;
}

static int dead_letter(hd_db_t *db, const ing_feed_t *f, const char *url, const char *reason,
                       const char *raw, size_t len, const char *ext) {
    char source[80], id[HD_ID_LEN], why[1200];
    source_of(f, source, sizeof source);
    snprintf(why, sizeof why, "feed %s: %s", f->id, reason);
    return hd_deadletter_put(db, source, url, why, NULL, raw, len, mention_id(f, ext, id));
}

/* Records one item; 0, or -1 when the transaction is lost. */
static int record_item(hd_db_t *db, const ing_feed_t *f, const char *url,
                       const ing_feed_page_t *page, const ing_feed_item_t *it,
                       ing_feed_tally_t *t) {
    ing_mention_t in = {.channel = f->channel,
                        .external_id = it->external_id,
                        .author_handle = it->author    ? it->author
                                         : page->title ? page->title
                                                       : f->id,
                        .text = it->text,
                        .url = it->url,
                        .feed = f->id,
                        .in_reply_to = it->in_reply_to,
                        .posted_at_ms = it->posted_at_ms,
                        .departments = f->departments};
    ing_result_t res;
    ing_inbound_record(db, NULL, &in, &res);
    if (res.status == 201)
        t->recorded++;
    else if (res.status == 200)
        t->duplicates++;
    else if (res.status == 422) {
        char why[800];
        snprintf(why, sizeof why, "item %.200s refused: %.500s", it->external_id, res.error);
        char *raw = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&raw, &len);
        if (m) { /* what was taken of it, as the mention it would have been */
            fprintf(m, "external_id: %s\nauthor: %s\nurl: %s\n\n%s", it->external_id,
                    in.author_handle, it->url ? it->url : "", it->text ? it->text : "");
            fclose(m);
        }
        int rc = dead_letter(db, f, url, why, raw, raw ? len : 0, it->external_id);
        free(raw);
        if (rc < 0)
            return -1;
        t->dead++;
    } else
        return -1;
    return 0;
}

/* The page's entries: its items, then its bad ones. 0, or -1 (lost). */
static int record_entries(hd_db_t *db, const ing_feed_t *f, const char *url,
                          const ing_feed_page_t *page, ing_feed_tally_t *t, long long *newest_ms) {
    for (size_t i = 0; i < page->n; i++) {
        const ing_feed_item_t *it = &page->items[i];
        if (it->skip)
            continue;
        if (record_item(db, f, url, page, it, t) < 0)
            return -1;
        if (it->posted_at_ms > *newest_ms)
            *newest_ms = it->posted_at_ms;
    }
    for (size_t i = 0; i < page->nbad; i++) {
        const ing_feed_bad_t *b = &page->bad[i];
        if (dead_letter(db, f, url, b->reason, b->raw, b->raw_len, b->external_id) < 0)
            return -1;
        t->dead++;
    }
    return 0;
}

static const char *SUCCESS_SQL =
    "UPDATE feed SET cursor = $2, etag = nullif($3, ''), last_modified = nullif($4, ''), "
    "  failures = 0, last_error = NULL, last_ok_at = now(), "
    "  items_total = items_total + $5::bigint, "
    "  last_item_delay_ms = CASE WHEN $6::bigint > 0 AND (last_item_at IS NULL "
    "      OR to_timestamp($6::bigint / 1000.0) > last_item_at) "
    "    THEN greatest(0, (extract(epoch FROM now()) * 1000)::bigint - $6::bigint) "
    "    ELSE last_item_delay_ms END, "
    "  last_item_at = CASE WHEN $6::bigint > 0 AND (last_item_at IS NULL "
    "      OR to_timestamp($6::bigint / 1000.0) > last_item_at) "
    "    THEN to_timestamp($6::bigint / 1000.0) ELSE last_item_at END, "
    "  lease_until = CASE WHEN $7 = 'page' THEN now() + make_interval(secs => $8::int) END, "
    "  next_poll_at = CASE WHEN $7 = 'done' THEN now() + make_interval(secs => interval_s) "
    "    ELSE now() END "
    "WHERE id = $1 RETURNING coalesce(lease_until::text, '')";

static int mark_success(hd_db_t *db, ing_feed_t *f, const char *cursor, const char *etag,
                        const char *last_modified, ing_feed_next_t next, int lease_s,
                        const ing_feed_tally_t *t, long long newest_ms) {
    char items[24], newest[24], lease[16];
    snprintf(items, sizeof items, "%d", t->recorded);
    snprintf(newest, sizeof newest, "%lld", newest_ms);
    snprintf(lease, sizeof lease, "%d", lease_s);
    const char *how = next == ING_FEED_NEXT_PAGE   ? "page"
                      : next == ING_FEED_NEXT_SOON ? "soon"
                                                   : "done";
    const char *p[8] = {
        f->id, cursor, etag ? etag : "", last_modified ? last_modified : "", items, newest,
        how,   lease};
    PGresult *r = hd_db_exec(db, SUCCESS_SQL, 8, p);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        return -1;
    }
    snprintf(f->lease, sizeof f->lease, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

ing_feed_outcome_t ing_feed_commit_page(hd_db_t *db, ing_feed_t *f, const char *url,
                                        const ing_feed_page_t *page, const char *cursor,
                                        const char *etag, const char *last_modified,
                                        ing_feed_next_t next, int lease_s,
                                        ing_feed_tally_t *tally) {
    memset(tally, 0, sizeof *tally);
    char lease_before[sizeof f->lease];
    snprintf(lease_before, sizeof lease_before, "%s", f->lease);
    if (hd_db_begin(db) < 0)
        return ING_FEED_DATABASE;
    int ours = still_ours(db, f);
    if (ours <= 0) {
        hd_db_rollback(db);
        return ours == 0 ? ING_FEED_LOST : ING_FEED_DATABASE;
    }
    long long newest_ms = 0;
    if (record_entries(db, f, url, page, tally, &newest_ms) < 0 ||
        mark_success(db, f, cursor, etag, last_modified, next, lease_s, tally, newest_ms) < 0 ||
        hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        snprintf(f->lease, sizeof f->lease, "%s", lease_before);
        memset(tally, 0, sizeof *tally);
        return ING_FEED_DATABASE;
    }
    snprintf(f->cursor, sizeof f->cursor, "%s", cursor);
    return ING_FEED_OK;
}

int ing_feed_commit_failure(hd_db_t *db, const ing_feed_t *f, const char *url, const char *error,
                            const char *raw, size_t raw_len, long long wait_ms) {
    if (hd_db_begin(db) < 0)
        return -1;
    int ours = still_ours(db, f);
    if (ours <= 0) {
        hd_db_rollback(db);
        return ours == 0 ? 1 : -1;
    }
    char wait[24];
    snprintf(wait, sizeof wait, "%lld", wait_ms);
    const char *p[3] = {f->id, error, wait};
    if ((raw && dead_letter(db, f, url, error, raw, raw_len, NULL) < 0) ||
        hd_db_cmd(db,
                  "UPDATE feed SET failures = failures + 1, last_error = $2, lease_until = NULL, "
                  "next_poll_at = now() + make_interval(secs => ($3::bigint / 1000.0)::float8) "
                  "WHERE id = $1",
                  3, p) < 0 ||
        hd_db_commit(db) < 0) {
        hd_db_rollback(db);
        return -1;
    }
    return 0;
}

int ing_feed_figures(hd_db_t *db, ing_feed_figure_t *out, int max) {
    char limit[16];
    snprintf(limit, sizeof limit, "%d", max);
    const char *p[1] = {limit};
    PGresult *r = hd_db_exec(db,
                             "SELECT id, extract(epoch FROM now() - coalesce(last_ok_at, "
                             "created_at)), failures FROM feed WHERE enabled ORDER BY id "
                             "LIMIT $1::int",
                             1, p);
    if (!r)
        return -1;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        snprintf(out[i].id, sizeof out[i].id, "%s", PQgetvalue(r, i, 0));
        out[i].lag_s = strtod(PQgetvalue(r, i, 1), NULL);
        out[i].failures = atoi(PQgetvalue(r, i, 2));
    }
    PQclear(r);
    return n;
}
