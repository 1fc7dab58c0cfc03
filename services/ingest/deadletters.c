/*  deadletters: dead letters through the API (deadletters.h,
    docs/deadletters.md). Listing, showing and counting read the store;
    a replay re-sends a stored POST to this API itself, as the person
    replaying (their own token: a stored request never keeps one), and
    records what it answered on the row, in one transaction with an
    org.deadletter.replayed event. The replayed request is served by
    another HTTP worker, so a replay holds one worker while it waits and
    never more than all workers but one replay at once. */
#include "deadletters.h"

#include "api.h"
#include "hd_config.h"
#include "hd_deadletter.h"
#include "hd_deadletter_http.h"
#include "hd_http_client.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_utf8.h"
#include "org.h"
#include "rfc3339.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_TIMEOUT_MS 15000
#define REPLAY_ANSWER_MAX 4096

/* A row as the routes show it (never its raw bytes). */
#define DL_JSON                                                                               \
    "json_build_object('id', d.id, 'received_at', d.received_at, 'last_at', "                 \
    "coalesce(d.last_at, d.received_at), 'repeats', d.repeats, 'source', d.source, 'peer', "  \
    "d.peer, 'reason', d.reason, 'field', d.field, 'size', d.size, 'sha256', "                \
    "encode(d.raw_sha256, 'hex'), 'correlation_id', d.correlation_id, 'replays', d.replays, " \
    "'replayed_at', d.replayed_at, 'replayed_by', d.replayed_by, 'replay_status', "           \
    "d.replay_status)::text"

static atomic_int s_replays; /* replays waiting for their answer now */

/* ---------- keeping a refused request ---------- */

int ing_deadletter_keep(hd_db_t *db, hd_http_req_t *req, const char *reason, const char *field,
                        const char *correlation_id) {
    size_t len, n;
    const char *body = hd_http_req_body(req, &len);
    const char *path = hd_http_req_path(req), *query = hd_http_req_query(req);
    size_t tlen = strlen(path) + strlen(query) + 2;
    char *target = hd_malloc(tlen), clen[24];
    snprintf(target, tlen, "%s%s%s", path, *query ? "?" : "", query);
    snprintf(clen, sizeof clen, "%zu", len);
    const char *h[] = {"Host",
                       hd_http_req_header(req, "Host"),
                       "User-Agent",
                       hd_http_req_header(req, "User-Agent"),
                       "Content-Type",
                       hd_http_req_header(req, "Content-Type"),
                       "Content-Length",
                       len ? clen : NULL,
                       "Idempotency-Key",
                       hd_http_req_header(req, "Idempotency-Key"),
                       "If-Match",
                       hd_http_req_header(req, "If-Match"),
                       "Authorization",
                       hd_http_req_header(req, "Authorization"),
                       NULL};
    char *raw = hd_deadletter_http_build(hd_http_req_method(req), target, h, body, len, &n);
    hd_db_ensure(db); /* when it stays down, the put logs what was lost */
    int rc = hd_deadletter_put(db, "ingest.http", hd_http_req_peer(req), reason, field, raw, n,
                               correlation_id);
    free(raw);
    free(target);
    return rc;
}

/* ---------- pure helpers ---------- */

void ing_deadletter_loopback_url(const char *addr, int port, int tls, const char *target, char *out,
                                 size_t n) {
    const char *a = addr ? addr : "";
    const char *colon = strrchr(a, ':');
    size_t hn = colon ? (size_t)(colon - a) : strlen(a);
    char host[128];
    snprintf(host, sizeof host, "%.*s", (int)hn, a);
    if (!host[0] || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "*") == 0 ||
        strcmp(host, "[::]") == 0 || strcmp(host, "::") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    snprintf(out, n, "%s://%s:%d%s", tls ? "https" : "http", host, port, target);
}

/* ---------- reading ---------- */

/* The path's {id} into *id: 0, or -1 after answering 404. */
static int dl_id(ing_call_t *c, long long *id) {
    const char *s = c->params[0];
    size_t n = strlen(s);
    if (n && n < 19 && strspn(s, "0123456789") == n && (*id = atoll(s)) > 0)
        return 0;
    ing_api_refuse(c, 404, "id", "not_found", "no such dead letter '%s'", s);
    return -1;
}

/* A query parameter that must be a positive integer (absent: NULL). 0, or
   -1 after answering 422 naming it. */
static int positive_param(ing_call_t *c, const char *name, char *buf, size_t n, const char **out) {
    *out = hd_http_req_param(c->req, name, buf, n);
    size_t len = *out ? strlen(*out) : 0;
    if (!*out || (len && len < 19 && strspn(*out, "0123456789") == len && atoll(*out) > 0))
        return 0;
    ing_api_refuse(c, 422, name, "invalid", "%s must be a positive integer (a dead letter id)",
                   name);
    return -1;
}

