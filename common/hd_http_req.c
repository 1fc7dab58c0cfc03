/*  hd_http_req: a request as a handler sees it, and its answer (see
    hd_http_req.h). An answer is recorded in the request, on whichever
    thread gives it; the server's loop thread writes it when the request is
    handed back (hd_http_server.c). */
#include "hd_http_req.h"

#include "hd_http_internal.h"
#include "hd_log.h"
#include "hd_mem.h"
#include "hd_utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small buffers ---- */

void hd_http__buf_add(hd_http__buf_t *b, const char *p, size_t n) {
    if (b->len + n + 1 > b->cap)
        b->data = hd_grow(b->data, &b->cap, b->len + n + 1, 1);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

const char *hd_http__buf_str(const hd_http__buf_t *b) { return b->data ? b->data : ""; }

void hd_http__buf_free(hd_http__buf_t *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static void buf_clear(hd_http__buf_t *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* ---- requests ---- */

void hd_http__req_reset(hd_http_req_t *r) {
    buf_clear(&r->url);
    free(r->path);
    r->path = NULL;
    r->query = "";
    for (size_t i = 0; i < r->nheaders; i++) {
        hd_http__buf_free(&r->headers[i].name);
        hd_http__buf_free(&r->headers[i].value);
    }
    r->nheaders = 0;
    r->in_value = 0;
    buf_clear(&r->body);
    r->responded = 0;
    r->deferred = 0;
    r->keep_alive = 0;
    r->head = 0;
    r->resp_status = 0;
    free(r->resp_ctype);
    r->resp_ctype = NULL;
    buf_clear(&r->resp_headers);
    buf_clear(&r->resp_body);
}

void hd_http__req_free(hd_http_req_t *r) {
    hd_http__req_reset(r);
    hd_http__buf_free(&r->url);
    hd_http__buf_free(&r->body);
    hd_http__buf_free(&r->resp_headers);
    hd_http__buf_free(&r->resp_body);
}

/* An absolute-form target ("http://host/p?q") is reduced to its path. The
   fragment is dropped. */
void hd_http__req_split_url(hd_http_req_t *r) {
    char *u = r->url.data ? r->url.data : (char *)"";
    char *hash = strchr(u, '#');
    if (hash)
        *hash = '\0';
    if (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0) {
        char *slash = strchr(strstr(u, "//") + 2, '/');
        u = slash ? slash : (char *)"/";
    }
    char *q = strchr(u, '?');
    size_t plen = q ? (size_t)(q - u) : strlen(u);
    r->path = hd_calloc(plen + 1, 1);
    memcpy(r->path, u, plen);
    r->query = q ? q + 1 : "";
}

const char *hd_http_req_method(const hd_http_req_t *req) {
    return req->method ? req->method : "GET";
}

const char *hd_http_req_path(const hd_http_req_t *req) { return req->path ? req->path : "/"; }

const char *hd_http_req_query(const hd_http_req_t *req) { return req->query ? req->query : ""; }

const char *hd_http_req_peer(const hd_http_req_t *req) { return req->conn->peer; }

hd_http_server_t *hd_http_req_server(const hd_http_req_t *req) { return req->conn->server; }

void *hd_http_req_worker_state(const hd_http_req_t *req) {
    (void)req;
    return hd_workq_state();
}

void *hd_http_worker_state(void) { return hd_workq_state(); }

const char *hd_http_req_header(const hd_http_req_t *req, const char *name) {
    for (size_t i = 0; i < req->nheaders; i++)
        if (strcasecmp(hd_http__buf_str(&req->headers[i].name), name) == 0)
            return hd_http__buf_str(&req->headers[i].value);
    return NULL;
}

/* 1 when s may be sent as a header's name (a token: no controls, no
   separators that matter here) or value (visible characters, spaces and
   tabs: RFC 9110 field-value, no CR, LF or other control). */
static int header_text_ok(const char *s, int is_name) {
    if (is_name && !*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == 0x7f || (*p < 0x20 && (is_name || *p != '\t')) ||
            (is_name && strchr(" \t:\"(),/;<=>?@[\\]{}", *p)))
            return 0;
    return 1;
}

void hd_http_respond_header(hd_http_req_t *req, const char *name, const char *value) {
    if (!name || !value || !header_text_ok(name, 1) || !header_text_ok(value, 0) ||
        strlen(name) + strlen(value) > 512) {
        hd_warn("http_bad_header", "an answer header with a control character, a bad name or "
                                   "too long was dropped");
        return;
    }
    hd_http__buf_add(&req->resp_headers, name, strlen(name));
    hd_http__buf_add(&req->resp_headers, ": ", 2);
    hd_http__buf_add(&req->resp_headers, value, strlen(value));
    hd_http__buf_add(&req->resp_headers, "\r\n", 2);
}

const char *hd_http_req_body(const hd_http_req_t *req, size_t *len) {
    if (len)
        *len = req->body.len;
    return hd_http__buf_str(&req->body);
}

static int hex_value(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes n bytes of application/x-www-form-urlencoded text into out.
   Returns the decoded length, or -1 if it does not fit or decodes to a NUL
   byte (a C string could not carry it faithfully). A '%' not followed by
   two hex digits is kept as it is. */
static long url_decode(const char *s, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+')
            c = ' ';
        else if (c == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            c = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
            i += 2;
        }
        if (c == 0 || o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return (long)o;
}

const char *hd_http_req_param(const hd_http_req_t *req, const char *name, char *buf,
                              size_t buf_len) {
    if (!req || !name || !buf || buf_len == 0)
        return NULL;
    const char *p = hd_http_req_query(req);
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        char key[256];
        if (url_decode(p, nlen, key, sizeof key) >= 0 && strcmp(key, name) == 0) {
            const char *v = eq ? eq + 1 : p + len;
            size_t vlen = (size_t)(p + len - v);
            /* A value that does not fit is absent, never silently cut. */
            return url_decode(v, vlen, buf, buf_len) >= 0 ? buf : NULL;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

const char *hd_http_req_text_bad(const hd_http_req_t *req) {
    const char *path = hd_http_req_path(req);
    if (!hd_utf8_valid(path, strlen(path)))
        return "path";
    const char *p = hd_http_req_query(req);
    char buf[4096];
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t nlen = eq ? (size_t)(eq - p) : len;
        long k = url_decode(p, nlen, buf, sizeof buf);
        if (k < 0 || !hd_utf8_valid(buf, (size_t)k))
            return "query";
        if (eq) {
            long v = url_decode(eq + 1, (size_t)(p + len - eq - 1), buf, sizeof buf);
            if (v < 0 || !hd_utf8_valid(buf, (size_t)v))
                return "query";
        }
        if (!end)
            break;
        p = end + 1;
    }
    return NULL;
}

/* ---- responding ---- */

void hd_http_respond(hd_http_req_t *req, int status, const char *content_type, const char *body,
                     size_t len) {
    if (!req)
        return;
    if (req->responded) {
        hd_error("http_double_response", "%s %s: second answer dropped", hd_http_req_method(req),
                 hd_http_req_path(req));
        return;
    }
    req->responded = 1;
    req->resp_status = status;
    free(req->resp_ctype);
    req->resp_ctype = content_type ? hd_strdup(content_type) : NULL;
    buf_clear(&req->resp_body);
    hd_http__buf_add(&req->resp_body, body ? body : "", body ? len : 0);
}

int hd_http_req_status(const hd_http_req_t *req) {
    return req->deferred ? -1 : req->responded ? req->resp_status : 0;
}

void hd_http_respond_json(hd_http_req_t *req, int status, json_t *body) {
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!text) {
        hd_http_respond_error(req, 500, "internal", NULL, "could not encode the answer");
        return;
    }
    hd_http_respond(req, status, "application/json", text, strlen(text));
    free(text);
}

json_t *hd_http__error_json(int status, const char *code, const char *field, const char *message) {
    json_t *m = json_string(message);
    if (!m)
        m = json_string("(message not UTF-8)");
    return json_pack("{s:{s:i,s:s,s:o,s:o}}", "error", "status", status, "code",
                     code ? code : "error", "field", field ? json_string(field) : json_null(),
                     "message", m);
}

void hd_http_respond_error(hd_http_req_t *req, int status, const char *code, const char *field,
                           const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *j = hd_http__error_json(status, code, field, msg);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    const char *b = text ? text : "{}";
    hd_http_respond(req, status, "application/json", b, strlen(b));
    free(text);
}

/* ---- answering later ---- */

/* Runs on the handler's worker, while the loop keeps off the connection:
   the extra hand-back is counted before the handler's own is due. */
hd_http_later_t *hd_http_defer(hd_http_req_t *req) {
    hd_http__conn_t *c = req->conn;
    if (req->responded || req->deferred)
        return NULL;
    hd_http_later_t *l = hd_calloc(1, sizeof *l);
    l->conn = c;
    req->deferred = 1;
    c->handbacks++;
    return l;
}

hd_http_req_t *hd_http_later_req(hd_http_later_t *later) {
    return later && !atomic_load(&later->conn->gone) ? &later->conn->req : NULL;
}

void hd_http_later_done(hd_http_later_t **later_p) {
    if (!later_p || !*later_p)
        return;
    hd_http_later_t *l = *later_p;
    *later_p = NULL;
    hd_http__conn_t *c = l->conn;
    free(l);
    hd_workq_submit(c->server->workq, NULL, hd_http__conn_handback, c);
}
