/*  Tests for hd_http: a real server on 127.0.0.1:0 (and [::1]:0), driven
    over real sockets with hand-written bytes, so keep-alive, pipelining and
    the refusals are seen exactly as a client sees them. */
#include "hd_http.h"
#include "hd_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- what the reject hook saw ---- */

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_reject_status;
static char s_reject_raw[70000];
static size_t s_reject_len;
static int s_reject_calls;

static void on_reject(const char *peer, int status, const char *reason, const char *raw,
                      size_t raw_len, void *arg) {
    (void)peer, (void)reason, (void)arg;
    pthread_mutex_lock(&s_lock);
    s_reject_calls++;
    s_reject_status = status;
    s_reject_len = raw_len < sizeof s_reject_raw ? raw_len : sizeof s_reject_raw;
    memcpy(s_reject_raw, raw, s_reject_len);
    pthread_mutex_unlock(&s_lock);
}

static void reject_reset(void) {
    pthread_mutex_lock(&s_lock);
    s_reject_calls = 0;
    s_reject_status = 0;
    s_reject_len = 0;
    pthread_mutex_unlock(&s_lock);
}

static int reject_calls(void) {
    pthread_mutex_lock(&s_lock);
    int n = s_reject_calls;
    pthread_mutex_unlock(&s_lock);
    return n;
}

/* ---- deferred answers: a worker thread answers through the server thread ---- */

static hd_http_server_t *s_server;
static atomic_int s_later_done, s_later_gone;

typedef struct {
    hd_http_later_t *later;
    char path[64];
    int delay_ms;
} later_job_t;

static void later_answer(void *arg) {
    later_job_t *j = arg;
    hd_http_req_t *req = hd_http_later_req(j->later);
    if (req) {
        char out[96];
        snprintf(out, sizeof out, "later:%s", j->path);
        hd_http_respond(req, 200, "text/plain", out, strlen(out));
    } else
        atomic_fetch_add(&s_later_gone, 1);
    hd_http_later_done(&j->later);
    free(j);
    atomic_fetch_add(&s_later_done, 1);
}

static void *later_worker(void *arg) {
    later_job_t *j = arg;
    usleep((useconds_t)j->delay_ms * 1000);
    hd_http_server_post(s_server, later_answer, j);
    return NULL;
}

static void defer_request(hd_http_req_t *req, int delay_ms) {
    later_job_t *j = calloc(1, sizeof *j);
    j->later = hd_http_defer(req);
    ASSERT(j->later);
    ASSERT(hd_http_defer(req) == NULL); /* once */
    snprintf(j->path, sizeof j->path, "%s", hd_http_req_path(req));
    j->delay_ms = delay_ms;
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, later_worker, j), 0);
    pthread_detach(t);
}

/* Defers and posts the answer from the server thread itself, through the
   server the request names: the way a group commit answers once per loop. */
static atomic_int s_self_server_ok;

static void defer_to_self(hd_http_req_t *req) {
    later_job_t *j = calloc(1, sizeof *j);
    j->later = hd_http_defer(req);
    ASSERT(j->later);
    snprintf(j->path, sizeof j->path, "%s", hd_http_req_path(req));
    atomic_store(&s_self_server_ok, hd_http_req_server(req) == s_server);
    hd_http_server_post(hd_http_req_server(req), later_answer, j);
}

/* ---- a handler that holds its worker until the test lets it go ---- */

static pthread_mutex_t s_gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_gate_cond = PTHREAD_COND_INITIALIZER;
static int s_gate_open, s_gate_waiting;

static void gate_hold(void) {
    pthread_mutex_lock(&s_gate_lock);
    s_gate_waiting++;
    pthread_cond_broadcast(&s_gate_cond);
    while (!s_gate_open)
        pthread_cond_wait(&s_gate_cond, &s_gate_lock);
    pthread_mutex_unlock(&s_gate_lock);
}

static void gate_open(void) {
    pthread_mutex_lock(&s_gate_lock);
    s_gate_open = 1;
    pthread_cond_broadcast(&s_gate_cond);
    pthread_mutex_unlock(&s_gate_lock);
}

static void gate_wait_held(void) {
    pthread_mutex_lock(&s_gate_lock);
    while (s_gate_waiting == 0)
        pthread_cond_wait(&s_gate_cond, &s_gate_lock);
    pthread_mutex_unlock(&s_gate_lock);
}

/* Worker states for the pool tests: each worker's own counter. */
static atomic_int s_states_made, s_states_freed;

static void *state_new(int index, void *arg) {
    (void)arg;
    int *n = calloc(1, sizeof *n);
    *n = 1000 + index;
    atomic_fetch_add(&s_states_made, 1);
    return n;
}

static void state_free(void *state, void *arg) {
    (void)arg;
    free(state);
    atomic_fetch_add(&s_states_freed, 1);
}