static void dl_list(ing_call_t *c) {
    int limit;
    char src[128], since[64], before[32], lim[16];
    const char *s, *t, *b;
    long long since_ms;
    if (ing_org_authorize(c, "deadletters", NULL, "dead letter") < 0 ||
        ing_api_limit(c, 50, 1000, &limit) < 0 ||
        positive_param(c, "before", before, sizeof before, &b) < 0)
        return;
    s = hd_http_req_param(c->req, "source", src, sizeof src);
    t = hd_http_req_param(c->req, "since", since, sizeof since);
    if (t && ing_rfc3339_ms(t, &since_ms) < 0) {
        ing_api_refuse(c, 422, "since", "invalid",
                       "since must be an RFC 3339 date-time (2026-01-31T12:00:00Z)");
        return;
    }
    snprintf(lim, sizeof lim, "%d", limit);
    const char *p[4] = {s && *s ? s : NULL, t, b, lim};
    json_t *rows;
    int got = ing_org_rows(c, c->db,
                           "SELECT " DL_JSON " FROM dead_letter d WHERE ($1::text IS NULL OR "
                           "d.source = $1) AND ($2::timestamptz IS NULL OR d.received_at >= $2) "
                           "AND ($3::bigint IS NULL OR d.id < $3) ORDER BY d.id DESC LIMIT $4",
                           4, p, &rows);
    if (got < 0)
        return;
    json_t *o = json_pack("{s:o}", "items", rows);
    if (got == limit) {
        char next[32];
        snprintf(
            next, sizeof next, "%lld",
            (long long)json_integer_value(json_object_get(json_array_get(rows, got - 1), "id")));
        json_object_set_new(o, "next", json_string(next));
    }
    hd_http_respond_json(c->req, 200, o);
}

static void dl_stats(ing_call_t *c) {
    if (ing_org_authorize(c, "deadletters", NULL, "dead letter") < 0)
        return;
    json_t *o;
    int rc = ing_org_one(
        c,
        "SELECT json_build_object('rows', coalesce(sum(s.stored_rows), 0), 'bytes', "
        "coalesce(sum(s.stored_bytes), 0), 'evicted_rows', coalesce(sum(s.evicted_rows), 0), "
        "'evicted_bytes', coalesce(sum(s.evicted_bytes), 0), 'repeats', (SELECT "
        "coalesce(sum(d.repeats - 1), 0) FROM dead_letter d), 'replayed', (SELECT count(*) FROM "
        "dead_letter d WHERE d.replays > 0), 'by_kind', coalesce(json_agg(json_build_object("
        "'kind', s.kind, 'rows', s.stored_rows, 'bytes', s.stored_bytes, 'evicted_rows', "
        "s.evicted_rows, 'evicted_bytes', s.evicted_bytes) ORDER BY s.kind), '[]'))::text "
        "FROM dead_letter_stats s",
        0, NULL, &o);
    if (rc < 0)
        return;
    hd_deadletter_cfg_t cfg = hd_deadletter_config();
    json_object_set_new(o, "limits",
                        json_pack("{s:I, s:I, s:i}", "max_bytes", (json_int_t)cfg.max_bytes,
                                  "max_age_seconds", (json_int_t)cfg.max_age_s, "sample_seconds",
                                  cfg.sample_s));
    hd_http_respond_json(c->req, 200, o);
}

/* A text of the stored request as a JSON string (invalid UTF-8 escaped). */
static json_t *span_json(hd_dl_span_t s) {
    char *copy = hd_malloc(s.n + 1);
    memcpy(copy, s.p ? s.p : "", s.n);
    copy[s.n] = 0;
    char *t = hd_deadletter_text(copy, s.n * 4 + 8);
    json_t *j = json_string(t);
    free(t);
    free(copy);
    return j;
}

/* The stored request, when raw is one: method, target, headers, body. */
static json_t *request_json(const char *raw, size_t len) {
    hd_dl_request_t q;
    if (hd_deadletter_http_parse(raw, len, &q) < 0)
        return json_null();
    json_t *h = json_array();
    for (size_t i = 0; i < q.nheaders; i++)
        json_array_append_new(h, json_pack("{s:o, s:o}", "name", span_json(q.names[i]), "value",
                                           span_json(q.values[i])));
    int text = hd_utf8_valid(q.body.p, q.body.n);
    return json_pack("{s:o, s:o, s:o, s:o, s:b, s:o, s:b}", "method", span_json(q.method), "target",
                     span_json(q.target), "version", span_json(q.version), "headers", h, "complete",
                     q.complete, "body",
                     text ? json_stringn(q.body.p ? q.body.p : "", q.body.n) : json_null(),
                     "body_is_text", text);
}

/* The row id's JSON (*row), its source and raw bytes (redacted again: a row
   kept before 015 may hold a credential; caller frees). 1, 0 answered 404,
   -1 answered 503. */
