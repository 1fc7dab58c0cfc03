/*  api: the sandbox's HTTP routes (see api.h). */
#include "api.h"
#include "hang.h"
#include "hd_mem.h"
#include "reads.h"
#include "rss.h"
#include "sink.h"

#include "hd_health.h"
#include "hd_id.h"
#include "hd_log.h"
#include "hd_prom.h"
#include "hd_signal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define SERVICE "huddle-sandbox"
#define MAX_KEY_BYTES 255
#define PARAM_CAP 16384 /* a decoded parameter is never longer than the URL */

typedef struct {
    char *status;
    char *visibility;
    char *in_reply_to_id;
} post_fields_t;

static void fields_free(post_fields_t *f) {
    free(f->status);
    free(f->visibility);
    free(f->in_reply_to_id);
}

static int is_get(const char *method) {
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

void sb_api_error(hd_http_req_t *req, int status, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *m = json_string(msg);
    hd_http_respond_json(req, status,
                         json_pack("{s:o}", "error", m ? m : json_string("(not UTF-8)")));
}

void sb_api_not_found(hd_http_req_t *req) { sb_api_error(req, 404, "Record not found"); }

const char *sb_api_account(sb_api_t *api, hd_http_req_t *req) {
    const char *acct =
        sb_accounts_authorize(api->accounts, hd_http_req_header(req, "Authorization"));
    if (!acct)
        sb_api_error(req, 401, "The access token is invalid");
    return acct;
}

int sb_api_viewer(sb_api_t *api, hd_http_req_t *req, const char **viewer) {
    *viewer = NULL;
    if (!hd_http_req_header(req, "Authorization"))
        return 0;
    *viewer = sb_api_account(api, req);
    return *viewer ? 0 : -1;
}

/* Code points in s, or -1 if it is not valid UTF-8. */
static long utf8_length(const char *s) {
    long n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int extra = *p < 0x80             ? 0
                    : (*p & 0xE0) == 0xC0 ? 1
                    : (*p & 0xF0) == 0xE0 ? 2
                    : (*p & 0xF8) == 0xF0 ? 3
                                          : -1;
        if (extra < 0 || (extra == 1 && *p < 0xC2) || (extra == 3 && *p > 0xF4))
            return -1;
        p++;
        for (int i = 0; i < extra; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return -1;
        n++;
    }
    return n;
}

static int blank(const char *s) {
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

/* ---- request bodies ---- */

static int hexv(int c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes n form-encoded bytes into a new string; NULL if it holds a NUL. */
static char *form_decode(const char *s, size_t n) {
    char *out = hd_malloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; out && i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+')
            c = ' ';
        else if (c == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
            c = hexv(s[i + 1]) * 16 + hexv(s[i + 2]);
            i += 2;
        }
        if (c == 0) {
            free(out);
            return NULL;
        }
        out[o++] = (char)c;
    }
    if (out)
        out[o] = '\0';
    return out;
}

static int parse_form(const char *body, size_t len, post_fields_t *f, const char **why) {
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        char *name = form_decode(p, (size_t)((eq ? eq : stop) - p));
        char *value = eq ? form_decode(eq + 1, (size_t)(stop - eq - 1)) : hd_strdup("");
        char **slot = !name                                 ? NULL
                      : strcmp(name, "status") == 0         ? &f->status
                      : strcmp(name, "visibility") == 0     ? &f->visibility
                      : strcmp(name, "in_reply_to_id") == 0 ? &f->in_reply_to_id
                                                            : NULL;
        if (slot && !value) {
            free(name);
            *why = "form field holds a NUL byte";
            return -1;
        }
        if (slot && !*slot) {
            *slot = value;
            value = NULL;
        }
        free(name);
        free(value);
        p = amp ? amp + 1 : end;
    }
    return 0;
}

/* A JSON field that must be a string (or, for ids, an integer) if present. */
static int json_field(json_t *o, const char *name, int allow_int, char **out) {
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v)) {
        *out = hd_strdup(json_string_value(v));
        return 0;
    }
    if (allow_int && json_is_integer(v)) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = hd_strdup(buf);
        return 0;
    }
    return -1;
}