/* ---- the handler under test ---- */

static void handler(hd_http_req_t *req, void *arg) {
    (void)arg;
    const char *path = hd_http_req_path(req);
    if (strcmp(path, "/echo") == 0) {
        size_t len;
        const char *body = hd_http_req_body(req, &len);
        const char *x = hd_http_req_header(req, "x-test");
        hd_http_respond_json(req, 200,
                             json_pack("{s:s,s:s,s:s,s:s%,s:s}", "method", hd_http_req_method(req),
                                       "path", path, "query", hd_http_req_query(req), "body", body,
                                       len, "x", x ? x : "(none)"));
    } else if (strcmp(path, "/param") == 0) {
        char a[64], b[64], c[64], e[64], m[64], t[4];
        const char *pa = hd_http_req_param(req, "a", a, sizeof a);
        const char *pb = hd_http_req_param(req, "b", b, sizeof b);
        const char *pc = hd_http_req_param(req, "c d", c, sizeof c);
        const char *pe = hd_http_req_param(req, "empty", e, sizeof e);
        const char *pm = hd_http_req_param(req, "missing", m, sizeof m);
        const char *pt = hd_http_req_param(req, "a", t, sizeof t); /* too long */
        char out[512];
        snprintf(out, sizeof out, "a=[%s] b=[%s] c=[%s] empty=[%s] missing=%s short=%s",
                 pa ? pa : "NULL", pb ? pb : "NULL", pc ? pc : "NULL", pe ? pe : "NULL",
                 pm ? "present" : "NULL", pt ? "present" : "NULL");
        hd_http_respond(req, 200, "text/plain", out, strlen(out));
    } else if (strcmp(path, "/silent") == 0) {
        /* answers nothing: the server must answer 500 itself */
    } else if (strcmp(path, "/drop") == 0) {
        hd_http_respond(req, 0, NULL, NULL, 0);
    } else if (strncmp(path, "/later/", 7) == 0) {
        defer_request(req, atoi(path + 7));
    } else if (strcmp(path, "/self") == 0) {
        defer_to_self(req);
    } else if (strcmp(path, "/slow") == 0) {
        gate_hold();
        hd_http_respond(req, 200, "text/plain", "slow", 4);
    } else if (strcmp(path, "/state") == 0) {
        int *n = hd_http_req_worker_state(req);
        char out[32];
        snprintf(out, sizeof out, "state=%d", n ? *n : -1);
        hd_http_respond(req, 200, "text/plain", out, strlen(out));
    } else if (strcmp(path, "/big") == 0) {
        static char big[32 * 1024];
        memset(big, 'b', sizeof big);
        hd_http_respond(req, 200, "text/plain", big, sizeof big);
    } else if (strcmp(path, "/busy") == 0) {
        hd_http_respond_error(req, 429, "busy", NULL, "slow down");
    } else {
        hd_http_respond(req, 200, "text/plain", path, strlen(path));
    }
}

/* ---- a raw socket client ---- */

static int dial(int family, int port) {
    int fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int rc;
    if (family == AF_INET6) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        inet_pton(AF_INET6, "::1", &a.sin6_addr);
        rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    } else {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        rc = connect(fd, (struct sockaddr *)&a, sizeof a);
    }
    if (rc < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Counts the complete responses at the start of buf (Content-Length framed). */
static int complete_responses(const char *buf, size_t len) {
    int count = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend)
            break;
        const char *cl = memmem(p, (size_t)(hend - p), "Content-Length: ", 16);
        size_t blen = cl ? strtoul(cl + 16, NULL, 10) : 0;
        if ((size_t)(end - (hend + 4)) < blen)
            break;
        p = hend + 4 + blen;
        count++;
    }
    return count;
}

/* Reads until `want` responses are complete, EOF, or timeout. Returns the
   bytes read; *eof is set if the server closed. */
static size_t read_responses(int fd, int want, char *buf, size_t cap, int timeout_ms, int *eof) {
    size_t len = 0;
    *eof = 0;
    while (len + 1 < cap) {
        if (want > 0 && complete_responses(buf, len) >= want)
            break;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            break;
        ssize_t r = recv(fd, buf + len, cap - 1 - len, 0);
        if (r <= 0) {
            *eof = 1;
            break;
        }
        len += (size_t)r;
    }
    buf[len] = '\0';
    return len;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static hd_http_server_t *start(size_t max_body) {
    hd_http_server_t *s = hd_http_server_new("127.0.0.1:0", max_body, NULL, handler, NULL);
    if (s)
        hd_http_server_set_reject(s, on_reject, NULL);
    reject_reset();
    return s;
}

/* ---- cases ---- */

HD_TEST(port_zero_picks_a_port) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    ASSERT(hd_http_server_port(s) > 0);
    hd_http_server_destroy(&s);
    ASSERT(s == NULL);
    hd_http_server_destroy(&s); /* safe twice */
    hd_http_server_destroy(NULL);
}