static int dl_load(ing_call_t *c, const char *id, json_t **row, char **source, unsigned char **raw,
                   size_t *len) {
    const char *p[1] = {id};
    PGresult *r = hd_db_exec(c->db,
                             "SELECT " DL_JSON ", d.source, d.raw, d.replay_answer FROM "
                             "dead_letter d WHERE d.id = $1",
                             1, p);
    if (!r) {
        ing_org_unavailable(c);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        ing_api_refuse(c, 404, "id", "not_found", "no such dead letter '%s'", id);
        return 0;
    }
    *row = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    if (!PQgetisnull(r, 0, 3))
        json_object_set_new(*row, "replay_answer", json_string(PQgetvalue(r, 0, 3)));
    *source = hd_strdup(PQgetvalue(r, 0, 1));
    size_t n;
    unsigned char *bytes = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 2), &n);
    if (strcmp(*source, "ingest.http") == 0)
        *raw = (unsigned char *)hd_deadletter_http_redact((const char *)bytes, bytes ? n : 0, len);
    else {
        *len = bytes ? n : 0;
        *raw = hd_malloc(*len + 1);
        memcpy(*raw, bytes ? bytes : (unsigned char *)"", *len);
    }
    PQfreemem(bytes);
    PQclear(r);
    return 1;
}

