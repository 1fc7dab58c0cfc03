/*  api: huddle's HTTP JSON API (docs/api.md). Every request is authenticated
    by a bearer token; every refused POST keeps its raw body as a dead letter
    with the reason; every answer is JSON. */
#include "api.h"

#include "batch.h"
#include "deadletters.h"
#include "decision.h"
#include "hd_deadletter.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "inbound.h"
#include "metrics.h"
#include "read_side.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ing_api {
    ing_batch_t *batch;                 /* group commit for POST /v1/content */
    _Atomic(hd_http_server_t *) server; /* where deferred answers are given */
};

ing_api_t *ing_api_new(ing_batch_t *batch) {
    ing_api_t *self = hd_calloc(1, sizeof *self);
    self->batch = batch;
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
        free(*self_p);
        *self_p = NULL;
    }
}

/* Answers a refusal and keeps what was received. */
static void refuse(ing_api_t *api, hd_http_req_t *req, int status, const char *field,
                   const char *code, const char *msg, const char *corr) {
    (void)api;
    if (strcmp(hd_http_req_method(req), "GET") != 0 && strcmp(hd_http_req_method(req), "HEAD")) {
        char what[600];
        snprintf(what, sizeof what, "%d %s %s: %s", status, hd_http_req_method(req),
                 hd_http_req_path(req), msg);
        ing_deadletter_keep(worker_db(), req, what, field, corr); /* the request, whole */
    }
    ing_metrics_refusal(status, code); /* huddle_ingest_refusals_total */
    hd_http_respond_error(req, status, code, field && *field ? field : NULL, "%s", msg);
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
    case 422:
        return "invalid";
    default:
        return status >= 500 ? "unavailable" : "error";
    }
}

static void answer(ing_api_t *api, hd_http_req_t *req, const ing_result_t *res, const char *id_name,
                   const char *corr) {
    if (res->status >= 400) {
        refuse(api, req, res->status, res->field, res->code[0] ? res->code : code_of(res->status),
               res->error, corr);
        return;
    }
    hd_http_respond_json(req, res->status,
                         json_pack("{s:s, s:s}", id_name, res->id, "status",
                                   res->status == 200 ? "duplicate" : "accepted"));
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

/* A string member, or NULL. Sets *bad to the field name if present with
   another type. */
static const char *member(json_t *o, const char *name, const char **bad) {
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        if (!*bad)
            *bad = name;
        return NULL;
    }
    return json_string_value(v);
}

/* HTTP worker: the batch is done with the item; answer its sender. */
static void content_answer(void *arg) {
    ing_item_t *it = arg;
    ing_api_t *api = it->done_arg;
    hd_http_later_t *later = it->user;
    hd_http_req_t *req = hd_http_later_req(later);
    ing_metrics_request("/v1/content", "POST", it->res.status); /* deferred: counted here */
    if (req)
        answer(api, req, &it->res, "id", NULL);
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
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    const char *bad = NULL;
    ing_submission_t in = {0};
    if (j && json_is_object(j)) {
        in.channel = member(j, "channel", &bad);
        in.text = member(j, "text", &bad);
        in.kind = member(j, "kind", &bad);
        in.scheduled_at = member(j, "scheduled_at", &bad);
        in.idempotency_key = hd_http_req_header(req, "Idempotency-Key");
        if (!in.idempotency_key)
            in.idempotency_key = member(j, "idempotency_key", &bad);
    }
    ing_item_t *it = ing_item_new(&in);
    if (!j || !json_is_object(j)) {
        if (!j)
            ing_result_refuse(&it->pre, 400, "body",
                              "body is not valid JSON: %s at line %d "
                              "column %d",
                              err.text, err.line, err.column);
        else
            ing_result_refuse(&it->pre, 400, "body", "body must be a JSON object");
        snprintf(it->pre.code, sizeof it->pre.code, "bad_json");
    } else if (bad)
        ing_result_refuse(&it->pre, 422, bad, "%s must be a string", bad);
    else
        ing_content_validate(&it->in, &it->pre);
    json_decref(j);
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
    if (!atomic_load(&api->server)) {
        refuse(api, req, 503, NULL, "unavailable", "starting up, retry", NULL);
        return;
    }
    ing_item_t *it = read_submission(req);
    ing_item_set(&it->token, tok);
    it->done = content_done;
    it->done_arg = api;
    it->user = hd_http_defer(req);
    ing_batch_submit(api->batch, it);
}

