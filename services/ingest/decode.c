/*  decode: the API's bodies read and checked in pure functions (see
    decode.h). jansson parses; when it refuses a body, blame() finds the
    member whose value is not text (bytes that are not UTF-8, a lone
    surrogate escape, a NUL, a raw control character), so that such a body
    is a 422 naming that field rather than a 400 about the whole body. */
#include "decode.h"

#include "config_check.h"
#include "hd_id.h"
#include "hd_mem.h"
#include "hd_utf8.h"
#include "rfc3339.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int refuse(ing_refusal_t *why, int status, const char *field, const char *code,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int refuse(ing_refusal_t *why, int status, const char *field, const char *code,
                  const char *fmt, ...) {
    why->status = status;
    hd_utf8_escape(field ? field : "", why->field, sizeof why->field);
    snprintf(why->code, sizeof why->code, "%s", code);
    char msg[sizeof why->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* a message may quote the sender's bytes (jansson's error text does):
       it must stay text, for the answer's JSON and the dead letter */
    hd_utf8_escape(msg, why->message, sizeof why->message);
    return -1;
}

/* ---------- text ---------- */

/* Skips optional whitespace (OWS: spaces and tabs). */
static const char *ows(const char *p) {
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int ing_content_type_json(const char *v) {
    static const char type[] = "application/json";
    if (!v || strncasecmp(ows(v), type, sizeof type - 1) != 0)
        return 0;
    const char *p = ows(ows(v) + sizeof type - 1);
    while (*p == ';') { /* parameters: name=value or name="value" */
        const char *name = ows(p + 1), *eq = strchr(name, '=');
        if (!eq)
            return 0;
        const char *val = eq + 1, *end = strchr(val, ';');
        size_t n = end ? (size_t)(end - val) : strlen(val);
        while (n && (val[n - 1] == ' ' || val[n - 1] == '\t'))
            n--;
        if (n >= 2 && val[0] == '"' && val[n - 1] == '"')
            val++, n -= 2;
        if ((size_t)(eq - name) == 7 && !strncasecmp(name, "charset", 7) &&
            !(n == 5 && !strncasecmp(val, "utf-8", 5)))
            return 0;
        p = end ? end : val + n + strlen(val + n);
    }
    return *p == 0;
}

int ing_channel_valid(const char *s) { return s && ing_check_slug(s) == NULL; }

/* 1 if s holds no control character (C0 or DEL). */
static int no_controls(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* ---------- blame: the member whose string is not text ---------- */

static int hex4(const unsigned char *s, size_t n, unsigned *v) {
    *v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= n)
            return -1;
        unsigned c = s[i];
        unsigned d = c >= '0' && c <= '9'   ? c - '0'
                     : c >= 'a' && c <= 'f' ? c - 'a' + 10
                     : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                            : 16;
        if (d == 16)
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* Scans the JSON string starting at s[i] == '"'; returns the index after
   its closing quote (n if none). *ok becomes 0 if it holds raw bytes that
   are not UTF-8, a raw control character, a \u0000 or a lone surrogate. */
static size_t scan_string(const unsigned char *s, size_t n, size_t i, int *ok) {
    for (i++; i < n;) {
        unsigned c = s[i], v, w;
        if (c == '"')
            return i + 1;
        if (c == '\\' && i + 1 < n && s[i + 1] == 'u' && hex4(s + i + 2, n - i - 2, &v) == 0) {
            i += 6;
            if (v >= 0xd800 && v <= 0xdbff && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u' &&
                hex4(s + i + 2, n - i - 2, &w) == 0 && w >= 0xdc00 && w <= 0xdfff)
                i += 6;
            else if (v == 0 || (v >= 0xd800 && v <= 0xdfff))
                *ok = 0;
        } else if (c == '\\')
            i += 2;
        else if (c < 0x20) {
            *ok = 0;
            i++;
        } else {
            size_t k = hd_utf8_seq(s + i, n - i);
            if (!k)
                *ok = 0;
            i += k ? k : 1;
        }
    }
    return n;
}

/* Copies the raw key s[a..b) into key when it is plain printable ASCII. */
static void plain_key(const unsigned char *s, size_t a, size_t b, char *key, size_t len) {
    key[0] = 0;
    if (b - a >= len)
        return;
    for (size_t i = a; i < b; i++)
        if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\')
            return;
    memcpy(key, s + a, b - a);
    key[b - a] = 0;
}

/* The top-level member of the object in body whose value holds a string
   that is not text: 1 with its name in key; -1 when a member's name itself
   is not text; 0 when every string is text (the body is wrong otherwise). */
static int blame(const char *body, size_t n, char *key, size_t len) {
    const unsigned char *s = (const unsigned char *)body;
    int depth = 0, expect_key = 0;
    char cur[64] = "";
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == '"') {
            int ok = 1;
            size_t end = scan_string(s, n, i, &ok);
            if (depth == 1 && expect_key) {
                if (!ok)
                    return -1;
                plain_key(s, i + 1, end > i + 1 ? end - 1 : i + 1, cur, sizeof cur);
                expect_key = 0;
            } else if (!ok && depth >= 1 && cur[0]) {
                snprintf(key, len, "%s", cur);
                return 1;
            }
            i = end - 1;
        } else if (c == '{' || c == '[') {
            depth++;
            expect_key = depth == 1 && c == '{';
        } else if (c == '}' || c == ']')
            depth--;
        else if (c == ',' && depth == 1)
            expect_key = 1;
    }
    return 0;
}

