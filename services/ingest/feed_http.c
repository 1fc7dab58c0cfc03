/*  feed_http: a feed's GET over libcurl (see feed_http.h). */
#include "feed_http.h"

#include "hd_mem.h"
#include "hd_signal.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    ing_feed_answer_t *a;
    size_t cap;
    int overflow;
} sink_t;

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    sink_t *k = arg;
    size_t len = size * n;
    if (k->a->len + len > ING_FEED_MAX_BODY) {
        k->overflow = 1;
        return 0; /* fails the transfer */
    }
    k->a->body = hd_grow(k->a->body, &k->cap, k->a->len + len + 1, 1);
    memcpy(k->a->body + k->a->len, p, len);
    k->a->len += len;
    k->a->body[k->a->len] = 0;
    return len;
}

/* Copies header `name`'s value when line is it (trimmed); a value too long
   for out is dropped rather than cut (a cut validator would never match). */
static void take_header(const char *line, size_t n, const char *name, char *out, size_t len) {
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    if ((size_t)(end - v) < len)
        snprintf(out, len, "%.*s", (int)(end - v), v);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
    sink_t *k = arg;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a redirect's next answer: its own */
        k->a->etag[0] = 0;
        k->a->last_modified[0] = 0;
    }
    take_header(p, len, "ETag", k->a->etag, sizeof k->a->etag);
    take_header(p, len, "Last-Modified", k->a->last_modified, sizeof k->a->last_modified);
    return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    return hd_stop ? 1 : 0;
}

/* A header value must not smuggle a second header. */
static int header_safe(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* Adds "name: value" when value is set and safe. */
static struct curl_slist *add(struct curl_slist *l, const char *name, const char *value) {
    if (!value || !*value || !header_safe(value))
        return l;
    char h[1200];
    snprintf(h, sizeof h, "%s: %s", name, value);
    return curl_slist_append(l, h);
}

static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static void setup(CURL *c, const char *url, struct curl_slist *hdr, int timeout_ms, sink_t *k) {
    long t = timeout_ms > 0 ? timeout_ms : 10000;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t < 3000 ? t : 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, k);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* gzip, deflate...: what curl has */
    curl_easy_setopt(c, CURLOPT_USERAGENT, "huddle-feeds/1");
}

int ing_feed_http_get(const char *url, const char *token, const char *etag,
                      const char *last_modified, const char *accept, int timeout_ms,
                      ing_feed_answer_t *out) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    memset(out, 0, sizeof *out);
    out->status = -1;
    char auth[1100] = "";
    if (token && *token)
        snprintf(auth, sizeof auth, "Bearer %s", token);
    struct curl_slist *hdr = add(NULL, "Accept", accept);
    hdr = add(hdr, "Authorization", auth);
    hdr = add(hdr, "If-None-Match", etag);
    hdr = add(hdr, "If-Modified-Since", last_modified);
    sink_t k = {.a = out};
    CURL *c = curl_easy_init();
    CURLcode rc = CURLE_FAILED_INIT;
    if (c) {
        setup(c, url, hdr, timeout_ms, &k);
        rc = curl_easy_perform(c);
    }
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else if (k.overflow)
        snprintf(out->error, sizeof out->error, "the answer is larger than %d bytes",
                 ING_FEED_MAX_BODY);
    else
        snprintf(out->error, sizeof out->error, "no answer: %s", curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    curl_slist_free_all(hdr);
    out->status = (int)status;
    if (status < 0)
        ing_feed_answer_clear(out);
    else if (!out->body)
        out->body = hd_calloc(1, 1);
    return out->status;
}

void ing_feed_answer_clear(ing_feed_answer_t *a) {
    free(a->body);
    a->body = NULL;
    a->len = 0;
}
