/*  api: huddle's HTTP JSON API (docs/api.md). Every request is limited by
    its client address, then authenticated by a bearer token and limited by
    that token (ratelimit.h); every body is decoded and checked before any
    of it reaches SQL (decode.h); every refusal, of any method, keeps what
    was received as a dead letter with the reason and is counted; every
    answer is JSON. */
#include "api.h"
#include "hd_utf8.h"

#include "batch.h"
#include "crisis_banner.h"
#include "deadletters.h"
#include "decision.h"
#include "hd_config.h"
#include "hd_deadletter.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "inbound.h"
#include "metrics.h"
#include "playbooks.h"
#include "read_side.h"
#include "rfc3339.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE_KEYS 16384 /* keys each rate limiter keeps (ratelimit.h) */
#define PARAM_MAX 255   /* bytes of a query parameter's value, percent-decoded */

struct ing_api {
    ing_batch_t *batch;                 /* group commit for POST /v1/content */
    _Atomic(hd_http_server_t *) server; /* where deferred answers are given */
    ing_ratelimit_t *by_address;        /* before authentication */
    ing_ratelimit_t *by_token;          /* after, by token id */
    ing_banner_t *banner;               /* the crises in force, for answers about content */
};

/* A rate setting: a number (fractions allowed, 0.5 is one request every
   2 s), def when unset or not a number >= 0 (logged). */
static double rate_var(const char *name, double def) {
    const char *v = hd_config_get(name);
    char *end = NULL;
    double d = v ? strtod(v, &end) : def;
    if (v && (end == v || *end || !(d >= 0))) {
        hd_warn("config_invalid", "%s=%s is not a number >= 0, using %g", name, v, def);
        d = def;
    }
    return d;
}

ing_api_t *ing_api_new(ing_batch_t *batch) {
    ing_api_t *self = hd_calloc(1, sizeof *self);
    self->batch = batch;
    self->by_address = ing_ratelimit_new(rate_var("HUDDLE_RATE_ADDR_PER_S", 200),
                                         rate_var("HUDDLE_RATE_ADDR_BURST", 400), RATE_KEYS);
    self->by_token = ing_ratelimit_new(rate_var("HUDDLE_RATE_TOKEN_PER_S", 50),
                                       rate_var("HUDDLE_RATE_TOKEN_BURST", 100), RATE_KEYS);
    self->banner = ing_banner_new(ING_BANNER_TTL_MS);
    return self;
}

/* An HTTP worker's own connections (its hd_http worker state). */
typedef struct {
    hd_db_t *db;      /* ingest's own tables (writes, auth, dead letters) */
    hd_db_t *read_db; /* the read side (views only, role huddle_read) */
} worker_t;

/* The connections of the HTTP worker running this. */
static hd_db_t *worker_db(void) { return ((worker_t *)hd_http_worker_state())->db; }
static hd_db_t *worker_read_db(void) { return ((worker_t *)hd_http_worker_state())->read_db; }

void ing_api_set_server(ing_api_t *self, hd_http_server_t *server) {
    atomic_store(&self->server, server);
}

void ing_api_destroy(ing_api_t **self_p) {
    if (self_p && *self_p) {
        ing_api_t *self = *self_p;
        ing_ratelimit_destroy(&self->by_address);
        ing_ratelimit_destroy(&self->by_token);
        ing_banner_destroy(&self->banner);
        free(self);
        *self_p = NULL;
    }
}

/* Answers a refusal and keeps what was received, whatever the method: the
   reason names the request line (its bytes escaped as UTF-8 text, for
   they may be anything), the raw body is kept as it came. `extra` (taken,
   may be NULL) holds more members of the error object ("id", "limit"). */
static void refuse_with(ing_api_t *api, hd_http_req_t *req, int status, const char *field,
                        const char *code, const char *msg, const char *corr, json_t *extra) {
    char line[400], what[700];
    snprintf(what, sizeof what, "%s %s%s%s", hd_http_req_method(req), hd_http_req_path(req),
             *hd_http_req_query(req) ? "?" : "", hd_http_req_query(req));
    hd_utf8_escape(what, line, sizeof line);
    snprintf(what, sizeof what, "%d %s: %s", status, line, msg);
    ing_metrics_refusal(status, code); /* huddle_ingest_refusals_total */
    if (status == 429)
        ing_metrics_rate_limited(strcmp(field ? field : "", "Authorization") ? "address" : "token");
    hd_db_t *db = worker_db();
    if (db && hd_db_ensure(db) == 0)
        ing_deadletter_keep(db, req, what, field, corr); /* the request, whole, redacted */
    field = field && *field ? field : NULL;
    if (!extra) {
        hd_http_respond_error(req, status, code, field, "%s", msg);
        return;
    }
    json_t *e = json_pack("{s:i, s:s, s:o, s:s}", "status", status, "code", code, "field",
                          field ? json_string(field) : json_null(), "message", msg);
    if (e)
        json_object_update(e, extra);
    json_decref(extra);
    hd_http_respond_json(req, status, json_pack("{s:o}", "error", e ? e : json_object()));
}

