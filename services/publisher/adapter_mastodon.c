/*  adapter_mastodon: Mastodon statuses API over libcurl. */
#include "adapter_mastodon.h"

#include "reason.h"

#include "hd_id.h"
#include "hd_mem.h"
#include "hd_signal.h"
#include "retry.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (1u << 20) /* a status is small; more is not a status */

typedef struct {
    char *data;
    size_t len, cap;
    int overflow;
    char retry_after[128];
} answer_t;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg) {
    answer_t *a = arg;
    size_t n = size * nmemb;
    if (a->len + n > MAX_BODY) {
        a->overflow = 1;
        return 0; /* makes curl fail the transfer */
    }
    a->data = hd_grow(a->data, &a->cap, a->len + n + 1, 1);
    memcpy(a->data + a->len, ptr, n);
    a->len += n;
    a->data[a->len] = 0;
    return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg) {
    answer_t *a = arg;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(ptr, name, sizeof name - 1) == 0) {
        size_t vlen = n - (sizeof name - 1);
        if (vlen >= sizeof a->retry_after)
            vlen = sizeof a->retry_after - 1;
        memcpy(a->retry_after, ptr + sizeof name - 1, vlen);
        a->retry_after[vlen] = 0;
        a->retry_after[strcspn(a->retry_after, "\r\n")] = 0;
    }
    return n;
}

/* Abandons the call on shutdown, so a stop never waits out a 10 s timeout. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    return hd_stop ? 1 : 0;
}

/* A header value must not smuggle a second header. */
static int header_safe(const char *s) {
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return s != NULL;
}

static void fail(pub_result_t *res, pub_outcome_t outcome, const char *fmt, const char *a) {
    res->outcome = outcome;
    snprintf(res->error, sizeof res->error, fmt, a);
}

static const char *json_id(json_t *status, char *buf, size_t n) {
    json_t *id = json_object_get(status, "id");
    if (json_is_string(id))
        return json_string_value(id);
    if (json_is_integer(id)) {
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
        return buf;
    }
    return NULL;
}

static int read_status(json_t *status, pub_result_t *res) {
    char num[32];
    const char *id = json_is_object(status) ? json_id(status, num, sizeof num) : NULL;
    const char *url = json_string_value(json_object_get(status, "url"));
    if (!id || !*id || !url) {
        fail(res, PUB_RETRY, "%s", "the status in the answer has no id or url");
        return -1;
    }
    if (strlen(id) >= sizeof res->post_id || strlen(url) >= sizeof res->url) {
        fail(res, PUB_RETRY, "%s", "the status id or url in the answer is too long");
        return -1;
    }
    snprintf(res->post_id, sizeof res->post_id, "%s", id);
    snprintf(res->url, sizeof res->url, "%s", url);
    return 0;
}

int pub_mastodon_parse_status(const char *body, size_t len, pub_result_t *res) {
    json_error_t err;
    json_t *j = body ? json_loadb(body, len, 0, &err) : NULL;
    if (!j) {
        fail(res, PUB_RETRY, "the answer is not JSON: %s", body ? err.text : "empty");
        return -1;
    }
    int rc = read_status(j, res);
    json_decref(j);
    return rc;
}

int pub_mastodon_parse_lookup(const char *body, size_t len, pub_result_t *res) {
    json_error_t err;
    json_t *j = body ? json_loadb(body, len, 0, &err) : NULL;
    if (!j || !json_is_array(j)) {
        json_decref(j);
        fail(res, PUB_RETRY, "%s", "the lookup answer is not a JSON array");
        return -1;
    }
    int rc = json_array_size(j) == 0 ? 1 : read_status(json_array_get(j, 0), res);
    json_decref(j);
    return rc;
}

/* Performs one call; fills res->http_status, res->retry_after_ms and, on a
   transport failure, res->outcome/error. Returns 0 when an HTTP answer came. */
static int perform(CURL *c, const pub_request_t *req, answer_t *ans, pub_result_t *res) {
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms : 2000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, ans);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    res->retry_after_ms = pub_retry_after_ms(ans->retry_after, hd_now_ms());
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
        return 0;
    }
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        fail(res, PUB_ABORTED, "%s", "stopped during the call");
    else if (rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
        fail(res, PUB_FAIL, "bad channel url: %s", curl_easy_strerror(rc));
    else if (ans->overflow)
        fail(res, PUB_RETRY, "%s", "the answer is larger than 1 MiB");
    else
        fail(res, PUB_RETRY, "no answer: %s", curl_easy_strerror(rc));
    return -1;
}

/* Sets the outcome of an HTTP answer that is not a success. */
static void refused(const answer_t *ans, pub_result_t *res) {
    char what[64];
    snprintf(what, sizeof what, "%ld", res->http_status);
    pub_class_t k = pub_retry_classify(res->http_status);
    fail(res, k == PUB_CLASS_TRANSIENT ? PUB_RETRY : PUB_FAIL, "the channel answered HTTP %s",
         what);
    if (ans->data && ans->len) {
        pub_reason_append(res->error, sizeof res->error, ": ", 2, 2);
        pub_reason_append(res->error, sizeof res->error, ans->data, ans->len, 160);
    }
}

/* Common setup of a call: checks and the headers (the idempotency key's
   only when `keyed`). NULL on bad input. */