/* Fills f from the body; answers the error itself and returns -1. */
static int read_fields(hd_http_req_t *req, post_fields_t *f) {
    size_t len;
    const char *body = hd_http_req_body(req, &len);
    const char *ctype = hd_http_req_header(req, "Content-Type");
    int json = ctype ? strncasecmp(ctype, "application/json", 16) == 0
                     : len > 0 && body[strspn(body, " \t\r\n")] == '{';
    if (!json && ctype && strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0) {
        sb_api_error(req, 415,
                     "Content-Type must be application/json or application/x-www-form-urlencoded");
        return -1;
    }
    if (!json) {
        const char *why = NULL;
        if (parse_form(body, len, f, &why) < 0) {
            sb_api_error(req, 400, "%s", why);
            return -1;
        }
        return 0;
    }
    json_error_t err;
    json_t *o = json_loadb(body, len, 0, &err);
    if (!json_is_object(o)) {
        sb_api_error(req, 400, "the body is not a JSON object: %s", o ? "wrong type" : err.text);
        json_decref(o);
        return -1;
    }
    const char *bad = json_field(o, "status", 0, &f->status) < 0           ? "status"
                      : json_field(o, "visibility", 0, &f->visibility) < 0 ? "visibility"
                      : json_field(o, "in_reply_to_id", 1, &f->in_reply_to_id) < 0
                          ? "in_reply_to_id"
                          : NULL;
    json_decref(o);
    if (bad) {
        sb_api_error(req, 422, "%s must be a string", bad);
        return -1;
    }
    return 0;
}

/* ---- POST /api/v1/statuses ---- */

static void post_body(sb_api_t *api, hd_http_req_t *req);

/* The deferred request of a hang being resumed (server thread only), while
   post_body handles it: an answer that must wait for the disk takes it
   over instead of deferring again. */
static hd_http_later_t *s_resumed;

/* A hang is over: the post goes on as if it had just arrived. */
static void resume_post(hd_http_later_t *later, void *arg) {
    sb_api_t *api = arg;
    hd_http_req_t *req = hd_http_later_req(later);
    if (req && hd_stop) {
        sb_api_error(req, 503, "sandbox is stopping");
    } else if (req) {
        s_resumed = later;
        post_body(api, req);
        later = s_resumed; /* NULL when the commit took it */
        s_resumed = NULL;
    }
    hd_http_later_done(&later);
}

/* Applies an injected fault. 1 = answered (or dropped), stop here. */
static int inject_fault(sb_api_t *api, hd_http_req_t *req) {
    sb_fault_t fault = sb_faults_pick(&api->faults);
    if (fault == SB_FAULT_NONE)
        return 0;
    api->faults_injected[fault]++;
    hd_info("fault_injected", "POST from %s: %s", hd_http_req_peer(req), sb_fault_name(fault));
    switch (fault) {
    case SB_FAULT_500:
        sb_api_error(req, 500, "injected server error");
        return 1;
    case SB_FAULT_429:
        sb_api_error(req, 429, "injected rate limit");
        return 1;
    case SB_FAULT_DROP:
        hd_http_respond(req, 0, NULL, NULL, 0);
        return 1;
    case SB_FAULT_HANG:
        return sb_hang_start(req, api->fault_timeout_ms, resume_post, api) == 0;
    default:
        return 0;
    }
}

/* Validates the fields of acct's post; answers 422 (404 for a status to
   reply to that acct cannot see, as Mastodon's set_thread) itself and
   returns -1. */
