/*  hd_http_client: the small blocking HTTP client of hd_http_client.h (libcurl),
    for the CLI, tools and tests. */
#include "hd_http_client.h"

#include "hd_mem.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *data;
    size_t len, cap;
} sink_t;

static size_t on_data(char *p, size_t size, size_t n, void *arg) {
    sink_t *k = arg;
    size_t len = size * n;
    k->data = hd_grow(k->data, &k->cap, k->len + len + 1, 1);
    memcpy(k->data + k->len, p, len);
    k->len += len;
    k->data[k->len] = '\0';
    return len;
}

static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static char s_ca_file[4096]; /* "": the system's store */

void hd_http_client_set_ca_file(const char *path) {
    snprintf(s_ca_file, sizeof s_ca_file, "%s", path ? path : "");
}

static int is_loopback(const char *url) {
    return strncmp(url, "https://127.0.0.1:", 18) == 0 || strncmp(url, "https://[::1]:", 14) == 0;
}

static CURL *prepare(const char *method, const char *url, struct curl_slist *hdr, const char *body,
                     size_t body_len, int timeout_ms, int flags, sink_t *sink) {
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 10000));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    if (s_ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, s_ca_file);
    if ((flags & HD_HTTP_CLIENT_LOOPBACK_TLS) && is_loopback(url)) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L); /* our own listener */
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    return h;
}

/* One request; the answer's status, or -1 with the reason in err. */
static int perform(const char *method, const char *url, const char *const *headers,
                   const char *body, size_t body_len, int timeout_ms, int flags, char **body_out,
                   char *err, size_t err_len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    if (body_out)
        *body_out = NULL;
    if (!url || !method)
        return -1;
    struct curl_slist *hdr = curl_slist_append(NULL, "Expect:"); /* no 100-continue round */
    for (size_t i = 0; headers && headers[i]; i++)
        hdr = curl_slist_append(hdr, headers[i]);
    sink_t sink = {0};
    CURL *h = prepare(method, url, hdr, body, body_len, timeout_ms, flags, &sink);
    CURLcode rc = h ? curl_easy_perform(h) : CURLE_FAILED_INIT;
    long status = -1;
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else if (err)
        snprintf(err, err_len, "%s", curl_easy_strerror(rc));
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    if (rc != CURLE_OK || !body_out)
        free(sink.data);
    else
        *body_out = sink.data ? sink.data : hd_calloc(1, 1);
    return (int)status;
}

int hd_http_request(const char *method, const char *url, const char *const *headers,
                    const char *body, int timeout_ms, char **body_out, char *err, size_t err_len) {
    return perform(method, url, headers, body, body ? strlen(body) : 0, timeout_ms, 0, body_out,
                   err, err_len);
}

int hd_http_request_n(const char *method, const char *url, const char *const *headers,
                      const char *body, size_t body_len, int timeout_ms, int flags,
                      char **body_out) {
    char err[256] = "";
    int status =
        perform(method, url, headers, body, body_len, timeout_ms, flags, body_out, err, sizeof err);
    if (status < 0 && body_out)
        *body_out = hd_strdup(err[0] ? err : "no answer");
    return status;
}

int hd_http_get(const char *url, char **body_out, int timeout_ms) {
    return hd_http_request("GET", url, NULL, NULL, timeout_ms, body_out, NULL, 0);
}