static void refuse(ing_api_t *api, hd_http_req_t *req, int status, const char *field,
                   const char *code, const char *msg, const char *corr) {
    refuse_with(api, req, status, field, code, msg, corr, NULL);
}

void ing_api_refuse(ing_call_t *c, int status, const char *field, const char *code, const char *fmt,
                    ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    refuse(c->api, c->req, status, field, code, msg, NULL);
}

void ing_api_refuse_with(ing_call_t *c, int status, const char *field, const char *code,
                         json_t *extra, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    refuse_with(c->api, c->req, status, field, code, msg, NULL, extra);
}

static const char *code_of(int status) {
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthenticated";
    case 403:
        return "forbidden";
    case 404:
        return "not_found";
    case 409:
        return "conflict";
    case 413:
        return "too_large";
    case 415:
        return "unsupported_media_type";
    case 422:
        return "invalid";
    case 429:
        return "rate_limited";
    case 500:
        return "internal";
    default:
        return status >= 500 ? "unavailable" : "error";
    }
}

/* Answers 429: Retry-After says when a token will be there; the error
   names the limit ("address" or "token"). */
static void refuse_limited(ing_api_t *api, hd_http_req_t *req, const char *limit, int wait) {
    char secs[16], msg[200];
    snprintf(secs, sizeof secs, "%d", wait);
    hd_http_respond_header(req, "Retry-After", secs);
    snprintf(msg, sizeof msg, "over the per-%s rate limit (%s); retry in %d s", limit,
             !strcmp(limit, "token") ? "HUDDLE_RATE_TOKEN_PER_S" : "HUDDLE_RATE_ADDR_PER_S", wait);
    refuse_with(api, req, 429, !strcmp(limit, "token") ? "Authorization" : NULL, "rate_limited",
                msg, NULL, json_pack("{s:s, s:i}", "limit", limit, "retry_after", wait));
}

/* Answers res; a success carries `banner` (taken, may be NULL) as "crisis". */
static void answer_with(ing_api_t *api, hd_http_req_t *req, const ing_result_t *res,
                        const char *id_name, const char *corr, json_t *banner) {
    if (res->status == 429) {
        refuse_limited(api, req, "token", res->retry_after);
        return;
    }
    if (res->status >= 400) {
        json_t *extra =
            !strcmp(res->code, "idempotency_key_reused") ? json_pack("{s:s}", "id", res->id)
            : res->by[0] ? json_pack("{s:s, s:s}", "by", res->by, "since", res->since) /* a reply */
                         : NULL;
        refuse_with(api, req, res->status, res->field,
                    res->code[0] ? res->code : code_of(res->status), res->error, corr, extra);
        json_decref(banner);
        return;
    }
    json_t *o = json_pack("{s:s, s:s}", id_name, res->id, "status",
                          res->status == 200 ? "duplicate" : "accepted");
    if (banner)
        json_object_set_new(o, "crisis", banner);
    hd_http_respond_json(req, res->status, o);
}

static void answer(ing_api_t *api, hd_http_req_t *req, const ing_result_t *res, const char *id_name,
                   const char *corr) {
    answer_with(api, req, res, id_name, corr, NULL);
}

/* Parses the body as a JSON object; answers 400 and returns NULL if not. */
static json_t *parse_body(ing_api_t *api, hd_http_req_t *req) {
    size_t len;
    const char *body = hd_http_req_body(req, &len);
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!j || !json_is_object(j)) {
        char msg[300];
        if (!j)
            snprintf(msg, sizeof msg, "body is not valid JSON: %s at line %d column %d", err.text,
                     err.line, err.column);
        else
            snprintf(msg, sizeof msg, "body must be a JSON object");
        json_decref(j);
        refuse(api, req, 400, "body", "bad_json", msg, NULL);
        return NULL;
    }
    return j;
}

