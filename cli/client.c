/*  client: HTTP calls and tokens for the huddle CLI. */
#include "client.h"

#include "hd_http.h"

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
        fprintf(stderr,
                "huddle: cannot read tokens file %s (set HUDDLE_TOKENS_FILE or "
                "HUDDLE_TOKEN)\n",
                path);
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

int cli_request(const char *method, const char *path, const char *token, json_t *body,
                const char *idempotency_key, json_t **answer) {
    const char *base = getenv("HUDDLE_API_URL");
    if (!base || !*base)
        base = "http://127.0.0.1:8080";
    /* https:// is verified against the system's CAs, or only this file's. */
    hd_http_client_set_ca_file(getenv("HUDDLE_API_CA_FILE"));
    char url[2048], auth[700], key[700];
    snprintf(url, sizeof url, "%s%s", base, path);
    const char *hdr[4] = {"Content-Type: application/json", NULL, NULL, NULL};
    int nh = 1;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hdr[nh++] = auth;
    }
    if (idempotency_key) {
        snprintf(key, sizeof key, "Idempotency-Key: %s", idempotency_key);
        hdr[nh++] = key;
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    int status = -1;
    char *out = NULL, err[256] = "";
    /* No answer is not a "no": with an idempotency key a retry is safe. */
    for (int attempt = 0; attempt < (idempotency_key ? 5 : 1) && status < 0; attempt++) {
        if (attempt)
            usleep(200000u << attempt);
        free(out);
        status = hd_http_request(method, url, hdr, text, 15000, &out, err, sizeof err);
        if (status < 0)
            fprintf(stderr, "huddle: %s %s: %s\n", method, url, err);
    }
    free(text);
    *answer = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    return status;
}

void cli_print_error(int status, json_t *answer) {
    json_t *e = json_object_get(answer, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *field = json_string_value(json_object_get(e, "field"));
    fprintf(stderr, "huddle: refused (%d)%s%s%s: %s\n", status, field ? " [" : "",
            field ? field : "", field ? "]" : "", msg ? msg : "no reason given");
}

int cli_call(const char *method, const char *path, const char *as, json_t *body, const char *key,
             json_t **answer) {
    char tok[512];
    *answer = NULL;
    if (cli_token_for(as, tok, sizeof tok) < 0)
        return -1;
    int st = cli_request(method, path, tok, body, key, answer);
    if (st >= 400)
        cli_print_error(st, *answer);
    return st;
}

void cli_query(char *buf, size_t n, const char *name, const char *value) {
    if (!value)
        return;
    size_t used = strlen(buf);
    used += (size_t)snprintf(buf + used, n - used, "%c%s=", strchr(buf, '?') ? '&' : '?', name);
    for (const unsigned char *p = (const unsigned char *)value; *p && used + 4 < n; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            buf[used++] = (char)*p;
        else
            used += (size_t)snprintf(buf + used, n - used, "%%%02X", *p);
    }
    buf[used] = 0;
}

void cli_print_json(json_t *j, int sorted) {
    json_dumpf(j, stdout, JSON_INDENT(2) | (sorted ? JSON_SORT_KEYS : 0));
    fputc('\n', stdout);
}

const char *cli_str(json_t *o, const char *k, const char *none) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : none;
}

const char *cli_joined(json_t *a, const char *sep, const char *none, char *buf, size_t n) {
    size_t i;
    json_t *v;
    buf[0] = 0;
    json_array_foreach(a, i, v)
        snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", i ? sep : "", json_string_value(v));
    return buf[0] ? buf : none;
}
