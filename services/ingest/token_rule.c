/*  token_rule: the checks of a token request (see token_rule.h). */
#include "token_rule.h"

#include "rfc3339.h"
#include "route.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DAY 86400

static int fail(ing_token_err_t *err, int status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(ing_token_err_t *err, int status, const char *field, const char *fmt, ...) {
    err->status = status;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

int ing_rfc3339_parse(const char *s, int64_t *out) {
    long long ms;
    if (!s || ing_rfc3339_ms(s, &ms) < 0)
        return -1;
    *out = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); /* whole seconds, floored */
    return 0;
}

int ing_token_slug(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

int ing_token_expiry(json_t *body, int64_t now, int default_days, int64_t *at,
                     ing_token_err_t *err) {
    json_t *a = json_object_get(body, "expires_at"), *d = json_object_get(body, "expires_in_days");
    if (a && d)
        return fail(err, 422, "expires_in_days", "give expires_at or expires_in_days, not both");
    int64_t limit = now + (int64_t)ING_TOKEN_MAX_DAYS * DAY;
    if (d) {
        json_int_t n = json_is_integer(d) ? json_integer_value(d) : 0;
        if (n < 1 || n > ING_TOKEN_MAX_DAYS)
            return fail(err, 422, "expires_in_days",
                        "expires_in_days must be an integer from 1 to %d", ING_TOKEN_MAX_DAYS);
        *at = now + (int64_t)n * DAY;
        return 0;
    }
    if (a && json_is_null(a)) {
        *at = 0;
        return 0;
    }
    if (a) {
        int64_t t;
        if (!json_is_string(a) || ing_rfc3339_parse(json_string_value(a), &t) < 0)
            return fail(err, 422, "expires_at",
                        "expires_at must be an RFC 3339 date-time (2026-12-31T23:59:59Z) or null");
        if (t <= now)
            return fail(err, 422, "expires_at", "expires_at must be in the future");
        if (t > limit)
            return fail(err, 422, "expires_at", "expires_at must be at most %d days ahead",
                        ING_TOKEN_MAX_DAYS);
        *at = t;
        return 0;
    }
    *at = default_days ? now + (int64_t)default_days * DAY : 0;
    return 0;
}

/* The first member of body not in allowed (NULL-terminated), or NULL. */
static const char *unknown_member(json_t *body, const char *const *allowed) {
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        int ok = 0;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = !strcmp(k, allowed[i]);
        if (!ok)
            return k;
    }
    return NULL;
}

/* The scopes of a person's token named in the array v. */
static int parse_scopes(json_t *v, unsigned *bits, ing_token_err_t *err) {
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(err, 422, "scopes",
                    "scopes must be a non-empty array of: read, submit, decide, admin");
    *bits = 0;
    size_t i;
    json_t *s;
    json_array_foreach(v, i, s) {
        const char *name = json_string_value(s);
        unsigned b = name ? ing_scope_parse(name) : 0;
        if (b == ING_SCOPE_INBOUND)
            return fail(err, 422, "scopes",
                        "'inbound' is for integration tokens (POST /v1/admin/integrations)");
        if (!b)
            return fail(err, 422, "scopes",
                        "unknown scope '%.40s': use read, submit, decide, admin",
                        name ? name : "(not a string)");
        *bits |= b;
    }
    return 0;
}

int ing_token_request(json_t *body, unsigned caller_scopes, int64_t now, ing_token_req_t *out,
                      ing_token_err_t *err) {
    static const char *const allowed[] = {"name", "scopes", "expires_at", "expires_in_days", NULL};
    memset(out, 0, sizeof *out);
    const char *bad = unknown_member(body, allowed);
    if (bad)
        return fail(err, 422, "body", "unknown field '%.40s'", bad);
    const char *name = json_string_value(json_object_get(body, "name"));
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > ING_TOKEN_NAME_MAX)
        return fail(err, 422, "name", "name is required, 1 to %d bytes", ING_TOKEN_NAME_MAX);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return fail(err, 422, "name", "name must not hold control characters");
    snprintf(out->name, sizeof out->name, "%s", name);
    unsigned held =
        caller_scopes & (ING_SCOPE_READ | ING_SCOPE_SUBMIT | ING_SCOPE_DECIDE | ING_SCOPE_ADMIN);
    json_t *sc = json_object_get(body, "scopes");
    if (!sc)
        out->scopes = held;
    else if (parse_scopes(sc, &out->scopes, err) < 0)
        return -1;
    for (unsigned b = 1; b <= ING_SCOPE_ADMIN; b <<= 1)
        if ((out->scopes & b) && !(held & b))
            return fail(err, 403, "scopes",
                        "this token lacks the scope '%s': a token cannot grant a scope the token "
                        "that makes it lacks",
                        ing_scope_name((ing_scope_t)b));
    return ing_token_expiry(body, now, ING_TOKEN_DEFAULT_DAYS, &out->expires_at, err);
}

/* A list of names (channels, departments): an array of slugs, no repeats. */
static int parse_list(json_t *body, const char *field, json_t **out, ing_token_err_t *err) {
    json_t *v = json_object_get(body, field);
    *out = v;
    if (!v || json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) > ING_TOKEN_LIST_MAX)
        return fail(err, 422, field, "%s must be an array of at most %d names", field,
                    ING_TOKEN_LIST_MAX);
    size_t i, j;
    json_t *s;
    json_array_foreach(v, i, s) {
        const char *name = json_string_value(s);
        if (!name || !*name || strlen(name) > 128)
            return fail(err, 422, field, "%s must hold names (strings of 1 to 128 bytes)", field);
        for (j = 0; j < i; j++)
            if (!strcmp(json_string_value(json_array_get(v, j)), name))
                return fail(err, 422, field, "%s names '%.60s' twice", field, name);
    }
    return 0;
}

int ing_integration_request(json_t *body, int64_t now, ing_integration_req_t *out,
                            ing_token_err_t *err) {
    static const char *const allowed[] = {"name",       "channels",        "departments",
                                          "expires_at", "expires_in_days", NULL};
    memset(out, 0, sizeof *out);
    const char *bad = unknown_member(body, allowed);
    if (bad)
        return fail(err, 422, "body", "unknown field '%.40s'", bad);
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!ing_token_slug(name))
        return fail(err, 422, "name",
                    "name is required: a lowercase slug, ^[a-z][a-z0-9-]{0,62}$ (e.g. "
                    "'listening-feed')");
    snprintf(out->name, sizeof out->name, "%s", name);
    if (parse_list(body, "channels", &out->channels, err) < 0 ||
        parse_list(body, "departments", &out->departments, err) < 0)
        return -1;
    return ing_token_expiry(body, now, 0, &out->expires_at, err);
}
