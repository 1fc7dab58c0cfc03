/*  libFuzzer target: the JSON bodies of ingest's API, through every
    decoder that is a pure function today. The input is a request body; it
    is parsed as the API parses it (api.c: json_loadb with
    JSON_REJECT_DUPLICATES, an object or 400), then given to:
      POST /v1/tokens               ing_token_request (token_rule.h), as a
                                    caller holding every scope and as one
                                    holding read + submit only;
      POST /v1/admin/integrations   ing_integration_request;
      POST /v1/content              scheduled_at through both RFC 3339
                                    readers (the body is fuzz_ingest_decode's);
      the admin configuration       config_check.h on the members the
                                    handlers check with it: id (slug),
                                    base_url (URL), keywords (each keyword),
                                    expires_at / valid_from (RFC 3339).
    Checks: an accepted token request has a name within its bound, scopes
    the caller holds, and an expiry in (now, now + 3650 days] or none; a
    refusal is 403 or 422 naming a field; a refused submission names its
    field. The handlers that answer through the request and the database
    (org_json.c's ing_org_body / _text / _bool, the admin handlers) are
    not pure and not reached here: services/ingest/decode.h makes the
    content, decision and mention bodies pure (fuzz_ingest_decode.c). */
#include "config_check.h"
#include "content.h"
#include "route.h"
#include "token_rule.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1765000000 /* 2025-12-06, Unix seconds */

#define FAIL(...)                     \
    do {                              \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr);          \
        abort();                      \
    } while (0)

static void check_err(const char *what, const ing_token_err_t *e) {
    if ((e->status != 403 && e->status != 422) || !e->field[0] || !e->message[0])
        FAIL("%s: a refusal without status %d, field or message", what, e->status);
}

static void check_expiry(const char *what, int64_t at) {
    if (at != 0 && (at <= NOW || at > NOW + (int64_t)ING_TOKEN_MAX_DAYS * 86400 + 1))
        FAIL("%s: expiry %lld out of range", what, (long long)at);
}

static void tokens(json_t *body) {
    static const unsigned callers[2] = {31, ING_SCOPE_READ | ING_SCOPE_SUBMIT};
    for (int i = 0; i < 2; i++) {
        ing_token_req_t rq;
        ing_token_err_t err;
        memset(&err, 0, sizeof err);
        if (ing_token_request(body, callers[i], NOW, &rq, &err) < 0) {
            check_err("ing_token_request", &err);
            continue;
        }
        if (strlen(rq.name) > ING_TOKEN_NAME_MAX || (rq.scopes & ~callers[i]) || !rq.scopes)
            FAIL("ing_token_request: accepted name or scopes %#x out of bounds", rq.scopes);
        check_expiry("ing_token_request", rq.expires_at);
    }
    ing_integration_req_t ir;
    ing_token_err_t err;
    memset(&err, 0, sizeof err);
    if (ing_integration_request(body, NOW, &ir, &err) < 0)
        check_err("ing_integration_request", &err);
    else {
        if (!ing_token_slug(ir.name))
            FAIL("ing_integration_request: accepted name '%s' is not a slug", ir.name);
        check_expiry("ing_integration_request", ir.expires_at);
    }
}

/* A string member, or NULL; *bad names the first member of another type
   (api.c's member()). */
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

/* POST /v1/content's scheduled_at (its body is fuzz_ingest_decode's):
   the RFC 3339 readers of the token and config checks, which wrap
   rfc3339.h's one parser, agree on it. */
static void submission(json_t *body) {
    const char *bad = NULL;
    const char *when = member(body, "scheduled_at", &bad);
    int64_t t;
    if (when && (ing_rfc3339_parse(when, &t) == 0) != (ing_check_rfc3339(when) == NULL))
        FAIL("RFC 3339: ing_rfc3339_parse and ing_check_rfc3339 disagree on '%s'", when);
}

static void config(json_t *body) {
    const char *bad = NULL, *s;
    if ((s = member(body, "id", &bad)))
        (void)ing_check_slug(s);
    if ((s = member(body, "base_url", &bad)))
        (void)ing_check_url(s);
    static const char *const times[] = {"expires_at", "valid_from", "valid_until"};
    for (size_t i = 0; i < 3; i++)
        if ((s = member(body, times[i], &bad)))
            (void)ing_check_rfc3339(s);
    json_t *k = json_object_get(body, "keywords"), *v;
    size_t i, n = json_is_array(k) ? json_array_size(k) : 0;
    json_array_foreach(k, i, v) {
        if (json_is_string(v))
            (void)ing_check_keyword(json_string_value(v), n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t jerr;
    json_t *body = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!body || !json_is_object(body)) { /* the API's 400 */
        json_decref(body);
        return 0;
    }
    tokens(body);
    submission(body);
    config(body);
    json_decref(body);
    return 0;
}