HD_TEST(bad_addresses_are_refused) {
    ASSERT(hd_http_server_new("nonsense", 1024, NULL, handler, NULL) == NULL);
    ASSERT(hd_http_server_new("127.0.0.1:99999", 1024, NULL, handler, NULL) == NULL);
    ASSERT(hd_http_server_new("::1:80", 1024, NULL, handler, NULL) == NULL);
    ASSERT(hd_http_server_new("10.255.255.1:0", 1024, NULL, handler, NULL) == NULL);
    /* a port in use */
    hd_http_server_t *a = start(1024);
    ASSERT(a);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", hd_http_server_port(a));
    hd_http_server_t *b = hd_http_server_new(addr, 1024, NULL, handler, NULL);
    int refused = b == NULL;
    hd_http_server_destroy(&b);
    hd_http_server_destroy(&a);
    ASSERT(refused);
}

HD_TEST(keep_alive_two_requests_one_connection) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    char buf[8192];
    int eof;
    const char *r1 = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r1, strlen(r1)), 0);
    read_responses(fd, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    ASSERT(strstr(buf, "Connection: keep-alive\r\n"));
    ASSERT(strstr(buf, "Content-Length: 4\r\n"));
    ASSERT(strstr(buf, "\r\n\r\n/one"));
    const char *r2 = "GET /two HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r2, strlen(r2)), 0);
    read_responses(fd, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(!eof);
    ASSERT(strstr(buf, "\r\n\r\n/two"));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(pipelined_requests_answered_in_order) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *reqs = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                       "POST /echo?q=1 HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\n"
                       "Content-Length: 5\r\n\r\nhello"
                       "GET /c HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, reqs, strlen(reqs)), 0);
    char buf[8192];
    int eof;
    read_responses(fd, 3, buf, sizeof buf, 2000, &eof);
    ASSERT_EQ(complete_responses(buf, strlen(buf)), 3);
    char *a = strstr(buf, "\r\n\r\n/a");
    char *echo = strstr(buf, "\"body\":\"hello\"");
    char *c = strstr(buf, "\r\n\r\n/c");
    ASSERT(a && echo && c);
    ASSERT(a < echo && echo < c);
    ASSERT(strstr(buf, "\"query\":\"q=1\""));
    ASSERT(strstr(buf, "\"x\":\"yes\""));
    ASSERT(strstr(buf, "\"method\":\"POST\""));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(chunked_body_is_accepted) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char buf[4096];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strstr(buf, "\"body\":\"abcdefg\""));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(oversize_body_gets_413) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char junk[4096];
    memset(junk, 'z', sizeof junk);
    send_all(fd, junk, sizeof junk); /* the server may already be closing */
    char buf[4096];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 3000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
    ASSERT(strstr(buf, "Connection: close\r\n"));
    ASSERT(strstr(buf, "\"status\":413"));
    ASSERT(strstr(buf, "\"code\":\"body_too_large\""));
    ASSERT_EQ(reject_calls(), 1);
    ASSERT_EQ(s_reject_status, 413);
    close(fd);

    /* a chunked body that grows past the limit */
    reject_reset();
    fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *c = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "800\r\n";
    ASSERT_EQ(send_all(fd, c, strlen(c)), 0);
    send_all(fd, junk, 2048);
    read_responses(fd, 1, buf, sizeof buf, 3000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 413 ", 13) == 0);
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(malformed_request_gets_400_and_raw_bytes) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"
                    "BLAH /x HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char buf[4096];
    int eof;
    read_responses(fd, 2, buf, sizeof buf, 2000, &eof);
    ASSERT(strstr(buf, "HTTP/1.1 200 OK"));
    char *bad = strstr(buf, "HTTP/1.1 400 Bad Request\r\n");
    ASSERT(bad);
    ASSERT(strstr(bad, "\"code\":\"bad_request\""));
    ASSERT(strstr(bad, "\"status\":400"));
    ASSERT(strstr(bad, "\"message\":"));
    ASSERT_EQ(reject_calls(), 1);
    ASSERT_EQ(s_reject_status, 400);
    /* exactly the refused message's bytes, not the good one before it */
    const char *want = "BLAH /x HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(s_reject_len, strlen(want));
    ASSERT(memcmp(s_reject_raw, want, s_reject_len) == 0);
    read_responses(fd, 0, buf, sizeof buf, 3000, &eof);
    ASSERT(eof); /* and the connection is closed */
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(huge_header_gets_431) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    size_t n = 20 * 1024;
    char *r = malloc(n + 128);
    ASSERT(r);
    int h = snprintf(r, 128, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(r + h, 'a', n);
    memcpy(r + h + n, "\r\n\r\n", 4);
    send_all(fd, r, (size_t)h + n + 4);
    free(r);
    char buf[4096];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 3000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 431 ", 13) == 0);
    ASSERT(strstr(buf, "\"code\":\"headers_too_large\""));
    ASSERT_EQ(reject_calls(), 1);
    ASSERT_EQ(s_reject_status, 431);
    ASSERT(s_reject_len >= 16 * 1024);
    ASSERT(memcmp(s_reject_raw, "GET / HTTP/1.1\r\n", 16) == 0);
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(query_params_are_decoded) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    char url[256], *body = NULL;
    snprintf(url, sizeof url,
             "http://127.0.0.1:%d/param?a=hello%%20w%%C3%%B6rld&b=x+y%%2B&c%%20d=%%zz&empty=",
             hd_http_server_port(s));
    int status = hd_http_get(url, &body, 2000);
    ASSERT_EQ(status, 200);
    ASSERT_STR(body, "a=[hello w\xc3\xb6rld] b=[x y+] c=[%zz] empty=[] missing=NULL short=NULL");
    free(body);
    hd_http_server_destroy(&s);
}

HD_TEST(ipv6_loopback) {
    hd_http_server_t *s = hd_http_server_new("[::1]:0", 1024, NULL, handler, NULL);
    if (!s) {
        printf("skip: no IPv6 loopback here\n");
        return;
    }
    int fd = dial(AF_INET6, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char buf[4096];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strstr(buf, "\"path\":\"/echo\""));
    close(fd);
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "http://[::1]:%d/v6", hd_http_server_port(s));
    ASSERT_EQ(hd_http_get(url, &body, 2000), 200);
    ASSERT_STR(body, "/v6");
    free(body);
    hd_http_server_destroy(&s);
}

HD_TEST(connection_close_and_http10) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    char buf[4096];
    int eof;
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    read_responses(fd, 0, buf, sizeof buf, 3000, &eof);
    ASSERT(eof);
    ASSERT(strstr(buf, "Connection: close\r\n"));
    ASSERT(strstr(buf, "\r\n\r\n/bye"));
    close(fd);

    fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    r = "GET /old HTTP/1.0\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    read_responses(fd, 0, buf, sizeof buf, 3000, &eof);
    ASSERT(eof);
    ASSERT(strstr(buf, "Connection: close\r\n"));
    close(fd);

    fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    r = "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    read_responses(fd, 1, buf, sizeof buf, 3000, &eof);
    ASSERT(!eof);
    ASSERT(strstr(buf, "Connection: keep-alive\r\n"));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(head_has_length_but_no_body) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "HEAD /four HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char buf[4096];
    int eof;
    read_responses(fd, 0, buf, sizeof buf, 500, &eof);
    ASSERT(strstr(buf, "Content-Length: 5\r\n"));
    ASSERT(strstr(buf, "\r\n\r\nHTTP/1.1 200 OK\r\n")); /* no body after HEAD */
    ASSERT(strstr(buf, "\r\n\r\n/next"));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(handler_without_answer_gets_500_drop_closes) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    char url[128], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/silent", hd_http_server_port(s));
    ASSERT_EQ(hd_http_get(url, &body, 2000), 500);
    ASSERT(strstr(body, "\"code\":\"no_response\""));
    free(body);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/drop", hd_http_server_port(s));
    ASSERT_EQ(hd_http_get(url, &body, 2000), -1);
    ASSERT(body == NULL);

    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "GET /busy HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char buf[4096];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 429 ", 13) == 0);
    ASSERT(strstr(buf, "Retry-After: 1\r\n"));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(truncated_request_is_kept) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *r = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nshort";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    usleep(100 * 1000);
    close(fd);
    for (int i = 0; i < 100 && reject_calls() == 0; i++)
        usleep(10 * 1000);
    ASSERT_EQ(reject_calls(), 1);
    ASSERT_EQ(s_reject_len, strlen(r));
    hd_http_server_destroy(&s);
}