json_t *ing_api_body(ing_call_t *c) { return parse_body(c->api, c->req); }

/* HTTP worker: the batch is done with the item; answer its sender. */
static void content_answer(void *arg) {
    ing_item_t *it = arg;
    ing_api_t *api = it->done_arg;
    hd_http_later_t *later = it->user;
    hd_http_req_t *req = hd_http_later_req(later);
    ing_metrics_request(it->route ? it->route : "/v1/content", "POST",
                        it->res.status); /* deferred: counted here */
    json_t *banner =
        req && it->res.status < 300 && !it->mention.channel
            ? ing_banner_for(api->banner, worker_db(), it->who.department, it->in.channel)
            : NULL;
    if (req)
        answer_with(api, req, &it->res, "id", NULL, banner);
    else
        hd_warn("answer_undelivered", "the sender of item %s left before its answer (%d)",
                it->res.id[0] ? it->res.id : "-", it->res.status);
    hd_http_later_done(&later);
    ing_item_free(&it);
}

/* Writer thread: hand the item to the HTTP workers (a refusal keeps a
   dead letter, so it is not answered on the writer's thread). */
static void content_done(ing_item_t *it, void *arg) {
    ing_api_t *api = arg;
    hd_http_server_post(atomic_load(&api->server), content_answer, it);
}

/* The submission in the body as a new item; what is wrong with it goes in
   item->pre, to be told once the caller is known to be someone. */
static ing_item_t *read_submission(hd_http_req_t *req) {
    size_t len;
    const char *body = hd_http_req_body(req, &len);
    ing_submission_t in;
    ing_refusal_t why;
    if (ing_decode_submission(body, len, hd_http_req_header(req, "Idempotency-Key"),
                              ing_rfc3339_now_ms(), &in, &why) < 0) {
        ing_item_t *it = ing_item_new(NULL);
        ing_result_from(&it->pre, &why);
        return it;
    }
    ing_item_t *it = ing_item_new(&in);
    ing_submission_clear(&in);
    return it;
}

/* POST /v1/content: authenticated, checked and recorded by the batch (group
   commit); the answer is given when the batch has committed. */
static void post_content(ing_api_t *api, hd_http_req_t *req) {
    const char *tok = ing_auth_bearer(hd_http_req_header(req, "Authorization"));
    if (!tok) {
        hd_http_respond_header(req, "WWW-Authenticate", "Bearer realm=\"huddle\"");
        refuse(api, req, 401, "Authorization", "unauthenticated",
               "missing 'Authorization: Bearer TOKEN'", NULL);
        return;
    }
    if (!ing_auth_token_wellformed(tok)) { /* never sent to the batch's token lookup */
        hd_http_respond_header(req, "WWW-Authenticate",
                               "Bearer realm=\"huddle\", error=\"invalid_token\"");
        refuse(api, req, 401, "Authorization", "unauthenticated",
               "unknown, expired or revoked API token", NULL);
        return;
    }
    if (!atomic_load(&api->server)) {
        refuse(api, req, 503, NULL, "unavailable", "starting up, retry", NULL);
        return;
    }
    ing_item_t *it = read_submission(req);
    ing_item_set(&it->token, tok);
    it->token_limit = api->by_token;
    it->done = content_done;
    it->done_arg = api;
    it->user = hd_http_defer(req);
    ing_batch_submit(api->batch, it);
}

void ing_api_submit(ing_call_t *c, ing_item_t *it, const char *route) {
    if (!atomic_load(&c->api->server)) {
        ing_item_free(&it);
        ing_api_refuse(c, 503, NULL, "unavailable", "starting up, retry");
        return;
    }
    ing_item_set(&it->token, ing_auth_bearer(hd_http_req_header(c->req, "Authorization")));
    it->route = route;
    it->done = content_done;
    it->done_arg = c->api;
    it->user = hd_http_defer(c->req);
    ing_batch_submit(c->api->batch, it);
}

ing_banner_t *ing_api_banner(ing_api_t *api) { return api->banner; }

/* Answers a decoder's refusal. */
static void refuse_decoded(ing_call_t *c, const ing_refusal_t *why) {
    refuse(c->api, c->req, why->status, why->field, why->code, why->message, NULL);
}

