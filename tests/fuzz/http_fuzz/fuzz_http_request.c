/*  libFuzzer target: the HTTP request parser, as the network sees it. The
    input is the byte stream of one client connection, written to a real
    hd_http_server (the one ingest runs, with ingest's 64 KiB body limit)
    on 127.0.0.1, then half-closed; the target reads every answer until the
    server closes. So everything the server does with hostile bytes runs:
    http_parser with huddle's callbacks and limits (16 KiB of headers, 100
    fields, the body limit), pipelining and the backlog, refusals with the
    reject hook, Expect: 100-continue, a cut request, deferred answers.
    Only the public API (hd_http.h) is used, so the target does not depend
    on the server's internals.

    The handler reads the request with every accessor, matches it against
    ingest's route tables (route.h) and answers with what it read, some of
    it in answer headers; a query holding "defer" is answered later from
    another job, as ingest answers a submission after its group commit.

    Checks: the server never crashes, leaks or hangs (a connection that
    is not closed within 10 s aborts); the reject hook never sees more than
    64 KiB; the answers form a well-formed HTTP/1.1 response stream (no
    header injection), checked with http_parser when no HEAD request was
    sent (a HEAD answer has a Content-Length but no body). */
#include "api.h"
#include "hd_http.h"
#include "hd_log.h"
#include "route.h"

#include <arpa/inet.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY 65536

static hd_http_server_t *s_server;
static int s_port;

/* ---- the handler ---- */

typedef struct {
    hd_http_later_t *later;
} later_job_t;

static void later_answer(void *arg) {
    later_job_t *j = arg;
    hd_http_req_t *req = hd_http_later_req(j->later);
    if (req)
        hd_http_respond_error(req, 202, "later", NULL, "answered later: %s", hd_http_req_path(req));
    hd_http_later_done(&j->later);
    free(j);
}

/* Every value is echoed: hd_http_respond_header must drop what a strict
   client could not parse (tests/fuzz/http_fuzz/crashes/ctl-in-answer-header,
   a form feed from "%0C", was the case that once got through). */
static int echoable(const char *s) {
    (void)s;
    return 1;
}

static void handle(hd_http_req_t *req, void *arg) {
    (void)arg;
    static const char *const headers[] = {
        "Host",     "Content-Type",      "Content-Length", "Authorization", "Idempotency-Key",
        "If-Match", "Transfer-Encoding", "Connection",     "Expect"};
    static const char *const params[] = {"limit", "cursor", "state", "since", "q"};
    const char *method = hd_http_req_method(req);
    const char *path = hd_http_req_path(req);
    const char *query = hd_http_req_query(req);
    json_t *o = json_object();
    json_object_set_new(o, "method", json_string(method));
    json_object_set_new(o, "path", json_string(path));   /* NULL (dropped) if not UTF-8 */
    json_object_set_new(o, "query", json_string(query)); /* likewise */
    json_object_set_new(o, "peer", json_string(hd_http_req_peer(req)));
    for (size_t i = 0; i < sizeof headers / sizeof *headers; i++) {
        const char *v = hd_http_req_header(req, headers[i]);
        if (v)
            json_object_set_new(o, headers[i], json_stringn(v, strlen(v)));
    }
    char buf[256];
    for (size_t i = 0; i < sizeof params / sizeof *params; i++)
        if (hd_http_req_param(req, params[i], buf, sizeof buf))
            json_object_set_new(o, params[i], json_string(buf));
    const char *bad = hd_http_req_text_bad(req);
    size_t blen;
    const char *body = hd_http_req_body(req, &blen);
    if (body[blen] != '\0')
        abort(); /* the body is NUL-terminated for convenience */
    json_object_set_new(o, "body_len", json_integer((json_int_t)blen));

    /* What ingest does next: the route, or 404 / 405 with Allow. */
    const ing_route_t *route = NULL;
    ing_call_t call;
    memset(&call, 0, sizeof call);
    char allow[128];
    ing_route_result_t rr =
        ing_route_match(ing_api_tables, method, path, &route, &call, allow, sizeof allow);
    if (echoable(path))
        hd_http_respond_header(req, "X-Path", path); /* dropped when it holds CR/LF */
    if (hd_http_req_param(req, "h", buf, sizeof buf) && echoable(buf))
        hd_http_respond_header(req, "X-Echo", buf); /* decoded: may hold CR/LF */
    if (strstr(query, "defer")) {
        json_decref(o);
        later_job_t *j = calloc(1, sizeof *j);
        j->later = hd_http_defer(req);
        hd_http_server_post(hd_http_req_server(req), later_answer, j);
    } else if (bad) {
        json_decref(o);
        hd_http_respond_error(req, 400, "bad_request", bad, "%s is not UTF-8", bad);
    } else if (rr == ING_ROUTE_NO_METHOD) {
        json_decref(o);
        hd_http_respond_header(req, "Allow", allow);
        hd_http_respond_error(req, 405, "method_not_allowed", NULL, "allowed: %s", allow);
    } else if (rr == ING_ROUTE_NO_PATH) {
        json_decref(o);
        hd_http_respond_error(req, 404, "not_found", "path", "no route %s", path);
    } else {
        json_object_set_new(o, "route", json_string(route->pattern));
        for (int i = 0; i < call.nparams; i++)
            json_object_set_new(o, "param", json_string(call.params[i]));
        hd_http_respond_json(req, 200, o);
    }
}