HD_TEST(destroy_with_idle_connection_is_fast) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    int fd2 = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd2 >= 0);
    const char *partial = "GET /half HTTP/1.1\r\nHo";
    send_all(fd2, partial, strlen(partial));
    usleep(50 * 1000);
    int64_t t0 = now_ms();
    hd_http_server_destroy(&s);
    int64_t took = now_ms() - t0;
    ASSERT(took < 500);
    char buf[64];
    int eof;
    read_responses(fd, 0, buf, sizeof buf, 1000, &eof);
    ASSERT(eof); /* the idle connection was closed */
    close(fd);
    close(fd2);
}

static int wait_done(int want) {
    for (int i = 0; i < 500 && atomic_load(&s_later_done) < want; i++)
        usleep(10 * 1000);
    return atomic_load(&s_later_done);
}

HD_TEST(deferred_answers_keep_pipelined_order) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    s_server = s;
    atomic_store(&s_later_done, 0);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    /* the first answer comes late, the second at once, the third late again */
    const char *reqs = "GET /later/80 HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /now HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /later/5 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, reqs, strlen(reqs)), 0);
    char buf[8192];
    int eof;
    read_responses(fd, 3, buf, sizeof buf, 5000, &eof);
    ASSERT_EQ(complete_responses(buf, strlen(buf)), 3);
    char *a = strstr(buf, "later:/later/80"), *b = strstr(buf, "\r\n\r\n/now"),
         *c = strstr(buf, "later:/later/5");
    ASSERT(a && b && c);
    ASSERT(a < b && b < c);
    /* a second connection is served while the first waits */
    int fd2 = dial(AF_INET, hd_http_server_port(s));
    const char *one = "GET /later/200 HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, one, strlen(one)), 0);
    const char *two = "GET /quick HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd2, two, strlen(two)), 0);
    read_responses(fd2, 1, buf, sizeof buf, 5000, &eof);
    ASSERT(strstr(buf, "\r\n\r\n/quick"));
    ASSERT(atomic_load(&s_later_done) < 3); /* /later/200 still waits */
    read_responses(fd, 1, buf, sizeof buf, 5000, &eof);
    ASSERT(strstr(buf, "later:/later/200"));
    close(fd);
    close(fd2);
    hd_http_server_destroy(&s);
}

