/*  admin_webhooks: the webhook endpoints' routes (see admin_webhooks.h).
    Each change is one transaction recording org.webhook.<action>
    (created, updated, rotated, deactivated, tested) with the endpoint
    before and after, never its secret (org.h). */
#include "admin_webhooks.h"

#include "api.h"
#include "hd_secret.h"
#include "org.h"
#include "webhook_check.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an answer and an event show of an endpoint: everything but the
   secret. */
#define ENDPOINT_JSON                                                                      \
    "json_build_object('name', e.name, 'url', e.url, 'description', e.description, "       \
    "'active', e.active, 'version', e.version, 'created_at', e.created_at, 'updated_at', " \
    "e.updated_at)::text"

#define SECRET_BYTES 32
#define SECRET_LEN 64 /* "whsec_" + 44 base64 characters + NUL, rounded up */

static unsigned char s_key[HD_SECRET_KEY_LEN];
static int s_have_key;

void ing_webhooks_set_key(const unsigned char *key) {
    s_have_key = key != NULL;
    if (key)
        memcpy(s_key, key, sizeof s_key);
}

static int authorize(ing_call_t *c) {
    return ing_org_authorize(c, "webhooks", NULL, "webhook endpoint");
}

/* A new secret into out and its sealed form (hex, the caller frees), or
   NULL after answering 503 when no key is configured. */
static char *new_secret(ing_call_t *c, char out[SECRET_LEN]) {
    if (!s_have_key) {
        ing_org_refuse(c, 503, NULL, "unavailable",
                       "no credentials key is configured here (HUDDLE_CREDENTIALS_KEY_FILE): an "
                       "endpoint's secret cannot be stored");
        return NULL;
    }
    unsigned char raw[SECRET_BYTES];
    if (sodium_init() < 0) {
        ing_org_unavailable(c);
        return NULL;
    }
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "whsec_", 6);
    sodium_bin2base64(out + 6, SECRET_LEN - 6, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(raw, sizeof raw);
    return hd_secret_seal(s_key, out, strlen(out));
}

/* The endpoint {name} (FOR UPDATE when lock) into *o: 1 found, 0 none,
   -1 answered 503. */
static int endpoint_of(ing_call_t *c, int lock, json_t **o) {
    const char *p[1] = {c->params[0]};
    return ing_org_one(c,
                       lock ? "SELECT " ENDPOINT_JSON " FROM webhook_endpoint e WHERE e.name = $1 "
                              "FOR UPDATE"
                            : "SELECT " ENDPOINT_JSON " FROM webhook_endpoint e WHERE e.name = $1",
                       1, p, o);
}

/* In the open transaction: the active endpoint {name}, locked, checked
   against the version sent (want 0: none sent). NULL after answering
   (404 none or removed, 409 stale, 503). */
static json_t *active_endpoint(ing_call_t *c, long long want) {
    json_t *o = NULL;
    int have = endpoint_of(c, 1, &o);
    if (have == 0 || (have > 0 && !json_is_true(json_object_get(o, "active"))))
        ing_org_refuse(c, 404, "name", "not_found", "no webhook endpoint '%s'%s", c->params[0],
                       have > 0 ? " (it was removed)" : "");
    if (have > 0 && json_is_true(json_object_get(o, "active")) &&
        (want == 0 || ing_org_fresh(c, o, want, "the webhook endpoint") == 0))
        return o;
    json_decref(o);
    return NULL;
}

/* The answer of a change that made a secret: the endpoint and, this once,
   the secret (which is then wiped here). */
static json_t *with_secret(json_t *after, char secret[SECRET_LEN]) {
    json_t *a = json_deep_copy(after);
    json_object_set_new(a, "secret", json_string(secret));
    sodium_memzero(secret, SECRET_LEN);
    return a;
}

static void webhooks_list(ing_call_t *c) {
    if (authorize(c) == 0)
        ing_org_list(c, "SELECT " ENDPOINT_JSON " FROM webhook_endpoint e ORDER BY e.name", 0,
                     NULL);
}

