/*  hd_deadletter_http: the stored HTTP request of a dead letter: reading
    it back, redacting its credentials, writing it. Pure. */
#include "hd_deadletter_http.h"

#include "hd_mem.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const SECRET_HEADERS[] = {"Authorization", "Proxy-Authorization", "Cookie",
                                             NULL};

/* The next line of [p, end): its length without the line end into *n;
   returns where the following line starts (end when none). */
static const char *next_line(const char *p, const char *end, size_t *n) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    *n = (size_t)(stop - p);
    if (*n && p[*n - 1] == '\r')
        (*n)--;
    return nl ? nl + 1 : end;
}

static int is_token_char(unsigned char c) {
    return c > 32 && c < 127 && !strchr("()<>@,;:\\\"/[]?={}", c);
}

/* "METHOD SP target SP HTTP/d.d": 0 and the spans, or -1. */
static int request_line(const char *p, size_t n, hd_dl_request_t *out) {
    size_t i = 0;
    while (i < n && i < 32 && isupper((unsigned char)p[i]))
        i++;
    if (i == 0 || i >= n || p[i] != ' ')
        return -1;
    out->method = (hd_dl_span_t){p, i};
    size_t t = ++i;
    while (i < n && (unsigned char)p[i] > 32 && p[i] != 127)
        i++;
    if (i == t || i >= n || p[i] != ' ')
        return -1;
    out->target = (hd_dl_span_t){p + t, i - t};
    const char *v = p + i + 1;
    size_t vn = n - i - 1;
    if (vn != 8 || memcmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) || v[6] != '.' ||
        !isdigit((unsigned char)v[7]))
        return -1;
    out->version = (hd_dl_span_t){v, vn};
    return 0;
}

/* "Name: value" (optional whitespace around the value): 0 and the spans. */
static int header_line(const char *p, size_t n, hd_dl_span_t *name, hd_dl_span_t *value) {
    size_t i = 0;
    while (i < n && is_token_char((unsigned char)p[i]))
        i++;
    if (i == 0 || i >= n || p[i] != ':')
        return -1;
    *name = (hd_dl_span_t){p, i};
    size_t v = i + 1, e = n;
    while (v < e && (p[v] == ' ' || p[v] == '\t'))
        v++;
    while (e > v && (p[e - 1] == ' ' || p[e - 1] == '\t'))
        e--;
    *value = (hd_dl_span_t){p + v, e - v};
    return 0;
}

int hd_deadletter_http_parse(const char *raw, size_t len, hd_dl_request_t *out) {
    memset(out, 0, sizeof *out);
    if (!raw)
        return -1;
    const char *end = raw + len, *p = raw;
    size_t n;
    const char *next = next_line(p, end, &n);
    if (next == end && !memchr(raw, '\n', len))
        return -1; /* not even one whole line */
    if (request_line(p, n, out) < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    for (p = next; p < end; p = next) {
        next = next_line(p, end, &n);
        if (n == 0 && next > p) { /* the empty line: the body follows */
            out->complete = 1;
            out->body = (hd_dl_span_t){next, (size_t)(end - next)};
            break;
        }
        if (out->nheaders == HD_DEADLETTER_HTTP_MAX_HEADERS ||
            header_line(p, n, &out->names[out->nheaders], &out->values[out->nheaders]) < 0)
            break;
        out->nheaders++;
    }
    return 0;
}

hd_dl_span_t hd_deadletter_http_header(const hd_dl_request_t *req, const char *name) {
    size_t want = strlen(name);
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->names[i].n == want && strncasecmp(req->names[i].p, name, want) == 0)
            return req->values[i];
    return (hd_dl_span_t){NULL, 0};
}

static int is_secret_name(const char *name) {
    for (const char *const *h = SECRET_HEADERS; *h; h++)
        if (strcasecmp(name, *h) == 0)
            return 1;
    return 0;
}

/* Whether the line [p, p+n) is a header whose value is a secret; *value_at
   receives the offset where its value starts (after ':'). */
static int secret_line(const char *p, size_t n, size_t *value_at) {
    for (const char *const *h = SECRET_HEADERS; *h; h++) {
        size_t hn = strlen(*h), i = 0;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (n - i < hn || strncasecmp(p + i, *h, hn) != 0)
            continue;
        i += hn;
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (i < n && p[i] == ':') {
            *value_at = i + 1;
            return 1;
        }
    }
    return 0;
}

static void add(char **buf, size_t *len, size_t *cap, const char *p, size_t n) {
    *buf = hd_grow(*buf, cap, *len + n + 1, 1);
    if (n)
        memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = 0;
}

char *hd_deadletter_http_redact(const char *raw, size_t len, size_t *out_len) {
    char *buf = NULL;
    size_t blen = 0, cap = 0;
    const char *end = raw ? raw + len : raw, *p = raw, *next;
    add(&buf, &blen, &cap, "", 0);
    for (; p && p < end; p = next) {
        size_t n, at;
        next = next_line(p, end, &n);
        if (n == 0) /* the empty line: the rest is the body */
            break;
        if (secret_line(p, n, &at)) {
            add(&buf, &blen, &cap, p, at);
            add(&buf, &blen, &cap, " " HD_DEADLETTER_REDACTED, strlen(HD_DEADLETTER_REDACTED) + 1);
            add(&buf, &blen, &cap, p + n, (size_t)(next - (p + n))); /* its line end */
        } else
            add(&buf, &blen, &cap, p, (size_t)(next - p));
    }
    if (p && p < end)
        add(&buf, &blen, &cap, p, (size_t)(end - p));
    *out_len = blen;
    return buf;
}

/* A header name or value as one line: CR and LF become spaces. */
static void add_clean(char **buf, size_t *len, size_t *cap, const char *s) {
    size_t start = *len;
    add(buf, len, cap, s, strlen(s));
    for (size_t i = start; i < *len; i++)
        if ((*buf)[i] == '\r' || (*buf)[i] == '\n')
            (*buf)[i] = ' ';
}

char *hd_deadletter_http_build(const char *method, const char *target, const char *const *headers,
                               const char *body, size_t body_len, size_t *out_len) {
    char *buf = NULL;
    size_t len = 0, cap = 0;
    add_clean(&buf, &len, &cap, method ? method : "GET");
    add(&buf, &len, &cap, " ", 1);
    add_clean(&buf, &len, &cap, target && *target ? target : "/");
    add(&buf, &len, &cap, " HTTP/1.1\r\n", 11);
    for (size_t i = 0; headers && headers[i]; i += 2) {
        if (!headers[i + 1])
            continue;
        add_clean(&buf, &len, &cap, headers[i]);
        add(&buf, &len, &cap, ": ", 2);
        int secret = is_secret_name(headers[i]);
        add_clean(&buf, &len, &cap, secret ? HD_DEADLETTER_REDACTED : headers[i + 1]);
        add(&buf, &len, &cap, "\r\n", 2);
    }
    add(&buf, &len, &cap, "\r\n", 2);
    add(&buf, &len, &cap, body ? body : "", body ? body_len : 0);
    *out_len = len;
    return buf;
}