static int validate(sb_api_t *api, hd_http_req_t *req, const char *acct, post_fields_t *f) {
    static const char *visibilities[] = {"public", "unlisted", "private", "direct"};
    long n = f->status ? utf8_length(f->status) : 0;
    if (n < 0) {
        sb_api_error(req, 422, "status is not valid UTF-8");
        return -1;
    }
    if (!f->status || blank(f->status)) {
        sb_api_error(req, 422, "status must not be empty");
        return -1;
    }
    if (n > api->max_chars) {
        sb_api_error(req, 422, "status has %ld characters, the limit is %ld", n, api->max_chars);
        return -1;
    }
    int ok = !f->visibility;
    for (size_t i = 0; !ok && i < 4; i++)
        ok = strcmp(f->visibility, visibilities[i]) == 0;
    if (!ok) {
        sb_api_error(req, 422, "visibility must be public, unlisted, private or direct");
        return -1;
    }
    if (f->in_reply_to_id && !*f->in_reply_to_id) { /* Rails' present?: none */
        free(f->in_reply_to_id);
        f->in_reply_to_id = NULL;
    }
    const sb_post_t *thread = f->in_reply_to_id ? sb_store_find(api->store, f->in_reply_to_id) : 0;
    if (f->in_reply_to_id && !sb_entity_visible(&api->view, thread, acct)) {
        sb_api_not_found(req);
        return -1;
    }
    return 0;
}

void sb_api_answer_post(hd_http_req_t *req, const sb_post_t *post, void *arg) {
    int deleting = strcmp(hd_http_req_method(req), "DELETE") == 0;
    sb_api_t *api = arg;
    if (deleting && post) /* the status with its source ("text"), as Mastodon */
        hd_http_respond_json(req, 200, sb_entity_status(&api->view, post));
    else if (deleting)
        sb_api_error(req, 500, "the deletion was not stored");
    else if (post && post->state == SB_POST_DELETED)
        sb_api_not_found(req);
    else if (post)
        hd_http_respond_json(req, 200, sb_entity_status(&api->view, post));
    else
        sb_api_error(req, 500, "the post was not stored");
}

/* Answers now if the post is on disk, else once the batch's fsync is done. */
static void answer_when_durable(sb_api_t *api, hd_http_req_t *req, const sb_post_t *post) {
    if (sb_store_durable(api->store, post)) {
        sb_api_answer_post(req, post, api);
        return;
    }
    if (s_resumed) {
        sb_commit_wait_later(api->commit, hd_http_req_server(req), s_resumed, post);
        s_resumed = NULL;
        return;
    }
    if (sb_commit_wait(api->commit, req, post) == 0)
        return;
    /* Not a sync here: a failed one would drop posts others wait for. The
       post is synced with the next batch; a retry with its key finds it. */
    hd_error("defer_failed", "status %s: the answer cannot wait for its fsync", post->id);
    sb_api_error(req, 500, "the answer could not wait for the disk");
}

static void create(sb_api_t *api, hd_http_req_t *req, const char *acct, const char *key,
                   post_fields_t *f) {
    const sb_post_t *p =
        sb_store_append(api->store, acct, f->status, f->visibility, key, f->in_reply_to_id);
    if (!p) {
        sb_api_error(req, 500, "the post was not stored");
        return;
    }
    api->created++;
    hd_info("status_created", "@%s posted status %s (%zu bytes, Idempotency-Key %s)", acct, p->id,
            strlen(f->status), key ? key : "none");
    if (api->crash_after > 0 && api->created == api->crash_after) {
        /* Stored means on disk: sync it (and the batch so far), answer nobody. */
        int rc = sb_store_sync(api->store);
        hd_warn("crash_after_store",
                "SANDBOX_CRASH_AFTER_STORE=%ld reached (sync %s): "
                "exiting",
                api->crash_after, rc == 0 ? "ok" : "failed");
        _exit(137);
    }
    answer_when_durable(api, req, p);
}

static void post_status(sb_api_t *api, hd_http_req_t *req) {
    if (!inject_fault(api, req))
        post_body(api, req);
}