static void dl_show(ing_call_t *c) {
    long long id;
    json_t *row;
    char *source;
    unsigned char *raw;
    size_t len;
    if (ing_org_authorize(c, "deadletters", NULL, "dead letter") < 0 || dl_id(c, &id) < 0 ||
        dl_load(c, c->params[0], &row, &source, &raw, &len) != 1)
        return;
    size_t b64n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = hd_malloc(b64n);
    sodium_bin2base64(b64, b64n, raw, len, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(row, "raw_base64", json_string(b64));
    json_object_set_new(row, "request",
                        strcmp(source, "ingest.http") == 0 ? request_json((const char *)raw, len)
                                                           : json_null());
    hd_http_respond_json(c->req, 200, row);
    free(b64);
    free(raw);
    free(source);
}

/* ---------- replay ---------- */

/* Sends the stored request q to url with the caller's Authorization: its
   status (0 when no answer came) and the answer's text in *answer (or the
   reason none came; caller frees). */
static int loopback(const char *url, const hd_dl_request_t *q, const char *authorization,
                    char **answer) {
    static const char *const kept[] = {"Content-Type", "Idempotency-Key", NULL};
    char lines[3][1024];
    const char *headers[4] = {lines[0], NULL, NULL, NULL};
    size_t nh = 1;
    snprintf(lines[0], sizeof lines[0], "Authorization: %s", authorization ? authorization : "");
    for (const char *const *k = kept; *k; k++) {
        hd_dl_span_t v = hd_deadletter_http_header(q, *k);
        if (v.p && v.n < 900) {
            snprintf(lines[nh], sizeof lines[nh], "%s: %.*s", *k, (int)v.n, v.p);
            headers[nh] = lines[nh];
            nh++;
        }
    }
    int status = hd_http_request_n("POST", url, headers, q->body.p ? q->body.p : "", q->body.n,
                                   REPLAY_TIMEOUT_MS, HD_HTTP_CLIENT_LOOPBACK_TLS, answer);
    return status < 0 ? 0 : status;
}

/* Why the stored request q (of source) cannot be replayed, into why; 0 when
   it can. */
static int replayable(const char *source, const hd_dl_request_t *q, int parsed, char *why,
                      size_t n) {
    if (strcmp(source, "ingest.http") != 0)
        snprintf(why, n, "only HTTP requests (source ingest.http) are replayed; this one is %s",
                 source);
    else if (!parsed || !q->complete)
        snprintf(why, n, "it is not a whole HTTP request (nothing to replay)");
    else if (q->method.n != 4 || memcmp(q->method.p, "POST", 4) != 0)
        snprintf(why, n, "only POST requests are replayed; this one is %.*s", (int)q->method.n,
                 q->method.p);
    else {
        char path[512];
        const char *qm = memchr(q->target.p, '?', q->target.n);
        snprintf(path, sizeof path, "%.*s", (int)(qm ? (size_t)(qm - q->target.p) : q->target.n),
                 q->target.p);
        const ing_route_t *r;
        ing_call_t probe = {0};
        if (strncmp(path, "/v1/admin/deadletters", 21) == 0)
            snprintf(why, n, "a replay is not replayed");
        else if (ing_route_match(ing_api_tables, "POST", path, &r, &probe, NULL, 0) !=
                 ING_ROUTE_FOUND)
            snprintf(why, n, "POST %.200s is not a route of this API", path);
        else
            return 0;
    }
    return -1;
}

/* Takes a replay slot: 0, or -1 after answering 503. */
static int replay_slot(ing_call_t *c) {
    long workers = hd_config_long("HUDDLE_API_WORKERS", 4);
    if (workers < 2) {
        ing_api_refuse(c, 503, NULL, "unavailable",
                       "a replay needs HUDDLE_API_WORKERS of 2 or more (another worker serves "
                       "the replayed request)");
        return -1;
    }
    if (atomic_fetch_add(&s_replays, 1) >= workers - 1) {
        atomic_fetch_sub(&s_replays, 1);
        ing_api_refuse(c, 503, NULL, "unavailable", "every other API worker is replaying; retry");
        return -1;
    }
    return 0;
}

/* Records the replay on row id and answers it: one transaction with its
   org.deadletter.replayed event. */
static void replay_record(ing_call_t *c, json_t *before, int status, const char *answer) {
    char st[16], *cut = hd_deadletter_text(answer, REPLAY_ANSWER_MAX);
    snprintf(st, sizeof st, "%d", status);
    const char *p[4] = {c->params[0], c->who->email, st, cut};
    json_t *after = NULL;
    if (ing_org_begin(c) < 0)
        goto out;
    int rc = ing_org_one(c,
                         "WITH d AS (UPDATE dead_letter SET replays = replays + 1, replayed_at = "
                         "now(), replayed_by = $2, replay_status = $3, replay_answer = $4 WHERE "
                         "id = $1 RETURNING *) SELECT " DL_JSON " FROM d",
                         4, p, &after);
    if (rc == 0)
        ing_org_refuse(c, 404, "id", "not_found",
                       "dead letter %s was evicted while it was replayed (answer %d)", c->params[0],
                       status);
    if (rc != 1)
        goto out;
    json_t *ans = json_loads(answer, 0, NULL);
    json_t *out = json_pack("{s:O, s:{s:i, s:o}}", "dead_letter", after, "replay", "status", status,
                            "answer", ans ? ans : json_string(cut));
    ing_org_change_t ch = {"deadletter", c->params[0], "replayed", "", NULL, before, after};
    ing_org_finish(c, &ch, 200, out);
out:
    json_decref(after);
    free(cut);
}

static void dl_replay(ing_call_t *c) {
    static const char *const fields[] = {NULL};
    long long id;
    json_t *b = NULL, *before = NULL;
    char *source = NULL, *answer = NULL, why[300], url[1024];
    unsigned char *raw = NULL;
    size_t len;
    if (ing_org_authorize(c, "deadletters", NULL, "dead letter") < 0 || dl_id(c, &id) < 0 ||
        !(b = ing_org_body(c, fields, 1)) ||
        dl_load(c, c->params[0], &before, &source, &raw, &len) != 1)
        goto out;
    json_object_del(before, "replay_answer");
    hd_dl_request_t q;
    int parsed = hd_deadletter_http_parse((const char *)raw, len, &q) == 0;
    if (replayable(source, &q, parsed, why, sizeof why) < 0) {
        ing_api_refuse(c, 409, "id", "conflict", "dead letter %lld cannot be replayed: %s", id,
                       why);
        goto out;
    }
    if (replay_slot(c) < 0)
        goto out;
    char *target = hd_strndup(q.target.p, q.target.n);
    const char *tls = hd_config_get("HUDDLE_API_TLS_CERT");
    ing_deadletter_loopback_url(hd_config_get("HUDDLE_API_ADDR"),
                                hd_http_server_port(hd_http_req_server(c->req)), tls && *tls,
                                target, url, sizeof url);
    int status = loopback(url, &q, hd_http_req_header(c->req, "Authorization"), &answer);
    atomic_fetch_sub(&s_replays, 1);
    hd_info("dead_letter_replayed", "dead letter %lld by %s: POST %s answered %d", id,
            c->who->email, target, status);
    free(target);
    replay_record(c, before, status, answer);
out:
    free(answer);
    free(raw);
    free(source);
    json_decref(before);
    json_decref(b);
}

const ing_route_t ing_deadletter_routes[] = {
    {"GET", "/v1/admin/deadletters", ING_SCOPE_ADMIN, dl_list,
     "dead letters, newest first (?source=&since=&before=&limit=)"},
    {"GET", "/v1/admin/deadletters/stats", ING_SCOPE_ADMIN, dl_stats,
     "what the dead-letter store holds, evicted and folded, and its limits"},
    {"GET", "/v1/admin/deadletters/{id}", ING_SCOPE_ADMIN, dl_show,
     "a dead letter with its raw bytes and, for a request, its parts"},
    {"POST", "/v1/admin/deadletters/{id}/replay", ING_SCOPE_ADMIN, dl_replay,
     "re-send a refused POST as the caller and record its answer"},
    {NULL, NULL, 0, NULL, NULL}};