/* The body as a JSON object, or NULL with the refusal. */
static json_t *object(const char *body, size_t len, ing_refusal_t *why) {
    json_error_t err;
    json_t *j = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES, &err) : NULL;
    if (j && json_is_object(j))
        return j;
    char key[64];
    if (!j && body && blame(body, len, key, sizeof key) == 1)
        refuse(why, 422, key, "invalid",
               "%s is not text: it holds bytes that are not UTF-8, a lone surrogate "
               "(\\uD800-\\uDFFF), a NUL or a raw control character",
               key);
    else if (!j)
        refuse(why, 400, "body", "bad_json", "body is not valid JSON: %s at line %d column %d",
               body ? err.text : "no body", body ? err.line : 0, body ? err.column : 0);
    else
        refuse(why, 400, "body", "bad_json", "body must be a JSON object");
    json_decref(j);
    return NULL;
}

/* ---------- members ---------- */

typedef struct {
    const char *name;
    size_t max;   /* bytes */
    int required; /* absent, null and "" are refused */
    char **out;
} member_t;

/* Refuses the first member of o not named in m[0..n). */
static int unknown_members(json_t *o, const member_t *m, size_t n, ing_refusal_t *why) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (i < n && strcmp(m[i].name, k) != 0)
            i++;
        if (i == n) {
            char name[64];
            snprintf(name, sizeof name, "%s", k);
            return refuse(why, 422, name, "unknown_field", "unknown field '%s'", name);
        }
    }
    return 0;
}

/* Copies the string members m[0..n) of o into their outs (NULL when absent
   or null), checking type, presence and length. On refusal the outs
   copied so far stay set (the caller clears them). */
static int members(json_t *o, const member_t *m, size_t n, ing_refusal_t *why) {
    if (unknown_members(o, m, n, why) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(o, m[i].name);
        if (v && !json_is_null(v) && !json_is_string(v))
            return refuse(why, 422, m[i].name, "invalid", "%s must be a string", m[i].name);
        size_t len = v && json_is_string(v) ? json_string_length(v) : 0;
        if (m[i].required && len == 0)
            return refuse(why, 422, m[i].name, "required", "%s is required and must not be empty",
                          m[i].name);
        if (len > m[i].max)
            return refuse(why, 422, m[i].name, "invalid", "%s is longer than %zu bytes", m[i].name,
                          m[i].max);
        *m[i].out = v && json_is_string(v) ? hd_strdup(json_string_value(v)) : NULL;
    }
    return 0;
}

/* ---------- submissions ---------- */

int ing_decode_key(const char *key, const char *field, ing_refusal_t *why) {
    size_t n = strlen(key);
    if (n == 0 || n > ING_MAX_KEY)
        return refuse(why, 422, field, "invalid", "%s must be 1 to %d bytes", field, ING_MAX_KEY);
    if (!hd_utf8_valid(key, n) || !no_controls(key))
        return refuse(why, 422, field, "invalid",
                      "%s must be UTF-8 text without control characters", field);
    return 0;
}

