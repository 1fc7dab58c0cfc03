/*  client: HTTP calls and tokens for the huddle CLI. */
#include "client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

int cli_token_for(const char *email, char *out, size_t out_len) {
    const char *env = getenv("HUDDLE_TOKEN");
    if (!email && env && *env) {
        snprintf(out, out_len, "%s", env);
        return 0;
    }
    if (!email)
        email = getenv("HUDDLE_AS");
    const char *path = getenv("HUDDLE_TOKENS_FILE");
    if (!path || !*path)
        path = ".huddle/tokens";
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "huddle: cannot read tokens file %s (set HUDDLE_TOKENS_FILE or "
                        "HUDDLE_TOKEN)\n", path);
        return -1;
    }
    char line[1024], who[512], tok[512];
    int found = 0;
    /* The newest line for an email wins: tokens are appended when issued. */
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%511s %511s", who, tok) == 2 && (!email || !strcasecmp(who, email))) {
            snprintf(out, out_len, "%s", tok);
            found = 1;
            if (!email)
                break;
        }
    fclose(f);
    if (!found)
        fprintf(stderr, "huddle: no token for '%s' in %s\n", email ? email : "anyone", path);
    return found ? 0 : -1;
}

typedef struct {
    char *data;
    size_t len;
} buf_t;

static size_t on_data(char *ptr, size_t size, size_t n, void *arg) {
    buf_t *b = arg;
    size_t add = size * n;
    char *grown = realloc(b->data, b->len + add + 1);
    if (!grown)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, add);
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

static long perform(const char *method, const char *url, struct curl_slist *hdr,
                    const char *body, buf_t *out) {
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    long status = -1;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "huddle: %s %s: %s\n", method, url, curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    return status;
}

int cli_request(const char *method, const char *path, const char *token, json_t *body,
                const char *idempotency_key, json_t **answer) {
    const char *base = getenv("HUDDLE_API_URL");
    if (!base || !*base)
        base = "http://127.0.0.1:8080";
    char url[2048], auth[700], key[700];
    snprintf(url, sizeof url, "%s%s", base, path);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdr = curl_slist_append(hdr, auth);
    }
    if (idempotency_key) {
        snprintf(key, sizeof key, "Idempotency-Key: %s", idempotency_key);
        hdr = curl_slist_append(hdr, key);
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    long status = -1;
    buf_t out = {0};
    /* No answer is not a "no": with an idempotency key a retry is safe. */
    for (int attempt = 0; attempt < (idempotency_key ? 5 : 1) && status < 0; attempt++) {
        if (attempt)
            usleep(200000u << attempt);
        free(out.data);
        out = (buf_t){0};
        status = perform(method, url, hdr, text, &out);
    }
    free(text);
    curl_slist_free_all(hdr);
    *answer = out.data ? json_loads(out.data, 0, NULL) : NULL;
    free(out.data);
    return (int)status;
}

void cli_print_error(int status, json_t *answer) {
    json_t *e = json_object_get(answer, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *field = json_string_value(json_object_get(e, "field"));
    fprintf(stderr, "huddle: refused (%d)%s%s%s: %s\n", status, field ? " [" : "",
            field ? field : "", field ? "]" : "", msg ? msg : "no reason given");
}