static void on_reject(const char *peer, int status, const char *reason, const char *raw,
                      size_t raw_len, void *arg) {
    (void)peer, (void)arg;
    if (status < 400 || status > 599 || !reason || (raw_len && !raw) || raw_len > 64 * 1024)
        abort();
}

static void stop_server(void) { hd_http_server_destroy(&s_server); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    setenv("HUDDLE_LOG_LEVEL", "error", 0);
    hd_log_init("fuzz-http");
    s_server = hd_http_server_new("127.0.0.1:0", MAX_BODY, NULL, handle, NULL);
    if (!s_server)
        abort();
    hd_http_server_set_reject(s_server, on_reject, NULL);
    s_port = hd_http_server_port(s_server);
    atexit(stop_server);
    return 0;
}

/* ---- one connection ---- */

static int connect_server(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        abort();
    /* Closed with a reset at the end: no TIME_WAIT for each of millions. */
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    return fd;
}

/* Writes what it can of data while reading the answers into out (the
   server stops reading a client that does not read); then half-closes and
   reads until the server closes. Returns the bytes read. */
static size_t exchange(int fd, const uint8_t *data, size_t size, char *out, size_t cap) {
    size_t off = 0, got = 0;
    int wr_open = 1;
    for (;;) {
        if (wr_open && off == size) {
            shutdown(fd, SHUT_WR);
            wr_open = 0;
        }
        struct pollfd p = {fd, (short)(POLLIN | (wr_open ? POLLOUT : 0)), 0};
        int n = poll(&p, 1, 10000);
        if (n == 0) {
            fprintf(stderr, "fuzz_http_request: connection not closed within 10 s\n");
            abort();
        }
        if (n < 0)
            continue;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char tmp[16384];
            ssize_t r = recv(fd, tmp, sizeof tmp, 0);
            if (r <= 0)
                return got; /* closed (or reset after a refusal) */
            size_t k = (size_t)r < cap - got ? (size_t)r : cap - got;
            memcpy(out + got, tmp, k);
            got += k;
        }
        if (wr_open && (p.revents & POLLOUT)) {
            ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);
            if (w < 0) /* the server closed after refusing: read its answer */
                wr_open = 0;
            else
                off += (size_t)w;
        }
    }
}

static int count_message(http_parser *p) {
    (*(int *)p->data)++;
    return 0;
}

/* The answers must be well-formed HTTP/1.1 responses (a truncated last
   one is allowed: the server may close after a refusal). */
static void check_answers(const char *out, size_t len) {
    http_parser p;
    http_parser_settings s;
    memset(&s, 0, sizeof s);
    s.on_message_complete = count_message;
    int messages = 0;
    http_parser_init(&p, HTTP_RESPONSE);
    p.data = &messages;
    size_t n = http_parser_execute(&p, &s, out, len);
    if (HTTP_PARSER_ERRNO(&p) != HPE_OK || n != len) {
        fprintf(stderr, "fuzz_http_request: malformed answer stream (%s) after %zu of %zu bytes\n",
                http_errno_name(HTTP_PARSER_ERRNO(&p)), n, len);
        abort();
    }
    if (len && strncmp(out, "HTTP/1.1 ", len < 9 ? len : 9) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char out[1 << 20];
    int fd = connect_server();
    size_t got = exchange(fd, data, size, out, sizeof out);
    close(fd);
    if (getenv("FUZZ_HTTP_SHOW")) /* to see the answers when reproducing */
        fwrite(out, 1, got, stderr);
    if (!memmem(data, size, "HEAD", 4))
        check_answers(out, got);
    return 0;
}