HD_TEST(deferred_answer_after_the_client_left) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    s_server = s;
    atomic_store(&s_later_done, 0);
    atomic_store(&s_later_gone, 0);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *reqs = "GET /later/300 HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /after HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, reqs, strlen(reqs)), 0);
    usleep(50 * 1000);
    close(fd); /* gone before the answer; the server notices when it answers */
    ASSERT_EQ(wait_done(1), 1);
    /* the server still serves */
    fd = dial(AF_INET, hd_http_server_port(s));
    const char *r = "GET /still HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    char buf[2048];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 5000, &eof);
    ASSERT(strstr(buf, "\r\n\r\n/still"));
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(deferred_answer_posted_from_the_server_thread) {
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    s_server = s;
    atomic_store(&s_later_done, 0);
    atomic_store(&s_self_server_ok, 0);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *reqs = "GET /self HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fd, reqs, strlen(reqs)), 0);
    char buf[4096];
    int eof;
    read_responses(fd, 2, buf, sizeof buf, 5000, &eof);
    ASSERT_EQ(complete_responses(buf, strlen(buf)), 2);
    char *a = strstr(buf, "later:/self"), *b = strstr(buf, "\r\n\r\n/next");
    ASSERT(a && b && a < b);
    ASSERT_EQ(atomic_load(&s_self_server_ok), 1);
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(get_client_fails_cleanly) {
    char *body = (char *)"x";
    /* nothing listens on port 1 */
    ASSERT_EQ(hd_http_get("http://127.0.0.1:1/", &body, 1000), -1);
    ASSERT(body == NULL);
    ASSERT_EQ(hd_http_get(NULL, NULL, 1000), -1);
}

/* A handler that blocks its worker holds up its own connection only: the
   other connection's request runs on the other worker and is answered
   while the first is still held (no clock involved: the gate opens only
   after the second answer has been read). */
HD_TEST(slow_handler_does_not_delay_another_connection) {
    hd_workq_pool_t pool = {.workers = 2, .init = state_new, .fini = state_free};
    hd_http_server_t *s = hd_http_server_new("127.0.0.1:0", 1024, &pool, handler, NULL);
    ASSERT(s);
    ASSERT_EQ(atomic_load(&s_states_made), 2);
    int slow = dial(AF_INET, hd_http_server_port(s));
    int fast = dial(AF_INET, hd_http_server_port(s));
    ASSERT(slow >= 0 && fast >= 0);
    const char *r = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(slow, r, strlen(r)), 0);
    gate_wait_held(); /* the slow handler holds a worker now */
    r = "GET /state HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_EQ(send_all(fast, r, strlen(r)), 0);
    char buf[4096];
    int eof;
    read_responses(fast, 2, buf, sizeof buf, 10000, &eof);
    ASSERT_EQ(complete_responses(buf, strlen(buf)), 2);
    ASSERT(strstr(buf, "state=100")); /* the other worker's own state */
    ASSERT(strstr(buf, "\r\n\r\n/fast"));
    /* nothing of the held connection has gone out, not even /after */
    size_t got = read_responses(slow, 1, buf, sizeof buf, 50, &eof);
    ASSERT_EQ(got, 0);
    gate_open();
    read_responses(slow, 2, buf, sizeof buf, 10000, &eof);
    char *first = strstr(buf, "\r\n\r\nslow"), *second = strstr(buf, "\r\n\r\n/after");
    ASSERT(first && second && first < second); /* still in request order */
    close(slow);
    close(fast);
    hd_http_server_destroy(&s);
    ASSERT_EQ(atomic_load(&s_states_freed), 2);
}