static void webhook_get(ing_call_t *c) {
    if (authorize(c) < 0)
        return;
    json_t *o = NULL;
    int have = endpoint_of(c, 0, &o);
    if (have == 0)
        ing_api_refuse(c, 404, "name", "not_found", "no webhook endpoint '%s'", c->params[0]);
    else if (have > 0)
        ing_org_respond(c, 200, json_incref(o));
    json_decref(o);
}

/* PUT's body: url (required, checked) and description (optional) into
   p[1], p[2]. -1 after answering 422. */
static int put_fields(ing_call_t *c, json_t *body, const char **p) {
    const char *why;
    if ((why = ing_webhook_check_name(c->params[0]))) {
        ing_api_refuse(c, 422, "name", "invalid", "name %s", why);
        return -1;
    }
    if (ing_org_text(c, body, "url", 1, 1, 100000, &p[1]) ||
        ing_org_text(c, body, "description", 0, 0, ING_WEBHOOK_DESCRIPTION_MAX, &p[2]))
        return -1;
    if ((why = ing_webhook_check_url(p[1]))) {
        ing_api_refuse(c, 422, "url", "invalid", "url %s", why);
        return -1;
    }
    return 0;
}

/* A new endpoint, or a removed one made again: a new secret, 201. */
static void put_create(ing_call_t *c, const char **p, json_t *before) {
    char secret[SECRET_LEN];
    char *sealed = new_secret(c, secret);
    if (!sealed)
        return;
    const char *q[4] = {p[0], p[1], p[2], sealed};
    json_t *after = NULL;
    int got = ing_org_one(
        c,
        "WITH e AS (INSERT INTO webhook_endpoint AS w (name, url, description, secret) "
        "  VALUES ($1, $2, coalesce($3, ''), decode($4, 'hex')) ON CONFLICT (name) DO UPDATE "
        "  SET url = $2, description = coalesce($3, w.description), secret = decode($4, 'hex'), "
        "    active = true, version = w.version + 1, updated_at = now() RETURNING *) "
        "SELECT " ENDPOINT_JSON " FROM e",
        4, q, &after);
    free(sealed);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(c,
                       &(ing_org_change_t){"webhook", p[0], "created", NULL, NULL, before, after},
                       201, with_secret(after, secret));
    sodium_memzero(secret, sizeof secret);
    json_decref(after);
}

