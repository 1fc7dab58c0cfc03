/*  hd_deadletter_http: a stored HTTP request never keeps a credential
    (redaction), is read back for show and replay (parse), and is written
    the same way by the API (build). */
#include "hd_deadletter_http.h"
#include "hd_test.h"

#include <stdlib.h>
#include <string.h>

#define REQ                                                                            \
    "POST /v1/content?x=1 HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer hdt_secret\r\n" \
    "Content-Type: application/json\r\ncookie: s=1\r\n\r\n{\"Authorization: no\"}"

static int span_is(hd_dl_span_t s, const char *want) {
    return s.p && s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

HD_TEST(redact_replaces_credentials_only) {
    size_t n;
    char *r = hd_deadletter_http_redact(REQ, strlen(REQ), &n);
    ASSERT_EQ(n, strlen(r));
    ASSERT(!strstr(r, "hdt_secret") && !strstr(r, "s=1"));
    ASSERT(strstr(r, "Authorization: [redacted]\r\n"));
    ASSERT(strstr(r, "cookie: [redacted]\r\n"));
    ASSERT(strstr(r, "Content-Type: application/json\r\n"));
    ASSERT(strstr(r, "\r\n\r\n{\"Authorization: no\"}")); /* the body is untouched */
    size_t n2;
    char *again = hd_deadletter_http_redact(r, n, &n2); /* idempotent */
    ASSERT(n2 == n && memcmp(again, r, n) == 0);
    free(again);
    free(r);
}

HD_TEST(redact_a_broken_request_and_a_body) {
    const char *broken = "GARBAGE\nProxy-Authorization : Basic eA==\nAuthorization:x";
    size_t n;
    char *r = hd_deadletter_http_redact(broken, strlen(broken), &n);
    ASSERT_STR(r, "GARBAGE\nProxy-Authorization : [redacted]\nAuthorization: [redacted]");
    free(r);
    const char *body = "{\"text\": \"hello\"}";
    r = hd_deadletter_http_redact(body, strlen(body), &n);
    ASSERT_STR(r, body);
    free(r);
    const char bin[] = {'a', 0, '\xff', '\n'};
    r = hd_deadletter_http_redact(bin, sizeof bin, &n);
    ASSERT(n == sizeof bin && memcmp(r, bin, n) == 0);
    free(r);
    r = hd_deadletter_http_redact(NULL, 0, &n);
    ASSERT(r && n == 0);
    free(r);
}

HD_TEST(parse_a_request) {
    hd_dl_request_t q;
    ASSERT_EQ(hd_deadletter_http_parse(REQ, strlen(REQ), &q), 0);
    ASSERT(span_is(q.method, "POST") && span_is(q.target, "/v1/content?x=1"));
    ASSERT(span_is(q.version, "HTTP/1.1"));
    ASSERT_EQ(q.nheaders, 4);
    ASSERT(span_is(hd_deadletter_http_header(&q, "content-type"), "application/json"));
    ASSERT(hd_deadletter_http_header(&q, "Idempotency-Key").p == NULL);
    ASSERT(q.complete && span_is(q.body, "{\"Authorization: no\"}"));
}

HD_TEST(parse_refuses_what_is_not_a_request) {
    hd_dl_request_t q;
    ASSERT_EQ(hd_deadletter_http_parse("{\"a\": 1}", 8, &q), -1);
    ASSERT_EQ(hd_deadletter_http_parse("post / HTTP/1.1\r\n", 17, &q), -1);
    ASSERT_EQ(hd_deadletter_http_parse("GET / HTTP/1.1", 14, &q), -1); /* no line end */
    ASSERT_EQ(hd_deadletter_http_parse("GET  / HTTP/1.1\r\n", 17, &q), -1);
    ASSERT_EQ(hd_deadletter_http_parse("GET / HTTP/2\r\n", 14, &q), -1);
    ASSERT_EQ(hd_deadletter_http_parse(NULL, 0, &q), -1);
}

HD_TEST(parse_a_partial_request) {
    const char *p = "PUT /x HTTP/1.0\nA: 1\nbad header line\nB: 2\n";
    hd_dl_request_t q;
    ASSERT_EQ(hd_deadletter_http_parse(p, strlen(p), &q), 0);
    ASSERT_EQ(q.nheaders, 1);
    ASSERT(!q.complete && q.body.n == 0);
}

HD_TEST(build_then_parse) {
    const char *hdrs[] = {"Content-Type",  "application/json", "Idempotency-Key",
                          "k\r\n1",        "If-Match",         NULL,
                          "Authorization", "Bearer hdt_x",     NULL};
    const char body[] = {'{', 0, '}'};
    size_t n;
    char *raw = hd_deadletter_http_build("POST", "/v1/content", hdrs, body, sizeof body, &n);
    ASSERT(!strstr(raw, "hdt_x") && !strstr(raw, "If-Match"));
    hd_dl_request_t q;
    ASSERT_EQ(hd_deadletter_http_parse(raw, n, &q), 0);
    ASSERT(span_is(q.method, "POST") && span_is(q.target, "/v1/content"));
    ASSERT(span_is(hd_deadletter_http_header(&q, "Idempotency-Key"), "k  1"));
    ASSERT(span_is(hd_deadletter_http_header(&q, "Authorization"), "[redacted]"));
    ASSERT(q.complete && q.body.n == sizeof body && memcmp(q.body.p, body, sizeof body) == 0);
    free(raw);
}

HD_TEST_MAIN(HD_CASE(redact_replaces_credentials_only), HD_CASE(redact_a_broken_request_and_a_body),
             HD_CASE(parse_a_request), HD_CASE(parse_refuses_what_is_not_a_request),
             HD_CASE(parse_a_partial_request), HD_CASE(build_then_parse))