/* ---- strict HTTP/1.1, deadlines, caps, slow readers ---- */

/* One request on a fresh connection: the answer (up to EOF or 3 s). */
static size_t exchange(int port, const char *req, char *buf, size_t cap) {
    int fd = dial(AF_INET, port);
    if (fd < 0)
        return 0;
    send_all(fd, req, strlen(req));
    int eof;
    size_t n = read_responses(fd, 1, buf, cap, 3000, &eof);
    close(fd);
    return n;
}

static hd_http_server_t *start_with(const hd_http_limits_t *l) {
    hd_http_server_t *s = start(1024);
    if (s)
        hd_http_server_set_limits(s, l);
    return s;
}

HD_TEST(strict_http_refusals_name_the_field) {
    static const struct {
        const char *req;
        int status;
        const char *field;
    } cases[] = {
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "version"},
        {"GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505, "version"},
        {"GET / HTTP/1.1\r\n\r\n", 400, "Host"},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host"},
        {"GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400, "Host"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
         "Transfer-Encoding"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501,
         "Transfer-Encoding"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
         501, "Transfer-Encoding"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
         "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         501, "Transfer-Encoding"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
         "0\r\n\r\n",
         400, "Transfer-Encoding"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, "
         "chunked\r\n\r\n0\r\n\r\n",
         400, "Transfer-Encoding"},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 400,
         "Content-Length"},
        {"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
         "Transfer-Encoding"},
    };
    hd_http_server_t *s = start(1024);
    ASSERT(s);
    int port = hd_http_server_port(s);
    char buf[4096], want[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reject_reset();
        exchange(port, cases[i].req, buf, sizeof buf);
        snprintf(want, sizeof want, "HTTP/1.1 %d ", cases[i].status);
        if (strncmp(buf, want, strlen(want)) != 0)
            fprintf(stderr, "case %zu: %s\n", i, buf);
        ASSERT(strncmp(buf, want, strlen(want)) == 0);
        ASSERT(strstr(buf, "Connection: close\r\n"));
        snprintf(want, sizeof want, "\"field\":\"%s\"", cases[i].field);
        ASSERT(strstr(buf, want));
        ASSERT_EQ(reject_calls(), 1); /* the dead letter first */
        ASSERT_EQ(s_reject_status, cases[i].status);
        ASSERT_EQ(s_reject_len, strlen(cases[i].req) < 64 * 1024 ? s_reject_len : 0);
        ASSERT(s_reject_len > 0);
    }
    exchange(port, "GET / HTTP/2.0\r\nHost: x\r\n\r\n", buf, sizeof buf);
    ASSERT(strncmp(buf, "HTTP/1.1 505 HTTP Version Not Supported\r\n", 41) == 0);
    /* what is allowed still is */
    exchange(
        port,
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: CHUNKED \r\n\r\n2\r\nok\r\n0\r\n\r\n",
        buf, sizeof buf);
    ASSERT(strstr(buf, "\"body\":\"ok\""));
    exchange(port, "GET /ten HTTP/1.0\r\n\r\n", buf, sizeof buf);
    ASSERT(strstr(buf, "\r\n\r\n/ten"));
    hd_http_stats_t st;
    hd_http_server_stats(s, &st);
    ASSERT_EQ(st.requests_refused_505, 3);
    ASSERT_EQ(st.requests_refused_501, 4);
    ASSERT_EQ(st.requests_refused_400, 7);
    hd_http_server_destroy(&s);
}

/* A byte now and then does not keep a request alive: the deadline runs
   from its first byte, and the partial request is kept. */
HD_TEST(slow_request_gets_408_at_the_deadline) {
    hd_http_limits_t l = {.request_timeout_ms = 600};
    hd_http_server_t *s = start_with(&l);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *req = "GET /slow-loris HTTP/1.1\r\nHost: x\r\nX-A: b\r\n";
    int64_t t0 = now_ms();
    char buf[4096];
    int eof = 0;
    size_t got = 0;
    for (size_t i = 0; i < strlen(req) && got == 0; i++) {
        send_all(fd, req + i, 1);
        got = read_responses(fd, 1, buf, sizeof buf, 100, &eof);
    }
    int64_t took = now_ms() - t0;
    ASSERT(got > 0);
    ASSERT(strncmp(buf, "HTTP/1.1 408 Request Timeout\r\n", 30) == 0);
    ASSERT(strstr(buf, "\"code\":\"request_timeout\""));
    ASSERT(took >= 550 && took < 1500);
    ASSERT_EQ(reject_calls(), 1);
    ASSERT_EQ(s_reject_status, 408);
    ASSERT(s_reject_len > 0 && memcmp(s_reject_raw, "GET /", 5) == 0);
    read_responses(fd, 0, buf, sizeof buf, 3000, &eof);
    ASSERT(eof);
    close(fd);
    hd_http_stats_t st;
    hd_http_server_stats(s, &st);
    ASSERT_EQ(st.requests_timed_out_total, 1);
    ASSERT_EQ(st.requests_refused_408, 1);
    hd_http_server_destroy(&s);
}