/* An active endpoint's url and description changed; its secret kept. */
static void put_update(ing_call_t *c, const char **p, json_t *before, long long want) {
    if (want == 0) {
        ing_org_version_missing(c);
        return;
    }
    if (ing_org_fresh(c, before, want, "the webhook endpoint"))
        return;
    json_t *after = NULL;
    int got = ing_org_one(c,
                          "WITH e AS (UPDATE webhook_endpoint SET url = $2, "
                          "  description = coalesce($3, description), version = version + 1, "
                          "  updated_at = now() WHERE name = $1 RETURNING *) "
                          "SELECT " ENDPOINT_JSON " FROM e",
                          3, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(c,
                       &(ing_org_change_t){"webhook", p[0], "updated", NULL, NULL, before, after},
                       200, json_incref(after));
    json_decref(after);
}

static void webhook_put(ing_call_t *c) {
    static const char *const known[] = {"url", "description", "version", NULL};
    if (authorize(c) < 0)
        return;
    json_t *body = ing_org_body(c, known, 0), *before = NULL;
    const char *p[3] = {c->params[0], NULL, NULL};
    long long want;
    if (!body || put_fields(c, body, p) || (want = ing_org_expected_version(c, body)) < 0 ||
        ing_org_begin(c) < 0)
        goto out;
    int have = endpoint_of(c, 1, &before);
    if (have > 0 && json_is_true(json_object_get(before, "active")))
        put_update(c, p, before, want);
    else if (have >= 0)
        put_create(c, p, before);
out:
    json_decref(before);
    json_decref(body);
}

/* The version a POST or DELETE may carry (If-Match or {"version"}), 0
   when none; -1 answered. */
static long long optional_version(ing_call_t *c) {
    static const char *const known[] = {"version", NULL};
    json_t *body = ing_org_body(c, known, 1);
    long long want = body ? ing_org_expected_version(c, body) : -1;
    json_decref(body);
    return want;
}

static void webhook_rotate(ing_call_t *c) {
    long long want;
    if (authorize(c) < 0 || (want = optional_version(c)) < 0 || ing_org_begin(c) < 0)
        return;
    json_t *before = active_endpoint(c, want), *after = NULL;
    char secret[SECRET_LEN];
    char *sealed = before ? new_secret(c, secret) : NULL;
    if (!sealed)
        goto out;
    const char *p[2] = {c->params[0], sealed};
    int got = ing_org_one(c,
                          "WITH e AS (UPDATE webhook_endpoint SET secret = decode($2, 'hex'), "
                          "  version = version + 1, updated_at = now() WHERE name = $1 "
                          "  RETURNING *) SELECT " ENDPOINT_JSON " FROM e",
                          2, p, &after);
    free(sealed);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(
            c, &(ing_org_change_t){"webhook", c->params[0], "rotated", NULL, NULL, before, after},
            200, with_secret(after, secret));
    sodium_memzero(secret, sizeof secret);
out:
    json_decref(before);
    json_decref(after);
}

static void webhook_delete(ing_call_t *c) {
    long long want;
    if (authorize(c) < 0 || (want = optional_version(c)) < 0 || ing_org_begin(c) < 0)
        return;
    json_t *before = active_endpoint(c, want), *after = NULL;
    if (!before)
        return;
    const char *p[1] = {c->params[0]};
    int got = ing_org_one(c,
                          "WITH e AS (UPDATE webhook_endpoint SET active = false, "
                          "  version = version + 1, updated_at = now() WHERE name = $1 "
                          "  RETURNING *) SELECT " ENDPOINT_JSON " FROM e",
                          1, p, &after);
    if (got == 0)
        ing_org_unavailable(c);
    else if (got > 0)
        ing_org_finish(
            c,
            &(ing_org_change_t){"webhook", c->params[0], "deactivated", NULL, NULL, before, after},
            200, json_incref(after));
    json_decref(before);
    json_decref(after);
}

/* A test notification: the event org.webhook.tested, which the publisher
   turns into a webhook.test notification to this endpoint. */
static void webhook_test(ing_call_t *c) {
    long long want;
    if (authorize(c) < 0 || (want = optional_version(c)) < 0 || ing_org_begin(c) < 0)
        return;
    json_t *o = active_endpoint(c, want);
    if (!o)
        return;
    ing_org_finish(c, &(ing_org_change_t){"webhook", c->params[0], "tested", NULL, NULL, NULL, o},
                   202, json_pack("{s:s, s:b}", "name", c->params[0], "queued", 1));
    json_decref(o);
}

const ing_route_t ing_webhook_routes[] = {
    {"GET", "/v1/admin/webhooks", ING_SCOPE_ADMIN, webhooks_list,
     "webhook endpoints (never their secrets)"},
    {"GET", "/v1/admin/webhooks/{name}", ING_SCOPE_ADMIN, webhook_get, "a webhook endpoint"},
    {"PUT", "/v1/admin/webhooks/{name}", ING_SCOPE_ADMIN, webhook_put,
     "create a webhook endpoint (its secret shown once) or change its url and description"},
    {"DELETE", "/v1/admin/webhooks/{name}", ING_SCOPE_ADMIN, webhook_delete,
     "remove (deactivate) a webhook endpoint"},
    {"POST", "/v1/admin/webhooks/{name}/rotate", ING_SCOPE_ADMIN, webhook_rotate,
     "a new secret for a webhook endpoint (shown once)"},
    {"POST", "/v1/admin/webhooks/{name}/test", ING_SCOPE_ADMIN, webhook_test,
     "send a webhook.test notification to an endpoint"},
    {NULL, NULL, 0, NULL, NULL}};