static void post_body(sb_api_t *api, hd_http_req_t *req) {
    const char *acct = sb_api_account(api, req);
    if (!acct)
        return;
    const char *key = hd_http_req_header(req, "Idempotency-Key");
    if (key && (!*key || strlen(key) > MAX_KEY_BYTES || utf8_length(key) < 0)) {
        sb_api_error(req, 422, "Idempotency-Key must be 1-%d bytes of UTF-8", MAX_KEY_BYTES);
        return;
    }
    /* A post still waiting for its fsync is found too: the repeat waits
       for the same fsync and never makes a second post. */
    const sb_post_t *seen = key ? sb_store_find_key(api->store, acct, key) : NULL;
    if (seen && seen->state == SB_POST_DELETED) {
        /* As Mastodon: the key names a status that no longer exists. */
        hd_info("status_replayed", "@%s repeated Idempotency-Key %s of deleted status %s", acct,
                key, seen->id);
        sb_api_not_found(req);
        return;
    }
    if (seen) {
        hd_info("status_replayed", "@%s repeated Idempotency-Key %s: status %s returned", acct, key,
                seen->id);
        answer_when_durable(api, req, seen);
        return;
    }
    post_fields_t f = {0};
    if (read_fields(req, &f) == 0 && validate(api, req, acct, &f) == 0)
        create(api, req, acct, key, &f);
    fields_free(&f);
}

/* ---- reads ---- */

/* Whether the query names `name`, decodable or not. */
static int param_given(const char *query, const char *name) {
    size_t n = strlen(name);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && (p[n] == '=' || p[n] == '&' || p[n] == '\0'))
            return 1;
    return 0;
}

/* The decoded parameter, NULL if absent; answers 400 (and sets *bad) if
   it is present but cannot be decoded. */
static const char *param(hd_http_req_t *req, const char *name, char *buf, int *bad) {
    const char *v = hd_http_req_param(req, name, buf, PARAM_CAP);
    if (!v && param_given(hd_http_req_query(req), name) && !*bad) {
        *bad = 1;
        sb_api_error(req, 400, "%s cannot be decoded", name);
    }
    return v;
}

/* A non-negative number parameter, or -1 when absent; -2 after answering
   400 for a malformed one. */
static long number_param(hd_http_req_t *req, const char *name, const char *v) {
    if (!v)
        return -1;
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0) {
        sb_api_error(req, 400, "%s must be a number >= 0", name);
        return -2;
    }
    return n;
}

/* Newest first, as Mastodon lists them; `max_id` pages back through a long
   history (only posts with a lower id), `limit` caps a page. */
static void list_statuses(sb_api_t *api, hd_http_req_t *req) {
    static char acct_buf[PARAM_CAP], key_buf[PARAM_CAP], limit_buf[PARAM_CAP], max_buf[PARAM_CAP];
    int bad = 0;
    const char *acct = param(req, "account", acct_buf, &bad);
    const char *key = param(req, "idempotency_key", key_buf, &bad);
    const char *limit_s = param(req, "limit", limit_buf, &bad);
    const char *max_s = param(req, "max_id", max_buf, &bad);
    if (bad)
        return;
    long limit = number_param(req, "limit", limit_s), max_id;
    if (limit == -2 || (max_id = number_param(req, "max_id", max_s)) == -2)
        return;
    if (acct && *acct == '@')
        acct++;
    json_t *out = json_array();
    for (size_t i = sb_store_synced(api->store); i-- > 0 && limit != 0;) {
        const sb_post_t *s = sb_store_at(api->store, i);
        const char *k = s->idempotency_key;
        if (s->state == SB_POST_DELETED)
            continue;
        if (max_id >= 0 && strtoll(s->id, NULL, 10) >= max_id)
            continue;
        if (acct && strcmp(acct, s->acct) != 0)
            continue;
        if (key && (!k || strcmp(key, k) != 0))
            continue;
        json_array_append_new(out, sb_entity_status(&api->view, s));
        if (limit > 0)
            limit--;
    }
    hd_http_respond_json(req, 200, out);
}

/* ---- DELETE /api/v1/statuses/{id} ---- */