/* 0 when ms is within the range scheduled times may have at now_ms. */
static int out_of_range(long long ms, long long now_ms, const char *field, ing_refusal_t *why) {
    if (ms >= now_ms - ING_SCHEDULE_PAST_MS && ms <= now_ms + ING_SCHEDULE_AHEAD_MS)
        return 0;
    char from[32], to[32];
    ing_rfc3339_format(now_ms - ING_SCHEDULE_PAST_MS, from, sizeof from);
    ing_rfc3339_format(now_ms + ING_SCHEDULE_AHEAD_MS, to, sizeof to);
    return refuse(why, 422, field, "invalid",
                  "%s must be from 1 day ago to 366 days ahead (%s to %s)", field, from, to);
}

int ing_decode_schedule(long long ms, long long now_ms, const char *field, ing_refusal_t *why) {
    return ms == 0 ? 0 : out_of_range(ms, now_ms, field, why);
}

/* A client's kinds; statement is ingest's own, for a crisis (crisis_api.c). */
static int kind_valid(const char *k, const char *crisis_id) {
    if (crisis_id)
        return !strcmp(k, "statement") && hd_id_valid(crisis_id);
    return !strcmp(k, "post") || !strcmp(k, "reply") || !strcmp(k, "share");
}

/* A required text member: present, not empty, at most max bytes of UTF-8. */
static int text_ok(const char *v, const char *field, size_t max, ing_refusal_t *why) {
    if (!v || !*v)
        return refuse(why, 422, field, "required", "%s is required and must not be empty", field);
    if (strlen(v) > max)
        return refuse(why, 422, field, "invalid", "%s is longer than %zu bytes", field, max);
    if (!hd_utf8_valid(v, strlen(v)))
        return refuse(why, 422, field, "invalid", "%s is not UTF-8 text", field);
    return 0;
}

int ing_email_valid(const char *e) {
    return e && *e && strlen(e) <= ING_MAX_EMAIL && hd_utf8_valid(e, strlen(e));
}

int ing_check_door_submission(const ing_submission_t *in, long long now_ms, ing_refusal_t *why) {
    if (!in->idempotency_key || !*in->idempotency_key)
        return refuse(why, 422, "idempotency_key", "required",
                      "idempotency_key is required on the bus");
    return ing_check_submission(in, now_ms, why);
}

int ing_check_submission(const ing_submission_t *in, long long now_ms, ing_refusal_t *why) {
    if (text_ok(in->channel, "channel", 63, why) < 0 ||
        text_ok(in->text, "text", ING_MAX_TEXT, why) < 0)
        return -1;
    if (!ing_channel_valid(in->channel))
        return refuse(why, 422, "channel", "invalid",
                      "channel must be a channel id (^[a-z0-9][a-z0-9-]{0,62}$)");
    if ((in->kind || in->crisis_id) && !kind_valid(in->kind ? in->kind : "", in->crisis_id))
        return refuse(why, 422, "kind", "invalid", "kind must be post, reply or share");
    if (in->reply_to_mention_id &&
        (!in->kind || strcmp(in->kind, "reply") || !hd_id_valid(in->reply_to_mention_id)))
        return refuse(why, 422, "kind", "invalid", "a reply to a mention is of kind reply");
    if (ing_decode_schedule(in->scheduled_at_ms, now_ms, "scheduled_at", why) < 0)
        return -1;
    if (in->idempotency_key)
        return ing_decode_key(in->idempotency_key,
                              in->key_field ? in->key_field : "idempotency_key", why);
    return 0;
}

/* scheduled_at's text into out->scheduled_at_ms, then every check. */
static int check_submission(ing_submission_t *out, const char *sched, long long now_ms,
                            ing_refusal_t *why) {
    long long t = 0;
    if (sched && ing_rfc3339_ms(sched, &t) < 0)
        return refuse(why, 422, "scheduled_at", "invalid",
                      "scheduled_at must be an RFC 3339 date-time such as "
                      "2026-12-07T10:00:00Z or 2026-12-07T11:00:00.5+01:00");
    if (sched && out_of_range(t, now_ms, "scheduled_at", why) < 0)
        return -1;
    out->scheduled_at_ms = t;
    return ing_check_submission(out, now_ms, why);
}