static void post_decision(ing_call_t *c) {
    const char *id = c->params[0];
    size_t len;
    const char *body = hd_http_req_body(c->req, &len);
    ing_dec_decision_t d;
    ing_refusal_t why;
    if (ing_decode_decision(body, len, &d, &why) < 0) {
        refuse_decoded(c, &why);
        return;
    }
    ing_decision_t in = {
        .content_id = id, .decision = d.decision, .role = d.role, .reason = d.reason};
    ing_result_t res = {0};
    ing_decision_submit(c->db, c->read_db, c->who, &in, &res);
    answer(c->api, c->req, &res, "decision_id", hd_id_valid(id) ? id : NULL);
    ing_dec_decision_clear(&d);
}

/* POST /v1/inbound: the integration is authenticated by the dispatcher;
   the mention is recorded by the group commit (inbound_batch.h) and
   answered once committed. */
static void post_inbound(ing_call_t *c) {
    size_t len;
    const char *body = hd_http_req_body(c->req, &len);
    ing_dec_mention_t m;
    ing_refusal_t why;
    if (ing_decode_mention(body, len, &m, &why) < 0) {
        refuse_decoded(c, &why);
        return;
    }
    if (!ing_auth_listed(c->who->channels, m.channel)) {
        ing_api_refuse(c, 403, "channel", code_of(403),
                       "integration '%s' may post mentions only for channels %s",
                       c->who->integration, c->who->channels);
        ing_dec_mention_clear(&m);
        return;
    }
    ing_item_t *it = ing_item_new(NULL);
    it->mention = m; /* its strings are the item's now */
    it->who = *c->who;
    ing_api_submit(c, it, "/v1/inbound");
}

static void get_item(ing_call_t *c) {
    const char *id = c->params[0];
    if (!hd_id_valid(id)) {
        ing_api_refuse(c, 404, "id", "not_found", "'%s' is not a content id", id);
        return;
    }
    int status;
    char why[256];
    json_t *item = ing_read_item(c->read_db, c->who, id, &status, why, sizeof why);
    if (item) {
        ing_banner_attach(c->api->banner, c->db, item);
        hd_http_respond_json(c->req, 200, item);
    } else
        ing_api_refuse(c, status, status == 404 ? "id" : NULL, code_of(status), "%s", why);
}

int ing_api_limit(ing_call_t *c, int def, int max, int *limit) {
    char buf[PARAM_MAX + 1]; /* what the dispatcher lets through fits: none is cut to absent */
    const char *l = hd_http_req_param(c->req, "limit", buf, sizeof buf);
    long v = def;
    if (l) {
        size_t n = strspn(l, "0123456789");
        v = n && !l[n] && n <= 9 ? strtol(l, NULL, 10) : -1;
    }
    if (v < 1 || v > max) {
        ing_api_refuse(c, 422, "limit", "invalid", "limit must be an integer from 1 to %d", max);
        return -1;
    }
    *limit = (int)v;
    return 0;
}

static void get_queue(ing_call_t *c) {
    int status, limit;
    if (ing_api_limit(c, 100, 1000, &limit) < 0)
        return;
    json_t *q = ing_read_queue(c->read_db, c->who, limit, &status);
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(q, "items"), i, entry)
        ing_banner_attach(c->api->banner, c->db, entry);
    if (q)
        hd_http_respond_json(c->req, 200, q);
    else
        hd_http_respond_error(c->req, status, code_of(status), NULL, "database unavailable, retry");
}

static void me(ing_call_t *c) {
    const ing_person_t *who = c->who;
    json_t *roles = json_array(), *scopes = json_array();
    for (int i = 0; i < who->nroles; i++)
        json_array_append_new(roles, json_string(who->roles[i]));
    for (unsigned b = 1; b <= ING_SCOPE_INBOUND; b <<= 1)
        if (who->scopes & b)
            json_array_append_new(scopes, json_string(ing_scope_name((ing_scope_t)b)));
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o}", "id", who->id, "email", who->email,
                          "department", who->department, "roles", roles, "token_id", who->token_id,
                          "scopes", scopes);
    if (who->integration[0])
        json_object_set_new(o, "integration", json_string(who->integration));
    hd_http_respond_json(c->req, 200, o);
}

static void healthz(ing_call_t *c) {
    int ok = hd_db_ensure(c->db) == 0;
    hd_http_respond_json(
        c->req, ok ? 200 : 503,
        json_pack("{s:s, s:s}", "status", ok ? "ok" : "database unavailable", "service", "ingest"));
}

/* POST /v1/content is answered by the group commit, which authenticates
   the whole batch itself: the route is public to the dispatcher. */