static void delete_status(sb_api_t *api, hd_http_req_t *req, const char *id) {
    const char *acct = sb_api_account(api, req);
    if (!acct)
        return;
    const sb_post_t *s = sb_store_find(api->store, id);
    if (!sb_store_visible(api->store, s) || strcmp(s->acct, acct) != 0) {
        sb_api_not_found(req);
        return;
    }
    /* A repeat while the first deletion waits for its fsync waits with it. */
    if (s->state == SB_POST_LIVE && sb_store_delete(api->store, s) < 0) {
        sb_api_error(req, 500, "the deletion was not stored");
        return;
    }
    hd_info("status_deleted", "@%s deleted status %s", acct, s->id);
    if (sb_commit_wait(api->commit, req, s) == 0)
        return;
    /* The deletion is synced with the next batch; a repeat answers then. */
    hd_error("defer_failed", "status %s: the answer cannot wait for its fsync", s->id);
    sb_api_error(req, 500, "the answer could not wait for the disk");
}

/* Mastodon's CredentialAccount: the Account and its source. */
static void verify_credentials(sb_api_t *api, hd_http_req_t *req) {
    const char *acct = sb_api_account(api, req);
    if (!acct)
        return;
    json_t *a = sb_entity_account(&api->view, acct);
    json_object_set_new(a, "source",
                        json_pack("{s:s,s:b,s:n,s:s,s:[],s:i}", "privacy", "public", "sensitive", 0,
                                  "language", "note", "", "fields", "follow_requests_count", 0));
    hd_http_respond_json(req, 200, a);
}

static void write_metrics(FILE *out, void *arg) {
    sb_api_t *api = arg;
    hd_prom_gauge(out, "huddle_sandbox_statuses", "Statuses stored (deleted ones included).",
                  (double)sb_store_synced(api->store));
    hd_prom_gauge(out, "huddle_sandbox_deleted_statuses", "Statuses deleted.",
                  (double)sb_store_deleted(api->store));
    hd_prom_counter(out, "huddle_sandbox_fsyncs_total",
                    "fsyncs of new posts since start (one per batch).",
                    (double)sb_store_fsyncs(api->store));
    hd_prom_family(out, "huddle_sandbox_faults_total", "counter",
                   "Faults injected since start, by kind.");
    for (int f = SB_FAULT_500; f <= SB_FAULT_DROP; f++) {
        char labels[64];
        const char *name = "kind", *value = sb_fault_name((sb_fault_t)f);
        if (hd_prom_labels(labels, sizeof labels, &name, &value, 1) == 0)
            hd_prom_sample(out, "huddle_sandbox_faults_total", NULL, labels,
                           (double)api->faults_injected[f]);
    }
}

static void method_not_allowed(hd_http_req_t *req) {
    sb_api_error(req, 405, "%s does not accept %s", hd_http_req_path(req), hd_http_req_method(req));
}

/* ---- the webhook sink: /webhooks/{name} (sink.h) ---- */

static void sink_post(sb_api_t *api, hd_http_req_t *req, const char *name) {
    char now[40];
    hd_now_rfc3339(now, sizeof now);
    sb_sink_msg_t m = {.name = name,
                       .received_at = now,
                       .id = hd_http_req_header(req, "webhook-id"),
                       .timestamp = hd_http_req_header(req, "webhook-timestamp"),
                       .signature = hd_http_req_header(req, "webhook-signature")};
    m.body = hd_http_req_body(req, &m.body_len);
    if (sb_sink_add(api->sink, &m) < 0) {
        hd_http_respond_error(req, 500, "internal", NULL, "the webhook was not kept");
        return;
    }
    hd_info("webhook_received", "/webhooks/%s: %zu bytes from %s", name, m.body_len,
            hd_http_req_peer(req));
    hd_http_respond(req, 204, NULL, NULL, 0);
}