/* Between requests the idle timeout closes quietly: nothing was asked. A
   request that takes a while but ends in time is served. */
HD_TEST(idle_connection_closes_quietly) {
    hd_http_limits_t l = {.request_timeout_ms = 800, .idle_timeout_ms = 300};
    hd_http_server_t *s = start_with(&l);
    ASSERT(s);
    int fd = dial(AF_INET, hd_http_server_port(s));
    ASSERT(fd >= 0);
    const char *a = "GET /in-time HTTP/1.1\r\n", *b = "Host: x\r\n\r\n";
    send_all(fd, a, strlen(a));
    usleep(400 * 1000); /* past the idle timeout, within the request's */
    send_all(fd, b, strlen(b));
    char buf[4096];
    int eof;
    read_responses(fd, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strstr(buf, "\r\n\r\n/in-time"));
    int64_t t0 = now_ms();
    size_t n = read_responses(fd, 0, buf, sizeof buf, 3000, &eof);
    int64_t took = now_ms() - t0;
    ASSERT(eof);
    ASSERT_EQ(n, 0);
    ASSERT(took >= 250 && took < 1500);
    ASSERT_EQ(reject_calls(), 0);
    close(fd);
    hd_http_stats_t st;
    hd_http_server_stats(s, &st);
    ASSERT_EQ(st.idle_closed_total, 1);
    ASSERT_EQ(st.requests_timed_out_total, 0);
    hd_http_server_destroy(&s);
}

/* Opens a connection and has one request answered on it (so the server
   has surely admitted it). */