static void post_content_route(ing_call_t *c) { post_content(c->api, c->req); }

const ing_route_t ing_core_routes[] = {
    {"GET", "/healthz", ING_SCOPE_NONE, healthz, "liveness, with the database reachable"},
    {"POST", "/v1/content", ING_SCOPE_NONE, post_content_route,
     "submit content (token scope submit, checked by the group commit)"},
    {"GET", "/v1/content/{id}", ING_SCOPE_READ, get_item, "an item, its findings and history"},
    {"POST", "/v1/content/{id}/decisions", ING_SCOPE_DECIDE, post_decision, "approve or reject"},
    {"POST", "/v1/inbound", ING_SCOPE_INBOUND, post_inbound,
     "a mention seen on a channel (integration tokens)"},
    {"GET", "/v1/queue", ING_SCOPE_READ, get_queue, "items awaiting the caller's decision"},
    {"GET", "/v1/me", ING_SCOPE_NONE, me, "who the token belongs to"},
    {NULL, NULL, 0, NULL, NULL}};

const ing_route_t *const ing_api_tables[] = {ing_core_routes,
                                             ing_token_routes,
                                             ing_admin_routes,
                                             ing_config_routes,
                                             ing_policy_routes,
                                             ing_metrics_routes,
                                             ing_deadletter_routes,
                                             ing_playbook_routes,
                                             ing_crisis_routes,
                                             ing_webhook_routes,
                                             ing_feed_routes,
                                             ing_inbox_routes,
                                             NULL};

/* Authenticates c's caller into *who and checks the route's scope. 0, or
   -1 when refused (answered). ING_SCOPE_NONE on an authenticated route
   (/v1/me) means any live token. */
static int admit(ing_call_t *c, const ing_route_t *r, ing_person_t *who) {
    const char *tok = ing_auth_bearer(hd_http_req_header(c->req, "Authorization"));
    int rc = tok ? ing_auth_token(c->db, tok, who) : 0;
    if (rc < 0) {
        ing_api_refuse(c, 503, NULL, "unavailable", "database unavailable, retry");
        return -1;
    }
    if (rc == 0) {
        hd_http_respond_header(c->req, "WWW-Authenticate",
                               tok ? "Bearer realm=\"huddle\", error=\"invalid_token\""
                                   : "Bearer realm=\"huddle\"");
        ing_api_refuse(c, 401, "Authorization", "unauthenticated", "%s",
                       tok ? "unknown, expired or revoked API token"
                           : "missing 'Authorization: Bearer TOKEN'");
        return -1;
    }
    c->who = who;
    if (r->scope != ING_SCOPE_NONE && !(who->scopes & r->scope)) {
        if (r->scope == ING_SCOPE_INBOUND)
            ing_api_refuse(c, 403, "Authorization", "forbidden",
                           "only an integration token may post mentions (huddle admin "
                           "integration create)");
        else
            ing_api_refuse(c, 403, "Authorization", "forbidden",
                           "this token lacks the scope '%s'%s", ing_scope_name(r->scope),
                           who->integration[0] ? " (an integration token may only post mentions)"
                                               : "");
        return -1;
    }
    return 0;
}

/* 1 when the client's address is over its rate limit (answered 429). The
   address is the peer without its port. */
static int address_limited(ing_call_t *c) {
    char key[ING_RATELIMIT_KEY];
    snprintf(key, sizeof key, "%s", hd_http_req_peer(c->req));
    char *colon = strrchr(key, ':');
    if (colon)
        *colon = 0;
    int wait = ing_ratelimit_take(c->api->by_address, key, ing_ratelimit_clock_ms());
    if (wait)
        refuse_limited(c->api, c->req, "address", wait);
    return wait != 0;
}

/* 1 when the caller's token is over its rate limit (answered 429). */
static int token_limited(ing_call_t *c) {
    int wait = ing_ratelimit_take(c->api->by_token, c->who->token_id, ing_ratelimit_clock_ms());
    if (wait)
        refuse_limited(c->api, c->req, "token", wait);
    return wait != 0;
}

/* 1 when a query parameter's value is longer than any handler reads
   (answered 422 naming it): a handler reads a value that does not fit its
   buffer as absent, which would silently drop a filter. */