int ing_decode_submission(const char *body, size_t len, const char *key_header, long long now_ms,
                          ing_submission_t *out, ing_refusal_t *why) {
    memset(out, 0, sizeof *out);
    memset(why, 0, sizeof *why);
    char *channel = NULL, *text = NULL, *kind = NULL, *sched = NULL, *key = NULL;
    const member_t m[] = {{"channel", 63, 1, &channel},
                          {"text", ING_MAX_TEXT, 1, &text},
                          {"kind", 16, 0, &kind},
                          {"scheduled_at", 64, 0, &sched},
                          {"idempotency_key", ING_MAX_KEY, 0, &key}};
    json_t *o = object(body, len, why);
    int rc = o ? members(o, m, sizeof m / sizeof m[0], why) : -1;
    json_decref(o);
    out->channel = channel;
    out->text = text;
    out->kind = kind;
    if (key_header) {
        free(key);
        key = hd_strdup(key_header);
    }
    out->idempotency_key = key;
    out->key_field = key_header ? "Idempotency-Key" : "idempotency_key";
    if (rc == 0)
        rc = check_submission(out, sched, now_ms, why);
    free(sched);
    if (rc < 0)
        ing_submission_clear(out);
    return rc;
}

void ing_submission_clear(ing_submission_t *s) {
    free((char *)s->channel);
    free((char *)s->text);
    free((char *)s->kind);
    free((char *)s->idempotency_key);
    free((char *)s->crisis_id);
    free((char *)s->reply_to_mention_id);
    memset(s, 0, sizeof *s);
}

/* ---------- decisions and mentions ---------- */

int ing_decode_decision(const char *body, size_t len, ing_dec_decision_t *out, ing_refusal_t *why) {
    memset(out, 0, sizeof *out);
    memset(why, 0, sizeof *why);
    const member_t m[] = {{"decision", 16, 1, &out->decision},
                          {"role", ING_MAX_ROLE, 0, &out->role},
                          {"reason", ING_MAX_REASON, 0, &out->reason}};
    json_t *o = object(body, len, why);
    int rc = o ? members(o, m, sizeof m / sizeof m[0], why) : -1;
    json_decref(o);
    if (rc == 0 && strcmp(out->decision, "approve") && strcmp(out->decision, "reject"))
        rc = refuse(why, 422, "decision", "invalid", "decision must be 'approve' or 'reject'");
    else if (rc == 0 && out->role && (!*out->role || !no_controls(out->role)))
        rc = refuse(why, 422, "role", "invalid", "role must be a role name (1 to %d bytes)",
                    ING_MAX_ROLE);
    else if (rc == 0 && !strcmp(out->decision, "reject") && (!out->reason || !*out->reason))
        rc = refuse(why, 422, "reason", "required", "a rejection needs a reason for the author");
    if (rc < 0)
        ing_dec_decision_clear(out);
    return rc;
}

void ing_dec_decision_clear(ing_dec_decision_t *d) {
    free(d->decision);
    free(d->role);
    free(d->reason);
    memset(d, 0, sizeof *d);
}

int ing_check_mention(const ing_dec_mention_t *m, ing_refusal_t *why) {
    if (text_ok(m->channel, "channel", 63, why) < 0 ||
        text_ok(m->external_id, "external_id", ING_MAX_HANDLE, why) < 0 ||
        text_ok(m->author, "author", ING_MAX_HANDLE, why) < 0 ||
        text_ok(m->text, "text", ING_MAX_TEXT, why) < 0 ||
        (m->url && *m->url && text_ok(m->url, "url", ING_MAX_URL, why) < 0))
        return -1;
    if (!ing_channel_valid(m->channel))
        return refuse(why, 422, "channel", "invalid",
                      "channel must be a channel id (^[a-z0-9][a-z0-9-]{0,62}$)");
    return 0;
}

int ing_decode_mention(const char *body, size_t len, ing_dec_mention_t *out, ing_refusal_t *why) {
    memset(out, 0, sizeof *out);
    memset(why, 0, sizeof *why);
    const member_t m[] = {{"channel", 63, 1, &out->channel},
                          {"external_id", ING_MAX_HANDLE, 1, &out->external_id},
                          {"author", ING_MAX_HANDLE, 1, &out->author},
                          {"text", ING_MAX_TEXT, 1, &out->text},
                          {"url", ING_MAX_URL, 0, &out->url}};
    json_t *o = object(body, len, why);
    int rc = o ? members(o, m, sizeof m / sizeof m[0], why) : -1;
    json_decref(o);
    if (rc == 0)
        rc = ing_check_mention(out, why);
    if (rc < 0)
        ing_dec_mention_clear(out);
    return rc;
}

void ing_dec_mention_clear(ing_dec_mention_t *m) {
    free(m->channel);
    free(m->external_id);
    free(m->author);
    free(m->text);
    free(m->url);
    memset(m, 0, sizeof *m);
}