static int dial_served(int port) {
    int fd = dial(AF_INET, port);
    const char *r = "GET /hi HTTP/1.1\r\nHost: x\r\n\r\n";
    char buf[1024];
    int eof;
    if (fd < 0 || send_all(fd, r, strlen(r)) < 0 ||
        read_responses(fd, 1, buf, sizeof buf, 2000, &eof) == 0 || !strstr(buf, " 200 ")) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

HD_TEST(connection_caps_answer_503_and_429) {
    hd_http_limits_t l = {.max_conns = 3, .max_conns_per_addr = 2};
    hd_http_server_t *s = start_with(&l);
    ASSERT(s);
    int port = hd_http_server_port(s);
    int a = dial_served(port), b = dial_served(port);
    ASSERT(a >= 0 && b >= 0);
    char buf[4096];
    int eof;
    int c = dial(AF_INET, port); /* a third from 127.0.0.1 */
    ASSERT(c >= 0);
    read_responses(c, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 429 ", 13) == 0);
    ASSERT(strstr(buf, "Retry-After: 1\r\n"));
    ASSERT(strstr(buf, "\"code\":\"too_many_connections_from_address\""));
    read_responses(c, 0, buf, sizeof buf, 3000, &eof);
    ASSERT(eof);
    close(c);
    close(b);
    /* another address (127.0.0.2 is loopback too) fills the total */
    hd_http_server_destroy(&s);

    hd_http_limits_t t = {.max_conns = 2};
    s = start_with(&t);
    ASSERT(s);
    port = hd_http_server_port(s);
    close(a);
    a = dial_served(port), b = dial_served(port);
    ASSERT(a >= 0 && b >= 0);
    c = dial(AF_INET, port);
    ASSERT(c >= 0);
    read_responses(c, 1, buf, sizeof buf, 2000, &eof);
    ASSERT(strncmp(buf, "HTTP/1.1 503 ", 13) == 0);
    ASSERT(strstr(buf, "Retry-After: 1\r\n"));
    close(c);
    hd_http_stats_t st;
    hd_http_server_stats(s, &st);
    ASSERT_EQ(st.connections_open, 2);
    ASSERT_EQ(st.connections_refused_max_conns, 1);
    ASSERT_EQ(st.connections_refused_total, 1);
    close(a); /* a place frees up */
    for (int i = 0; i < 100; i++) {
        hd_http_server_stats(s, &st);
        if (st.connections_open < 2)
            break;
        usleep(10 * 1000);
    }
    c = dial_served(port);
    ASSERT(c >= 0);
    close(c);
    close(b);
    ASSERT_EQ(reject_calls(), 0); /* refused connections leave no dead letter */
    hd_http_server_destroy(&s);
}

/* A client that pipelines and never reads: the server stops reading it at
   the high-water mark and closes it after the write timeout. */
HD_TEST(never_reading_client_is_closed) {
    hd_http_limits_t l = {.write_buffer = 64 * 1024, .write_timeout_ms = 500};
    hd_http_server_t *s = start_with(&l);
    ASSERT(s);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(hd_http_server_port(s))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *r = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
    hd_http_stats_t st = {0};
    int64_t t0 = now_ms();
    while (now_ms() - t0 < 10000) {
        hd_http_server_stats(s, &st);
        if (st.slow_readers_closed_total > 0)
            break;
        if (send(fd, r, strlen(r), flags) < 0)
            usleep(20 * 1000);
    }
    ASSERT_EQ(st.slow_readers_closed_total, 1);
    for (int i = 0; i < 100 && st.connections_open > 0; i++) {
        usleep(10 * 1000);
        hd_http_server_stats(s, &st);
    }
    ASSERT_EQ(st.connections_open, 0);
    /* the client finds its connection reset (or ended, past what it got) */
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
        ;
    ASSERT(n == 0 || errno == ECONNRESET);
    close(fd);
    hd_http_server_destroy(&s);
}

/* The last answer before a close is not read either: the connection does
   not wait for the client forever. */
HD_TEST(unread_last_answer_is_not_waited_for) {
    hd_http_limits_t l = {.write_buffer = 16 * 1024 * 1024, .write_timeout_ms = 300};
    hd_http_server_t *s = start_with(&l);
    ASSERT(s);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096, mss = 536;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(hd_http_server_port(s))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *r = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 40; i++)
        ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    r = "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    ASSERT_EQ(send_all(fd, r, strlen(r)), 0);
    hd_http_stats_t st = {.connections_open = 1};
    for (int i = 0; i < 300 && st.connections_open > 0; i++) {
        usleep(10 * 1000);
        hd_http_server_stats(s, &st);
    }
    ASSERT_EQ(st.connections_open, 0);
    close(fd);
    hd_http_server_destroy(&s);
}

HD_TEST(limits_from_the_environment) {
    hd_http_limits_t l;
    unsetenv("HUDDLE_HTTP_REQUEST_TIMEOUT_MS");
    setenv("HUDDLE_HTTP_IDLE_TIMEOUT_MS", "1234", 1);
    setenv("HUDDLE_HTTP_MAX_CONNS", "-5", 1);
    setenv("HUDDLE_HTTP_MAX_CONNS_PER_ADDR", "7", 1);
    setenv("HUDDLE_HTTP_WRITE_TIMEOUT_MS", "nonsense", 1);
    hd_http_limits_from_config(&l);
    ASSERT_EQ(l.request_timeout_ms, 10000);
    ASSERT_EQ(l.idle_timeout_ms, 1234);
    ASSERT_EQ(l.max_conns, 1024);
    ASSERT_EQ(l.max_conns_per_addr, 7);
    ASSERT_EQ(l.write_buffer, 256 * 1024);
    ASSERT_EQ(l.write_timeout_ms, 30000);
    unsetenv("HUDDLE_HTTP_IDLE_TIMEOUT_MS");
    unsetenv("HUDDLE_HTTP_MAX_CONNS");
    unsetenv("HUDDLE_HTTP_MAX_CONNS_PER_ADDR");
    unsetenv("HUDDLE_HTTP_WRITE_TIMEOUT_MS");
}

HD_TEST_MAIN(
    HD_CASE(port_zero_picks_a_port), HD_CASE(slow_handler_does_not_delay_another_connection),
    HD_CASE(bad_addresses_are_refused), HD_CASE(keep_alive_two_requests_one_connection),
    HD_CASE(pipelined_requests_answered_in_order), HD_CASE(chunked_body_is_accepted),
    HD_CASE(oversize_body_gets_413), HD_CASE(malformed_request_gets_400_and_raw_bytes),
    HD_CASE(huge_header_gets_431), HD_CASE(query_params_are_decoded), HD_CASE(ipv6_loopback),
    HD_CASE(connection_close_and_http10), HD_CASE(head_has_length_but_no_body),
    HD_CASE(handler_without_answer_gets_500_drop_closes), HD_CASE(truncated_request_is_kept),
    HD_CASE(destroy_with_idle_connection_is_fast), HD_CASE(deferred_answers_keep_pipelined_order),
    HD_CASE(deferred_answer_after_the_client_left),
    HD_CASE(deferred_answer_posted_from_the_server_thread), HD_CASE(get_client_fails_cleanly),
    HD_CASE(strict_http_refusals_name_the_field), HD_CASE(slow_request_gets_408_at_the_deadline),
    HD_CASE(idle_connection_closes_quietly), HD_CASE(connection_caps_answer_503_and_429),
    HD_CASE(never_reading_client_is_closed), HD_CASE(unread_last_answer_is_not_waited_for),
    HD_CASE(limits_from_the_environment))