static int param_too_long(ing_call_t *c) {
    const char *q = hd_http_req_query(c->req);
    char name[64], buf[PARAM_MAX + 1];
    while (*q) {
        size_t n = strcspn(q, "=&");
        if (n < sizeof name && !memchr(q, '%', n)) {
            memcpy(name, q, n);
            name[n] = 0;
            if (q[n] == '=' && !hd_http_req_param(c->req, name, buf, sizeof buf)) {
                ing_api_refuse(c, 422, name, "invalid",
                               "query parameter %s is longer than %d bytes", name, PARAM_MAX);
                return 1;
            }
        }
        q += strcspn(q, "&");
        q += *q == '&';
    }
    return 0;
}

/* 1 when a request with a body does not say it is JSON (answered 415). */
static int not_json(ing_call_t *c) {
    size_t len;
    hd_http_req_body(c->req, &len);
    const char *ct = hd_http_req_header(c->req, "Content-Type");
    if (len == 0 || ing_content_type_json(ct))
        return 0;
    ing_api_refuse(c, 415, "Content-Type", "unsupported_media_type",
                   "a body must be sent as Content-Type: application/json (charset utf-8 if "
                   "any)");
    return 1;
}

static void dispatch(hd_http_req_t *req, void *arg, const ing_route_t **route) {
    ing_call_t c = {.api = arg, .req = req, .db = worker_db(), .read_db = worker_read_db()};
    const ing_route_t *r = NULL;
    if (address_limited(&c))
        return;
    const char *bad = hd_http_req_text_bad(req);
    if (bad) { /* one caller's bytes never reach SQL, where they would fail as a 503 */
        ing_api_refuse(&c, 400, bad, "bad_request", "the %s is not UTF-8 text (or too long)", bad);
        return;
    }
    char allow[64];
    ing_route_result_t m = ing_route_match(ing_api_tables, hd_http_req_method(req),
                                           hd_http_req_path(req), &r, &c, allow, sizeof allow);
    if (m == ING_ROUTE_NO_PATH) {
        ing_api_refuse(&c, 404, NULL, "not_found", "no such route: %s", hd_http_req_path(req));
        return;
    }
    *route = r;
    if (m == ING_ROUTE_NO_METHOD) {
        hd_http_respond_header(req, "Allow", allow);
        ing_api_refuse(&c, 405, NULL, "method_not_allowed", "%s is not served here; allowed: %s",
                       hd_http_req_method(req), allow);
        return;
    }
    if ((!ing_playbook_takes_yaml(r) && not_json(&c)) || param_too_long(&c))
        return; /* a playbook may come as YAML: its routes check the Content-Type */
    if (r->fn == healthz || r->fn == post_content_route || r->fn == ing_metrics_serve) {
        r->fn(&c); /* the group commit limits POST /v1/content's token itself */
        return;
    }
    if (hd_db_ensure(c.db) < 0 || hd_db_ensure(c.read_db) < 0) {
        ing_api_refuse(&c, 503, NULL, "unavailable", "database unavailable, retry");
        return;
    }
    ing_person_t who;
    if (admit(&c, r, &who) == 0 && !token_limited(&c))
        r->fn(&c);
}

void ing_api_handle(hd_http_req_t *req, void *arg) {
    const ing_route_t *r = NULL;
    dispatch(req, arg, &r);
    int status = hd_http_req_status(req); /* -1: deferred, counted when answered */
    if (status > 0)
        ing_metrics_request(r ? r->pattern : NULL, hd_http_req_method(req), status);
}

void ing_api_reject(const char *peer, int status, const char *reason, const char *raw,
                    size_t raw_len, void *arg) {
    (void)arg; /* runs on an HTTP worker: its connection keeps the dead letter */
    char what[300];
    snprintf(what, sizeof what, "%d %s", status, reason);
    hd_db_t *db = worker_db();
    if (hd_db_ensure(db) == 0)
        hd_deadletter_put(db, "ingest.http", peer, what, "request", raw, raw_len, NULL);
}

void ing_api_worker_free(void *state, void *url) {
    (void)url;
    worker_t *w = state;
    if (!w)
        return;
    hd_db_destroy(&w->db);
    hd_db_destroy(&w->read_db);
    free(w);
}

void *ing_api_worker_new(int index, void *url) {
    (void)index;
    worker_t *w = hd_calloc(1, sizeof *w);
    w->db = hd_db_connect(url, 30000);
    w->read_db = hd_db_connect_as(url, "read", 30000, ING_READ_SIDE_OPTIONS);
    if (w->db && w->read_db)
        return w;
    ing_api_worker_free(w, url);
    return NULL;
}