static struct curl_slist *auth_headers(const pub_request_t *req, int keyed, pub_result_t *res) {
    if (!header_safe(req->token) || (keyed && !header_safe(req->idempotency_key)) ||
        !req->base_url) {
        fail(res, PUB_FAIL, "%s", "the channel token or idempotency key is malformed");
        return NULL;
    }
    char h[1024];
    struct curl_slist *list = NULL;
    snprintf(h, sizeof h, "Authorization: Bearer %s", req->token);
    list = curl_slist_append(list, h);
    if (keyed) {
        snprintf(h, sizeof h, "Idempotency-Key: %s", req->idempotency_key);
        list = curl_slist_append(list, h);
    }
    return list;
}

/* The handle for one call: the caller's kept one, or a fresh one that
   release() cleans up. */
static CURL *acquire(const pub_request_t *req) {
    return req->conn ? pub_conn_easy(req->conn) : curl_easy_init();
}

static void release(const pub_request_t *req, CURL *c) {
    if (!req->conn)
        curl_easy_cleanup(c);
}

static void build_url(char *out, size_t n, const char *base, const char *path) {
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    snprintf(out, n, "%.*s%s", (int)blen, base, path);
}

static void mastodon_post(const pub_request_t *req, pub_result_t *res) {
    memset(res, 0, sizeof *res);
    res->retry_after_ms = -1;
    struct curl_slist *hdrs = auth_headers(req, 1, res);
    if (!hdrs)
        return;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    json_t *j = json_pack("{s:s}", "status", req->text ? req->text : "");
    if (j && req->in_reply_to_id && *req->in_reply_to_id)
        json_object_set_new(j, "in_reply_to_id", json_string(req->in_reply_to_id));
    char *payload = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    CURL *c = acquire(req);
    answer_t ans = {0};
    char url[2048];
    build_url(url, sizeof url, req->base_url, "/api/v1/statuses");
    if (!c || !payload) {
        fail(res, PUB_RETRY, "%s", "cannot prepare the request");
    } else {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
        if (perform(c, req, &ans, res) == 0) {
            if (pub_retry_classify(res->http_status) != PUB_CLASS_OK)
                refused(&ans, res);
            else if (pub_mastodon_parse_status(ans.data, ans.len, res) == 0)
                res->outcome = PUB_DONE;
        }
    }
    if (c)
        release(req, c);
    curl_slist_free_all(hdrs);
    free(payload);
    free(ans.data);
}

static void mastodon_lookup(const pub_request_t *req, pub_result_t *res) {
    memset(res, 0, sizeof *res);
    res->retry_after_ms = -1;
    struct curl_slist *hdrs = auth_headers(req, 1, res);
    if (!hdrs)
        return;
    CURL *c = acquire(req);
    answer_t ans = {0};
    char *key = c ? curl_easy_escape(c, req->idempotency_key, 0) : NULL;
    if (!c || !key) {
        fail(res, PUB_RETRY, "%s", "cannot prepare the request");
    } else {
        char path[512], url[2048];
        snprintf(path, sizeof path, "/api/v1/statuses?idempotency_key=%s", key);
        build_url(url, sizeof url, req->base_url, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        if (perform(c, req, &ans, res) == 0) {
            if (pub_retry_classify(res->http_status) != PUB_CLASS_OK)
                refused(&ans, res);
            else {
                int rc = pub_mastodon_parse_lookup(ans.data, ans.len, res);
                if (rc >= 0)
                    res->outcome = rc == 1 ? PUB_NOT_FOUND : PUB_DONE;
            }
        }
    }
    curl_free(key);
    if (c)
        release(req, c);
    curl_slist_free_all(hdrs);
    free(ans.data);
}

/* What a DELETE's answer means: 2xx and 404 the post is gone. */
static void deleted_or_not(const answer_t *ans, pub_result_t *res) {
    if (res->http_status == 404 || pub_retry_classify(res->http_status) == PUB_CLASS_OK) {
        res->outcome = PUB_DONE;
        snprintf(res->error, sizeof res->error, "%s",
                 res->http_status == 404 ? "already gone (404)" : "");
        return;
    }
    refused(ans, res);
}

static void mastodon_delete(const pub_request_t *req, pub_result_t *res) {
    memset(res, 0, sizeof *res);
    res->retry_after_ms = -1;
    if (!req->post_id || !*req->post_id) {
        fail(res, PUB_FAIL, "%s", "no post id to delete");
        return;
    }
    struct curl_slist *hdrs = auth_headers(req, 0, res);
    if (!hdrs)
        return;
    CURL *c = acquire(req);
    answer_t ans = {0};
    char *id = c ? curl_easy_escape(c, req->post_id, 0) : NULL;
    if (!c || !id) {
        fail(res, PUB_RETRY, "%s", "cannot prepare the request");
    } else {
        char path[512], url[2048];
        snprintf(path, sizeof path, "/api/v1/statuses/%s", id);
        build_url(url, sizeof url, req->base_url, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
        if (perform(c, req, &ans, res) == 0)
            deleted_or_not(&ans, res);
    }
    curl_free(id);
    if (c)
        release(req, c);
    curl_slist_free_all(hdrs);
    free(ans.data);
}

const pub_adapter_t pub_adapter_mastodon = {"mastodon", mastodon_post, mastodon_lookup,
                                            mastodon_delete};
