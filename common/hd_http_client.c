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

static CURL *prepare(const char *method, const char *url, struct curl_slist *hdr, const char *body,
                     int timeout_ms, sink_t *sink) {
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
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (s_ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, s_ca_file);
    return h;
}

int hd_http_request(const char *method, const char *url, const char *const *headers,
                    const char *body, int timeout_ms, char **body_out, char *err, size_t err_len) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
    if (body_out)
        *body_out = NULL;
    if (!url || !method)
        return -1;
    struct curl_slist *hdr = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hdr = curl_slist_append(hdr, headers[i]);
    sink_t sink = {0};
    CURL *h = prepare(method, url, hdr, body, timeout_ms, &sink);
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

int hd_http_get(const char *url, char **body_out, int timeout_ms) {
    return hd_http_request("GET", url, NULL, NULL, timeout_ms, body_out, NULL, 0);
}