static void sink_route(sb_api_t *api, hd_http_req_t *req, const char *name) {
    const char *method = hd_http_req_method(req);
    if (!sb_sink_name_ok(name))
        hd_http_respond_error(req, 404, "not_found", "name",
                              "a webhook sink's name is ^[a-z][a-z0-9-]{0,62}$");
    else if (strcmp(method, "POST") == 0)
        sink_post(api, req, name);
    else if (is_get(method))
        hd_http_respond_json(req, 200, sb_sink_list(api->sink, name));
    else
        method_not_allowed(req);
}

/* GET only: a read route answers HEAD too, any other method 405. */
static int only_get(hd_http_req_t *req) {
    if (is_get(hd_http_req_method(req)))
        return 1;
    method_not_allowed(req);
    return 0;
}

/* /api/v1/statuses/{id} and /api/v1/statuses/{id}/context */
static void status_route(sb_api_t *api, hd_http_req_t *req, const char *rest) {
    const char *slash = strchr(rest, '/');
    const char *method = hd_http_req_method(req);
    char id[128];
    snprintf(id, sizeof id, "%.*s", (int)(slash ? (size_t)(slash - rest) : strlen(rest)), rest);
    if (slash && strcmp(slash, "/context") == 0) {
        if (only_get(req))
            sb_reads_context(api, req, id);
    } else if (slash) {
        sb_api_error(req, 404, "no route for %.200s", hd_http_req_path(req));
    } else if (is_get(method)) {
        sb_reads_status(api, req, id);
    } else if (strcmp(method, "DELETE") == 0) {
        delete_status(api, req, id);
    } else {
        method_not_allowed(req);
    }
}

/* The part of path between prefix and suffix, when path is prefix, a
   non-empty part without '/', then suffix; else NULL. Static: server
   thread only. */
static const char *between(const char *path, const char *prefix, const char *suffix) {
    static char part[1024];
    size_t p = strlen(prefix), s = strlen(suffix), n = strlen(path);
    if (n <= p + s || strncmp(path, prefix, p) != 0 || strcmp(path + n - s, suffix) != 0 ||
        n - p - s >= sizeof part || memchr(path + p, '/', n - p - s))
        return NULL;
    memcpy(part, path + p, n - p - s);
    part[n - p - s] = '\0';
    return part;
}

void sb_api_handle(hd_http_req_t *req, void *arg) {
    sb_api_t *api = arg;
    const char *path = hd_http_req_path(req);
    const char *method = hd_http_req_method(req);
    static const char statuses[] = "/api/v1/statuses/";
    const char *part;
    if (hd_health_route(req, SERVICE, write_metrics, api))
        return;
    if (!api->view.base_url) { /* until main has set it, on this thread */
        sb_api_error(req, 503, "the sandbox is starting");
        return;
    }
    if (strcmp(path, "/api/v1/statuses") == 0 || strcmp(path, statuses) == 0) {
        if (strcmp(method, "POST") == 0)
            post_status(api, req);
        else if (only_get(req))
            list_statuses(api, req);
    } else if (strncmp(path, statuses, sizeof statuses - 1) == 0) {
        status_route(api, req, path + sizeof statuses - 1);
    } else if (strcmp(path, "/api/v1/notifications") == 0) {
        if (only_get(req))
            sb_reads_notifications(api, req);
    } else if ((part = between(path, "/api/v1/timelines/tag/", ""))) {
        if (only_get(req))
            sb_reads_tag(api, req, part);
    } else if ((part = between(path, "/@", ".rss"))) {
        if (only_get(req))
            sb_rss_account(api, req, part);
    } else if ((part = between(path, "/tags/", ".rss"))) {
        if (only_get(req))
            sb_rss_tag(api, req, part);
    } else if (strcmp(path, "/api/v1/stats") == 0) {
        if (only_get(req))
            hd_http_respond_json(req, 200, sb_store_stats(api->store));
    } else if (strcmp(path, "/api/v1/accounts/verify_credentials") == 0) {
        if (only_get(req))
            verify_credentials(api, req);
    } else if (strncmp(path, "/webhooks/", 10) == 0) {
        sink_route(api, req, path + 10);
    } else {
        sb_api_error(req, 404, "no route for %.200s", path);
    }
}