static void post_decision(ing_call_t *c) {
    ing_api_t *api = c->api;
    hd_http_req_t *req = c->req;
    const char *id = c->params[0];
    json_t *j = parse_body(api, req);
    if (!j)
        return;
    const char *bad = NULL;
    ing_decision_t in = {.content_id = id,
                         .decision = member(j, "decision", &bad),
                         .role = member(j, "role", &bad),
                         .reason = member(j, "reason", &bad)};
    ing_result_t res = {0};
    if (bad)
        ing_result_refuse(&res, 422, bad, "%s must be a string", bad);
    else
        ing_decision_submit(c->db, c->read_db, c->who, &in, &res);
    answer(api, req, &res, "decision_id", hd_id_valid(id) ? id : NULL);
    json_decref(j);
}

static void post_inbound(ing_call_t *c) {
    ing_api_t *api = c->api;
    hd_http_req_t *req = c->req;
    json_t *j = parse_body(api, req);
    if (!j)
        return;
    const char *bad = NULL;
    ing_mention_t in = {.channel = member(j, "channel", &bad),
                        .external_id = member(j, "external_id", &bad),
                        .author_handle = member(j, "author", &bad),
                        .text = member(j, "text", &bad),
                        .url = member(j, "url", &bad)};
    ing_result_t res = {0};
    if (bad)
        ing_result_refuse(&res, 422, bad, "%s must be a string", bad);
    else if (in.channel && !ing_auth_listed(c->who->channels, in.channel))
        ing_result_refuse(&res, 403, "channel",
                          "integration '%s' may post mentions only for channels %s",
                          c->who->integration, c->who->channels);
    else
        ing_inbound_receive(c->db, c->who, &in, &res);
    answer(api, req, &res, "id", NULL);
    json_decref(j);
}

static void get_item(ing_call_t *c) {
    const char *id = c->params[0];
    if (!hd_id_valid(id)) {
        hd_http_respond_error(c->req, 404, "not_found", "id", "'%s' is not a content id", id);
        return;
    }
    int status;
    char why[256];
    json_t *item = ing_read_item(c->read_db, c->who, id, &status, why, sizeof why);
    if (item)
        hd_http_respond_json(c->req, 200, item);
    else
        hd_http_respond_error(c->req, status, code_of(status), "id", "%s", why);
}

int ing_api_limit(ing_call_t *c, int def, int max, int *limit) {
    char buf[16];
    const char *l = hd_http_req_param(c->req, "limit", buf, sizeof buf);
    char *end = NULL;
    long v = l ? strtol(l, &end, 10) : def;
    if (l && (!*l || *end || v < 1 || v > max)) {
        ing_api_refuse(c, 422, "limit", "invalid", "limit must be an integer from 1 to %d", max);
        return -1;
    }
    *limit = (int)v;
    return 0;
}

static void get_inbox(ing_call_t *c) {
    int status, limit;
    if (ing_api_limit(c, 50, 1000, &limit) < 0)
        return;
    json_t *box = ing_read_inbox(c->read_db, c->who, limit, &status);
    if (box)
        hd_http_respond_json(c->req, 200, box);
    else
        hd_http_respond_error(c->req, status, code_of(status), NULL, "database unavailable, retry");
}

static void get_queue(ing_call_t *c) {
    int status, limit;
    if (ing_api_limit(c, 100, 1000, &limit) < 0)
        return;
    json_t *q = ing_read_queue(c->read_db, c->who, limit, &status);
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
    {"GET", "/v1/inbox", ING_SCOPE_READ, get_inbox, "the caller's department's mentions"},
    {"GET", "/v1/queue", ING_SCOPE_READ, get_queue, "items awaiting the caller's decision"},
    {"GET", "/v1/me", ING_SCOPE_NONE, me, "who the token belongs to"},
    {NULL, NULL, 0, NULL, NULL}};

const ing_route_t *const ing_api_tables[] = {
    ing_core_routes,   ing_token_routes,   ing_admin_routes,      ing_config_routes,
    ing_policy_routes, ing_metrics_routes, ing_deadletter_routes, NULL};

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

static void dispatch(hd_http_req_t *req, void *arg, const ing_route_t **route) {
    ing_call_t c = {.api = arg, .req = req, .db = worker_db(), .read_db = worker_read_db()};
    const ing_route_t *r = NULL;
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
    if (r->fn == healthz || r->fn == post_content_route || r->fn == ing_metrics_serve) {
        r->fn(&c);
        return;
    }
    if (hd_db_ensure(c.db) < 0 || hd_db_ensure(c.read_db) < 0) {
        ing_api_refuse(&c, 503, NULL, "unavailable", "database unavailable, retry");
        return;
    }
    ing_person_t who;
    if (admit(&c, r, &who) == 0)
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
